// The methods plab knows, in the order their hooks run within a step and at a task boundary
// (docs/methods.md): the learning rule's own method (RL's reward signal, Bio's feedback matrices);
// replay mixes the batch (LwF's teacher then sees the batch the loss sees); loss terms (LwF, L2, L1,
// L2 Init, spectral, EWC, SI, MAS, DER) and ER-ACE's learning signal; A-GEM's and OGD's projections
// of the gradients; GDumb's skipped update, or the NTE or pruning update in place of the
// optimizer's; then continual backprop, shrink-and-perturb and ReDo after the update; the layer
// reset acts at task boundaries. The method group's schema, the validation at config composition and buildMethods all
// come from this list: a new method is its own file and one line here (docs/architecture.md).
import type { Infer, KeySpec } from '../../config/spec.js';
import { choice } from '../../config/spec.js';
import type { Method } from '../method.js';
import { activationL1Method } from './activation-l1.js';
import { continualBackpropMethod } from './continual-backprop.js';
import { isRuleMethod, memberRandom, type KeyMethod, type MethodDefinition, type MethodsView, type RuleMethod } from './definition.js';
import { agemMethod } from './agem.js';
import { derMethod } from './der.js';
import { erAceMethod } from './er-ace.js';
import { ewcMethod } from './ewc.js';
import { feedbackAlignmentMethod } from './feedback-alignment.js';
import { gdumbMethod } from './gdumb.js';
import { l2InitMethod } from './l2-init.js';
import { icarlMethod } from './icarl.js';
import { lwfMethod } from './lwf.js';
import { masMethod } from './mas.js';
import { nteMethod } from './nte.js';
import { ogdMethod } from './ogd.js';
import { redoMethod } from './redo.js';
import { reinforceMethod } from './reinforce.js';
import { replayMethod } from './replay.js';
import { resetMethod } from './reset.js';
import { shrinkPerturbMethod } from './shrink-perturb.js';
import { siMethod } from './si.js';
import { spectralMethod } from './spectral.js';
import { weightDecayMethod } from './weight-decay.js';

/** Every method, in hook order. */
export const methodRegistry = [
  reinforceMethod,
  feedbackAlignmentMethod,
  replayMethod,
  lwfMethod,
  weightDecayMethod,
  activationL1Method,
  l2InitMethod,
  spectralMethod,
  ewcMethod,
  siMethod,
  masMethod,
  derMethod,
  erAceMethod,
  agemMethod,
  ogdMethod,
  gdumbMethod,
  icarlMethod,
  nteMethod,
  continualBackpropMethod,
  shrinkPerturbMethod,
  redoMethod,
  resetMethod,
] as const satisfies readonly MethodDefinition[];

type Registered = (typeof methodRegistry)[number];

/** The learning rule that needs no method: plain backpropagation of the cross-entropy. */
const SUPERVISED = 'SL';

export type RuleName = typeof SUPERVISED | Extract<Registered, RuleMethod>['rule'];

/** The method group's keys: method.rule, then one optional key per remedy, in hook order. */
export type MethodKeys = { rule: KeySpec<RuleName, false> } & { [M in Extract<Registered, KeyMethod> as M['key']]: M['spec'] };

const rules = (methodRegistry as readonly MethodDefinition[]).filter(isRuleMethod);

export const methodKeys = {
  rule: choice([SUPERVISED, ...rules.map((definition) => definition.rule)], {
    help: `error signal: ${[`${SUPERVISED} supervised backprop`, ...rules.map((definition) => `${definition.rule} ${definition.help}`)].join('; ')}; names the algorithm directory`,
  }),
  ...Object.fromEntries(methodRegistry.flatMap((definition) => (isRuleMethod(definition) ? [] : [[definition.key, definition.spec]]))),
} as MethodKeys;

/** A resolved method section of a config (conf/method/*.yaml plus the + keys). */
export type MethodSection = Infer<MethodKeys>;

/** The part of an experiment's configuration that the methods read. A resolved ExperimentConfig has this shape. */
export type MethodsConfig = Omit<MethodsView, 'method'> & { method: MethodSection };

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

/** The configured value of a definition: its section or key, or for a rule whether it is the chosen one. */
function selected(definition: MethodDefinition, config: MethodsView): { value: unknown } | null {
  if (isRuleMethod(definition)) return config.method.rule === definition.rule ? { value: undefined } : null;
  const value = config.method[definition.key];
  return value === undefined ? null : { value };
}

/** The configured methods, in hook order, with their values. */
function configured(config: MethodsView): [MethodDefinition, unknown][] {
  return methodRegistry.flatMap((definition: MethodDefinition) => {
    const choice = selected(definition, config);
    return choice ? [[definition, choice.value] as [MethodDefinition, unknown]] : [];
  });
}

/** Throws a MethodConfigError listing every combination the configured methods cannot run in. */
export function validateMethods(config: MethodsConfig): void {
  const view = config as MethodsView;
  const problems: string[] = [];
  const keys: string[] = [];
  for (const [definition, value] of configured(view)) {
    definition.check?.(value as never, view, (key, text) => {
      problems.push(text);
      keys.push(key);
    });
  }
  if (problems.length > 0) throw new MethodConfigError(problems, keys);
}

export interface PopulationMethods {
  /** Member r's seed, from which its method streams derive; default config.seed + r (the learner's). */
  seeds?: readonly number[];
  /**
   * false: only the methods that are the learning algorithm itself (see MethodDefinition.algorithm).
   * A baseline population (expert, joint) trains with these alone: the experts learn by the same
   * algorithm as the learner, without its remedies.
   */
  remedies?: boolean;
}

/** Validates the configuration (see validateMethods) and builds its methods, in hook order. */
export function buildMethods(config: MethodsConfig, population: PopulationMethods = {}): Method[] {
  validateMethods(config);
  const view = config as MethodsView;
  const seeds = population.seeds ?? Array.from({ length: config.training.members }, (_, member) => config.seed + member);
  const context = { config: view, seeds, random: memberRandom(seeds) };
  const remedies = population.remedies ?? true;
  return configured(view)
    .filter(([definition]) => remedies || definition.algorithm)
    .map(([definition, value]) => definition.build(value as never, context));
}
