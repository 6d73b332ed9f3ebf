// Where a run writes, as Hydra names its outputs: every run gets a folder of its own under its
// algorithm's, named by its start time and the overrides it was given, and the algorithm folder
// keeps a `latest` link to the newest. A folder given by the user (run_dir=, --run-dir) is used
// as it is.
import { existsSync, lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ResultsError } from './results.js';

/** The name of the link, in an algorithm folder, to its newest run. */
export const LATEST = 'latest';

/** Longest override part of a folder name; file systems allow 255 bytes a name. */
const MAX_OVERRIDES_LENGTH = 120;

/** '2026-12-06_01-59-30' in local time, as Hydra's ${now:%Y-%m-%d}_${now:%H-%M-%S}. */
export function timestampName(now: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}_${two(now.getHours())}-${two(now.getMinutes())}-${two(now.getSeconds())}`;
}

/** Keys that say where a run goes, not what it computes, and so stay out of its folder's name. */
const PLACEMENT_KEYS = new Set(['results_dir']);

/**
 * Overrides as one folder-name part, like Hydra's override_dirname: 'optimizer.lr=0.1,seed=1'
 * (sorted, placement keys left out).
 */
export function overridesName(overrides: readonly string[]): string {
  const name = overrides
    .filter((override) => !PLACEMENT_KEYS.has(override.replace(/^[+~]+/, '').split('=')[0]))
    .sort()
    .join(',')
    .replace(/[/\\\s]+/g, '_');
  return name.length > MAX_OVERRIDES_LENGTH ? name.slice(0, MAX_OVERRIDES_LENGTH) : name;
}

/**
 * Checks that a folder can be made at `path` (the value of key `key`): the nearest part of it that
 * exists must be a folder, not a file, or every write below it fails with ENOTDIR.
 */
export function checkFolderPath(path: string, key: string): void {
  for (let part = resolve(path); ; part = dirname(part)) {
    if (existsSync(part)) {
      if (!statSync(part).isDirectory()) {
        throw new ResultsError(`${key}=${path}: ${part} is a file, not a folder; give a folder, or a path that does not exist yet`);
      }
      return;
    }
    if (dirname(part) === part) return;
  }
}

/**
 * A new, not yet existing folder under `parent` for a run started at `now` with `overrides`:
 * '{date}_{time}[_{overrides}]', with '_2', '_3', … added when two runs start in the same second.
 */
export function newRunFolder(parent: string, overrides: readonly string[], now = new Date()): string {
  const named = overridesName(overrides);
  const suffix = named ? `_${named}` : '';
  const base = join(parent, `${timestampName(now)}${suffix}`);
  let candidate = base;
  for (let copy = 2; existsSync(candidate); copy += 1) candidate = `${base}_${copy}`;
  return candidate;
}

/** Makes a new run folder under `parent` (see newRunFolder) and points `parent/latest` at it. */
export function startRunFolder(parent: string, overrides: readonly string[], now = new Date()): string {
  const runFolder = newRunFolder(parent, overrides, now);
  mkdirSync(runFolder, { recursive: true });
  pointLatest(parent, runFolder);
  return runFolder;
}

/** Points `parent/latest` at `runFolder` (a child of `parent`), replacing the link atomically. */
export function pointLatest(parent: string, runFolder: string): void {
  const link = join(parent, LATEST);
  const staging = join(parent, `.${LATEST}.${process.pid}`);
  rmSync(staging, { force: true });
  symlinkSync(basename(runFolder), staging);
  renameSync(staging, link);
}

/**
 * The run a path names: a run folder itself (it has config.yaml), or an algorithm folder, meaning
 * its latest run.
 */
export function resolveRunFolder(path: string, what: string): string {
  if (existsSync(join(path, 'config.yaml'))) return path;
  const link = join(path, LATEST);
  if (existsSync(link) && lstatSync(link).isSymbolicLink()) return join(path, readlinkSync(link));
  if (!existsSync(path)) throw new ResultsError(`${what}: ${path} does not exist; give a run folder (results/{dataset}/{algorithm}/{date}_{time}) or an algorithm folder (its latest run)`);
  throw new ResultsError(`${what}: ${resolve(path)} holds no run (no config.yaml) and no '${LATEST}' link; give a run folder or an algorithm folder that plab run wrote`);
}
