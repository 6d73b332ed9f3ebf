// The TaskSource of the slowly-changing regression stream (src/data/streams/slowly-changing-regression.ts):
// task k is bin k of the stream, its examples in their order, for every member at once. The paper
// measures the online error only, the squared error of each example before the step that learns
// from it (train_loss), so the tasks have no test sets.
import { SlowlyChangingRegression } from '../data/index.js';
import { ops, scope, type Tensor } from '../tensor/index.js';
import type { EvalSet } from './evaluate.js';
import type { TaskSource, TrainData } from './task-source.js';

export class RegressionStreamSource implements TaskSource {
  readonly numTasks: number;
  /** One output: the regression's prediction. */
  readonly numClasses = 1;
  readonly inputShape: readonly number[];
  readonly taskClasses: number[][][];

  constructor(
    private readonly stream: SlowlyChangingRegression,
    /** Examples per task: one bin of the reported error. */
    private readonly binSize: number,
    /** Examples of each task kept for the plasticity measures and representation snapshots. */
    private readonly snapshotSize: number,
    /** Where the task tensors are placed (the stream is drawn on the CPU, from CPU generators). */
    private readonly device = 'cpu',
  ) {
    this.numTasks = stream.options.examples / binSize;
    if (!Number.isInteger(this.numTasks)) throw new Error(`regression stream: ${stream.options.examples} examples are not a whole number of bins of ${binSize}`);
    this.inputShape = [stream.options.inputs];
    this.taskClasses = Array.from({ length: this.numTasks }, () => Array.from({ length: stream.members }, () => []));
  }

  get members(): number {
    return this.stream.members;
  }

  /** Examples [start, start + count) of every member: inputs [count, R, m], targets [count, R]. */
  private examples(start: number, count: number): EvalSet {
    return scope(() => {
      const segments = Array.from({ length: this.members }, (_, member) => this.stream.segment(member, start, count));
      const images = ops.stack(segments.map((segment) => segment.inputs), 1);
      const labels = ops.stack(segments.map((segment) => segment.targets), 1);
      return this.device === 'cpu' ? { images, labels } : { images: images.to(this.device), labels: labels.to(this.device) };
    });
  }

  train(task: number | 'joint'): TrainData {
    if (task === 'joint') throw new Error('the slowly-changing regression has no joint baseline: its tasks are bins of one stream');
    return { ...this.examples(task * this.binSize, this.binSize), ordered: true };
  }

  /** No test set: an empty one, whose accuracy and loss read NaN. */
  test(): EvalSet {
    const { inputs } = this.stream.options;
    return { images: ops.zeros([0, this.members, inputs], null, null, this.device), labels: ops.zeros([0, this.members], null, null, this.device) };
  }

  /** The task's first examples, in the stream's order. */
  snapshotSamples(task: number): EvalSet {
    return this.examples(task * this.binSize, Math.min(this.snapshotSize, this.binSize));
  }

  headMask(): Tensor | null {
    return null;
  }
}
