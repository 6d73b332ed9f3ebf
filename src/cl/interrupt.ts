// Stopping a run cleanly when the scheduler asks: SLURM sends SIGTERM before it kills a job that is
// cancelled, pre-empted, requeued or at its time limit (KillWait seconds later it sends SIGKILL).
// The run abandons the task in progress at the first step after its next turn of the event loop
// (src/cl/loop.ts turns it at least every second), so what is on disk is
// exactly the state after the last finished task: its files and its checkpoint, both written
// atomically (src/io/checkpoint.ts). A resumed run repeats the abandoned task from that checkpoint
// and writes the same bytes as a run that was never stopped; no finished task is written twice.
import type { RunObserver } from './loop.js';

/**
 * The exit status of an interrupted run: 75 (EX_TEMPFAIL of sysexits.h, "try again later").
 * A cluster that lists it in slurm.conf's RequeueExit requeues such a job by itself; the sweep's
 * batch script (src/launch/slurm.ts) requeues itself on it after a time-limit warning.
 */
export const INTERRUPTED_EXIT = 75;

/** Thrown out of Experiment.run/runJoint when a stop was requested; the run's files are consistent. */
export class RunInterrupted extends Error {
  constructor(
    readonly signal: string,
    /** Tasks finished and checkpointed before the stop. */
    readonly finishedTasks: number,
  ) {
    super(`interrupted by ${signal} with ${finishedTasks} task${finishedTasks === 1 ? '' : 's'} finished and checkpointed`);
    this.name = 'RunInterrupted';
  }
}

/** A stop request set by a signal; the run polls `requested` where it may stop. */
export interface StopRequest {
  readonly requested: string | null;
  dispose(): void;
}

/**
 * Listens for `signals` until disposed; the first one asks the run to stop at its next check. Later
 * ones change nothing: SLURM signals every process of a job and the batch shell passes its signal on
 * as well, so one stop arrives more than once; SIGKILL follows KillWait seconds later if need be.
 */
export function stopOnSignals(signals: readonly NodeJS.Signals[] = ['SIGTERM']): StopRequest {
  let requested: string | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (requested) return;
    requested = signal;
    process.stderr.write(`plab: ${signal} received: stopping at the next step; the run resumes from its last finished task\n`);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    get requested() {
      return requested;
    },
    dispose: () => {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}

/**
 * An observer that ends the run (throws RunInterrupted out of the training loop) at the first step
 * after a stop was requested; `finished` tasks were done when it started, and it counts the rest.
 */
export function stopObserver(stop: StopRequest, finished: number): RunObserver<unknown, unknown> {
  let tasks = finished;
  const check = () => {
    if (stop.requested) throw new RunInterrupted(stop.requested, tasks);
  };
  return { onStep: check, onTaskEnd: () => (tasks += 1) };
}
