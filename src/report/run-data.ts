// A results directory (docs/architecture.md's layout) opened for reading by figures. Files are read on first
// use and kept; a file that is absent or does not decode is remembered with the reason, so that
// every figure that needs it can be skipped and the report can list what was missing instead of
// failing as a whole.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative as relativePath } from 'node:path';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { decodeNpy, type NdArray } from '../io/npy.js';
import { decodeNpz } from '../io/npz.js';
import { parseTaskDirectoryName, taskDirectoryName } from '../io/results.js';
import { Grid, shapeText } from './arrays.js';

/** Thrown by a reader when a figure's data is not there; caught per figure. */
export class MissingData extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** Whether `path` is `folder` or lies below it (both resolved, without links). */
export function isWithin(folder: string, path: string): boolean {
  const rel = relativePath(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

type Cached = { ok: true; value: unknown } | { ok: false; error: MissingData };

export interface TaskEntry {
  /** Index of the task (task_000 is 0), which is also its position on the T_eval axis. */
  index: number;
  /** Directory name, e.g. task_002. */
  name: string;
}

export class RunReader {
  readonly dir: string;
  /** The task directories present, in task order. */
  readonly tasks: TaskEntry[];
  /** Task indices below the highest one found whose directory is absent. */
  readonly absentTasks: number[];
  private readonly cache = new Map<string, Cached>();

  /**
   * `confine`: a folder no file may resolve outside of (through a symbolic link); the dashboard
   * serves nothing outside its results root. Files outside it read as missing.
   */
  constructor(
    dir: string,
    private readonly confine: string | null = null,
  ) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new Error(`report: ${dir} is not a directory; pass a run folder (results/{dataset}/{algorithm}/{date}_{time})`);
    }
    this.dir = dir;
    this.tasks = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && parseTaskDirectoryName(entry.name) !== null)
      .map((entry) => ({ index: parseTaskDirectoryName(entry.name)!, name: entry.name }))
      .sort((a, b) => a.index - b.index);
    const present = new Set(this.tasks.map((t) => t.index));
    const highest = this.tasks.length > 0 ? this.tasks[this.tasks.length - 1].index : -1;
    this.absentTasks = [];
    for (let t = 0; t < highest; t++) if (!present.has(t)) this.absentTasks.push(t);
  }

  /** Path of a task's file relative to the run, as it appears in the list of missing data. */
  taskFile(task: number, file: string): string {
    const entry = this.tasks.find((t) => t.index === task);
    return `${entry ? entry.name : taskDirectoryName(task)}/${file}`;
  }

  /** Reads a file once through `decode`; absence and decoding errors become MissingData. */
  private load<T>(relative: string, decode: (bytes: Buffer, path: string) => T): T {
    let entry = this.cache.get(relative);
    if (!entry) {
      const path = join(this.dir, relative);
      if (!existsSync(path)) {
        entry = { ok: false, error: new MissingData(relative, 'not found') };
      } else if (this.confine !== null && !isWithin(this.confine, realpathSync(path))) {
        entry = { ok: false, error: new MissingData(relative, 'a link to a file outside the results root, not served') };
      } else {
        try {
          entry = { ok: true, value: decode(readFileSync(path), path) };
        } catch (error) {
          const message = error instanceof Error ? error.message.replace(path + ': ', '') : String(error);
          entry = { ok: false, error: new MissingData(relative, `unreadable: ${message}`) };
        }
      }
      this.cache.set(relative, entry);
    }
    if (!entry.ok) throw entry.error;
    return entry.value as T;
  }

  json(relative: string): unknown {
    return this.load(relative, (bytes) => JSON.parse(bytes.toString('utf8')));
  }

  yaml(relative: string): unknown {
    return this.load(relative, (bytes) => parseYaml(bytes.toString('utf8')));
  }

  npz(relative: string): Map<string, NdArray> {
    return this.load(relative, (bytes, path) => decodeNpz(bytes, path));
  }

  npy(relative: string): NdArray {
    return this.load(relative, (bytes, path) => decodeNpy(bytes, path));
  }

  /** True when the file exists and decodes (reading it if needed). */
  has(relative: string, kind: 'npz' | 'npy' | 'json'): boolean {
    try {
      this[kind](relative);
      return true;
    } catch (error) {
      if (error instanceof MissingData) return false;
      throw error;
    }
  }

  /**
   * One array of an .npz file, checked to have one of the allowed numbers of dimensions. `axes`
   * names them for the error message, e.g. '(L, R, T_eval)'.
   */
  array(relative: string, key: string, ndims: number[], axes: string): Grid {
    const arrays = this.npz(relative);
    const array = arrays.get(key);
    if (!array) throw new MissingData(`${relative}:${key}`, `no array named '${key}' (found: ${[...arrays.keys()].join(', ') || 'none'})`);
    return checkedGrid(array, `${relative}:${key}`, ndims, axes);
  }

  /** An .npy file as a grid with one of the allowed numbers of dimensions. */
  npyGrid(relative: string, ndims: number[], axes: string): Grid {
    return checkedGrid(this.npy(relative), relative, ndims, axes);
  }

  /** Every file that was asked for and could not be used, with the reason. */
  problems(): MissingData[] {
    const out: MissingData[] = [];
    for (const entry of this.cache.values()) if (!entry.ok) out.push(entry.error);
    return out;
  }
}

function checkedGrid(array: NdArray, name: string, ndims: number[], axes: string): Grid {
  if (!ndims.includes(array.shape.length)) {
    throw new MissingData(name, `expected shape ${axes}, found ${shapeText(array.shape)}`);
  }
  if (array.shape[0] === 0) throw new MissingData(name, 'has no log points (L = 0)');
  return new Grid(array);
}
