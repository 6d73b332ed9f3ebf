// Measurements of a clone's hidden activations, for the cloning training mode. A layer of the clone
// has k*U units, where unit c*U + u is copy c of base unit u (tiled, see expand.ts). Each function
// takes activations [R, B, units] (B samples) and returns one number per member, [R].
import { ops, scope, type Tensor } from '../../tensor/index.js';

/** [R, B, k*U] -> [R, B, k, U]. */
function byCopy(hidden: Tensor, factor: number): Tensor {
  const [members, batch, units] = hidden.shape;
  if (hidden.ndim !== 3 || !Number.isInteger(factor) || factor < 2 || units % factor !== 0) {
    throw new Error(`clone measures need activations [R, B, k*U] with a whole k >= 2; got [${hidden.shape.join(', ')}] and k = ${factor}`);
  }
  return hidden.reshape(members, batch, factor, units / factor);
}

/**
 * Activation similarity between clones: the cosine similarity, across the batch, between the
 * activation vectors of two copies of a unit, averaged over all pairs of copies and all units.
 * 1 while the clone is symmetric. Units with a copy that is zero on every sample (dead units)
 * have no direction and are left out; with none left the result is NaN.
 */
export function cloneSimilarity(hidden: Tensor, factor: number): Tensor {
  return scope(() => {
    const copies = byCopy(hidden, factor);
    const norms = copies.norm(2, 1, true); // [R, 1, k, U]
    const unit = copies.div(norms.clamp(1e-30));
    // Σ_{c≠d} <u_c, u_d> = |Σ_c u_c|² − Σ_c |u_c|², without forming the k x k Gram matrices.
    const all = unit.sum(2).square().sum(1); // [R, U]
    const self = unit.square().sum([1, 2]);
    const offDiagonal = all.sub(self).div(factor * (factor - 1));
    const alive = norms.squeeze(1).amin(1).gt(0).to(hidden.dtypeName); // [R, U]
    return offDiagonal.mul(alive).sum(1).div(alive.sum(1));
  });
}

/**
 * Explained-variance R² of the clone blocks: how much of the layer's variance across samples the
 * block means (the mean of the k copies of each unit) explain. 1 − SS_within / SS_total with
 * SS_within = Σ (h − block mean)² and SS_total = Σ (h − its mean over the batch)². 1 for an exact
 * clone; it falls as the copies diverge.
 */
export function cloneExplainedVariance(hidden: Tensor, factor: number): Tensor {
  return scope(() => {
    const copies = byCopy(hidden, factor);
    const within = copies.sub(copies.mean(2, true)).square().sum([1, 2, 3]);
    const total = copies.sub(copies.mean(1, true)).square().sum([1, 2, 3]);
    return within.div(total).neg().add(1);
  });
}

/**
 * Effective rank of activations [R, B, U]: exp of the entropy of the normalised singular values
 * p_i = σ_i / Σσ (Roy & Vetterli), per member. Copies add no directions, so an exact clone has its
 * base's effective rank; it grows as the copies learn different features.
 */
export function effectiveRank(hidden: Tensor): Tensor {
  if (hidden.ndim !== 3) throw new Error(`effectiveRank expects activations [R, B, units], got [${hidden.shape.join(', ')}]`);
  return scope(() => {
    const singular = ops.svdvals(hidden);
    const p = singular.div(singular.sum(1, true).clamp(1e-30));
    // 0·log 0 = 0: zero singular values contribute nothing.
    const entropy = p.mul(p.clamp(1e-30).log()).sum(1).neg();
    return entropy.exp();
  });
}

export interface CloneMeasures {
  /** Per member, [R]. */
  similarity: Tensor;
  explainedVariance: Tensor;
  effectiveRank: Tensor;
}

/** All three measures for every hidden layer of a clone's forward pass (ModelOutput.hidden). */
export function measureClones(hidden: [string, Tensor][], factor: number): [string, CloneMeasures][] {
  return hidden.map(([name, activations]) => [
    name,
    { similarity: cloneSimilarity(activations, factor), explainedVariance: cloneExplainedVariance(activations, factor), effectiveRank: effectiveRank(activations) },
  ]);
}
