// ReDo, recycling dormant neurons (Sokar, Agarwal, Castro & Evci 2023, "The Dormant Neuron
// Phenomenon in Deep Reinforcement Learning"): every `every` steps, score each hidden unit on the
// current batch, s = mean_b|h| / (layer average of mean_b|h|), and reinitialise the τ-dormant ones
// (s ≤ τ): input weights drawn from the layer's initialisation, zero outgoing weights, zero optimizer
// state (reinitializeUnits). The score is dormant_ratio's (docs/metrics.md), so the metric reports
// what the method acts on. Each member recycles its own units, with its own random stream.
import { float, int, optional, section } from '../../config/spec.js';
import type { ModelOutput } from '../../nn/models/model.js';
import { dormantUnits } from '../../metrics/units.js';
import { noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import { defineMethod } from './definition.js';
import { memberMask } from './parameters.js';
import type { MemberRandom } from './random.js';
import { ownEntries } from './state.js';
import { checkUnitModel, reinitializeUnits, unitLayers } from './unit-layers.js';

export interface RedoOptions {
  /** τ: a unit whose normalised score is at most τ is dormant. */
  tau: number;
  /** Steps between recycling passes (the learner's global step count). */
  every: number;
}

export class Redo implements Method {
  readonly name = 'redo';
  /** Units recycled so far, per member (for reports and tests). */
  readonly recycled: number[];

  constructor(
    readonly options: RedoOptions,
    private readonly random: MemberRandom,
  ) {
    this.recycled = new Array<number>(random.members).fill(0);
  }

  afterStep(state: LearnerState, output: ModelOutput): void {
    // state.step counts the steps before this one, so the pass follows steps every, 2·every, ...
    if ((state.step + 1) % this.options.every !== 0) return;
    const hidden = new Map(output.hidden);
    for (const layer of unitLayers(state.model, 'redo')) {
      const activation = hidden.get(layer.name);
      if (!activation) throw new Error(`redo: the model reported no hidden activations '${layer.name}'`);
      scope(() =>
        noGrad(() => {
          const active = memberMask(state.active, activation).reshape(state.members, 1).gt(0);
          const chosen = ops.logicalAnd(dormantUnits(activation.detach().abs().mean(1), this.options.tau), active);
          const counts = Array.from(chosen.sum(1).data() as ArrayLike<number | bigint>, Number);
          if (counts.every((count) => count === 0)) return;
          reinitializeUnits(layer, chosen, counts, this.random, state.optimizer);
          counts.forEach((count, member) => (this.recycled[member] += count));
        }),
      );
    }
  }

  stateDict(): Map<string, Tensor> {
    return this.random.stateDict();
  }

  loadStateDict(state: Map<string, Tensor>): void {
    this.random.loadStateDict(ownEntries(state, this.name));
  }
}

/** Salt of the members' unit-reinitialisation streams. */
const SALT = 7_000_000_001;

export const redoMethod = defineMethod({
  key: 'redo',
  help: 'ReDo: τ-dormant hidden units reinitialised every few steps',
  algorithm: false,
  spec: optional(
    section(
      {
        tau: float({ min: 0, default: 0.1, help: "τ: a unit whose mean |activation| over the batch, divided by its layer's average, is at most τ is dormant and recycled" }),
        every: int({ min: 1, default: 1000, help: 'steps between recycling passes (counted over the whole run)' }),
      },
      { help: 'ReDo (Sokar et al. 2023): reinitialise τ-dormant hidden units, incoming weights from the initialisation, outgoing weights zero (mlp, cnn)' },
    ),
  ),
  check(_value, config, problem) {
    checkUnitModel('redo', config, problem);
  },
  build: (settings, context) => new Redo({ ...settings }, context.random(SALT)),
});
