// What a run shows in TensorBoard: every series of a task's metrics.npz at its log points, and
// the run's config and final metrics for the HParams view. Tags follow the array names, so a
// layer's series 'dead_fraction/fc1' is the tag 'dead_fraction/fc1' (mean over members) with
// 'dead_fraction/fc1/member_r' beside it; a per-task series (L, R, T) such as 'accuracy' gives
// 'accuracy/task_t' and 'accuracy/task_t/member_r'; a series with more axes, and every
// 'weights/...' snapshot, gives one histogram per log point over all members' values.
import type { NdArray } from '../io/npy.js';
import { histogram, type Histogram, type TensorBoardWriter } from './tensorboard.js';

/** Series that are not measurements over time (sample indices and raw representations). */
const NOT_LOGGED = new Set(['step', 'representations', 'labels']);
/** Series whose third axis is the evaluated task. */
const PER_TASK = new Set(['accuracy', 'loss']);

const numbers = (array: NdArray): ArrayLike<number> =>
  array.data instanceof BigInt64Array ? Array.from(array.data, Number) : (array.data as ArrayLike<number>);

/**
 * Logs one task's arrays (name -> (L, R, ...)). `step` (L) gives each log point's training step;
 * a series with fewer points than `step` (one logged only at the task's end) takes the last ones.
 */
export function logTaskArrays(writer: TensorBoardWriter, arrays: Map<string, NdArray>): void {
  const stepArray = arrays.get('step');
  if (!stepArray) throw new Error("tensorboard: the task's arrays have no 'step' series to place them on");
  const steps = Array.from(numbers(stepArray));
  const scalars = steps.map(() => ({}) as Record<string, number>);
  const histograms = steps.map(() => ({}) as Record<string, Histogram>);
  for (const [name, array] of arrays) {
    if (NOT_LOGGED.has(name) || array.shape.length < 2) continue;
    const [L, R] = array.shape;
    const first = steps.length - L;
    if (first < 0) continue; // more points than log steps: not a per-log-point series
    const values = numbers(array);
    const inner = array.shape.slice(2).reduce((a, b) => a * b, 1);
    for (let l = 0; l < L; l++) {
      const at = first + l;
      const point = l * R * inner;
      if (array.shape.length === 2) putMembers(scalars[at], name, R, (r) => values[point + r]);
      else if (array.shape.length === 3 && PER_TASK.has(name)) {
        for (let t = 0; t < inner; t++) putMembers(scalars[at], `${name}/task_${t}`, R, (r) => values[point + r * inner + t]);
      } else {
        const slice = Array.from({ length: R * inner }, (_, i) => values[point + i]);
        histograms[at][name] = histogram(slice);
      }
    }
  }
  steps.forEach((step, l) => {
    if (Object.keys(scalars[l]).length > 0) writer.scalars(scalars[l], step);
    if (Object.keys(histograms[l]).length > 0) writer.histograms(histograms[l], step);
  });
}

/** Sets `tag` to the mean over members of the finite values and `tag/member_r` to each. */
function putMembers(into: Record<string, number>, tag: string, R: number, value: (r: number) => number): void {
  let sum = 0;
  let count = 0;
  for (let r = 0; r < R; r++) {
    const v = value(r);
    if (!Number.isFinite(v)) continue;
    into[`${tag}/member_${r}`] = v;
    sum += v;
    count += 1;
  }
  if (count > 0) into[tag] = sum / count;
}

/** Flattens a config to dotted keys with scalar values, the HParams view's hyperparameters. */
export function flattenConfig(config: unknown, prefix = ''): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    if (prefix) out[prefix] = typeof config === 'number' || typeof config === 'boolean' || typeof config === 'string' ? config : JSON.stringify(config);
    return out;
  }
  for (const [key, value] of Object.entries(config)) Object.assign(out, flattenConfig(value, prefix ? `${prefix}.${key}` : key));
  return out;
}

/** The run's hyperparameters and its final metrics (mean over members) under 'final/'. */
export function logRunSummary(writer: TensorBoardWriter, config: unknown, finalMetrics: Record<string, number>, step: number): void {
  writer.hparams(flattenConfig(config));
  writer.scalars(Object.fromEntries(Object.entries(finalMetrics).filter(([, v]) => Number.isFinite(v)).map(([k, v]) => [`final/${k}`, v])), step);
}
