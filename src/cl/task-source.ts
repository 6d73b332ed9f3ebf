// What the experiment needs from a scenario: per task, training data and evaluation data for all
// members, materialised on demand and released by the caller.
import type { Tensor } from '../tensor/index.js';
import type { EvalSet } from './evaluate.js';

/** A task's training data for the population: images [N, R, ...sample], labels [N, R] (class indices, or real targets of a regression). */
export interface TrainData {
  images: Tensor;
  labels: Tensor;
  /**
   * A stream whose order is part of the data (the slowly-changing regression's bits flip at given
   * examples): batches follow it instead of a shuffle. Absent: the samples are shuffled every epoch.
   */
  ordered?: boolean;
}

export interface TaskSource {
  readonly numTasks: number;
  /** Size of the output head. */
  readonly numClasses: number;
  readonly inputShape: readonly number[];
  readonly members: number;
  /** The classes of each task for each member, [task][member][classes], for metadata. */
  readonly taskClasses: number[][][];
  /** Training data of task t (all tasks at once for the joint baseline: t = 'joint'). */
  train(task: number | 'joint'): TrainData;
  /** Test data of task t, kept by the caller while it is tracked. */
  test(task: number): EvalSet;
  /** S fixed test samples of task t for representation snapshots: [S, R, ...] and [S, R]. */
  snapshotSamples(task: number): EvalSet;
  /** Logit offsets [C] for task t's head in task-incremental scenarios; null for a single head. */
  headMask(task: number): Tensor | null;
}
