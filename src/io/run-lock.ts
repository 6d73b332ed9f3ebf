// One writer per run folder. A lock file holding the writer's pid, host and start time is created
// atomically (link(2) of a complete file fails if the name exists), so two processes can never both
// believe they own the folder. A lock whose process is gone on this host is stale (the writer was
// killed) and is taken over with a notice, as is one left by an earlier start of the same SLURM job
// (requeued, perhaps on another node); a live holder, or one on another host, is refused.
import { hostname } from 'node:os';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResultsError } from './results.js';

export const LOCK_FILE = '.plab.lock';

export interface LockHolder {
  pid: number;
  host: string;
  started: string;
  /** The SLURM job (array task) the writer ran in, if any. */
  slurm_job?: string | null;
}

/** This process's SLURM job: `array job_task` for an array task, else the job id; null outside SLURM. */
function slurmJob(): string | null {
  const { SLURM_ARRAY_JOB_ID: array, SLURM_ARRAY_TASK_ID: task, SLURM_JOB_ID: job } = process.env;
  return array && task ? `${array}_${task}` : (job ?? null);
}

/** A held lock; release() gives the folder up (also done when the process exits). */
export interface RunLock {
  readonly path: string;
  release(): void;
}

function readHolder(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process writing `folder` now, or null: no lock, an unreadable one, or a stale one whose
 * process is gone from this host. A holder on another host is taken as live (its pid cannot be
 * checked from here).
 */
export function liveLockHolder(folder: string): LockHolder | null {
  const holder = readHolder(join(folder, LOCK_FILE));
  return holder && (holder.host !== hostname() || alive(holder.pid)) ? holder : null;
}

/**
 * Takes the lock of `folder` (created if missing) for this process, or throws a ResultsError that
 * names the holder. `notice` hears about a stale lock taken over.
 */
export function acquireRunLock(folder: string, notice: (message: string) => void = (message) => process.stderr.write(`${message}\n`)): RunLock {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), slurm_job: slurmJob() };
  const staging = `${path}.${process.pid}`;
  writeFileSync(staging, `${JSON.stringify(me)}\n`);
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        linkSync(staging, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw lockError(folder, path, error);
        const holder = readHolder(path);
        // A lock left by an earlier start of this SLURM job is stale wherever it ran: SLURM starts a
        // requeued job only once the old one has ended (its node may have failed, with the lock in it).
        const requeued = holder !== null && me.slurm_job !== null && holder.slurm_job === me.slurm_job;
        // A second EEXIST means another process took over the same stale lock first.
        if (attempt > 0 || (holder && !requeued && (holder.host !== me.host || alive(holder.pid)))) {
          throw new ResultsError(
            `${folder} is being written by ${holder ? `process ${holder.pid} on ${holder.host} (since ${holder.started})` : 'another process'}. A run folder has one writer: ` +
              `wait for it to finish, stop it, or give this run another folder (omit run_dir= for a new one).`,
          );
        }
        notice(`plab: taking over ${path}: its writer ${holder ? `(process ${holder.pid}, started ${holder.started})` : '(unreadable lock)'} is gone`);
        rmSync(path, { force: true });
      }
    }
  } finally {
    rmSync(staging, { force: true });
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    if (readHolder(path)?.pid === me.pid) rmSync(path, { force: true });
  };
  process.on('exit', release);
  return { path, release };
}

function lockError(folder: string, path: string, error: unknown): Error {
  if (error instanceof ResultsError) return error;
  return new ResultsError(`cannot take the lock ${path} of ${folder}: ${(error as Error).message}; check that the folder is writable`);
}
