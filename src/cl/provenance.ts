// provenance.json: what produced a run, so a number can be traced to the code, the machine and the
// libraries that computed it (the same seed gives the same bytes only with the same kernels). Each
// process that writes the run (the first, then every --resume) adds a session.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic.js';
import { getNumThreads, native } from '../tensor/index.js';
import { projectRoot } from '../tensor/native.js';
import type { RunPart } from './run-timing.js';

export const PROVENANCE_FILE = 'provenance.json';

export interface Session {
  command: string[];
  resumed: boolean;
  host: string;
  pid: number;
  started: string;
  /** Null while the session runs, or when it was killed. */
  finished: string | null;
  /**
   * Where the session's wall time went (seconds; see src/cl/run-timing.ts), written when it
   * finishes; total is the runner's own, so total less the parts is set-up (data, models).
   * libtorch is the share of total spent inside libtorch's calls, across all parts (absent in
   * sessions recorded before it).
   */
  seconds?: Record<RunPart | 'total', number> & { libtorch?: number };
}

export interface Provenance {
  plab_version: string;
  /** The checkout's commit, null outside a git checkout; dirty when it has uncommitted changes. */
  git_commit: string | null;
  git_dirty: boolean | null;
  overrides: string[];
  cpu: string;
  threads: number;
  versions: { libtorch: string; openblas: string | null; node: string };
  sessions: Session[];
}

function git(args: string[]): string | null {
  if (!existsSync(join(projectRoot, '.git'))) return null;
  try {
    return execFileSync('git', ['-C', projectRoot, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Adds this process's session to the run's provenance (created on the first). Returns it. */
export function recordStart(runDir: string, options: { overrides: string[]; resumed: boolean }): Provenance {
  const path = join(runDir, PROVENANCE_FILE);
  const session: Session = { command: process.argv.slice(1), resumed: options.resumed, host: hostname(), pid: process.pid, started: new Date().toISOString(), finished: null };
  if (existsSync(path)) {
    const existing = JSON.parse(readFileSync(path, 'utf8')) as Provenance;
    const provenance = { ...existing, sessions: [...existing.sessions, session] };
    writeJsonAtomic(path, provenance);
    return provenance;
  }
  const commit = git(['rev-parse', 'HEAD']);
  const info = native.buildInfo();
  const provenance: Provenance = {
    plab_version: (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version,
    git_commit: commit,
    git_dirty: commit === null ? null : (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    overrides: options.overrides,
    cpu: cpus()[0]?.model ?? 'unknown',
    threads: getNumThreads(),
    versions: { libtorch: info.torchVersion, openblas: info.blas, node: process.version },
    sessions: [session],
  };
  writeJsonAtomic(path, provenance);
  return provenance;
}

/** Marks this process's session finished, with where its time went. */
export function recordEnd(runDir: string, provenance: Provenance, seconds: Session['seconds']): void {
  const sessions = provenance.sessions.map((session, index) => (index === provenance.sessions.length - 1 ? { ...session, finished: new Date().toISOString(), seconds } : session));
  writeJsonAtomic(join(runDir, PROVENANCE_FILE), { ...provenance, sessions });
}
