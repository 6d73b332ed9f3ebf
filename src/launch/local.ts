// The local launcher: a sweep's jobs as child processes of this one, `jobs` at a time (Hydra's
// BasicLauncher, with parallel jobs). Each job is `plab run` pinned to its run folder, so a job that
// was stopped resumes from its checkpoint when the sweep is run again with the same run_dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { INTERRUPTED_EXIT } from '../cl/interrupt.js';
import { formatOutcome, readJobOutcome, runOutcomes, writeSweepSummary, type SweepJobEntry } from './sweep-summary.js';

export interface LocalSweep {
  sweepDir: string;
  jobs: readonly SweepJobEntry[];
  /** Jobs run at once. */
  parallel: number;
  /** The command that runs plab (node, its flags, the CLI and --config-dir options). */
  plab: readonly string[];
}

/**
 * Runs the sweep's jobs and writes its summary; returns the exit status: 0 when every job
 * finished, 1 when one failed, INTERRUPTED_EXIT when a SIGTERM stopped the sweep. A SIGTERM is
 * passed on to the running jobs (each stops after its last finished task, as a lone run does) and
 * no queued job starts, so that a scheduler's stop leaves no orphaned runs behind.
 */
export async function runLocalSweep({ sweepDir, jobs, parallel, plab }: LocalSweep): Promise<number> {
  const failures = new Map<string, string>();
  const running = new Set<ChildProcess>();
  let stopped: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopped) return;
    stopped = signal;
    console.error(`plab: ${signal} received: passed on to ${running.size} running job(s); queued jobs do not start; the same command with run_dir=${sweepDir} continues the sweep`);
    for (const child of running) child.kill(signal);
  };
  process.on('SIGTERM', onSignal);
  const runJob = (job: SweepJobEntry) =>
    new Promise<void>((resolve) => {
      console.log(`sweep: starting ${job.swept.join(' ') || '(no swept keys)'} -> ${job.run_dir}`);
      const child = spawn(plab[0], [...plab.slice(1), 'run', ...job.overrides, '--run-dir', job.run_dir, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
      running.add(child);
      let errors = '';
      child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      child.on('exit', (code) => {
        running.delete(child);
        if (code !== 0) failures.set(job.name, errors.trim().split('\n').pop() || `exit ${code}`);
        console.log(`sweep: ${job.name}: ${formatOutcome(readJobOutcome(job, failures.get(job.name)))}`);
        resolve();
      });
    });
  const queue = [...jobs];
  try {
    await Promise.all(
      Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
        for (let job = queue.shift(); job && !stopped; job = queue.shift()) await runJob(job);
      }),
    );
  } finally {
    process.off('SIGTERM', onSignal);
  }
  const status = writeSweepSummary(sweepDir, runOutcomes(jobs, failures));
  return stopped ? INTERRUPTED_EXIT : status;
}
