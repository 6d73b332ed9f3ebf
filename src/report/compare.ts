// Runs side by side: each final metric of summary.json as mean ± std over the run's members, and
// Welch's t-test (src/metrics/welch.ts) of every run against the first, the baseline. Shared by
// `plab compare` and the dashboard's comparison view.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nullToNaN } from '../io/json-nan.js';
import { ResultsError } from '../io/results.js';
import { memberStat, type MemberStat } from '../metrics/stats.js';
import { welchTest, type WelchResult } from '../metrics/welch.js';

export interface MetricColumn {
  mean: number;
  std: number;
  /** Members with a value (stopped members' NaN left out). */
  n: number;
  /** The members' values, in member order (NaN: a stopped member). */
  values: number[];
  /** Welch's test against the first run; null for the first run, or where no test is defined. */
  test: WelchResult | null;
}

export interface Comparison {
  /** The runs as they were named, the first being the baseline. */
  runs: string[];
  metrics: { name: string; columns: (MetricColumn | null)[] }[];
}

/**
 * The final metrics of a run: summary.json's `metrics`, and the joint and expert accuracies; for a
 * regression (loss mse), which has no accuracy, the last task's training loss.
 */
function finalMetrics(runDir: string, name: string): Record<string, number[]> {
  const path = join(runDir, 'summary.json');
  let summary: {
    loss?: string;
    training_loss?: { last: MemberStat } | null;
    metrics?: Record<string, MemberStat | undefined>;
    joint_accuracy?: { mean: MemberStat } | null;
    expert_accuracy?: { mean: MemberStat } | null;
  };
  try {
    summary = JSON.parse(readFileSync(path, 'utf8')) as typeof summary;
  } catch (error) {
    throw new ResultsError(`${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the run has not finished' : (error as Error).message}); compare finished runs ('plab ls' shows their status)`);
  }
  const out: Record<string, number[]> = {};
  // A member's NaN (a stopped member's) is null in the file.
  const measured = (values: unknown[]) => nullToNaN(values) as number[];
  if (summary.loss === 'mse' && summary.training_loss) return { training_loss: measured(summary.training_loss.last.per_member) };
  for (const [key, stat] of Object.entries(summary.metrics ?? {})) if (Array.isArray(stat?.per_member)) out[key] = measured(stat.per_member);
  for (const key of ['joint_accuracy', 'expert_accuracy'] as const) {
    const values = summary[key]?.mean.per_member;
    if (Array.isArray(values)) out[key] = measured(values);
  }
  if (Object.keys(out).length === 0) throw new ResultsError(`${name}: ${path} holds no per-member metrics (metrics.*.per_member); was it written by an older plab? Run it again to compare it`);
  return out;
}

function column(values: number[], baseline: number[] | undefined): MetricColumn {
  const { mean, std } = memberStat(values);
  return { mean, std, n: values.filter((value) => !Number.isNaN(value)).length, values, test: baseline ? welchTest(values, baseline) : null };
}

/**
 * The comparison of `runs` (name -> run folder; the first is the baseline). `metrics` picks and
 * orders the metrics; default every metric that some run has. An unknown metric is an error that
 * lists the known ones.
 */
export function compareRuns(runs: readonly { name: string; dir: string }[], metrics?: readonly string[]): Comparison {
  if (runs.length === 0) throw new ResultsError('compare: give at least one run folder');
  const values = runs.map((run) => finalMetrics(run.dir, run.name));
  const known = [...new Set(values.flatMap((run) => Object.keys(run)))];
  const unknown = (metrics ?? []).filter((name) => !known.includes(name));
  if (unknown.length) throw new ResultsError(`compare: no metric ${unknown.map((name) => `'${name}'`).join(', ')} in these runs; --metric takes one of ${known.join(', ')}`);
  const names = metrics && metrics.length ? [...metrics] : known;
  return {
    runs: runs.map((run) => run.name),
    metrics: names.map((name) => ({
      name,
      columns: values.map((run, index) => (run[name] ? column(run[name], index === 0 ? undefined : values[0][name]) : null)),
    })),
  };
}

/** p as a person reads it: three significant digits, '< 1e-6' below that. */
export function formatP(p: number): string {
  return p < 1e-6 ? '< 1e-6' : p.toPrecision(3);
}

/** The comparison as a text table: a row per metric, a column per run, p against the first run. */
export function formatComparison(comparison: Comparison): string {
  const cells = comparison.metrics.map(({ name, columns }) => [
    name,
    ...columns.map((cell, index) => {
      if (!cell) return '-';
      const value = `${cell.mean.toFixed(4)} ± ${cell.std.toFixed(4)}`;
      return index === 0 ? value : `${value} (p ${cell.test ? formatP(cell.test.p) : 'n/a'})`;
    }),
  ]);
  const header = ['metric', ...comparison.runs.map((run, index) => (index === 0 ? `${run} (baseline)` : run))];
  const widths = header.map((title, index) => Math.max(title.length, ...cells.map((row) => row[index].length)) + 2);
  const line = (row: string[]) => row.map((cell, index) => cell.padEnd(widths[index])).join('').trimEnd();
  const members = comparison.metrics[0]?.columns.map((cell) => cell?.n ?? 0) ?? [];
  return [
    line(header),
    ...cells.map(line),
    '',
    `mean ± std over members (n = ${members.join(', ')}); p: two-sided Welch's t-test against the baseline, the first run`,
  ].join('\n');
}
