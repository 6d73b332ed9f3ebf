// What a run shows in TensorBoard: every series of a task's metrics.npz at its log points, and
// the run's config and final metrics for the HParams view. Tags follow the array names, so a
// layer's series 'dead_fraction/fc1' is the tag 'dead_fraction/fc1' (mean over members) with
// 'dead_fraction/fc1/member_r' beside it; a per-task series such as 'accuracy' gives
// 'accuracy/task_t' and 'accuracy/task_t/member_r' (t counted from 1, as a person reads it); a series with more axes (per class, per unit),
// and every 'weights/...' snapshot, gives one histogram per log point over all members' values.
import { join } from 'node:path';
import type { ExperimentObserver } from '../cl/experiment.js';
import { stepMeans } from '../cl/loop.js';
import { taskTag } from '../cl/task-label.js';
import { flattenConfig } from '../config/flatten.js';
import type { ExperimentConfig } from '../config/schema.js';
import type { NdArray } from '../io/npy.js';
import { forEachScalar, isScalarSeries, logSteps, numbersOf } from '../metrics/scalar-series.js';
import { histogram, TensorBoardWriter, type Histogram } from './tensorboard.js';

const NOT_DISTRIBUTIONS = new Set(['step', 'representations', 'labels']);

/** Logs one task's arrays (name -> (L, R, ...), with 'step' (L)). */
export function logTaskArrays(writer: TensorBoardWriter, arrays: Map<string, NdArray>): void {
  const steps = logSteps(arrays, 'tensorboard');
  const scalars = steps.map(() => ({}) as Record<string, number>);
  const sums = steps.map(() => new Map<string, { sum: number; count: number }>());
  forEachScalar(arrays, steps, ({ name, evalTask, point, member, value }) => {
    if (!Number.isFinite(value)) return;
    const tag = evalTask === null ? name : `${name}/${taskTag(evalTask)}`;
    scalars[point][`${tag}/member_${member}`] = value;
    const mean = sums[point].get(tag) ?? { sum: 0, count: 0 };
    mean.sum += value;
    mean.count += 1;
    sums[point].set(tag, mean);
  });
  sums.forEach((tags, point) => tags.forEach(({ sum, count }, tag) => (scalars[point][tag] = sum / count)));

  const histograms = steps.map(() => ({}) as Record<string, Histogram>);
  for (const [name, array] of arrays) {
    if (NOT_DISTRIBUTIONS.has(name) || array.shape.length < 2 || isScalarSeries(name, array)) continue;
    const L = array.shape[0];
    const first = steps.length - L;
    if (first < 0) continue;
    const values = numbersOf(array);
    const size = values.length / L;
    for (let l = 0; l < L; l++) histograms[first + l][name] = histogram(Array.prototype.slice.call(values, l * size, (l + 1) * size) as number[]);
  }
  steps.forEach((step, point) => {
    if (Object.keys(scalars[point]).length > 0) writer.scalars(scalars[point], step);
    if (Object.keys(histograms[point]).length > 0) writer.histograms(histograms[point], step);
  });
}

/** The run's hyperparameters and its final metrics (mean over members) under 'final/'. */
export function logRunSummary(writer: TensorBoardWriter, config: unknown, finalMetrics: Record<string, number>, step: number): void {
  writer.hparams(flattenConfig(config));
  writer.scalars(Object.fromEntries(Object.entries(finalMetrics).filter(([, v]) => Number.isFinite(v)).map(([k, v]) => [`final/${k}`, v])), step);
}

/**
 * The offline counterpart of Weights & Biases logging, as an observer of a run
 * (`tensorboard --logdir <run>/tensorboard`): the learner's training loss and accuracy every 10
 * steps, each task's arrays at its end, and the config with the final metrics at the run's end.
 */
export function tensorBoardObserver(runDir: string, config: ExperimentConfig): ExperimentObserver {
  const writer = new TensorBoardWriter(join(runDir, 'tensorboard'));
  return {
    onStep(event) {
      // The learner's own step axis, which a resumed run continues.
      const step = event.populations[0].step;
      if (event.phase.kind !== 'task' || step % 10 !== 0) return;
      const { loss, accuracy } = stepMeans(event);
      writer.scalars({ 'train/loss': loss, 'train/accuracy': accuracy }, step);
    },
    onTaskEnd: ({ record }) => logTaskArrays(writer, record.learner.stacked()),
    onRunEnd({ summary, steps }) {
      const final = Object.entries(summary.metrics).flatMap(([key, stat]) => (typeof stat?.mean === 'number' ? [[key, stat.mean] as [string, number]] : []));
      logRunSummary(writer, config, Object.fromEntries(final), steps);
      writer.close();
    },
  };
}
