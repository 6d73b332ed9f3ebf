// Combinations the methods cannot run in, found before anything is built. Each problem names both
// settings involved and how to fix it.
import type { MethodsConfig } from './config.js';

export class MethodConfigError extends Error {
  constructor(
    readonly problems: string[],
    /** Dotted keys at fault. */
    readonly keys: string[],
  ) {
    super(problems.length === 1 ? problems[0] : `invalid method settings:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MethodConfigError';
  }
}

/** The architectures whose hidden units continual backprop knows how to replace. */
const UNIT_ARCHITECTURES = ['mlp', 'cnn'];

/** Throws a MethodConfigError listing every problem; returns quietly when there is none. */
export function validateMethods(config: MethodsConfig): void {
  const { method, optimizer, model } = config;
  const problems: string[] = [];
  const keys: string[] = [];
  const problem = (key: string, text: string): void => {
    problems.push(text);
    keys.push(key);
  };
  const nte = method.nte;
  if (nte) {
    const what = nte.prune_only ? 'method.nte with prune_only=true (learning by pruning)' : 'method.nte';
    if (optimizer.name !== 'sgd') {
      problem('method.nte', `${what} replaces the optimizer's update (η is optimizer=sgd's lr), so it cannot run with optimizer=${optimizer.name}; use optimizer=sgd`);
    } else {
      if (optimizer.momentum) problem('optimizer.momentum', `${what} replaces the optimizer's update, so optimizer.momentum=${optimizer.momentum} would be ignored; set optimizer.momentum=0`);
      if (optimizer.weight_decay) problem('optimizer.weight_decay', `${what} replaces the optimizer's update, so optimizer.weight_decay=${optimizer.weight_decay} would be ignored; set optimizer.weight_decay=0`);
    }
    const lossTerms: [string, boolean][] = [
      ['method.l1', method.l1 !== undefined],
      ['method.l2', method.l2 !== undefined],
      ['method.ewc', method.ewc !== undefined],
      ['method.l2_init', method.l2_init !== undefined],
      ['method.spectral', method.spectral !== undefined],
    ];
    for (const [key, present] of lossTerms) {
      if (present) problem(key, `${what} learns from the cross-entropy of each example alone; ${key} adds a loss term it would never see. Remove ${key} or method.nte`);
    }
    if (method.ogd) problem('method.ogd', `${what} does not follow the gradient, so method.ogd's projection of it has no effect. Remove one of them`);
    for (const key of ['shrink_perturb', 'continual_backprop', 'redo', 'reset'] as const) {
      if (method[key]) {
        problem(`method.${key}`, `${what} keeps each weight's sign and magnitude as its own state; method.${key} rewrites weights behind it (flipping signs). Remove one of them`);
      }
    }
    if (nte.prune_rate != null && !nte.prune_only) problem('method.nte.prune_rate', 'method.nte.prune_rate applies only to learning by pruning; set method.nte.prune_only=true or remove prune_rate');
  }
  if (method.rule === 'RL' && nte) {
    problem('method.rule', `method.rule=RL trains on reward alone, but method.nte updates from each example's cross-entropy gradient, which needs the target; use method.rule=SL or remove method.nte`);
  }
  if (method.rule === 'Bio' && model.name !== 'mlp') {
    problem('method.rule', `method.rule=Bio (feedback alignment) routes errors through the Linear layers of an MLP; model=${model.name} has convolution, residual or attention paths it does not cover. Use model=mlp or method.rule=SL`);
  }
  const hiddenLayers = model.name === 'mlp' ? (model.hidden?.length ?? 0) : Number.POSITIVE_INFINITY;
  if (method.l1 !== undefined && hiddenLayers === 0) {
    problem('method.l1', 'method.l1 penalises hidden activations, but model.hidden=[] makes a linear model with none; add hidden layers or remove method.l1');
  }
  for (const key of ['continual_backprop', 'redo'] as const) {
    if (!method[key]) continue;
    if (!UNIT_ARCHITECTURES.includes(model.name)) {
      problem(`method.${key}`, `method.${key} replaces hidden units of ${UNIT_ARCHITECTURES.join(' and ')} models; model=${model.name} has residual or attention paths whose units have no single outgoing layer`);
    } else if (hiddenLayers === 0) {
      problem(`method.${key}`, `method.${key} replaces hidden units, but model.hidden=[] makes a linear model with none; add hidden layers`);
    } else if (model.activation === 'crelu') {
      problem('model.activation', `method.${key} replaces hidden units, but model.activation=crelu gives each unit two outputs in separate halves of the next layer's input; use another activation or remove method.${key}`);
    }
  }
  if (method.reset && model.name === 'mlp') {
    const names = [...Array.from({ length: hiddenLayers }, (_, index) => `layer${index + 1}`), 'head'];
    const unknown = method.reset.layers.filter((layer) => !names.includes(layer));
    if (unknown.length > 0) problem('method.reset.layers', `method.reset.layers names ${unknown.map((layer) => `'${layer}'`).join(', ')}, which model=mlp with ${hiddenLayers} hidden layers does not have; its layers are ${names.join(', ')}`);
    if (method.reset.layers.length === 0) problem('method.reset.layers', 'method.reset.layers is empty; name the layers to reset, e.g. [head]');
  }
  if (problems.length > 0) throw new MethodConfigError(problems, keys);
}
