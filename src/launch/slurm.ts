// launcher=slurm: a sweep as one SLURM job array. Each array task runs one job of the grid,
// `plab run <overrides> --run-dir <job folder> --quiet`, and logs into that folder.
// Stopping and starting again (src/cl/interrupt.ts): SLURM sends SIGTERM to a job it cancels,
// pre-empts or requeues (`scontrol requeue`), and the batch shell passes it on to plab, which
// abandons the task in progress and exits 75 with the last finished task checkpointed. 60 s before
// the time limit SLURM sends the shell SIGUSR1 (--signal=B:USR1@60): it stops plab the same way and
// requeues the array task itself. --requeue lets SLURM requeue the job after a node failure or a
// pre-emption. A requeued job finds its folder's plan.json and resumes from the checkpoint.
// No accounting database is assumed: states come from squeue while a task exists, then from the
// job folder (summary.json).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { INTERRUPTED_EXIT } from '../cl/interrupt.js';
import type { LauncherConfig } from '../config/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { readJobOutcome, type SweepJobEntry } from './sweep-summary.js';

export type SlurmLauncherConfig = Extract<LauncherConfig, { name: 'slurm' }>;

/** What `plab run -m … launcher=slurm` leaves in the sweep folder for `plab sweep status|collect`. */
export interface SweepManifest {
  launcher: 'slurm';
  slurm_job_id: string;
  jobs: SweepJobEntry[];
}

const MANIFEST = 'sweep.json';

/** A word for bash, single-quoted. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The batch script of the array. `plab` is the command that starts the CLI (node and its script,
 * absolute), `cwd` the folder the jobs run in.
 */
export function sbatchScript(jobs: readonly SweepJobEntry[], config: SlurmLauncherConfig, plab: readonly string[], cwd: string, sweepDir: string): string {
  const options = [
    // Named by its folder: sweeps of several people (or tests) share a queue.
    `--job-name=plab-${basename(sweepDir)}`,
    `--array=0-${jobs.length - 1}`,
    `--chdir=${cwd}`,
    // Only what happens before the job's own log opens lands here.
    `--output=${join(sweepDir, 'slurm', '%A_%a.out')}`,
    '--requeue',
    '--signal=B:USR1@60',
    `--cpus-per-task=${config.cpus_per_task}`,
    ...(config.partition ? [`--partition=${config.partition}`] : []),
    ...(config.mem ? [`--mem=${config.mem}`] : []),
    ...(config.time ? [`--time=${config.time}`] : []),
    ...(config.gres ? [`--gres=${config.gres}`] : []),
    ...(config.account ? [`--account=${config.account}`] : []),
    ...config.extra,
  ];
  const cases = jobs.map((job, index) => `  ${index}) dir=${shellQuote(job.run_dir)}; overrides=(${job.overrides.map(shellQuote).join(' ')}) ;;`);
  return [
    '#!/bin/bash',
    ...options.map((option) => `#SBATCH ${option}`),
    '# Written by plab (src/launch/slurm.ts): one array task per job of the sweep.',
    'case "$SLURM_ARRAY_TASK_ID" in',
    ...cases,
    '  *) echo "array task $SLURM_ARRAY_TASK_ID is not a job of this sweep" >&2; exit 2 ;;',
    'esac',
    'mkdir -p "$dir"',
    'exec >>"$dir/slurm.log" 2>&1',
    'echo "slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -u +%FT%TZ)"',
    // plab runs in the background so that the shell, which SLURM signals, can pass the signal on.
    `${plab.map(shellQuote).join(' ')} run "\${overrides[@]}" --run-dir "$dir" --quiet &`,
    'child=$!',
    'near_limit=0',
    'trap \'kill -TERM "$child" 2>/dev/null\' TERM',
    'trap \'near_limit=1; kill -TERM "$child" 2>/dev/null\' USR1',
    // A trapped signal ends a wait early; bash keeps a finished child's status for the last wait.
    'wait "$child"',
    'while kill -0 "$child" 2>/dev/null; do wait "$child"; done',
    'wait "$child"; status=$?',
    `if [ "$status" -eq ${INTERRUPTED_EXIT} ] && [ "$near_limit" -eq 1 ]; then`,
    '  echo "time limit near: plab stopped after its last finished task; requeueing ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"',
    '  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"',
    'fi',
    'exit "$status"',
    '',
  ].join('\n');
}

function sbatchAvailable(): void {
  try {
    execFileSync('sbatch', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error("launcher=slurm needs SLURM's sbatch on PATH; on one machine, 'sudo scripts/slurm-local.sh start' sets up a local cluster");
  }
}

/** Writes sweepDir/sweep.sbatch and sweep.json, submits the array; returns the SLURM job id. */
export function submitSweep(sweepDir: string, jobs: readonly SweepJobEntry[], config: SlurmLauncherConfig, plab: readonly string[]): string {
  if (jobs.length === 0) throw new Error('a sweep with no jobs cannot be submitted');
  sbatchAvailable();
  const absoluteJobs = jobs.map((job) => ({ ...job, run_dir: resolve(job.run_dir) }));
  const dir = resolve(sweepDir);
  mkdirSync(join(dir, 'slurm'), { recursive: true });
  const scriptPath = join(dir, 'sweep.sbatch');
  writeFileAtomic(scriptPath, sbatchScript(absoluteJobs, config, plab, process.cwd(), dir));
  const jobId = execFileSync('sbatch', ['--parsable', scriptPath], { encoding: 'utf8' }).trim().split(';')[0];
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch ${scriptPath} answered '${jobId}', not a job id`);
  const manifest: SweepManifest = { launcher: 'slurm', slurm_job_id: jobId, jobs: absoluteJobs };
  writeJsonAtomic(join(dir, MANIFEST), manifest);
  return jobId;
}

export function readManifest(sweepDir: string): SweepManifest {
  const path = join(sweepDir, MANIFEST);
  if (!existsSync(path)) throw new Error(`${sweepDir}: no ${MANIFEST}; give the folder that 'plab run -m … launcher=slurm' printed`);
  return JSON.parse(readFileSync(path, 'utf8')) as SweepManifest;
}

/** SLURM's state of each array task that still exists (pending, running, completing, requeued). */
function queuedStates(jobId: string): Map<number, string> {
  const states = new Map<number, string>();
  let text = '';
  try {
    text = execFileSync('squeue', ['-h', '-r', '-j', jobId, '-o', '%K %T'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    // squeue fails for a job id the controller has forgotten: every task has ended.
    return states;
  }
  for (const line of text.split('\n')) {
    const [index, state] = line.trim().split(/\s+/);
    if (state && /^\d+$/.test(index)) states.set(Number(index), state);
  }
  return states;
}

/** The controller's last word on an ended array task (kept MinJobAge seconds), or null. */
function endedState(jobId: string, index: number): string | null {
  try {
    const text = execFileSync('scontrol', ['show', 'job', `${jobId}_${index}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /JobState=(\S+)/.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

export interface JobState {
  job: SweepJobEntry;
  /** PENDING, RUNNING, … while queued; COMPLETED once summary.json exists; otherwise SLURM's last state or UNKNOWN. */
  state: string;
  done: boolean;
}

/** Each job's state: the queue first (a requeued task may have an old summary), then its folder. */
export function sweepStates(manifest: SweepManifest): JobState[] {
  const queued = queuedStates(manifest.slurm_job_id);
  return manifest.jobs.map((job, index) => {
    const inQueue = queued.get(index);
    if (inQueue) return { job, state: inQueue, done: false };
    if (readJobOutcome(job).failure === null) return { job, state: 'COMPLETED', done: true };
    return { job, state: endedState(manifest.slurm_job_id, index) ?? 'UNKNOWN', done: false };
  });
}
