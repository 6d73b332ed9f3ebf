// Resets at task boundaries (Nikishin, Schwarzer, D'Oro, Bacon & Courville 2022, "The Primacy Bias in
// Deep Reinforcement Learning"): before every task but the first, the named layers are drawn afresh
// from their initialisation and their optimizer state is zeroed, while the rest of the network keeps
// what it learned. layers: [head] is a head reset (the output layer only); naming hidden blocks as
// well ([layer2, head]) resets the last layers, as Nikishin et al. reset the last layers of their
// agents. Each member draws from its own stream; stopped members are left alone.
import { optional, section, strings } from '../../config/spec.js';
import type { Model } from '../../nn/models/model.js';
import type { Module } from '../../nn/module.js';
import { noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import { defineMethod, hiddenLayerCount } from './definition.js';
import type { MemberRandom } from './random.js';
import { ownEntries } from './state.js';
import { optimizerBuffers } from './unit-layers.js';

export class LayerReset implements Method {
  readonly name = 'reset';

  constructor(
    /** Module paths of the model (a block such as 'layer2' covers 'layer2.linear' and 'layer2.norm'). */
    readonly layers: readonly string[],
    private readonly random: MemberRandom,
  ) {
    if (layers.length === 0) throw new Error("reset: layers is empty; name the layers to reset at each task boundary, e.g. [head]");
  }

  beforeTask(state: LearnerState, task: number): void {
    // The layers are looked up on every boundary, the first included, so a misspelt name fails
    // before any training.
    const modules = resetModules(state.model, this.layers);
    if (task === 0) return;
    scope(() =>
      noGrad(() => {
        const device = state.model.parameters()[0]?.device ?? 'cpu';
        // resetMember draws only the member's own slice, so stopped members keep their values.
        for (const module of modules) {
          state.active.forEach((active, member) => {
            if (active) module.resetMember(member, this.random.generator(member, device));
          });
        }
        const parameters = new Set(modules.flatMap((module) => module.parameters()));
        for (const parameter of parameters) {
          for (const buffer of optimizerBuffers(state.optimizer, parameter)) {
            state.active.forEach((active, member) => {
              if (active) ops.zero_(buffer.select(0, member));
            });
          }
        }
      }),
    );
  }

  stateDict(): Map<string, Tensor> {
    return this.random.stateDict();
  }

  loadStateDict(state: Map<string, Tensor>): void {
    this.random.loadStateDict(ownEntries(state, this.name));
  }
}

/** The modules that hold parameters or buffers under each named path, in model order. */
export function resetModules(model: Model, layers: readonly string[]): Module[] {
  const modules = model.namedModules();
  const chosen = new Set<Module>();
  for (const layer of layers) {
    const found = modules.filter(([path]) => path === layer || path.startsWith(`${layer}.`));
    if (found.length === 0) {
      const blocks = [...new Set(modules.map(([path]) => path.split('.')[0]).filter((path) => path !== ''))];
      throw new Error(`method.reset.layers: the model has no layer '${layer}'; its layers are ${blocks.join(', ')}`);
    }
    for (const [, module] of found) chosen.add(module);
  }
  return modules.map(([, module]) => module).filter((module) => chosen.has(module));
}

/** Salt of the members' reinitialisation streams. */
const SALT = 8_000_000_011;

export const resetMethod = defineMethod({
  key: 'reset',
  help: 'head or layer reset: chosen layers drawn afresh at every task boundary',
  algorithm: false,
  spec: optional(
    section(
      {
        layers: strings({ default: ['head'], help: 'layers drawn afresh from their initialisation before every task but the first: [head] is a head reset; e.g. [layer2, head] resets the last two (mlp names: layer1, layer2, ..., head)' }),
      },
      { help: "head or layer reset at task boundaries (Nikishin et al. 2022), with the reset layers' optimizer state zeroed" },
    ),
  ),
  check({ layers }, config, problem) {
    if (layers.length === 0) problem('method.reset.layers', 'method.reset.layers is empty; name the layers to reset, e.g. [head]');
    // Other architectures' module names are checked against the built model before the first step.
    if (config.model.name !== 'mlp') return;
    const hidden = hiddenLayerCount(config.model);
    const names = [...Array.from({ length: hidden }, (_, index) => `layer${index + 1}`), 'head'];
    const unknown = layers.filter((layer) => !names.includes(layer));
    if (unknown.length > 0) problem('method.reset.layers', `method.reset.layers names ${unknown.map((layer) => `'${layer}'`).join(', ')}, which model=mlp with ${hidden} hidden layers does not have; its layers are ${names.join(', ')}`);
  },
  build: ({ layers }, context) => new LayerReset(layers, context.random(SALT)),
});
