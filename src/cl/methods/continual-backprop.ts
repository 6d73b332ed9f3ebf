// Continual backprop (Dohare et al. 2024, "Loss of plasticity in deep continual learning"): keep
// generating new hidden units by reinitialising the least useful mature ones, a small fraction per
// step, so that some units always have the trainability of a fresh network.
//
// Per hidden unit: its contribution utility u ← d·u + (1 − d)·mean_b|h|·mean|w_out| (the outgoing
// weights' magnitude times the unit's activation), bias-corrected as û = u / (1 − d^age) like
// Adam's moments; its age counts steps since it was (re)made. Each step, per member and layer, a
// fraction `replacement_rate` of the units older than `maturity_threshold` are replaced (the
// fractional part of the count is drawn), those with the lowest û. A replaced unit gets input
// weights drawn from the layer's initialisation and a zero bias, zero output weights (so the network
// function barely changes; its mean contribution moves into the next layer's bias, as in the
// authors' code), a reset norm, zero utility and age, and zero optimizer state for all of those.
//
// Units are those of unitLayers (unit-layers.ts); convolutional units' activations are the spatial
// means the CNN reports (equal to mean|h| after a ReLU). Adam counts steps per member, not per entry,
// so a replaced unit's moments restart from zero without their own bias correction.
import type { Model, ModelOutput } from '../../nn/models/model.js';
import { keep, noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import type { MemberRandom } from './random.js';
import { stochasticCounts, topPerMember } from './selection.js';
import { ownEntries } from './state.js';
import { float, int, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';
import { checkUnitModel, outgoingMagnitude, reinitializeUnits, unitLayers, type UnitLayer } from './unit-layers.js';

export interface ContinualBackpropOptions {
  replacementRate: number;
  decayRate: number;
  maturityThreshold: number;
}

interface UnitState {
  utility: Tensor;
  meanActivation: Tensor;
  age: Tensor;
}

export class ContinualBackprop implements Method {
  readonly name = 'continual_backprop';
  private layers: UnitLayer[] | null = null;
  private units: UnitState[] = [];
  private pending: Map<string, Tensor> | null = null;
  /** Units replaced so far, per member (for reports and tests). */
  replaced: number[];

  constructor(
    readonly options: ContinualBackpropOptions,
    private readonly random: MemberRandom,
  ) {
    this.replaced = new Array<number>(random.members).fill(0);
  }

  afterStep(state: LearnerState, output: ModelOutput): void {
    const layers = this.layersOf(state.model);
    const hidden = new Map(output.hidden);
    const { decayRate, replacementRate, maturityThreshold } = this.options;
    layers.forEach((layer, index) => {
      const activation = hidden.get(layer.name);
      if (!activation) throw new Error(`continual backprop: the model reported no hidden activations '${layer.name}'`);
      const units = this.units[index];
      scope(() =>
        noGrad(() => {
          const h = activation.detach();
          units.age.add_(1);
          units.utility.mul_(decayRate).add_(outgoingMagnitude(layer).mul(h.abs().mean(1)), 1 - decayRate);
          units.meanActivation.mul_(decayRate).add_(h.mean(1), 1 - decayRate);
          if (replacementRate === 0) return;
          const eligible = units.age.gt(maturityThreshold);
          const counts = Array.from(eligible.sum(1).data() as ArrayLike<number | bigint>, Number);
          const replace = stochasticCounts(counts, replacementRate, this.random.hostUniform()).map((count, member) => (state.active[member] ? count : 0));
          if (replace.every((count) => count === 0)) return;
          const correction = ops.fullLike(units.age, 1).sub(ops.fullLike(units.age, decayRate).pow(units.age));
          const corrected = units.utility.div(correction);
          const chosen = topPerMember(ops.where(eligible, corrected.neg(), ops.fullLike(corrected, Number.NEGATIVE_INFINITY)), replace);
          reinitializeUnits(layer, chosen, replace, this.random, state.optimizer, units.meanActivation.div(correction));
          const fresh = ops.logicalNot(chosen).to(units.age.dtypeName);
          for (const value of [units.utility, units.meanActivation, units.age]) value.mul_(fresh);
          replace.forEach((count, member) => (this.replaced[member] += count));
        }),
      );
    });
  }

  /** Each unit layer's bias-corrected utilities û, [R, U] (new tensors; 0 for units just made), in depth order. */
  utilities(): Tensor[] {
    const decay = this.options.decayRate;
    return noGrad(() =>
      this.units.map((units) => {
        const correction = ops.fullLike(units.age, 1).sub(ops.fullLike(units.age, decay).pow(units.age));
        return ops.where(units.age.gt(0), units.utility.div(correction), ops.zerosLike(units.utility));
      }),
    );
  }

  stateDict(): Map<string, Tensor> {
    const result = new Map(this.random.stateDict());
    this.units.forEach((units, index) => {
      result.set(`utility.${index}`, units.utility);
      result.set(`mean_activation.${index}`, units.meanActivation);
      result.set(`age.${index}`, units.age);
    });
    return result;
  }

  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    this.random.loadStateDict(own);
    this.pending = own;
  }

  private layersOf(model: Model): UnitLayer[] {
    if (this.layers) return this.layers;
    const layers = unitLayers(model);
    const pending = this.pending;
    this.units = layers.map((layer, index) => {
      const like = layer.incoming.weight;
      const shape = [model.members, like.shape[1]];
      const restored = (key: string): Tensor | undefined => pending?.get(`${key}.${index}`);
      const make = (key: string): Tensor => keep(restored(key)?.clone() ?? ops.zeros(shape, like.dtypeName, null, like.device));
      return { utility: make('utility'), meanActivation: make('mean_activation'), age: make('age') };
    });
    this.pending = null;
    this.layers = layers;
    return layers;
  }
}

/** Salt of the members' unit-reinitialisation streams. */
const SALT = 4_000_000_007;

export const continualBackpropMethod = defineMethod({
  key: 'continual_backprop',
  help: 'continual backprop: the least useful mature hidden units reinitialised after each update',
  algorithm: false,
  spec: optional(
    section(
      {
        replacement_rate: float({ min: 0, max: 1, default: 1e-4, help: 'fraction of mature units replaced per step' }),
        decay_rate: float({ min: 0, below: 1, default: 0.99, help: 'decay of the running unit utility (bias-corrected)' }),
        maturity_threshold: int({ min: 0, default: 100, help: 'steps a unit is protected from replacement after its reset' }),
      },
      { help: 'continual backprop (Dohare et al. 2024): reinitialise the least useful hidden units' },
    ),
  ),
  check(_value, config, problem) {
    checkUnitModel('continual_backprop', config, problem);
  },
  build: ({ replacement_rate: replacementRate, decay_rate: decayRate, maturity_threshold: maturityThreshold }, context) =>
    new ContinualBackprop({ replacementRate, decayRate, maturityThreshold }, context.random(SALT)),
});
