// Losses for populations. Each member's loss is the mean over its own batch, and the population is
// trained on the sum over members, so member r receives exactly the gradient of its own loss.
import { ops, type Tensor } from '../tensor/index.js';

export interface PopulationLoss {
  /** The scalar to call backward() on: the sum of the members' losses. */
  total: Tensor;
  /** Each member's mean loss, [R] (detached). */
  perMember: Tensor;
}

/** Cross-entropy of logits [R, B, C] against integer targets [R, B] (or shared [B]). */
export function crossEntropy(logits: Tensor, targets: Tensor): PopulationLoss {
  const [members, batch, classes] = logits.shape;
  const perMemberTargets = targets.ndim === 1 ? targets.unsqueeze(0).expand(members, batch) : targets;
  if (members === 1) {
    // One member: PyTorch's mean reduction, so the numbers are torch.nn.functional.cross_entropy's.
    const total = ops.crossEntropy(logits.select(0, 0), perMemberTargets.select(0, 0));
    return { total, perMember: total.detach().reshape(1) };
  }
  const losses = ops.crossEntropy(logits.reshape(members * batch, classes), perMemberTargets.reshape(members * batch), null, 0).view(members, batch);
  const perMember = losses.mean(1);
  return { total: perMember.sum(), perMember: perMember.detach() };
}

/**
 * Mean squared error of one output per example, outputs [R, B, 1], against real targets [R, B]:
 * torch.nn.functional.mse_loss per member. The regression scenarios train on it (docs/methods.md,
 * "Measured: slowly-changing regression").
 */
export function meanSquaredError(outputs: Tensor, targets: Tensor): PopulationLoss {
  const [members, batch, width] = outputs.shape;
  if (width !== 1) throw new Error(`meanSquaredError: a regression network has one output, got ${width}`);
  const perMember = outputs.reshape(members, batch).sub(targets.to(outputs.dtypeName)).square().mean([1]);
  return { total: perMember.sum(), perMember: perMember.detach() };
}

/** What a population trains on: the cross-entropy of its logits (classification) or the squared error of its one output (regression). */
export type LossName = 'cross_entropy' | 'mse';

export function populationLoss(name: LossName, outputs: Tensor, targets: Tensor): PopulationLoss {
  return name === 'mse' ? meanSquaredError(outputs, targets) : crossEntropy(outputs, targets);
}
