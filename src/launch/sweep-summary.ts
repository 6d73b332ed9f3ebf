// A sweep's summary: each job's outcome read from its run folder's summary.json, printed as a table
// and written as sweep_summary.json. The local launcher and `plab sweep collect` both end here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../cl/summary.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { nullToNaN } from '../io/json-nan.js';
import type { MemberStat } from '../metrics/stats.js';
import { mergeShards } from './shard-merge.js';

/** One job of a sweep: its swept overrides, full override list and run folder. */
export interface SweepJobEntry {
  name: string;
  swept: string[];
  overrides: string[];
  run_dir: string;
  /** For a member shard (launcher.shards > 1): the population's run, into which collect merges its shards. */
  population?: { name: string; run_dir: string };
}

export interface JobOutcome {
  name: string;
  run_dir: string;
  swept: string[];
  /** Average accuracy over members (summary.json's metrics.average_accuracy); null without a summary.json, or for a regression. */
  accuracy: { mean: number; std: number } | null;
  /** A regression's figure instead (loss mse, no accuracy): the last task's training loss over members; null otherwise. */
  loss: { mean: number; std: number } | null;
  /** Why the job has no result (its last error line or exit), when it has none. */
  failure: string | null;
}

/** A job's outcome from its folder; `failure` says why when summary.json is missing. */
export function readJobOutcome(job: SweepJobEntry, failure = 'no summary.json yet'): JobOutcome {
  const summaryPath = join(job.run_dir, 'summary.json');
  const found = { name: job.name, run_dir: job.run_dir, swept: job.swept };
  if (!existsSync(summaryPath)) return { ...found, accuracy: null, loss: null, failure };
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Pick<RunSummary, 'loss' | 'metrics' | 'training_loss'>;
  // A regression's accuracy is NaN; its training loss is the figure. A NaN mean is null in the file.
  const figure = (stat: MemberStat | undefined) => (stat ? (nullToNaN(stat) as MemberStat) : null);
  if (summary.loss === 'mse') return { ...found, accuracy: null, loss: figure(summary.training_loss?.last), failure: null };
  return { ...found, accuracy: figure(summary.metrics.average_accuracy), loss: null, failure: null };
}

/**
 * One outcome per run of the sweep: a population's finished shards are merged into its run folder
 * first (src/launch/shard-merge.ts); `failures` holds the failed jobs' reasons by name.
 */
export function runOutcomes(jobs: readonly SweepJobEntry[], failures: ReadonlyMap<string, string> = new Map()): JobOutcome[] {
  const outcomes: JobOutcome[] = [];
  const merged = new Set<string>();
  for (const job of jobs) {
    const population = job.population;
    if (!population) {
      outcomes.push(readJobOutcome(job, failures.get(job.name)));
      continue;
    }
    if (merged.has(population.run_dir)) continue;
    merged.add(population.run_dir);
    const shards = jobs.filter((other) => other.population?.run_dir === population.run_dir);
    const run = { ...job, ...population };
    const failed = shards.find((shard) => failures.has(shard.name) || !existsSync(join(shard.run_dir, 'summary.json')));
    if (failed) outcomes.push({ ...readJobOutcome(run), accuracy: null, loss: null, failure: `shard ${failed.name}: ${failures.get(failed.name) ?? 'no summary.json yet'}` });
    else {
      mergeShards(shards.map((shard) => shard.run_dir), population.run_dir);
      outcomes.push(readJobOutcome(run));
    }
  }
  return outcomes;
}

export function formatOutcome(outcome: JobOutcome): string {
  if (outcome.failure !== null) return `failed: ${outcome.failure}`;
  const [name, figure] = outcome.accuracy ? ['ACC', outcome.accuracy] : ['training loss', outcome.loss];
  return figure ? `${name} ${figure.mean.toFixed(3)} ± ${figure.std.toFixed(3)}` : 'finished';
}

/** Prints the table and writes sweepDir/sweep_summary.json; returns 1 when a job failed. */
export function writeSweepSummary(sweepDir: string, outcomes: JobOutcome[]): number {
  writeJsonAtomic(join(sweepDir, 'sweep_summary.json'), { jobs: outcomes });
  console.log(`\nSweep summary (${outcomes.length} runs):`);
  for (const outcome of outcomes) console.log(`  ${outcome.name.padEnd(40)} ${formatOutcome(outcome)}`);
  console.log(`written: ${join(sweepDir, 'sweep_summary.json')}`);
  return outcomes.some((outcome) => outcome.failure !== null) ? 1 : 0;
}
