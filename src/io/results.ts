// The results layout of a run (docs/architecture.md, Results layout):
//   results/{dataset}/{algorithm}/{date}_{time}[_{overrides}]/  (src/io/run-folder.ts)
//     config.yaml  plan.json  summary.json  report/  checkpoint/
//     task_{t:03d}/  metrics.npz  expert_metrics.npz  representations.npy  binary_labels.npy
//                    weights.npz  snapshot_steps.npz  metadata.json  (manifolds.npz: plab analyze manifolds)
// A task directory counts as finished only once metadata.json exists: it is written last, after
// every array file, so a run killed mid-flush leaves a task that is visibly unfinished.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeTemporaryFiles, writeFileAtomic, writeJsonAtomic, type AtomicWriteOptions } from './atomic.js';
import { nullToNaN } from './json-nan.js';
import { snakeCaseKeys } from './snake-case.js';

/** The files of a task directory. */
export const TASK_FILES = {
  metrics: 'metrics.npz',
  expertMetrics: 'expert_metrics.npz',
  representations: 'representations.npy',
  binaryLabels: 'binary_labels.npy',
  weights: 'weights.npz',
  /** The training steps of the snapshots written (src/cl/snapshot-policy.ts). */
  snapshotSteps: 'snapshot_steps.npz',
  /** Class-manifold measures, written afterwards by `plab analyze manifolds`. */
  manifolds: 'manifolds.npz',
  /** Written last: its presence marks the task as finished. */
  metadata: 'metadata.json',
} as const;

export const COMPLETION_MARKER = TASK_FILES.metadata;

/** A problem with a results directory that the user resolves (an existing run, a missing one). */
export class ResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResultsError';
  }
}

/** 'task_000', 'task_042', 'task_1234'. */
export function taskDirectoryName(task: number): string {
  if (!Number.isInteger(task) || task < 0) throw new RangeError(`a task index is a whole number >= 0, got ${task}`);
  return `task_${String(task).padStart(3, '0')}`;
}

/** The task index of a directory name, or null when it is not a task directory. */
export function parseTaskDirectoryName(name: string): number | null {
  const match = /^task_(\d{3,})$/.exec(name);
  return match ? Number(match[1]) : null;
}

export interface RunPaths {
  root: string;
  config: string;
  plan: string;
  summary: string;
  joint: string;
  report: string;
  checkpoint: string;
  task(task: number): string;
  taskFile(task: number, file: string): string;
}

export function runPaths(root: string): RunPaths {
  return {
    root,
    config: join(root, 'config.yaml'),
    plan: join(root, 'plan.json'),
    summary: join(root, 'summary.json'),
    joint: join(root, 'joint.json'),
    report: join(root, 'report'),
    checkpoint: join(root, 'checkpoint'),
    task: (task) => join(root, taskDirectoryName(task)),
    taskFile: (task, file) => join(root, taskDirectoryName(task), file),
  };
}

/** Indices of the finished tasks (those with a completion marker), ascending. */
export function completedTasks(root: string): number[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => parseTaskDirectoryName(entry.name))
    .filter((task): task is number => task !== null && existsSync(join(root, taskDirectoryName(task), COMPLETION_MARKER)))
    .sort((a, b) => a - b);
}

/** How many tasks are finished without a gap from task 0: the first task a resumed run must train. */
export function finishedTaskCount(root: string): number {
  const done = new Set(completedTasks(root));
  let count = 0;
  while (done.has(count)) count++;
  return count;
}

/**
 * Creates a run directory and writes config.yaml and plan.json. Refuses a directory that already
 * holds finished work of another run, so a new run never overwrites results silently.
 */
export function startRun(root: string, contents: { configYaml: string; plan: unknown }, options: AtomicWriteOptions = {}): RunPaths {
  const paths = runPaths(root);
  const finished = completedTasks(root);
  if (finished.length > 0 || existsSync(paths.checkpoint)) {
    const what = finished.length > 0 ? `${finished.length} finished task(s)` : 'a checkpoint';
    throw new ResultsError(
      `${root} already holds a run with ${what}. Resume it with 'plab run --resume ${root}', ` +
        `or give the new run its own directory (algorithm=NAME or results_dir=DIR), or delete ${root}.`,
    );
  }
  // What is left is an earlier start that finished nothing: its partial task folders would only
  // mislead a reader of the new run.
  if (existsSync(root)) {
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (entry.isDirectory() && parseTaskDirectoryName(entry.name) !== null) rmSync(join(root, entry.name), { recursive: true, force: true });
    }
  }
  rmSync(paths.summary, { force: true });
  removeTemporaryFiles(root);
  writeFileAtomic(paths.config, contents.configYaml, options);
  writeJsonAtomic(paths.plan, snakeCaseKeys(contents.plan), options);
  return paths;
}

export interface ExistingRun {
  paths: RunPaths;
  configYaml: string;
  plan: unknown;
  completed: number[];
}

/** Removes the temporary files of interrupted writes from a run folder and the folders in it. */
export function removeTemporaryFilesBelow(root: string): void {
  if (!existsSync(root)) return;
  removeTemporaryFiles(root);
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory()) removeTemporaryFilesBelow(join(root, entry.name));
  }
}

/**
 * Opens a run directory to resume it: reads config.yaml and plan.json, and removes temporary files
 * left by writes that a kill interrupted.
 */
export function openRun(root: string): ExistingRun {
  const paths = runPaths(root);
  if (!existsSync(paths.config)) {
    throw new ResultsError(`${root} holds no run to resume (no config.yaml); give the directory a run printed when it started, e.g. results/mnist/SL/latest`);
  }
  if (!existsSync(paths.plan)) throw new ResultsError(`${root} has config.yaml but no plan.json; the run stopped before it began, so start it again instead of resuming`);
  removeTemporaryFilesBelow(root);
  return {
    paths,
    configYaml: readFileSync(paths.config, 'utf8'),
    plan: JSON.parse(readFileSync(paths.plan, 'utf8')),
    completed: completedTasks(root),
  };
}

/**
 * Writes a task's files, then its metadata.json last. An earlier marker is removed first, so a task
 * being rewritten (after a resume) is not counted finished until all its new files are in place.
 */
export function writeTask(root: string, task: number, files: Record<string, Uint8Array>, metadata: unknown, options: AtomicWriteOptions = {}): string {
  const paths = runPaths(root);
  const directory = paths.task(task);
  for (const name of Object.keys(files)) {
    if (name === COMPLETION_MARKER || !/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
      throw new RangeError(`writeTask: '${name}' cannot be a task file name (plain names only; ${COMPLETION_MARKER} is written from metadata)`);
    }
  }
  rmSync(join(directory, COMPLETION_MARKER), { force: true });
  removeTemporaryFiles(directory);
  for (const [name, bytes] of Object.entries(files)) writeFileAtomic(join(directory, name), bytes, options);
  writeJsonAtomic(join(directory, COMPLETION_MARKER), metadata, options);
  return directory;
}

/** A finished task's metadata.json. */
export function readTaskMetadata(root: string, task: number): unknown {
  const file = runPaths(root).taskFile(task, COMPLETION_MARKER);
  if (!existsSync(file)) throw new ResultsError(`task ${task} of ${root} is not finished (no ${file})`);
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** joint.json: the joint baseline's accuracy on each task, per member, [R][T]. */
export function writeJointAccuracy(root: string, accuracy: number[][]): void {
  writeJsonAtomic(runPaths(root).joint, { accuracy });
}

/** joint.json's accuracy, NaN where the file holds null (src/io/json-nan.ts); null when the run has none yet. */
export function readJointAccuracy(root: string): number[][] | null {
  const path = runPaths(root).joint;
  if (!existsSync(path)) return null;
  return nullToNaN((JSON.parse(readFileSync(path, 'utf8')) as { accuracy: unknown[] }).accuracy) as number[][];
}

/** summary.json: the accuracy matrix and summary metrics. */
export function writeSummary(root: string, summary: unknown, options: AtomicWriteOptions = {}): void {
  writeJsonAtomic(runPaths(root).summary, summary, options);
}
