// plab ls: the runs under a results root, one line each: status, ACC, wall time, and the config
// values in which they differ.
import { existsSync } from 'node:fs';
import { discoverRuns, type RunEntry } from '../report/runs.js';

function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The listing as text: a header, a row per run, columns padded to their widest cell. */
export function formatRunList(runs: readonly RunEntry[]): string {
  const keys = Object.keys(runs[0]?.differences ?? {});
  const rows = runs.map((run) => [
    run.id || '.',
    run.status,
    `${run.finished}/${run.tasks}`,
    run.averageAccuracy === undefined ? '-' : `${run.averageAccuracy.toFixed(4)} ± ${(run.averageAccuracyStd ?? 0).toFixed(4)}`,
    duration(run.wallSeconds),
    ...keys.map((key) => String(run.differences[key])),
  ]);
  const header = ['run', 'status', 'tasks', 'ACC (mean ± std)', 'wall time', ...keys];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index].length)) + 2);
  return [header, ...rows].map((row) => row.map((cell, index) => cell.padEnd(widths[index])).join('').trimEnd()).join('\n');
}

export function lsCommand(root: string): number {
  if (!existsSync(root)) throw new Error(`ls: ${root} does not exist; run an experiment first ('./plab run') or give the results root`);
  const { runs } = discoverRuns(root);
  if (runs.length === 0) {
    console.log(`no runs under ${root}`);
    return 0;
  }
  console.log(formatRunList(runs));
  return 0;
}
