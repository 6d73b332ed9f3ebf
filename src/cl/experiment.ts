// One continual-learning experiment: the learner population trained task after task, with the
// expert (fresh each task, same batches) and joint (all tasks at once) baselines, dense logs
// flushed at each task boundary, and a checkpoint after each task so that a killed run resumes.
import type { Model } from '../nn/models/model.js';
import { Generator, getRngState, keep, manualSeed, scope, setRngState, settle, type Tensor } from '../tensor/index.js';
import { EpochBatches } from './batches.js';
import { evaluate } from './evaluate.js';
import { Learner } from './learner.js';
import { LogBuffer } from './log-buffer.js';
import { recordLogPoint, type TrackedTask } from './log-point.js';
import { parameterCopies, pooledSamples, recordPlasticity, recordProbes, type ProbeSummary } from './log-metrics.js';
import { RunInterrupted } from './interrupt.js';
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
  samplesPerSecond: number;
  /** Task-end analyses for summary.json: sparsity per hidden layer [R] and the linear probes. */
  analysis: { populationSparsity: Record<string, number[]>; probe: ProbeSummary | null };
}

/** Called as training progresses, for progress bars. */
export interface ProgressEvent {
  phase: 'learner' | 'joint';
  task: number;
  numTasks: number;
  epoch: number;
  step: number;
  stepsInTask: number;
  loss: number;
  accuracy: number;
}

export interface ExperimentHooks {
  onProgress?(event: ProgressEvent): void;
  /** Persist a finished task (results and checkpoint). Called before the next task starts. */
  onTaskEnd(record: TaskRecord, checkpoint: () => Checkpoint): void;
  /** The signal that asked the run to stop, or null; polled at each turn of the event loop (src/cl/interrupt.ts). */
  stopRequested?(): string | null;
}

/** Everything a resumed run needs to continue as if it had never stopped. */
export interface Checkpoint {
  nextTask: number;
  step: number;
  model: Map<string, Tensor>;
  optimizer: Map<string, Tensor>;
  methods: Map<string, Tensor>;
  dataGenerators: Tensor[];
  rngState: Tensor;
  active: boolean[];
  stopReasons: (string | null)[];
  accuracyAtInit: number[][];
}

/** Baseline populations draw their seeds this far from the learner's: the expert of task t uses seed + stride·(t + 1). */
export const EXPERT_SEED_STRIDE = 100_003;
/** Steps between turns of the event loop (see settle()). */
const SETTLE_EVERY = 200;

function meanOf(values: ArrayLike<number>, active?: boolean[]): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i += 1) {
    if (active && !active[i]) continue;
    sum += values[i];
    count += 1;
  }
  return count ? sum / count : Number.NaN;
}

export class Experiment {
  readonly model: Model;
  readonly learner: Learner;
  private readonly dataGenerators: Generator[];
  /** Accuracy at initialisation on every task, [R][T]: the reference of forward transfer. */
  accuracyAtInit: number[][] = [];
  private startTask = 0;

  constructor(
    private readonly settings: ExperimentSettings,
    private readonly source: TaskSource,
  ) {
    // Dropout draws from libtorch's default generator, which is otherwise seeded at random per
    // process; its state is part of the checkpoint, so a resumed run continues the same stream.
    manualSeed(settings.seed);
    this.model = settings.buildModel(settings.seeds.map((seed) => new Generator(seed)));
    this.learner = new Learner(this.model, settings.buildOptimizer(this.model), settings.buildMethods(), settings.nanPolicy);
    // Data order has its own stream per member, apart from initialisation.
    this.dataGenerators = settings.seeds.map((seed) => new Generator(seed + 1));
  }

  resume(checkpoint: Checkpoint): void {
    this.model.loadStateDict(checkpoint.model);
    this.learner.optimizer.loadStateDict(checkpoint.optimizer);
    for (const method of this.learner.methods) method.loadStateDict?.(checkpoint.methods);
    checkpoint.dataGenerators.forEach((state, member) => this.dataGenerators[member].setState(state));
    setRngState(checkpoint.rngState);
    checkpoint.active.forEach((active, member) => (this.learner.active[member] = active));
    checkpoint.stopReasons.forEach((reason, member) => (this.learner.stopReasons[member] = reason));
    this.learner.optimizer.setActiveMembers(this.learner.active);
    this.learner.step = checkpoint.step;
    this.accuracyAtInit = checkpoint.accuracyAtInit;
    this.startTask = checkpoint.nextTask;
  }

  private checkpoint(nextTask: number): Checkpoint {
    const methods = new Map<string, Tensor>();
    for (const method of this.learner.methods) for (const [key, value] of method.stateDict?.() ?? []) methods.set(`${method.name}.${key}`, value);
    return {
      nextTask,
      step: this.learner.step,
      model: this.model.stateDict(),
      optimizer: this.learner.optimizer.stateDict(),
      methods,
      dataGenerators: this.dataGenerators.map((generator) => generator.getState() as Tensor),
      rngState: getRngState(),
      active: [...this.learner.active],
      stopReasons: [...this.learner.stopReasons],
      accuracyAtInit: this.accuracyAtInit,
    };
  }

  /** Abandons the work in progress (nothing of it is written) when a stop was requested; `finished` tasks are on disk. */
  private stopIfRequested(hooks: Pick<ExperimentHooks, 'stopRequested'> | undefined, finished: number): void {
    const signal = hooks?.stopRequested?.();
    if (signal) throw new RunInterrupted(signal, finished);
  }

  async run(hooks: ExperimentHooks): Promise<void> {
    const { source, settings } = this;
    const tracked: TrackedTask[] = Array.from({ length: source.numTasks }, (_, task) =>
      keep({ test: source.test(task), snapshot: source.snapshotSamples(task), headMask: source.headMask(task) }),
    );
    try {
      if (this.startTask === 0) {
        this.accuracyAtInit = tracked.map(() => []);
        const atInit = tracked.map((task) => evaluate(this.model, task.test, { numClasses: source.numClasses, chunkSize: settings.evalChunk, headMask: task.headMask }));
        this.accuracyAtInit = Array.from({ length: settings.members }, (_, member) => atInit.map((evaluation) => evaluation.accuracy[member]));
      }
      for (let task = this.startTask; task < source.numTasks; task += 1) {
        await settle();
        this.stopIfRequested(hooks, task);
        const record = await this.runTask(task, tracked, hooks);
        hooks.onTaskEnd(record, () => this.checkpoint(task + 1));
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
    const learner = new Learner(model, this.settings.buildOptimizer(model), this.settings.buildBaselineMethods(seeds), this.settings.nanPolicy);
    learner.beginTask(Math.max(task, 0));
    return learner;
  }

  private async runTask(task: number, tracked: TrackedTask[], hooks?: ExperimentHooks): Promise<TaskRecord> {
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
    const logOptions = { numClasses: source.numClasses, evalChunk: settings.evalChunk, snapshotWeights: settings.snapshotWeights, snapshotRepresentations: settings.snapshotRepresentations };
    const members = settings.members;
    let stepInTask = 0;
    let window = { loss: new Float64Array(members), correct: new Float64Array(members), expertLoss: new Float64Array(members), expertCorrect: new Float64Array(members), samples: 0, steps: 0 };
    const resetWindow = () => (window = { loss: new Float64Array(members), correct: new Float64Array(members), expertLoss: new Float64Array(members), expertCorrect: new Float64Array(members), samples: 0, steps: 0 });
    const pooled = keep(pooledSamples(tracked.map((trackedTask) => trackedTask.snapshot)));
    // Relative updates are measured from the task's start, so a resumed task measures the same.
    const previousParameters = parameterCopies(this.model);
    const logPoint = () => {
      recordLogPoint(this.model, tracked, learner.step, learnerLog, logOptions);
      if (settings.plasticity) recordPlasticity(this.model, pooled, learnerLog, previousParameters);
      if (expert && expertLog) {
        const evaluation = evaluate(expert.model, current.test, { numClasses: source.numClasses, chunkSize: settings.evalChunk, headMask: current.headMask });
        expertLog.append('step', [], Int32Array.of(learner.step));
        expertLog.append('train_loss', [members], Float32Array.from(window.expertLoss, (v) => v / Math.max(1, window.steps)));
        expertLog.append('train_acc', [members], Float32Array.from(window.expertCorrect, (v) => v / Math.max(1, window.samples)));
        expertLog.append('test_loss', [members], Float32Array.from(evaluation.loss));
        expertLog.append('test_acc', [members], Float32Array.from(evaluation.accuracy));
      }
      learnerLog.append('train_loss', [members], Float32Array.from(window.loss, (v) => v / Math.max(1, window.steps)));
      learnerLog.append('train_acc', [members], Float32Array.from(window.correct, (v) => v / Math.max(1, window.samples)));
      resetWindow();
    };
    const rule = settings.stopping;
    const maxEpochs = rule.kind === 'epochs' ? rule.epochs : rule.maxEpochs;
    const stepsInTask = maxEpochs * batches.batchesPerEpoch;
    let epoch = 0;
    let lastTurn = performance.now();
    for (; epoch < maxEpochs; epoch += 1) {
      let epochCorrect = new Float64Array(members);
      let epochSamples = 0;
      for (const batch of batches.epoch()) {
        scope(() => {
          const result = learner.trainStep(batch);
          const batchSize = batch.inputs.shape[0];
          for (let member = 0; member < members; member += 1) {
            window.loss[member] += result.loss[member];
            window.correct[member] += result.correct[member];
            epochCorrect[member] += result.correct[member];
          }
          if (expert) {
            const expertResult = expert.trainStep(batch);
            for (let member = 0; member < members; member += 1) {
              window.expertLoss[member] += expertResult.loss[member];
              window.expertCorrect[member] += expertResult.correct[member];
            }
          }
          window.samples += batchSize;
          window.steps += 1;
          epochSamples += batchSize;
          stepInTask += 1;
          if (stepInTask % settings.logFrequency === 0) logPoint();
          hooks?.onProgress?.({
            phase: 'learner',
            task,
            numTasks: source.numTasks,
            epoch,
            step: stepInTask,
            stepsInTask,
            loss: meanOf(result.loss, learner.active),
            accuracy: meanOf(Array.from(result.correct, (c) => c / batchSize), learner.active),
          });
        });
        // The event loop also turns each second, so that a stop request is heard within about one.
        if (stepInTask % SETTLE_EVERY === 0 || performance.now() - lastTurn > 1000) {
          await settle();
          lastTurn = performance.now();
          this.stopIfRequested(hooks, task);
        }
      }
      if (rule.kind === 'accuracy') {
        const trainAccuracy = meanOf(Array.from(epochCorrect, (c) => c / epochSamples), learner.active);
        if (trainAccuracy >= rule.threshold) break;
      }
      epochCorrect = new Float64Array(members);
      epochSamples = 0;
    }
    if (stepInTask % settings.logFrequency !== 0) logPoint();
    learner.endTask({ task, batches: () => batches.epoch() });
    const probe = settings.probes ? recordProbes(this.model, tracked.map((trackedTask) => trackedTask.test), task, source.numClasses, learnerLog) : null;
    const populationSparsity: Record<string, number[]> = {};
    for (const name of learnerLog.names()) {
      if (name.startsWith('population_sparsity/')) populationSparsity[name.slice('population_sparsity/'.length)] = Array.from(learnerLog.last(name) as Float32Array);
    }
    pooled.images.dispose();
    pooled.labels.dispose();
    for (const copy of previousParameters.values()) copy.dispose();
    const accuracyAfter = tracked.map((trackedTask) => evaluate(this.model, trackedTask.test, { numClasses: source.numClasses, chunkSize: settings.evalChunk, headMask: trackedTask.headMask }));
    const expertAccuracy = expert ? Array.from(evaluate(expert.model, current.test, { numClasses: source.numClasses, chunkSize: settings.evalChunk, headMask: current.headMask }).accuracy) : null;
    batches.dispose();
    expert?.dispose();
    const seconds = (performance.now() - started) / 1000;
    return {
      task,
      learner: learnerLog,
      expert: expertLog,
      accuracyAfter: Array.from({ length: members }, (_, member) => accuracyAfter.map((evaluation) => evaluation.accuracy[member])),
      expertAccuracy,
      seconds,
      steps: stepInTask,
      samplesPerSecond: (stepInTask * settings.batchSize * members) / seconds,
      analysis: { populationSparsity, probe },
    };
  }

  /** The joint upper bound: a fresh population trained on every task's data at once. Accuracy [R][T]. */
  async runJoint(hooks?: Pick<ExperimentHooks, 'onProgress' | 'stopRequested'>): Promise<number[][]> {
    const { settings, source } = this;
    const joint = this.freshPopulation(-1);
    const generators = settings.seeds.map((seed) => new Generator(seed + 2));
    const batches = new EpochBatches(source.train('joint'), settings.batchSize, generators);
    const epochs = settings.stopping.kind === 'epochs' ? settings.stopping.epochs : settings.stopping.maxEpochs;
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch += 1) {
      for (const batch of batches.epoch()) {
        scope(() => {
          const result = joint.trainStep(batch);
          step += 1;
          hooks?.onProgress?.({
            phase: 'joint',
            task: 0,
            numTasks: 1,
            epoch,
            step,
            stepsInTask: epochs * batches.batchesPerEpoch,
            loss: meanOf(result.loss, joint.active),
            accuracy: meanOf(Array.from(result.correct, (c) => c / batch.inputs.shape[0]), joint.active),
          });
        });
        if (step % SETTLE_EVERY === 0) {
          await settle();
          this.stopIfRequested(hooks, source.numTasks);
        }
      }
    }
    batches.dispose();
    const accuracy = Array.from({ length: source.numTasks }, (_, task) =>
      scope(() => {
        const test = source.test(task);
        return Array.from(evaluate(joint.model, test, { numClasses: source.numClasses, chunkSize: settings.evalChunk, headMask: source.headMask(task) }).accuracy);
      }),
    );
    joint.dispose();
    return Array.from({ length: settings.members }, (_, member) => accuracy.map((perTask) => perTask[member]));
  }
}

