// One continual-learning experiment: the learner population trained task after task, with the
// expert (fresh each task, same batches) and joint (all tasks at once) baselines, dense logs
// flushed at each task boundary, and a checkpoint after each task so that a killed run resumes.
import type { Checkpoint } from '../io/checkpoint.js';
import { nullToNaN } from '../io/json-nan.js';
import type { Model } from '../nn/models/model.js';
import { Generator, getRngState, keep, manualSeed, releaseCpuMemoryCache, scope, setRngState, type Tensor } from '../tensor/index.js';
import { EpochBatches } from './batches.js';
import { evaluate } from './evaluate.js';
import { expertSeries } from './expert.js';
import { Learner } from './learner.js';
import { LogBuffer } from './log-buffer.js';
import { RunTiming } from './run-timing.js';
import { meanOfActive, trainLoop, type LoopObserver, type RunObserver } from './loop.js';
import type { RunEndEvent } from './runner.js';
import { taskLabel } from './task-label.js';
import { TrainingWindow } from './metrics/training-window.js';
import type { TaskAnalysis, TrackedTask } from './metric.js';
import type { ExperimentSettings } from './settings.js';
import type { TaskSource } from './task-source.js';

export interface TaskRecord {
  task: number;
  /** Learner series (L, R, ...), to be written to metrics.npz and friends. */
  learner: LogBuffer;
  expert: LogBuffer | null;
  /** Accuracy [R][T] on every task when this task ended. */
  accuracyAfter: number[][];
  /** Expert test accuracy on this task at its end, [R]. */
  expertAccuracy: number[] | null;
  seconds: number;
  steps: number;
  /** Epochs each member trained on this task (they differ when members stop by their own accuracy), [R]. */
  epochs: number[];
  /** Each member's mean training loss over the task's steps, [R]: the binned error of a regression stream. */
  trainLoss: number[];
  /** Images in this task's test set (tasks differ in size with dataset.balance=none). */
  testSamples: number;
  samplesPerSecond: number;
  /** Task-end analyses for summary.json: sparsity per hidden layer [R] and the linear probes. */
  analysis: TaskAnalysis;
}

/** A finished task, for the observers that persist it (results and checkpoint) before the next task starts. */
export interface TaskEndEvent {
  record: TaskRecord;
  /** The task as a person reads it: 'task 1 [1, 2]'. */
  label: string;
  /** Builds the checkpoint to resume from after this task; called inside the writer's scope. */
  checkpoint: () => Checkpoint;
}

/** The observers of an experiment: the loop's events, each task's end, and (from runExperiment) the run's end. */
export type ExperimentObserver = RunObserver<TaskEndEvent, RunEndEvent>;

/** The small state a checkpoint keeps beside the tensors (Checkpoint.extra; snake_case, as every JSON file). */
interface RunState {
  step: number;
  active: boolean[];
  stop_reasons: (string | null)[];
  accuracy_at_init: number[][];
  members: number;
}

/** The checkpoint's tensors under `prefix/`, by their name below it. */
function section(tensors: Map<string, Tensor>, prefix: string): Map<string, Tensor> {
  const map = new Map<string, Tensor>();
  for (const [key, value] of tensors) if (key.startsWith(`${prefix}/`)) map.set(key.slice(prefix.length + 1), value);
  return map;
}

/** Baseline populations draw their seeds this far from the learner's: the expert of task t uses seed + stride·(t + 1). */
export const EXPERT_SEED_STRIDE = 100_003;

/**
 * Members that reached the target accuracy before the others (stopping_by: member): each stops
 * updating (it leaves learner.active, which the optimizer and the methods honour) until the task
 * ends, and its buffers (BatchNorm's running statistics, which the shared forward passes would
 * otherwise keep moving) are put back as they were when it stopped.
 */
class MemberFinish {
  private readonly epochs: (number | null)[];
  private readonly buffers = new Map<number, Map<string, Tensor>>();

  constructor(private readonly learner: Learner) {
    this.epochs = Array(learner.members).fill(null);
  }

  finish(member: number, epochs: number): void {
    if (!this.learner.active[member] || this.epochs[member] !== null) return;
    this.epochs[member] = epochs;
    this.buffers.set(member, keep(new Map(this.learner.model.namedBuffers().map(([name, buffer]) => [name, buffer.narrow(0, member, 1).clone()]))));
    this.learner.active[member] = false;
    this.learner.optimizer.setActiveMembers(this.learner.active);
  }

  /** Makes the finished members active again for the next task; returns each member's epochs. */
  release(epochsRun: number): number[] {
    const buffers = new Map(this.learner.model.namedBuffers());
    for (const [member, saved] of this.buffers) {
      for (const [name, row] of saved) {
        buffers.get(name)!.narrow(0, member, 1).copy_(row);
        row.dispose();
      }
      this.learner.active[member] = true;
    }
    if (this.buffers.size > 0) this.learner.optimizer.setActiveMembers(this.learner.active);
    return this.epochs.map((epochs) => epochs ?? epochsRun);
  }
}

export class Experiment {
  readonly model: Model;
  readonly learner: Learner;
  private readonly dataGenerators: Generator[];
  /** Accuracy at initialisation on every task, [R][T]: the reference of forward transfer. */
  accuracyAtInit: number[][] = [];
  /** Where this process's time went, for provenance.json. */
  readonly timing = new RunTiming();
  private startTask = 0;

  constructor(
    private readonly settings: ExperimentSettings,
    private readonly source: TaskSource,
  ) {
    // Dropout draws from libtorch's default generator, which is otherwise seeded at random per
    // process; its state is part of the checkpoint, so a resumed run continues the same stream.
    manualSeed(settings.seed);
    this.model = settings.buildModel(settings.seeds.map((seed) => new Generator(seed)));
    this.learner = new Learner(this.model, settings.buildOptimizer(this.model), settings.buildMethods(), settings.nanPolicy, null, settings.loss);
    // Data order has its own stream per member, apart from initialisation.
    this.dataGenerators = settings.seeds.map((seed) => new Generator(seed + 1));
  }

  /** Continues from a checkpoint that checkpoint() made (read back by ResultsWriter.readCheckpoint). */
  resume(checkpoint: Checkpoint): void {
    const state = checkpoint.extra as RunState;
    this.model.loadStateDict(section(checkpoint.tensors, 'model'));
    this.learner.optimizer.loadStateDict(section(checkpoint.tensors, 'optimizer'));
    const methods = section(checkpoint.tensors, 'methods');
    for (const method of this.learner.methods) method.loadStateDict?.(methods);
    this.dataGenerators.forEach((generator, member) => generator.setState(checkpoint.rngStates.get(`data/${member}`)!));
    setRngState(checkpoint.rngStates.get('default')!);
    state.active.forEach((active, member) => (this.learner.active[member] = active));
    state.stop_reasons.forEach((reason, member) => (this.learner.stopReasons[member] = reason));
    this.learner.optimizer.setActiveMembers(this.learner.active);
    this.learner.step = state.step;
    this.accuracyAtInit = nullToNaN(state.accuracy_at_init) as number[][];
    this.startTask = checkpoint.nextTask;
  }

  /** Everything a resumed run needs to continue as if it had never stopped, before task `nextTask`. */
  private checkpoint(nextTask: number): Checkpoint {
    const tensors = new Map<string, Tensor>();
    for (const [key, value] of this.model.stateDict()) tensors.set(`model/${key}`, value);
    for (const [key, value] of this.learner.optimizer.stateDict()) tensors.set(`optimizer/${key}`, value);
    for (const method of this.learner.methods) for (const [key, value] of method.stateDict?.() ?? []) tensors.set(`methods/${method.name}.${key}`, value);
    const rngStates = new Map<string, Tensor>(this.dataGenerators.map((generator, member) => [`data/${member}`, generator.getState() as Tensor]));
    rngStates.set('default', getRngState());
    const state: RunState = {
      step: this.learner.step,
      active: [...this.learner.active],
      stop_reasons: [...this.learner.stopReasons],
      accuracy_at_init: this.accuracyAtInit,
      members: this.dataGenerators.length,
    };
    return { nextTask, tensors, rngStates, extra: state };
  }

  async run(observers: readonly ExperimentObserver[] = []): Promise<void> {
    const { source, settings } = this;
    const tracked: TrackedTask[] = Array.from({ length: source.numTasks }, (_, task) =>
      keep({ test: source.test(task), snapshot: source.snapshotSamples(task), headMask: source.headMask(task) }),
    );
    try {
      if (this.startTask === 0) {
        this.accuracyAtInit = tracked.map(() => []);
        const atInit = this.timing.time('evaluation', () => tracked.map((task) => evaluate(this.model, task.test, { numClasses: source.numClasses, chunkSize: settings.evalChunk, headMask: task.headMask, predict: this.learner.predict })));
        this.accuracyAtInit = Array.from({ length: settings.members }, (_, member) => atInit.map((evaluation) => evaluation.accuracy[member]));
      }
      for (let task = this.startTask; task < source.numTasks; task += 1) {
        const record = await this.runTask(task, tracked, observers);
        const label = taskLabel(task, source.taskClasses[task]);
        for (const observer of observers) observer.onTaskEnd?.({ record, label, checkpoint: () => this.checkpoint(task + 1) });
      }
    } finally {
      for (const task of tracked) {
        task.test.images.dispose();
        task.test.labels.dispose();
        task.snapshot.images.dispose();
        task.snapshot.labels.dispose();
      }
    }
  }

  /**
   * A baseline population (the expert of `task`, or the joint one for -1), freshly initialised and
   * trained by the learner's algorithm (docs/methods.md): its rule and NTE's update, without its remedies.
   */
  private freshPopulation(task: number): Learner {
    const seeds = this.settings.seeds.map((seed) => seed + EXPERT_SEED_STRIDE * (task + 1));
    const model = this.settings.buildModel(seeds.map((seed) => new Generator(seed)));
    const learner = new Learner(model, this.settings.buildOptimizer(model), this.settings.buildBaselineMethods(seeds), this.settings.nanPolicy, null, this.settings.loss);
    learner.beginTask(Math.max(task, 0));
    return learner;
  }

  private async runTask(task: number, tracked: TrackedTask[], observers: readonly LoopObserver[]): Promise<TaskRecord> {
    const { settings, source, learner } = this;
    const started = performance.now();
    const batches = new EpochBatches(source.train(task), settings.batchSize, this.dataGenerators);
    const learnerLog = new LogBuffer();
    const expert = settings.expert ? this.freshPopulation(task) : null;
    const expertLog = expert ? new LogBuffer() : null;
    const current = tracked[task];
    learner.headMask = current.headMask;
    if (expert) expert.headMask = current.headMask;
    learner.beginTask(task);
    const members = settings.members;
    const options = { numClasses: source.numClasses, evalChunk: settings.evalChunk };
    // logging.track_tasks: the log points measure every task, or only those seen so far.
    const measured = settings.trackTasks === 'seen' ? tracked.slice(0, task + 1) : tracked;
    const context = { model: this.model, predict: learner.predict, tracked: measured, allTasks: tracked, task, log: learnerLog, settings, train: (t: number) => source.train(t), ...options };
    const timing = this.timing;
    const metrics = settings.metrics
      .filter((metric) => metric.enabled?.(settings) ?? true)
      .map((metric) => timing.observe(metric.name === 'evaluation' ? 'evaluation' : 'metrics', metric.startTask(context)));
    const rule = settings.stopping;
    const finished = new MemberFinish(learner);
    const taskLoss = new TrainingWindow(members);
    const lossObserver: LoopObserver = { onStep: ({ results: [result], batch }) => taskLoss.add(result, batch.inputs.shape[0]) };
    const steps = await trainLoop({
      phase: { kind: 'task', index: task, count: source.numTasks, label: taskLabel(task, source.taskClasses[task]) },
      populations: expert ? [learner, expert] : [learner],
      batches,
      epochs: rule.kind === 'epochs' ? rule.epochs : rule.maxEpochs,
      logFrequency: settings.logFrequency,
      afterEpoch: rule.kind === 'epochs' ? undefined : (epoch, accuracies) => {
        if (rule.by === 'mean') return meanOfActive(accuracies, learner.active) >= rule.threshold;
        accuracies.forEach((accuracy, member) => accuracy >= rule.threshold && finished.finish(member, epoch + 1));
        return !learner.active.some(Boolean);
      },
      observers: [lossObserver, ...metrics, ...(expert && expertLog ? [timing.observe('evaluation', expertSeries(expert, current, expertLog, options))] : []), ...observers],
      timing,
    });
    const epochs = finished.release(Math.ceil(steps / batches.batchesPerEpoch));
    learner.endTask({ task, batches: () => batches.epoch() });
    const analysis: TaskAnalysis = { populationSparsity: {}, probe: null };
    timing.time('metrics', () => {
      for (const metric of metrics) Object.assign(analysis, metric.onTaskEnd?.());
    });
    for (const metric of metrics) metric.dispose?.();
    const [accuracyAfter, expertAccuracy] = timing.time('evaluation', () => [
      tracked.map((trackedTask) => evaluate(this.model, trackedTask.test, { numClasses: source.numClasses, chunkSize: settings.evalChunk, headMask: trackedTask.headMask, predict: learner.predict })),
      expert ? Array.from(evaluate(expert.model, current.test, { numClasses: source.numClasses, chunkSize: settings.evalChunk, headMask: current.headMask }).accuracy) : null,
    ] as const);
    batches.dispose();
    expert?.dispose();
    // The blocks freed during the task (its data, its evaluation chunks) are of sizes the next task
    // may never ask for; kept, they made resident memory grow with every task (memory-plan.ts).
    releaseCpuMemoryCache();
    const seconds = (performance.now() - started) / 1000;
    return {
      task,
      learner: learnerLog,
      expert: expertLog,
      accuracyAfter: Array.from({ length: members }, (_, member) => accuracyAfter.map((evaluation) => evaluation.accuracy[member])),
      expertAccuracy,
      seconds,
      steps,
      epochs,
      trainLoss: Array.from(taskLoss.take().loss),
      testSamples: current.test.labels.shape[0],
      samplesPerSecond: (steps * settings.batchSize * members) / seconds,
      analysis,
    };
  }

  /** The joint upper bound: a fresh population trained on every task's data at once. Accuracy [R][T]. */
  async runJoint(observers: readonly LoopObserver[] = []): Promise<number[][]> {
    const { settings, source } = this;
    const joint = this.freshPopulation(-1);
    const generators = settings.seeds.map((seed) => new Generator(seed + 2));
    const batches = new EpochBatches(source.train('joint'), settings.batchSize, generators);
    const epochs = settings.stopping.kind === 'epochs' ? settings.stopping.epochs : settings.stopping.maxEpochs;
    await trainLoop({ phase: { kind: 'joint', index: 0, count: 1, label: 'joint baseline' }, populations: [joint], batches, epochs, logFrequency: null, observers, timing: this.timing });
    batches.dispose();
    const accuracy = this.timing.time('evaluation', () => Array.from({ length: source.numTasks }, (_, task) =>
      scope(() => {
        const test = source.test(task);
        return Array.from(evaluate(joint.model, test, { numClasses: source.numClasses, chunkSize: settings.evalChunk, headMask: source.headMask(task) }).accuracy);
      }),
    ));
    joint.dispose();
    return Array.from({ length: settings.members }, (_, member) => accuracy.map((perTask) => perTask[member]));
  }
}

