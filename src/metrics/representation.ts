// Seed 001's first measure of representation strength: how far a class's mean representation stands
// out from that of all samples, in units of each feature's spread. (The other two measures, the norm
// of a linear probe's class coefficients and the probe's per-class accuracy, come with fitProbe.)
import { ops, scope, type Tensor } from '../tensor/index.js';
import { checkActivations } from './checks.js';
import { classPositions, type ClassList, oneHotPositions } from './labels.js';

/**
 * Class saliency norm (docs/metrics.md): with m and s the mean and standard deviation (1/n) of
 * every feature over the samples of the listed classes, and m_k the mean over those of class k,
 * strength_k = ‖ (m_k − m) / (s + 1e-9) ‖_2,
 * with s² formed as E[x²] − m² from sums in the features' precision.
 * features [R, N, H], labels [N] or [R, N] → [R, K] (float64), NaN for a class with no sample.
 */
export function classSaliencyNorm(features: Tensor, labels: Tensor, classes: ClassList): Tensor {
  checkActivations(features, 'classSaliencyNorm');
  const [members] = features.shape;
  return scope(() => {
    const { positions, numClasses } = classPositions(labels, classes, members, 'classSaliencyNorm');
    const x = features.detach();
    // Per-class sums of x and x² through two batched products with the one-hot membership (in the
    // features' dtype); everything after works on [R, K, H] in float64.
    const membership = oneHotPositions(positions, numClasses).to(x.dtypeName);
    const classSums = ops.bmm(membership.transpose(1, 2), x).to('float64');
    const squares = x.square();
    const classSquares = ops.bmm(membership.transpose(1, 2), squares).to('float64');
    const perClassCount = membership.sum(1).to('float64').unsqueeze(2);
    const count = perClassCount.sum(1, true);
    const mean = classSums.sum(1, true).div(count);
    const std = classSquares.sum(1, true).div(count).sub(mean.square()).clamp(0).sqrt();
    const classMean = classSums.div(perClassCount);
    return classMean.sub(mean).div(std.add(1e-9)).norm(2, 2);
  });
}
