// Rank measures of a layer's representation, from the singular values of its activation matrix.
// A_r is member r's activation matrix [N, H] (inputs × units), uncentred, as the sources use it.
//
// The singular values come from the eigenvalues of the Gram matrix AᵀA [H, H], computed in float64:
// one batched matrix product per layer, shared with the unit correlations (units.ts), and about four
// times cheaper than an SVD of A at N = 2,000. Float64 keeps the eigenvalues accurate to about
// 1e-16 λ_max; eigenvalues below max(N, H) · 2.2e-16 · λ_max (singular values below ~1e-7 σ_1, which
// the Gram matrix cannot resolve) are set to zero, so exactly rank-deficient layers (dead or copied
// units) give exact zeros as an SVD would.
import { ops, scope, type Tensor } from '../tensor/index.js';
import { checkActivations, checkRange } from './checks.js';

/** The Gram matrix AᵀA of every member's activations: [R, N, H] → [R, H, H] (float64). */
export function gramMatrix(activations: Tensor): Tensor {
  checkActivations(activations, 'gramMatrix');
  return scope(() => {
    const a = activations.detach().to('float64');
    return ops.bmm(a.transpose(1, 2), a);
  });
}

/**
 * Singular values of A from its Gram matrix [R, H, H] and its number of rows N: [R, min(N, H)],
 * descending. A member whose activations are not finite (its loss diverged, and training stopped it)
 * gets NaN: LAPACK's eigensolver fails on such a matrix and would end the whole run.
 */
export function singularValuesOfGram(gram: Tensor, samples: number): Tensor {
  if (gram.ndim !== 3 || gram.shape[1] !== gram.shape[2]) throw new Error(`singularValuesOfGram: expected [R, H, H], got [${gram.shape.join(', ')}]`);
  const [members, units] = gram.shape;
  return scope(() => {
    const finite = ops.logicalNot(ops.isfinite(gram)).reshape(members, -1).sum(1).eq(0); // [R]
    const eigenvalues = ops.eigvalsh(ops.where(finite.reshape(members, 1, 1), gram, ops.zerosLike(gram)), 'L');
    const descending = ops.flip(eigenvalues, [1]).slice(1, 0, Math.min(samples, units));
    const resolvable = descending.select(1, 0).unsqueeze(1).mul(Math.max(samples, units) * 2.220446049250313e-16);
    const values = ops.where(descending.gt(resolvable), descending, ops.zerosLike(descending)).sqrt();
    return ops.where(finite.reshape(members, 1), values, ops.fullLike(values, Number.NaN));
  });
}

/** Singular values σ_1 ≥ σ_2 ≥ … of every member's activation matrix: [R, N, H] → [R, min(N, H)] (float64). */
export function singularValues(activations: Tensor): Tensor {
  checkActivations(activations, 'singularValues');
  return scope(() => singularValuesOfGram(gramMatrix(activations), activations.shape[1]));
}

function checkSpectrum(spectrum: Tensor, name: string): void {
  if (spectrum.ndim !== 2) throw new Error(`${name}: expected singular values [R, K], got [${spectrum.shape.join(', ')}]; use singularValues(activations)`);
}

/**
 * Effective rank (Roy & Vetterli 2007; eff_rank in docs/metrics.md): the exponential of the Shannon entropy
 * of the normalised singular values,
 * p_k = σ_k / Σ_i σ_i,   erank = exp(-Σ_k p_k log p_k)   (0 log 0 = 0; 0 for a zero matrix).
 * spectrum [R, K] → [R].
 */
export function effectiveRankOfSpectrum(spectrum: Tensor): Tensor {
  checkSpectrum(spectrum, 'effectiveRank');
  return scope(() => {
    const total = spectrum.sum(1, true);
    const p = spectrum.div(total);
    const terms = ops.where(p.gt(0), p.mul(p.log()), ops.zerosLike(p));
    const rank = terms.sum(1).neg().exp();
    return ops.where(total.squeeze(1).gt(0), rank, ops.zerosLike(rank));
  });
}

/**
 * Stable rank (Rudelson & Vershynin 2007; stable_rank in docs/metrics.md): ‖A‖_F² / ‖A‖_2² = Σ_k σ_k² / σ_1².
 * 0 for a zero matrix. spectrum [R, K] → [R].
 */
export function stableRankOfSpectrum(spectrum: Tensor): Tensor {
  checkSpectrum(spectrum, 'stableRank');
  return scope(() => {
    const squares = spectrum.square();
    const largest = squares.amax(1);
    const rank = squares.sum(1).div(largest);
    return ops.where(largest.gt(0), rank, ops.zerosLike(rank));
  });
}

/**
 * The "stable rank" of the loss-of-plasticity paper (Dohare et al. 2024, Nature, Methods; their
 * code's compute_abs_approximate_rank, after Kumar et al. 2021's approximate rank but without
 * squaring): the smallest k whose largest singular values make up a fraction `prop` of their sum,
 * lop_srank = min { k : Σ_{i≤k} σ_i / Σ_i σ_i ≥ prop },   prop = 0.99.
 * 0 for a zero matrix. spectrum [R, K] (descending) → [R] (float64, whole numbers).
 */
export function lopStableRankOfSpectrum(spectrum: Tensor, prop = 0.99): Tensor {
  checkSpectrum(spectrum, 'lopStableRank');
  checkRange(prop, 0, 1, 'lopStableRank: prop');
  return scope(() => {
    const total = spectrum.sum(1, true);
    const cumulative = ops.cumsum(spectrum, 1).div(total);
    const rank = cumulative.lt(prop).sum(1).to('float64').add(1);
    return ops.where(total.squeeze(1).gt(0), rank, ops.zerosLike(rank));
  });
}

/** Effective rank of activations [R, N, H] → [R]; see effectiveRankOfSpectrum. */
export function effectiveRank(activations: Tensor): Tensor {
  return scope(() => effectiveRankOfSpectrum(singularValues(activations)));
}

/** Stable rank ‖A‖_F²/‖A‖_2² of activations [R, N, H] → [R]; see stableRankOfSpectrum. */
export function stableRank(activations: Tensor): Tensor {
  return scope(() => stableRankOfSpectrum(singularValues(activations)));
}

/** The loss-of-plasticity paper's stable rank of activations [R, N, H] → [R]; see lopStableRankOfSpectrum. */
export function lopStableRank(activations: Tensor, prop = 0.99): Tensor {
  return scope(() => lopStableRankOfSpectrum(singularValues(activations), prop));
}
