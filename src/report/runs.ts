// Runs and sweeps under a results root, for the dashboard. A run is a directory with the files of
// docs/architecture.md's layout (config.yaml, plan.json, summary.json or task_* directories); a sweep writes
// one run per job under a common directory (results/{dataset}/{algorithm}/{job}), so runs that
// share a parent directory are listed together as a sweep.
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runStatus, wallSeconds, type RunStatus } from '../cl/run-status.js';
import { differingKeys, flattenConfig, type FlatValue } from '../config/flatten.js';
import { parseTaskDirectoryName } from '../io/results.js';

export interface RunEntry {
  /** Path relative to the root, with '/' separators: the run's id in the dashboard. */
  id: string;
  tasks: number;
  /** Tasks whose metadata.json exists (finished). */
  finished: number;
  members?: number;
  /** Average accuracy after the last task, mean and std over members, when summary.json has it. */
  averageAccuracy?: number;
  averageAccuracyStd?: number;
  status: RunStatus;
  /** Seconds its processes ran (src/cl/run-status.ts), null without provenance.json. */
  wallSeconds: number | null;
  /** Its values of the config keys in which the listed runs differ (dotted keys). */
  differences: Record<string, FlatValue>;
  hasSummary: boolean;
  hasReport: boolean;
  /** Last modification, ms since the epoch. */
  modified: number;
}

export interface SweepEntry {
  /** The common parent directory, relative to the root ('' for the root itself). */
  id: string;
  runs: string[];
}

const SKIP = new Set(['report', 'checkpoint', 'node_modules']);

function isRun(dir: string, names: string[]): boolean {
  // config.yaml alone is no run: a conf/ folder (--config-dir) has one too.
  return names.some((n) => n === 'plan.json' || n === 'summary.json' || (parseTaskDirectoryName(n) !== null && statSync(join(dir, n)).isDirectory()));
}

function readSummary(dir: string): { members?: number; averageAccuracy?: number; averageAccuracyStd?: number } {
  try {
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
    const metrics = summary.metrics as Record<string, { mean?: unknown; std?: unknown }> | undefined;
    const acc = metrics?.average_accuracy;
    return {
      members: typeof summary.members === 'number' ? summary.members : undefined,
      averageAccuracy: typeof acc?.mean === 'number' ? acc.mean : undefined,
      averageAccuracyStd: typeof acc?.std === 'number' ? acc.std : undefined,
    };
  } catch {
    return {};
  }
}

/** The run's config as dotted keys; empty when config.yaml is missing or unreadable. */
function readFlatConfig(dir: string): Record<string, FlatValue> {
  try {
    return flattenConfig(parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8')));
  } catch {
    return {};
  }
}

function describe(root: string, dir: string, names: string[]): RunEntry {
  const taskDirs = names.filter((n) => parseTaskDirectoryName(n) !== null);
  const modified = Math.max(statSync(dir).mtimeMs, ...taskDirs.map((n) => statSync(join(dir, n)).mtimeMs));
  const status = runStatus(dir);
  return {
    id: relative(root, dir).split(sep).join('/'),
    tasks: taskDirs.length,
    finished: taskDirs.filter((n) => existsSync(join(dir, n, 'metadata.json'))).length,
    ...readSummary(dir),
    hasSummary: names.includes('summary.json'),
    hasReport: existsSync(join(dir, 'report', 'figures.json')),
    modified,
    status,
    wallSeconds: wallSeconds(dir, status, modified),
    differences: {},
  };
}

/** Every run under `root` (depth-first, at most `maxDepth` levels down), and the sweeps they form. */
export function discoverRuns(root: string, maxDepth = 6): { runs: RunEntry[]; sweeps: SweepEntry[] } {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(`dashboard: the results root ${root} is not a directory; pass the folder runs were written to (default: results)`);
  }
  const runs: RunEntry[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // unreadable folders are not runs
    }
    if (isRun(dir, names)) {
      runs.push(describe(root, dir, names));
      // A sweep may keep its jobs inside an algorithm directory that is itself a run: keep looking.
    }
    if (depth >= maxDepth) return;
    for (const name of names.sort()) {
      if (name.startsWith('.') || SKIP.has(name) || parseTaskDirectoryName(name) !== null) continue;
      const child = join(dir, name);
      // lstat: a link (an algorithm folder's 'latest') would list its run twice, or leave the root.
      if (lstatSync(child).isDirectory()) walk(child, depth + 1);
    }
  };
  walk(root, 0);
  const configs = runs.map((run) => readFlatConfig(join(root, run.id)));
  const keys = differingKeys(configs);
  runs.forEach((run, index) => (run.differences = Object.fromEntries(keys.map((key) => [key, configs[index][key] ?? '-']))));
  const byParent = new Map<string, string[]>();
  for (const run of runs) {
    const parent = run.id.includes('/') ? run.id.slice(0, run.id.lastIndexOf('/')) : '';
    byParent.set(parent, [...(byParent.get(parent) ?? []), run.id]);
  }
  const sweeps = [...byParent].filter(([, ids]) => ids.length >= 2).map(([id, ids]) => ({ id, runs: ids }));
  return { runs, sweeps };
}
