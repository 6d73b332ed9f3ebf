// Class manifolds: the point clouds a layer makes of each class, the input of the manifold capacity
// and geometry measures (the "GLUE" analysis of Chung, Lee & Sompolinsky 2018; docs/metrics.md).
//
// Measures take manifolds as [R, P, M, N]: members, manifolds (classes), samples per manifold,
// features. classManifolds() builds that layout from saved representations [R, S, N] and their
// labels, taking the same number of samples of every class so that the tensor stays dense.
import { isTensor, ops, scope, type Tensor } from '../tensor/index.js';
import { classPositions, type ClassList, oneHotPositions } from './labels.js';

/** Checks that `manifolds` is a finite [R, P, M, N] tensor with at least `minManifolds` manifolds. */
export function checkManifolds(manifolds: Tensor, name: string, minManifolds = 1): Tensor {
  if (!isTensor(manifolds) || manifolds.ndim !== 4) {
    const shape = isTensor(manifolds) ? `[${manifolds.shape.join(', ')}]` : typeof manifolds;
    throw new Error(`${name}: manifolds must be a Tensor [R, P, M, N] (members, classes, samples per class, features), got ${shape}; use classManifolds(representations, labels) for [R, S, N] with labels`);
  }
  const [members, count, samples, features] = manifolds.shape;
  if (members < 1 || samples < 1 || features < 1) throw new Error(`${name}: manifolds [${manifolds.shape.join(', ')}] must have at least one member, sample and feature`);
  if (count < minManifolds) throw new Error(`${name}: needs at least ${minManifolds} class manifolds, got ${count}`);
  if (!scope(() => ops.all(ops.isfinite(manifolds)).item())) throw new Error(`${name}: manifolds contain NaN or infinite values`);
  return manifolds;
}

/** Subtracts each member's mean over all points of all manifolds: [R, P, M, N] → same (float64). */
export function centreManifolds(manifolds: Tensor): Tensor {
  return scope(() => {
    const x = manifolds.detach().to('float64');
    return x.sub(x.mean([1, 2], true));
  });
}

/** The distinct values of integer labels, in increasing order. */
function distinctLabels(labels: Tensor): number[] {
  return scope(() => {
    const [sorted] = ops.sort(labels.to('int64').flatten(), 0);
    if (sorted.numel === 0) return [];
    const first = ops.cat([ops.ones([1], 'bool'), sorted.slice(0, 1).ne(sorted.slice(0, 0, sorted.numel - 1))], 0);
    return sorted.maskedSelect(first).toArray();
  });
}

export interface ClassManifoldOptions {
  /** Class ids to take, one list for all members or [R, K]; default every label present, in increasing order. */
  classes?: ClassList;
  /** Samples per class M; default the smallest count of any class in any member. The first M samples of each class are taken. */
  samplesPerClass?: number;
}

/**
 * Groups representations [R, S, N] by class: labels [S] (shared) or [R, S] → manifolds [R, K, M, N],
 * where manifold k of member r holds the first M samples (in sample order) of member r's k-th class.
 */
export function classManifolds(representations: Tensor, labels: Tensor, options: ClassManifoldOptions = {}): Tensor {
  const name = 'classManifolds';
  if (!isTensor(representations) || representations.ndim !== 3) {
    throw new Error(`${name}: representations must be a Tensor [R, S, N] (members, samples, features)`);
  }
  const [members, samples, features] = representations.shape;
  if (!isTensor(labels) || labels.shape[labels.ndim - 1] !== samples) {
    throw new Error(`${name}: labels must be a Tensor [S] or [R, S] with S = ${samples}`);
  }
  return scope(() => {
    const classes = options.classes ?? distinctLabels(labels);
    const { positions, numClasses } = classPositions(labels, classes, members, name);
    const hot = oneHotPositions(positions, numClasses);
    const counts = hot.sum(1);
    const fewest = counts.min().item();
    const wanted = options.samplesPerClass ?? Math.max(fewest, 1);
    if (!Number.isInteger(wanted) || wanted < 1) throw new RangeError(`${name}: samplesPerClass must be a whole number >= 1, got ${wanted}`);
    if (wanted > fewest) {
      const flat = ops.argmin(counts.flatten()).item();
      const [member, position] = [Math.floor(flat / numClasses), flat % numClasses];
      const id = isTensor(classes) ? classes.to('int64').reshape(-1, numClasses).select(0, classes.ndim === 1 ? 0 : member).select(0, position).item() : classes[position];
      throw new Error(
        `${name}: member ${member} has ${fewest} samples of class ${id}, fewer than the ${wanted} per class needed; ` +
          'pass samplesPerClass, choose classes every member has, or save more samples per class',
      );
    }
    // Rank of each sample within its class (0-based); samples past the M-th, or of other classes, go to a spare slot.
    const rank = ops.cumsum(hot, 1).sub(1).mul(hot).sum(2).to('int64');
    const kept = ops.logicalAnd(positions.ge(0), rank.lt(wanted));
    const spare = numClasses * wanted;
    const slot = ops.where(kept, positions.mul(wanted).add(rank), ops.fullLike(rank, spare));
    const order = ops.zeros([members, spare + 1], 'int64');
    const sampleIndex = ops.arange(0, samples, 1, 'int64').unsqueeze(0).expand(members, samples).contiguous();
    ops.scatter_(order, 1, slot, sampleIndex);
    const index = order.slice(1, 0, spare).unsqueeze(2).expand(members, spare, features).contiguous();
    return representations.gather(1, index).reshape(members, numClasses, wanted, features);
  });
}
