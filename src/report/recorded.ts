// What a run chose to record, read from its config.yaml and summary.json. A figure whose data the
// run was never asked to save (no expert baseline, no representation snapshots, no probes, no
// classes in a regression) is not missing data: the report names the setting instead of listing
// every absent file. A folder without these keys (written by another tool) is taken to have recorded
// everything, and what is absent is then listed as missing.
import { MissingData, type RunReader } from './run-data.js';

/** The settings that decide which figures a run can have; undefined where the run does not say. */
export interface RunChoices {
  /** summary.json `loss`: 'cross_entropy', or 'mse' for a regression stream. */
  loss?: unknown;
  /** config.yaml `training.expert_baseline`. */
  expertBaseline?: unknown;
  /** config.yaml `logging.snapshots`: representations, weights. */
  snapshots?: unknown;
  /** config.yaml `logging.measures`: plasticity, probes. */
  measures?: unknown;
}

/** A figure family the run did not record, and the setting that says so. */
export interface NotRecorded {
  figure: string;
  reason: string;
}

/** An object's entries, or none for anything that is not an object. */
function entries(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** A file's parsed object, or none when the file is absent or unreadable. */
function readOrNothing(read: () => unknown): Record<string, unknown> {
  try {
    return entries(read());
  } catch (error) {
    if (error instanceof MissingData) return {};
    throw error;
  }
}

export function runChoices(run: RunReader): RunChoices {
  const config = readOrNothing(() => run.yaml('config.yaml'));
  const summary = readOrNothing(() => run.json('summary.json'));
  return {
    loss: summary.loss,
    expertBaseline: entries(config.training).expert_baseline,
    snapshots: entries(config.logging).snapshots,
    measures: entries(config.logging).measures,
  };
}

/** Why a run whose list setting is `list` has no `item`, or null when it has it (or does not say). */
export function lacks(list: unknown, item: string, key: string): string | null {
  return Array.isArray(list) && !list.includes(item) ? `${key} has no ${item}` : null;
}

/** Why a regression run has no figure of classes, or null for a classification run. */
export function regression(choices: RunChoices): string | null {
  return choices.loss === 'mse' ? 'a regression run (loss mse) has no classes to score' : null;
}
