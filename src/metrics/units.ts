// Unit-level health of a hidden layer: units that never fire, that copy another unit, that no longer
// receive gradient, or that contribute almost nothing. Activations are [R, N, H] (members, inputs,
// units); every measure returns the fraction of the H units in that state, per member, [R] (float64).
import { ops, scope, type Tensor } from '../tensor/index.js';
import { checkActivations, checkRange, checkSameShape } from './checks.js';
import { countBelow_ } from './counting.js';

export interface DeadOptions {
  /** A unit is dead if it is (near) zero on more than this fraction of inputs. Default 0.95. */
  threshold?: number;
  /** |a| below this counts as zero. Default 1e-7. */
  zeroTolerance?: number;
}

/**
 * dead_fraction (docs/metrics.md; Dohare et al. 2024): the fraction of units whose activation is zero, |a| < 1e-7, on more than
 * `threshold` (95%) of the inputs,
 * dead_fraction = (1/H) Σ_h [ (1/N) Σ_n [|a_nh| < 1e-7] > threshold ].
 */
export function deadFraction(activations: Tensor, options: DeadOptions = {}): Tensor {
  checkActivations(activations, 'deadFraction');
  const threshold = checkRange(options.threshold ?? 0.95, 0, 1, 'deadFraction: threshold');
  const zeroTolerance = options.zeroTolerance ?? 1e-7;
  return scope(() => {
    const magnitude = activations.detach().abs();
    const zeroShare = countBelow_(magnitude, zeroTolerance, 1).to('float64').div(activations.shape[1]);
    return deadFromZeroShare(zeroShare, threshold);
  });
}

/** dead_fraction from each unit's share of (near-)zero inputs [R, H]. */
export function deadFromZeroShare(zeroShare: Tensor, threshold: number): Tensor {
  return zeroShare.gt(threshold).to('float64').mean(1);
}

/**
 * The Pearson correlation between every pair of units over the inputs: [R, N, H] → [R, H, H]
 * (float64). A constant unit has no defined correlation; it gets 0 with every unit.
 */
export function unitCorrelations(activations: Tensor): Tensor {
  checkActivations(activations, 'unitCorrelations', 2);
  return scope(() => {
    const a = activations.detach().to('float64');
    return correlationsOfGram(ops.bmm(a.transpose(1, 2), a), a.sum(1), a.square().sum(1), activations.shape[1]);
  });
}

/**
 * Unit correlations from the Gram matrix G = AᵀA [R, H, H] (float64), the column sums Σ_n a [R, H],
 * the column sums of squares Σ_n a² [R, H] and N: cov = G/N − μμᵀ, corr = cov / sqrt(var_h var_g).
 * Shares the Gram matrix with the spectrum (one product per layer). A unit whose variance is below
 * 1e-12 of its mean square is treated as constant.
 */
export function correlationsOfGram(gram: Tensor, sums: Tensor, squareSums: Tensor, samples: number): Tensor {
  return scope(() => {
    const mean = sums.to('float64').div(samples);
    const meanSquare = squareSums.to('float64').div(samples);
    const covariance = gram.div(samples).sub(mean.unsqueeze(2).mul(mean.unsqueeze(1)));
    const variance = meanSquare.sub(mean.square());
    const varying = variance.gt(meanSquare.mul(1e-12));
    const inverseStd = ops.where(varying, ops.rsqrt(variance.clamp(1e-300)), ops.zerosLike(variance));
    return covariance.mul(inverseStd.unsqueeze(2)).mul(inverseStd.unsqueeze(1));
  });
}

/**
 * dup_fraction (docs/metrics.md): the fraction of units whose activations over the inputs correlate above
 * `threshold` (0.95) with those of another unit of the same layer (Pearson correlation, so a unit
 * and its scaled copy are duplicates; both units of such a pair count),
 * dup_fraction = (1/H) Σ_h [ max_{g≠h} corr(a_·h, a_·g) > threshold ].
 * Seed 003's code compares uncentred cosine similarity and counts only one unit of each pair; this
 * follows its written definition.
 */
export function duplicateFraction(activations: Tensor, threshold = 0.95): Tensor {
  checkRange(threshold, -1, 1, 'duplicateFraction: threshold');
  return scope(() => duplicateFractionOfCorrelations(unitCorrelations(activations), threshold));
}

/** dup_fraction from unit correlations [R, H, H]; see duplicateFraction. */
export function duplicateFractionOfCorrelations(correlations: Tensor, threshold = 0.95): Tensor {
  return scope(() => {
    const units = correlations.shape[1];
    const offDiagonal = ops.logicalNot(ops.eye(units, 'bool'));
    const similar = ops.logicalAnd(correlations.gt(threshold), offDiagonal).to('float64');
    return similar.amax(2).mean(1);
  });
}

export interface SaturationOptions {
  /** A unit is saturated on an input when |∂L/∂a| / mean_n |a| is below this. Default 1e-4. */
  threshold?: number;
  /** …on more than this fraction of inputs. Default 0.99. */
  percentage?: number;
}

/**
 * saturated_frac (docs/metrics.md): the fraction of units whose gradient is negligible relative to their
 * typical activation on nearly all inputs. With g_nh = ∂L/∂a_nh (the gradient of the loss at the
 * layer's output, on the same inputs) and m_h = max(mean_n |a_nh|, 1e-12):
 * saturated_frac = (1/H) Σ_h [ (1/N) Σ_n [ |g_nh| / m_h < threshold ] > percentage ],
 * threshold 1e-4 and percentage 0.99 by default. gradients: [R, N, H] like activations.
 */
export function saturatedFraction(activations: Tensor, gradients: Tensor, options: SaturationOptions = {}): Tensor {
  checkActivations(activations, 'saturatedFraction');
  checkSameShape(activations, gradients, 'saturatedFraction', 'gradients');
  const threshold = options.threshold ?? 1e-4;
  const percentage = checkRange(options.percentage ?? 0.99, 0, 1, 'saturatedFraction: percentage');
  return scope(() => saturatedFromTypical(activations.detach().abs().mean(1, true), gradients, threshold, percentage));
}

/** saturated_frac from each unit's mean |activation| [R, 1, H] and the gradients [R, N, H]. */
export function saturatedFromTypical(meanMagnitude: Tensor, gradients: Tensor, threshold: number, percentage: number): Tensor {
  return scope(() => {
    const ratio = gradients.detach().abs();
    ratio.div_(meanMagnitude.clamp(1e-12).to(ratio.dtypeName));
    const saturatedShare = countBelow_(ratio, threshold, 1).to('float64').div(gradients.shape[1]);
    return saturatedShare.gt(percentage).to('float64').mean(1);
  });
}

/**
 * Dormant-unit ratio (Sokar et al. 2023, "The Dormant Neuron Phenomenon in Deep RL", ReDo): a unit
 * is τ-dormant when its mean absolute activation, normalised by the layer's average, is at most τ,
 * s_h = mean_n |a_nh| / ((1/H) Σ_g mean_n |a_ng| + 1e-9),   dormant_ratio = (1/H) Σ_h [s_h ≤ τ].
 * τ = 0.025 by default; τ = 0 counts only units that are exactly zero on every input.
 */
export function dormantRatio(activations: Tensor, tau = 0.025): Tensor {
  checkActivations(activations, 'dormantRatio');
  if (!(tau >= 0)) throw new RangeError(`dormantRatio: tau must be >= 0, got ${tau}`);
  return scope(() => dormantFromMeanMagnitude(activations.detach().abs().mean(1).to('float64'), tau));
}

/** dormant_ratio from each unit's mean |activation| [R, H]. */
export function dormantFromMeanMagnitude(meanMagnitude: Tensor, tau: number): Tensor {
  return scope(() => dormantUnits(meanMagnitude, tau).to('float64').mean(1));
}

/** Which units are τ-dormant (s_h ≤ τ, above), bool [R, H], from each unit's mean |activation| [R, H]. */
export function dormantUnits(meanMagnitude: Tensor, tau: number): Tensor {
  return scope(() => {
    const score = meanMagnitude.to('float64');
    return score.div(score.mean(1, true).add(1e-9)).le(tau);
  });
}
