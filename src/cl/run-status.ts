// Where a run folder stands, for `plab ls` and the dashboard: running while a live process holds its
// lock (.plab.lock, src/io/run-lock.ts), finished once summary.json is written, failed otherwise
// (killed, or stopped by an error, before its summary). Its wall time is the sum of its sessions in
// provenance.json: the first process and every --resume.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveLockHolder } from '../io/run-lock.js';
import { runPaths } from '../io/results.js';
import { PROVENANCE_FILE, type Provenance } from './provenance.js';

export type RunStatus = 'running' | 'finished' | 'failed';

export function runStatus(runDir: string): RunStatus {
  if (liveLockHolder(runDir)) return 'running';
  return existsSync(runPaths(runDir).summary) ? 'finished' : 'failed';
}

/**
 * Seconds the run's processes ran, or null without a readable provenance.json. A session that is
 * still going counts until `now`; one that was killed (no end recorded) until `lastWrite`, the
 * last change to the run folder.
 */
export function wallSeconds(runDir: string, status: RunStatus, lastWrite: number, now = Date.now()): number | null {
  let provenance: Provenance;
  try {
    provenance = JSON.parse(readFileSync(join(runDir, PROVENANCE_FILE), 'utf8')) as Provenance;
  } catch {
    return null;
  }
  let total = 0;
  provenance.sessions.forEach((session, index) => {
    const last = index === provenance.sessions.length - 1;
    const start = Date.parse(session.started);
    const end = session.finished !== null ? Date.parse(session.finished) : last && status === 'running' ? now : Math.max(start, lastWrite);
    total += (end - start) / 1000;
  });
  return total;
}
