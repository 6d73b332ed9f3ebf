// Hidden units as the plasticity methods see them: the layer that makes them, its norm, and the
// layer that reads them, and how a chosen set of units is made anew. Continual backprop (Dohare et
// al. 2024) and ReDo (Sokar et al. 2023) both reinitialise units this way: input weights drawn from
// the layer's initialisation, a zero bias, zero outgoing weights (so the network function barely
// changes), a reset norm, and zero optimizer state for all of those.
//
// Units are the hidden layers of the MLP (Linear -> [norm] -> activation) and of the CNN (each
// convolution's channels, each dense layer's units).
import { widthFactor } from '../../nn/activation.js';
import { Conv2d } from '../../nn/conv.js';
import { kaimingUniformBound } from '../../nn/init.js';
import { Linear } from '../../nn/linear.js';
import { CNN } from '../../nn/models/cnn.js';
import { MLP } from '../../nn/models/mlp.js';
import type { Model } from '../../nn/models/model.js';
import { BatchNorm1d, BatchNorm2d, LayerNorm } from '../../nn/normalization.js';
import type { Optimizer } from '../../optim/index.js';
import { ops, type Tensor } from '../../tensor/index.js';
import { hiddenLayerCount, type MethodsView, type Problem } from './definition.js';
import type { MemberRandom } from './random.js';

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

/** The architectures whose hidden units unitLayers knows. */
const UNIT_ARCHITECTURES = ['mlp', 'cnn'];

/** The configurations in which method.<key> cannot find units to reinitialise (continual backprop, ReDo). */
export function checkUnitModel(key: string, config: MethodsView, problem: Problem): void {
  const { model } = config;
  if (!UNIT_ARCHITECTURES.includes(model.name)) {
    problem(`method.${key}`, `method.${key} replaces hidden units of ${UNIT_ARCHITECTURES.join(' and ')} models; model=${model.name} has residual or attention paths whose units have no single outgoing layer`);
  } else if (hiddenLayerCount(model) === 0) {
    problem(`method.${key}`, `method.${key} replaces hidden units, but model.hidden=[] makes a linear model with none; add hidden layers`);
  } else if (model.activation === 'crelu') {
    problem('model.activation', `method.${key} replaces hidden units, but model.activation=crelu gives each unit two outputs in separate halves of the next layer's input; use another activation or remove method.${key}`);
  }
}

/** The hidden-unit layers of an MLP or a CNN, in depth order; `method` names the caller in errors. */
export function unitLayers(model: Model, method = 'continual backprop'): UnitLayer[] {
  if (!(model instanceof MLP) && !(model instanceof CNN)) {
    throw new Error(`${method} replaces hidden units of the mlp and cnn models; ${model.constructor.name} has residual or attention paths whose units have no single outgoing layer`);
  }
  if (model instanceof MLP && widthFactor(model.activation) !== 1) {
    throw new Error(`${method} replaces hidden units, but activation ${model.activation} gives each unit ${widthFactor(model.activation)} outputs in separate blocks of the next layer's input; use another activation`);
  }
  // Blocks are registered as '{block}.linear' / '{block}.conv' (+ '{block}.norm') in depth order.
  const blocks = model
    .namedModules()
    .map(([path]) => /^([^.]+)\.(linear|conv)$/.exec(path))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ name: match[1], layer: model.child(`${match[1]}.${match[2]}`) as Linear | Conv2d }));
  return blocks.map((block, index) => {
    const outgoing = index + 1 < blocks.length ? blocks[index + 1].layer : model.head;
    const units = unitCount(block.layer);
    const reads = outgoing instanceof Linear ? outgoing.inFeatures : outgoing.inChannels;
    const norm = model.child(`${block.name}.norm`) ?? null;
    return { name: block.name, incoming: block.layer, norm: norm as UnitLayer['norm'], outgoing, span: reads / units };
  });
}

/** Units the layer makes: a Linear's outputs or a convolution's channels. */
export function unitCount(layer: Linear | Conv2d): number {
  return layer instanceof Linear ? layer.outFeatures : layer.outChannels;
}

/**
 * Reinitialises the chosen units, bool [R, U], of `layer` (counts[r] of them for member r), drawing
 * member r's new input weights from its own stream. With `meanActivation` [R, U], each chosen unit's
 * mean contribution first moves into the next layer's bias (continual backprop, as in the authors'
 * code); without it the outgoing weights are simply zeroed (ReDo).
 */
export function reinitializeUnits(layer: UnitLayer, chosen: Tensor, counts: readonly number[], random: MemberRandom, optimizer: Optimizer, meanActivation: Tensor | null = null): void {
  const { incoming, norm, outgoing, span } = layer;
  const [members, units] = chosen.shape;
  // Incoming weights: rows drawn afresh from the layer's initialisation, member by member.
  const weight = incoming.weight;
  const bound = incoming instanceof Linear ? incoming.weightBound : kaimingUniformBound(weight.numel / (members * units));
  counts.forEach((count, member) => {
    if (count === 0) return;
    const rows = ops.nonzero(chosen.select(0, member)).reshape(-1);
    const fresh = random.uniform_(ops.empty([1, count, ...weight.shape.slice(2)], weight.dtypeName, null, weight.device), -bound, bound, member);
    ops.indexPut_(weight.select(0, member), [rows], fresh.select(0, 0));
  });
  const inputMask = (parameter: Tensor): Tensor => chosen.reshape(members, units, ...new Array<number>(parameter.ndim - 2).fill(1));
  if (meanActivation && outgoing.bias) {
    const outgoingWeights = outgoing.weight.reshape(members, outgoing.weight.shape[1], units, -1).sum(3); // [R, O, U]
    outgoing.bias.add_(outgoingWeights.mul(chosen.to(meanActivation.dtypeName).mul(meanActivation).unsqueeze(1)).sum(2));
  }
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

/** Mean |w| of each unit's outgoing weights, [R, U]. */
export function outgoingMagnitude(layer: UnitLayer): Tensor {
  const weight = layer.outgoing.weight.detach();
  const [members, outputs] = weight.shape;
  return weight.abs().reshape(members, outputs, unitCount(layer.incoming), -1).mean([1, 3]);
}

/** The optimizer's state tensors of one parameter (its own tensors, so they can be edited). */
export function optimizerBuffers(optimizer: Optimizer, parameter: Tensor): Tensor[] {
  const index = optimizer.paramGroups.flatMap((group) => group.params).indexOf(parameter);
  if (index < 0) return [];
  const prefix = `state.${index}.`;
  return [...optimizer.stateDict()].filter(([key]) => key.startsWith(prefix) && key !== `${prefix}step`).map(([, value]) => value);
}
