// Turns the experiment's records into the results layout of docs/architecture.md (src/io/results.ts) and its
// checkpoints into src/io/checkpoint.ts's, whose write order makes a killed run resumable.
import { readFileSync } from 'node:fs';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import { encodeNpy, type NdArray } from '../io/npy.js';
import { nullToNaN } from '../io/json-nan.js';
import { encodeNpz } from '../io/npz.js';
import { readTaskMetadata, runPaths, writeTask, type RunPaths } from '../io/results.js';
import { native, scope } from '../tensor/index.js';
import type { TaskRecord } from './experiment.js';
import { deadLayers } from './member-health.js';
import { keptLogPoints, takeLogPoints } from './snapshot-policy.js';

export interface TaskMetadata {
  task: number;
  classes: number[][];
  seeds: number[];
  accuracy_after: number[][];
  expert_accuracy: number[] | null;
  seconds: number;
  steps: number;
  /** Epochs each member trained on this task, [R]. */
  epochs: number[];
  /** Each member's mean training loss over the task's steps, [R] (absent in runs written before it). */
  train_loss?: number[];
  /** Images in the task's test set: the weights of the seen-class accuracy. */
  test_samples: number;
  samples_per_second: number;
  stopped_members: (string | null)[];
  /** Per member, the hidden layers with every unit dead at the task's last log point (member-health.ts). */
  dead_layers: string[][];
  /** Task-end analyses: sparsity per hidden layer and the linear probes, per member. */
  population_sparsity: Record<string, number[]>;
  /** Null when logging.measures leaves probes out. */
  probe_seen_accuracy: number[] | null;
  network_seen_accuracy: number[] | null;
  probe_unseen_accuracy: number[] | null;
  versions: { plab: string; torch: string; node: string };
}

/**
 * The entries of TaskMetadata with one value per member, in member order (a population split into
 * shards concatenates them, src/launch/shard-merge.ts): a new per-member entry belongs here too.
 */
export const PER_MEMBER_METADATA = ['classes', 'seeds', 'stopped_members', 'epochs', 'train_loss', 'dead_layers', 'accuracy_after', 'expert_accuracy', 'probe_seen_accuracy', 'network_seen_accuracy', 'probe_unseen_accuracy'] as const satisfies readonly (keyof TaskMetadata)[];

/** The entries of TaskMetadata made of measured numbers, where a NaN is possible (src/io/json-nan.ts). */
const MEASURED_METADATA = ['epochs', 'train_loss', 'accuracy_after', 'expert_accuracy', 'population_sparsity', 'probe_seen_accuracy', 'network_seen_accuracy', 'probe_unseen_accuracy'] as const satisfies readonly (keyof TaskMetadata)[];

/** Series stored in files of their own rather than in metrics.npz. */
const OWN_FILES = new Set(['representations', 'labels']);

export interface ResultsWriterOptions {
  /** Write the snapshots of every log point (logging.dense_snapshots), not src/cl/snapshot-policy.ts's subset. */
  denseSnapshots?: boolean;
}

export class ResultsWriter {
  readonly paths: RunPaths;

  constructor(
    readonly runDir: string,
    private readonly options: ResultsWriterOptions = {},
  ) {
    this.paths = runPaths(runDir);
  }

  writeTask(record: TaskRecord, metadata: Pick<TaskMetadata, 'classes' | 'seeds' | 'stopped_members'>): void {
    const metrics = record.learner.stacked((name) => !OWN_FILES.has(name) && !name.startsWith('weights/'));
    const files: Record<string, Uint8Array> = { 'metrics.npz': encodeNpz(metrics) };
    const steps = metrics.get('step')!;
    const dense = this.options.denseSnapshots ?? false;
    const snapshotSteps = new Map<string, NdArray>();
    const representationPoints = keptLogPoints('representations', steps.shape[0], dense);
    for (const name of OWN_FILES) {
      const array = record.learner.stacked((candidate) => candidate === name).get(name);
      if (!array) continue;
      files[`${name}.npy`] = encodeNpy(takeLogPoints(array, representationPoints));
      snapshotSteps.set('representations', takeLogPoints(steps, representationPoints));
    }
    const weightPoints = keptLogPoints('weights', steps.shape[0], dense);
    const weights = new Map<string, NdArray>();
    for (const [name, array] of record.learner.stacked((candidate) => candidate.startsWith('weights/'))) weights.set(name.slice('weights/'.length), takeLogPoints(array, weightPoints));
    if (weights.size > 0) {
      files['weights.npz'] = encodeNpz(weights);
      snapshotSteps.set('weights', takeLogPoints(steps, weightPoints));
    }
    if (snapshotSteps.size > 0) files['snapshot_steps.npz'] = encodeNpz(snapshotSteps);
    if (record.expert) files['expert_metrics.npz'] = encodeNpz(record.expert.stacked());
    const full: TaskMetadata = {
      task: record.task,
      ...metadata,
      accuracy_after: record.accuracyAfter,
      expert_accuracy: record.expertAccuracy,
      dead_layers: deadLayers(record.learner, record.accuracyAfter.length),
      seconds: record.seconds,
      steps: record.steps,
      epochs: record.epochs,
      train_loss: record.trainLoss,
      test_samples: record.testSamples,
      samples_per_second: record.samplesPerSecond,
      population_sparsity: record.analysis.populationSparsity,
      probe_seen_accuracy: record.analysis.probe?.seenAccuracy ?? null,
      network_seen_accuracy: record.analysis.probe?.networkAccuracy ?? null,
      probe_unseen_accuracy: record.analysis.probe?.unseenAccuracy ?? null,
      versions: versions(),
    };
    writeTask(this.runDir, record.task, files, full);
  }

  /** A finished task's metadata, its measured numbers as written (NaN where JSON holds null). */
  readTaskMetadata(task: number): TaskMetadata {
    const metadata = readTaskMetadata(this.runDir, task) as Record<string, unknown>;
    for (const key of MEASURED_METADATA) if (metadata[key] != null) metadata[key] = nullToNaN(metadata[key]);
    return metadata as unknown as TaskMetadata;
  }

  /**
   * Writes the checkpoint that `make` builds. It is built and written inside one scope, so the fresh
   * tensors it holds (views, generator states) are released once written; the live state is not.
   */
  writeCheckpoint(make: () => Checkpoint): void {
    scope(() => saveCheckpoint(this.paths.checkpoint, make()));
  }

  readCheckpoint(): Checkpoint | null {
    return loadCheckpoint(this.paths.checkpoint);
  }
}

function versions(): TaskMetadata['versions'] {
  const plab = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return { plab: plab.version, torch: native.buildInfo().torchVersion, node: process.version };
}
