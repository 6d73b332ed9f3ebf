// A logged metric (docs/architecture.md, "Adding a metric"): one file declares its name, what it
// needs from the run's settings, and what it appends to the learner's log buffer at each log point
// and at a task's end. The registry (src/cl/metrics/registry.ts) lists plab's own in the order
// their series are written; a script adds its own to ExperimentSettings.metrics without touching
// plab's sources (examples/custom-metric.mjs).
import type { Model } from '../nn/models/model.js';
import type { Tensor } from '../tensor/index.js';
import type { EvalSet, Predictor } from './evaluate.js';
import type { LogBuffer } from './log-buffer.js';
import type { LoopObserver } from './loop.js';
import type { ExperimentSettings } from './settings.js';

/** One task as every log point sees it: its test set, its fixed snapshot samples and its head mask. */
export interface TrackedTask {
  test: EvalSet;
  snapshot: EvalSet;
  headMask: Tensor | null;
}

/** Per-task figures for summary.json, beside the log: sparsity per hidden layer [R] and the linear probes. */
export interface TaskAnalysis {
  populationSparsity: Record<string, number[]>;
  probe: ProbeSummary | null;
}

export interface ProbeSummary {
  /** Probe accuracy on the test samples of the tasks seen so far, per member. */
  seenAccuracy: number[];
  /** The network's own accuracy on the same samples, per member. */
  networkAccuracy: number[];
  /** Probe accuracy on classes not trained yet (forward transfer), per member; null after the last task. */
  unseenAccuracy: number[] | null;
}

/** What a metric sees of the task being trained. */
export interface MetricContext {
  readonly model: Model;
  /** What the model's evaluation scores by (a method's classifier, or its logits). */
  readonly predict: Predictor;
  /** The tasks measured at log points: every task of the scenario, or those seen so far (logging.track_tasks). */
  readonly tracked: readonly TrackedTask[];
  /** Every task of the scenario, whatever is tracked (the forward-transfer probe needs those to come). */
  readonly allTasks: readonly TrackedTask[];
  readonly settings: ExperimentSettings;
  /** A task's training data, built on request; the caller disposes it. */
  readonly train: (task: number) => EvalSet;
  /** The task being trained (0-based). */
  readonly task: number;
  readonly numClasses: number;
  /** Samples per forward pass when evaluating. */
  readonly evalChunk: number;
  /** The learner's series of this task: each append adds a point, written to metrics.npz (L, ...). */
  readonly log: LogBuffer;
}

/**
 * A metric's work during one task, as an observer of the loop: onStep after each step (the
 * learner's result is results[0]), onLogPoint at each log point; every part is optional.
 */
export interface TaskMetric extends LoopObserver {
  /** After the task's last log point and the methods' afterTask; may add to the task's analysis. */
  onTaskEnd?(): Partial<TaskAnalysis> | void;
  /** Frees what the metric kept for the task. */
  dispose?(): void;
}

export interface Metric {
  readonly name: string;
  /** One line: what it measures and which series it writes. */
  readonly help: string;
  /** Whether the run's settings ask for it (logging.measures, logging.snapshots); absent: always measured. */
  enabled?(settings: ExperimentSettings): boolean;
  /** Starts the metric for one task, after the methods' beforeTask. */
  startTask(context: MetricContext): TaskMetric;
}
