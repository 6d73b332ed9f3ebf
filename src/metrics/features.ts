// Whole-layer magnitudes of a representation: how much of it is zero, and how large it is.
// Activations are [R, N, H] (members, inputs, units); results are one value per member, [R] (float64).
import { scope, type Tensor } from '../tensor/index.js';
import { checkActivations } from './checks.js';
import { countPositive_ } from './counting.js';

/**
 * Population sparsity (docs/metrics.md): the fraction of all activations of the layer, over every input and
 * unit, that are exactly zero,
 * sparsity = (1/(N H)) Σ_n Σ_h [a_nh = 0].
 * Seed 001 sees it rise task after task in the 84-unit layer of the sequential MLP.
 */
export function populationSparsity(activations: Tensor): Tensor {
  checkActivations(activations, 'populationSparsity');
  return scope(() => {
    const [, samples, units] = activations.shape;
    const nonzero = countPositive_(activations.detach().abs(), [1, 2]).to('float64');
    return nonzero.neg().add(samples * units).div(samples * units);
  });
}

/**
 * Feature norm (the Plasticine benchmark, RLE-Foundation/Plasticine, compute_feature_norm): the mean
 * Euclidean norm of the layer's feature vector over the inputs,
 * feature_norm = (1/N) Σ_n ‖a_n·‖_2.
 */
export function featureNorm(activations: Tensor): Tensor {
  checkActivations(activations, 'featureNorm');
  return scope(() => activations.detach().norm(2, 2).mean(1).to('float64'));
}
