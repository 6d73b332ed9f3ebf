// The scalar series of a task's metrics.npz, point by point: the one reading that TensorBoard
// logging and the table export share. A series (L, R) is one value per log point and member; a
// per-task series (L, R, T) ('accuracy', 'loss') one per evaluated task too. A series with fewer
// points than 'step' (one measured only at the task's end) sits on the last log steps.
import type { NdArray } from '../io/npy.js';

/** Series that are not measurements over time. */
const NOT_SERIES = new Set(['step', 'representations', 'labels']);
/** Series whose third axis is the evaluated task. */
export const PER_TASK_SERIES = new Set(['accuracy', 'loss']);

export interface ScalarPoint {
  /** The array's name, e.g. 'dead_fraction/layer1'. */
  name: string;
  /** The evaluated task of a per-task series, else null. */
  evalTask: number | null;
  /** Index of the log point in 'step'. */
  point: number;
  step: number;
  member: number;
  value: number;
  /** Whether the array holds float32 (its values then print in float32's shortest form). */
  float32: boolean;
}

export const numbersOf = (array: NdArray): ArrayLike<number> =>
  array.data instanceof BigInt64Array ? Array.from(array.data, Number) : (array.data as ArrayLike<number>);

/** The log steps of a task's arrays; an error names the missing 'step' series. */
export function logSteps(arrays: Map<string, NdArray>, source: string): number[] {
  const step = arrays.get('step');
  if (!step) throw new Error(`${source}: no 'step' series to place the metrics on`);
  return Array.from(numbersOf(step));
}

/** Whether a series is scalar per point and member (else it is a distribution, e.g. per class). */
export function isScalarSeries(name: string, array: NdArray): boolean {
  return !NOT_SERIES.has(name) && (array.shape.length === 2 || (array.shape.length === 3 && PER_TASK_SERIES.has(name)));
}

/** Calls `visit` for every value of every scalar series, in array, point, task, member order. */
export function forEachScalar(arrays: Map<string, NdArray>, steps: number[], visit: (point: ScalarPoint) => void): void {
  for (const [name, array] of arrays) {
    if (!isScalarSeries(name, array)) continue;
    const [L, R] = array.shape;
    const T = array.shape[2] ?? 1;
    const first = steps.length - L;
    if (first < 0) continue;
    const values = numbersOf(array);
    const float32 = array.dtype === 'float32';
    for (let l = 0; l < L; l++) {
      for (let t = 0; t < T; t++) {
        for (let r = 0; r < R; r++) {
          visit({ name, evalTask: array.shape.length === 3 ? t : null, point: first + l, step: steps[first + l], member: r, value: values[(l * R + r) * T + t], float32 });
        }
      }
    }
  }
}
