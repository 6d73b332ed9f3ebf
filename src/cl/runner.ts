// One experiment from a resolved config to its files (docs/architecture.md, "The path of one
// run"): the run folder's lock, config.yaml, plan.json and provenance.json, the tasks with the
// results and a checkpoint after each, the joint baseline, then summary.json. What else watches
// the run (a progress bar, TensorBoard, a script's own observer) is passed in as an observer.
import { configToYaml, type ExperimentConfig } from '../config/index.js';
import { readJointAccuracy, removeTemporaryFilesBelow, startRun, writeJointAccuracy, writeSummary } from '../io/results.js';
import { acquireRunLock, type RunLock } from '../io/run-lock.js';
import { Experiment, type ExperimentObserver } from './experiment.js';
import { prepareExperiment } from './from-config.js';
import { stopObserver, stopOnSignals } from './interrupt.js';
import { recordEnd, recordStart } from './provenance.js';
import { ResultsWriter } from './results-writer.js';
import { summarize, type RunSummary } from './summary.js';

/** The end of a run, after summary.json is written. */
export interface RunEndEvent {
  runDir: string;
  summary: RunSummary;
  /** The learner's steps over every task. */
  steps: number;
  /** [task][member][k]: each task's classes, for labels. */
  taskClasses: number[][][];
  seconds: number;
}

export interface RunOptions {
  /** Continue from the folder's checkpoint (a run interrupted after its plan was written). */
  resume: boolean;
  /** The command-line overrides, for provenance.json. */
  overrides?: string[];
  observers?: readonly ExperimentObserver[];
  /** Called once a new run's config.yaml and plan.json are written, i.e. once it has begun. */
  onStarted?: (runDir: string) => void;
  /** One line for a person: resuming, the joint baseline done. */
  notify?: (message: string) => void;
}

/** Runs one experiment to the end in `runDir`; returns its summary. */
export async function runExperiment(config: ExperimentConfig, runDir: string, options: RunOptions): Promise<RunSummary> {
  const observers = options.observers ?? [];
  const started = performance.now();
  // Data loaded and memory planned before the folder is made: a run refused here (bad data, too
  // little memory) leaves no empty folder behind.
  const prepared = prepareExperiment(config);
  let lock: RunLock;
  try {
    lock = acquireRunLock(runDir);
  } catch (error) {
    prepared.release();
    throw error;
  }
  const stop = stopOnSignals();
  try {
    // Files of writes that a killed process left half done are never part of the run.
    removeTemporaryFilesBelow(runDir);
    const writer = new ResultsWriter(runDir, { denseSnapshots: config.logging.dense_snapshots ?? false });
    const checkpoint = options.resume ? writer.readCheckpoint() : null;
    if (!options.resume) {
      startRun(runDir, { configYaml: configToYaml(config), plan: prepared.plan });
      options.onStarted?.(runDir);
    }
    const provenance = recordStart(runDir, { overrides: options.overrides ?? [], resumed: options.resume });
    const { source, settings } = prepared;
    const experiment = new Experiment(settings, source);
    if (checkpoint) experiment.resume(checkpoint);
    const T = source.numTasks;
    if (options.resume) {
      const finished = checkpoint?.nextTask ?? 0;
      options.notify?.(`resuming ${runDir}: ${finished} of ${T} tasks finished${finished < T ? `; continuing with task ${finished + 1}` : ''}`);
    }
    const results: ExperimentObserver = {
      onTaskEnd: ({ record, checkpoint: makeCheckpoint }) =>
        experiment.timing.time('writing', () => {
          writer.writeTask(record, { classes: source.taskClasses[record.task], seeds: settings.seeds, stopped_members: [...experiment.learner.stopReasons] });
          writer.writeCheckpoint(makeCheckpoint);
        }),
    };
    // SIGTERM (a scheduler's cancel, pre-emption or requeue) stops the run after its last finished task.
    const stopping = stopObserver(stop, checkpoint?.nextTask ?? 0);
    await experiment.run([results, stopping, ...observers]);
    let joint: number[][] | null = null;
    if (settings.joint) {
      joint = readJointAccuracy(runDir);
      if (!joint) {
        const accuracy = await experiment.runJoint([stopping, ...observers]);
        experiment.timing.time('writing', () => writeJointAccuracy(runDir, accuracy));
        joint = accuracy;
        options.notify?.('joint baseline done');
      }
    }
    const summary = experiment.timing.time('writing', () => {
      const summary = summarize(writer, T, experiment.accuracyAtInit, joint, settings.loss);
      writeSummary(runDir, summary);
      return summary;
    });
    recordEnd(runDir, provenance, { ...experiment.timing.seconds(), total: Math.round(performance.now() - started) / 1000, libtorch: experiment.timing.insideLibtorch() });
    const end: RunEndEvent = { runDir, summary, steps: experiment.learner.step, taskClasses: source.taskClasses, seconds: (performance.now() - started) / 1000 };
    for (const observer of observers) observer.onRunEnd?.(end);
    return summary;
  } finally {
    stop.dispose();
    prepared.release();
    removeTemporaryFilesBelow(runDir);
    lock.release();
  }
}
