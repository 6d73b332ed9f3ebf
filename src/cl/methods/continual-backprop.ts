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
// Units are the hidden layers of the MLP (Linear -> [norm] -> activation) and of the CNN (each
// convolution's channels, each dense layer's units). Convolutional units' activations are the
// spatial means the CNN reports (equal to mean|h| after a ReLU). Adam counts steps per member, not
// per entry, so a replaced unit's moments restart from zero without their own bias correction.
import { Conv2d } from '../../nn/conv.js';
import { kaimingUniformBound } from '../../nn/init.js';
import { Linear } from '../../nn/linear.js';
import { CNN } from '../../nn/models/cnn.js';
import { MLP } from '../../nn/models/mlp.js';
import type { Model, ModelOutput } from '../../nn/models/model.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from '../../nn/normalization.js';
import type { Optimizer } from '../../optim/index.js';
import { keep, noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import type { MemberRandom } from './random.js';
import { stochasticCounts, topPerMember } from './selection.js';
import { ownEntries } from './state.js';
import { float, int, optional, section } from '../../config/spec.js';
import { defineMethod, hiddenLayerCount } from './definition.js';

export interface ContinualBackpropOptions {
  replacementRate: number;
  decayRate: number;
  maturityThreshold: number;
}

/** A layer of hidden units: the layer that makes them, its norm, and the layer that reads them. */
export interface UnitLayer {
  /** The name of its activations in ModelOutput.hidden. */
  name: string;
  incoming: Linear | Conv2d;
  norm: BatchNorm1d | BatchNorm2d | LayerNorm | null;
  outgoing: Linear | Conv2d;
  /** Input entries of `outgoing` per unit: 1, or H·W where convolutional channels are flattened. */
  span: number;
}

/** The hidden-unit layers of an MLP or a CNN, in depth order. */
export function unitLayers(model: Model): UnitLayer[] {
  if (!(model instanceof MLP) && !(model instanceof CNN)) {
    throw new Error(`continual backprop replaces hidden units of the mlp and cnn models; ${model.constructor.name} has residual or attention paths whose units have no single outgoing layer`);
  }
  // Blocks are registered as '{block}.linear' / '{block}.conv' (+ '{block}.norm') in depth order.
  const blocks = model
    .namedModules()
    .map(([path]) => /^([^.]+)\.(linear|conv)$/.exec(path))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ name: match[1], layer: model.child(`${match[1]}.${match[2]}`) as Linear | Conv2d }));
  return blocks.map((block, index) => {
    const outgoing = index + 1 < blocks.length ? blocks[index + 1].layer : model.head;
    const units = block.layer instanceof Linear ? block.layer.outFeatures : block.layer.outChannels;
    const reads = outgoing instanceof Linear ? outgoing.inFeatures : outgoing.inChannels;
    const norm = model.child(`${block.name}.norm`) ?? null;
    return { name: block.name, incoming: block.layer, norm: norm as UnitLayer['norm'], outgoing, span: reads / units };
  });
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
          this.replaceUnits(layer, chosen, replace, units.meanActivation.div(correction), state.optimizer);
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

  /** Reinitialises the chosen units [R, U] of `layer` (counts[r] of them for member r). */
  private replaceUnits(layer: UnitLayer, chosen: Tensor, counts: readonly number[], meanActivation: Tensor, optimizer: Optimizer): void {
    const { incoming, norm, outgoing, span } = layer;
    const [members, units] = chosen.shape;
    // Incoming weights: rows drawn afresh from the layer's initialisation, member by member.
    const weight = incoming.weight;
    const bound = kaimingUniformBound(weight.numel / (members * units));
    counts.forEach((count, member) => {
      if (count === 0) return;
      const rows = ops.nonzero(chosen.select(0, member)).reshape(-1);
      const fresh = this.random.uniform_(ops.empty([1, count, ...weight.shape.slice(2)], weight.dtypeName, null, weight.device), -bound, bound, member);
      ops.indexPut_(weight.select(0, member), [rows], fresh.select(0, 0));
    });
    const inputMask = (parameter: Tensor): Tensor => chosen.reshape(members, units, ...new Array<number>(parameter.ndim - 2).fill(1));
    // Outgoing: the unit's mean contribution moves into the next bias, then its weights become zero.
    const outgoingWeights = outgoing.weight.reshape(members, outgoing.weight.shape[1], units, -1).sum(3); // [R, O, U]
    if (outgoing.bias) outgoing.bias.add_(outgoingWeights.mul(chosen.to(meanActivation.dtypeName).mul(meanActivation).unsqueeze(1)).sum(2));
    const outputMask =
      outgoing instanceof Linear
        ? chosen.unsqueeze(2).expand(members, units, span).reshape(members, 1, units * span)
        : chosen.reshape(members, 1, units, 1, 1);
    const resets: [Tensor, Tensor, number | null][] = [[weight, inputMask(weight), null]];
    if (incoming.bias) resets.push([incoming.bias, chosen, 0]);
    if (norm?.weight) resets.push([norm.weight, chosen, 1]);
    if (norm?.bias) resets.push([norm.bias, chosen, 0]);
    resets.push([outgoing.weight, outputMask, 0]);
    for (const [parameter, mask, value] of resets) {
      if (value !== null) ops.maskedFill_(parameter, mask, value);
      for (const buffer of optimizerBuffers(optimizer, parameter)) ops.maskedFill_(buffer, mask, 0);
    }
    if (norm instanceof BatchNorm1d || norm instanceof BatchNorm2d) {
      ops.maskedFill_(norm.runningMean, chosen, 0);
      ops.maskedFill_(norm.runningVar, chosen, 1);
    }
  }
}

/** Mean |w| of each unit's outgoing weights, [R, U]. */
function outgoingMagnitude(layer: UnitLayer): Tensor {
  const weight = layer.outgoing.weight.detach();
  const [members, outputs] = weight.shape;
  const units = layer.incoming instanceof Linear ? layer.incoming.outFeatures : layer.incoming.outChannels;
  return weight.abs().reshape(members, outputs, units, -1).mean([1, 3]);
}

/** The optimizer's state tensors of one parameter (its own tensors, so they can be edited). */
export function optimizerBuffers(optimizer: Optimizer, parameter: Tensor): Tensor[] {
  const index = optimizer.paramGroups.flatMap((group) => group.params).indexOf(parameter);
  if (index < 0) return [];
  const prefix = `state.${index}.`;
  return [...optimizer.stateDict()].filter(([key]) => key.startsWith(prefix) && key !== `${prefix}step`).map(([, value]) => value);
}

/** Salt of the members' unit-reinitialisation streams. */
const SALT = 4_000_000_007;

/** The architectures whose hidden units continual backprop knows how to replace. */
const UNIT_ARCHITECTURES = ['mlp', 'cnn'];

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
    if (!UNIT_ARCHITECTURES.includes(config.model.name)) {
      problem('method.continual_backprop', `method.continual_backprop replaces hidden units of ${UNIT_ARCHITECTURES.join(' and ')} models; model=${config.model.name} has residual or attention paths whose units have no single outgoing layer`);
    } else if (hiddenLayerCount(config.model) === 0) {
      problem('method.continual_backprop', 'method.continual_backprop replaces hidden units, but model.hidden=[] makes a linear model with none; add hidden layers');
    }
  },
  build: ({ replacement_rate: replacementRate, decay_rate: decayRate, maturity_threshold: maturityThreshold }, context) =>
    new ContinualBackprop({ replacementRate, decayRate, maturityThreshold }, context.random(SALT)),
});
