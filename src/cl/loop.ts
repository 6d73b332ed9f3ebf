// The one training loop (docs/architecture.md, "The path of one run"): epochs of batches, each
// batch a step of every population in turn (the learner, and the expert beside it; the base and
// its clone), then the observers. The continual tasks, the expert, the joint baseline and the
// cloning stages all train here; what is measured or written plugs in as an observer.
import { scope, settle } from '../tensor/index.js';
import type { EpochBatches } from './batches.js';
import type { Learner, StepResult } from './learner.js';
import type { Batch } from './method.js';
import type { RunTiming } from './run-timing.js';

/** What the loop trains: task `index` of `count`, the joint baseline, or cloning stage `index` of `count`. */
export interface Phase {
  kind: 'task' | 'joint' | 'stage';
  index: number;
  count: number;
  /** As a person reads it: 'task 1 [1, 2]', 'joint baseline', 'stage 1/2'. */
  label: string;
}

/** One step of every population, as observers see it. */
export interface StepEvent {
  phase: Phase;
  epoch: number;
  /** Steps taken in this loop, this one included. */
  step: number;
  /** Steps the loop takes when no stopping rule ends it early. */
  steps: number;
  batch: Batch;
  /** One result per population, in the loop's order. */
  results: StepResult[];
  populations: readonly Learner[];
}

/** A log point: after `step` steps of this loop (0: before the first). */
export interface LogPointEvent {
  phase: Phase;
  step: number;
  /** Steps the first population has taken in all, over every task (the run's step axis). */
  learnerStep: number;
}

/** What is measured or written during training; every part optional, observers called in list order. */
export interface LoopObserver {
  onStep?(event: StepEvent): void;
  onLogPoint?(event: LogPointEvent): void;
}

/** An observer of a whole run: the loop's events, then each task's (or stage's) end and the run's end. */
export interface RunObserver<TaskEnd, RunEnd> extends LoopObserver {
  onTaskEnd?(event: TaskEnd): void;
  onRunEnd?(event: RunEnd): void;
}

export interface LoopOptions {
  phase: Phase;
  /** Trained on the same batches, each step in this order. */
  populations: readonly Learner[];
  batches: EpochBatches;
  epochs: number;
  /** Steps between log points; a last one follows the final step when it falls between them. null: none. */
  logFrequency: number | null;
  /** A log point before the first step too (the cloning stages measure a fresh clone). */
  logAtStart?: boolean;
  /**
   * Called after each epoch with each member's training accuracy over it (the first population's);
   * returning true ends the loop (a stopping rule, src/cl/experiment.ts).
   */
  afterEpoch?: (epoch: number, accuracies: number[]) => boolean;
  observers: readonly LoopObserver[];
  /** Counts the populations' steps as training time. */
  timing?: RunTiming;
}

/** Steps between turns of the event loop (see settle()). */
const SETTLE_EVERY = 200;

/** Mean over the members still active (all, without `active`); NaN when none is. */
export function meanOfActive(values: ArrayLike<number>, active?: readonly boolean[]): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i += 1) {
    if (active && !active[i]) continue;
    sum += values[i];
    count += 1;
  }
  return count ? sum / count : Number.NaN;
}

/** A population's mean training loss and accuracy over its active members at one step: for progress bars and TensorBoard. */
export function stepMeans(event: StepEvent, population = 0): { loss: number; accuracy: number } {
  const result = event.results[population];
  const { active } = event.populations[population];
  const batchSize = event.batch.inputs.shape[0];
  return { loss: meanOfActive(result.loss, active), accuracy: meanOfActive(Array.from(result.correct, (correct) => correct / batchSize), active) };
}

/** Runs the loop; returns the number of steps taken. */
export async function trainLoop(options: LoopOptions): Promise<number> {
  const { phase, populations, batches, logFrequency, observers } = options;
  const logPoint = (step: number) => {
    for (const observer of observers) observer.onLogPoint?.({ phase, step, learnerStep: populations[0].step });
  };
  const steps = options.epochs * batches.batchesPerEpoch;
  if (options.logAtStart) logPoint(0);
  let step = 0;
  // A turn of the event loop before the first step: a signal that came while the previous phase measured
  // and wrote (synchronous work) is heard here, before this phase trains; a phase may be shorter than
  // the turns below.
  await settle();
  let lastTurn = performance.now();
  for (let epoch = 0; epoch < options.epochs; epoch += 1) {
    const members = populations[0].members;
    const epochCorrect = new Float64Array(members);
    let epochSamples = 0;
    for (const batch of batches.epoch()) {
      scope(() => {
        const train = () => populations.map((population) => population.trainStep(batch));
        const results = options.timing ? options.timing.time('training', train) : train();
        // The first population is the one the phase trains (a baseline beside it may stop alone).
        populations[0].checkSomeActive();
        for (let member = 0; member < members; member += 1) epochCorrect[member] += results[0].correct[member];
        epochSamples += batch.inputs.shape[0];
        step += 1;
        for (const observer of observers) observer.onStep?.({ phase, epoch, step, steps, batch, results, populations });
        if (logFrequency !== null && step % logFrequency === 0) logPoint(step);
      });
      // The event loop also turns each second, so that a signal (src/cl/interrupt.ts) is heard within about one.
      if (step % SETTLE_EVERY === 0 || performance.now() - lastTurn > 1000) {
        await settle();
        lastTurn = performance.now();
      }
    }
    if (options.afterEpoch?.(epoch, Array.from(epochCorrect, (correct) => correct / epochSamples))) break;
  }
  if (logFrequency !== null && step % logFrequency !== 0) logPoint(step);
  return step;
}
