// Which log points of a task keep their snapshots in the task's files. The experiment takes them at
// every log point (the task-end analyses read them from memory); on disk, dense snapshots cost about
// 50 MB a task of the default run, so by default only a subset is written: the weights at the task's
// last log point (histograms, and what was learned), the representations and their labels at every
// REPRESENTATION_STRIDE-th log point and the last (the latent figures and manifold analysis read the
// last). logging.dense_snapshots=true writes every log point. snapshot_steps.npz says which training
// steps the written ones belong to.
import type { NdArray } from '../io/npy.js';

/** Every this many log points of a task, the representations are written (and at its last). */
export const REPRESENTATION_STRIDE = 5;

export type SnapshotKind = 'weights' | 'representations';

/** The indices, among a task's `count` log points, whose snapshots of `kind` are written. */
export function keptLogPoints(kind: SnapshotKind, count: number, dense: boolean): number[] {
  if (dense) return Array.from({ length: count }, (_, l) => l);
  if (count === 0) return [];
  if (kind === 'weights') return [count - 1];
  const kept = Array.from({ length: Math.ceil(count / REPRESENTATION_STRIDE) }, (_, k) => k * REPRESENTATION_STRIDE);
  return kept[kept.length - 1] === count - 1 ? kept : [...kept, count - 1];
}

/** The rows `indices` of an array with a leading log-point axis, bytes unchanged. */
export function takeLogPoints(array: NdArray, indices: readonly number[]): NdArray {
  if (indices.length === array.shape[0] && indices.every((index, k) => index === k)) return array;
  const width = array.shape.slice(1).reduce((a, b) => a * b, 1);
  const Data = array.data.constructor as new (length: number) => typeof array.data;
  const data = new Data(indices.length * width);
  indices.forEach((index, k) => (data as Float32Array).set((array.data as Float32Array).subarray(index * width, (index + 1) * width), k * width));
  return { dtype: array.dtype, shape: [indices.length, ...array.shape.slice(1)], data };
}
