// Key specifications: the runtime schema's building blocks. Each spec knows its type, its allowed
// values, its one-line help and how to check a value; the TypeScript type of the resolved config is
// inferred from the same specs, so the two cannot drift apart.
import { ConfigError, showValue } from './errors.js';
import { didYouMean } from './suggest.js';

export interface KeySpec<T = unknown, Optional extends boolean = boolean> {
  /** The type as the help text shows it: 'int >= 1', "'relu' | 'tanh'", 'list of int'. */
  readonly type: string;
  readonly help: string;
  /** An optional key may be absent; '+key=value' adds it. Required keys come from the option files. */
  readonly optional: Optional;
  /** The value a key starts from when it is added; every key of an optional section has one. */
  readonly default?: T;
  /** Allowed values, for keys that take one of a few names or numbers. */
  readonly choices?: readonly (string | number)[];
  /** Sub-keys, for sections. */
  readonly keys?: Keys;
  /** Checks a value and returns it normalised (sections in schema order); throws ConfigError naming `path`. */
  check(value: unknown, path: string): T;
}

export type Keys = Readonly<Record<string, KeySpec>>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ValueOf<S> = S extends KeySpec<infer T, boolean> ? T : never;
type RequiredNames<K extends Keys> = { [P in keyof K]: K[P] extends KeySpec<unknown, true> ? never : P }[keyof K];
type OptionalNames<K extends Keys> = { [P in keyof K]: K[P] extends KeySpec<unknown, true> ? P : never }[keyof K];

/** The object type a set of keys describes: required keys present, optional keys possibly absent. */
export type Infer<K extends Keys> = Simplify<{ [P in RequiredNames<K>]: ValueOf<K[P]> } & { [P in OptionalNames<K>]?: ValueOf<K[P]> }>;

interface Common<T> {
  help: string;
  default?: T;
}

function spec<T>(type: string, options: Common<T>, check: (value: unknown, path: string) => T, extra: { choices?: readonly (string | number)[] } = {}): KeySpec<T, false> {
  return { type, help: options.help, optional: false, default: options.default, check, ...extra };
}

function fail(path: string, type: string, value: unknown): never {
  throw new ConfigError(`bad value for ${path}: expected ${type}, got ${showValue(value)}`, path);
}

interface Bounds {
  min?: number;
  max?: number;
  /** Strict lower bound, for quantities that must be positive (learning rates). */
  above?: number;
  /** Strict upper bound, for probabilities that must stay below 1 (dropout). */
  below?: number;
}

function boundsText(bounds: Bounds): string {
  const parts: string[] = [];
  if (bounds.above !== undefined) parts.push(`> ${bounds.above}`);
  if (bounds.min !== undefined) parts.push(`>= ${bounds.min}`);
  if (bounds.below !== undefined) parts.push(`< ${bounds.below}`);
  if (bounds.max !== undefined) parts.push(`<= ${bounds.max}`);
  return parts.join(' and ');
}

function withinBounds(value: number, bounds: Bounds): boolean {
  return !(
    (bounds.min !== undefined && value < bounds.min) ||
    (bounds.max !== undefined && value > bounds.max) ||
    (bounds.above !== undefined && value <= bounds.above) ||
    (bounds.below !== undefined && value >= bounds.below)
  );
}

function numberType(base: string, bounds: Bounds): string {
  const text = boundsText(bounds);
  return text ? `${base} ${text}` : base;
}

function checkNumber(value: unknown, path: string, type: string, integer: boolean, bounds: Bounds): number {
  if (typeof value === 'number' && !Number.isFinite(value)) fail(path, `a finite ${type}`, value);
  if (typeof value !== 'number' || (integer && !Number.isInteger(value)) || !withinBounds(value, bounds)) fail(path, type, value);
  return value;
}

/** A whole number, e.g. a width or a seed. */
export function int(options: Common<number> & Bounds): KeySpec<number, false> {
  const type = numberType('int', options);
  return spec(type, options, (value, path) => checkNumber(value, path, type, true, options));
}

/** A real number; YAML's 1e-3 and 0.001 both read as one. */
export function float(options: Common<number> & Bounds): KeySpec<number, false> {
  const type = numberType('number', options);
  return spec(type, options, (value, path) => checkNumber(value, path, type, false, options));
}

export function bool(options: Common<boolean>): KeySpec<boolean, false> {
  return spec('bool', options, (value, path) => (typeof value === 'boolean' ? value : fail(path, 'true or false', value)));
}

/** Names used as path segments of the results directory: no separators, no '.' or '..'. */
const PATH_SEGMENT = /^(?!\.\.?$)[A-Za-z0-9._+-]+$/;

/** A string; `segment` restricts it to a safe directory name. */
export function string(options: Common<string> & { segment?: boolean }): KeySpec<string, false> {
  const type = options.segment ? 'name (letters, digits, . _ + -)' : 'string';
  return spec(type, options, (value, path) => {
    if (typeof value !== 'string' || value === '' || (options.segment && !PATH_SEGMENT.test(value))) fail(path, type, value);
    return value;
  });
}

/** One of a few names (or numbers); a near miss is answered with the nearest name. */
export function choice<const C extends readonly (string | number)[]>(choices: C, options: Common<C[number]>): KeySpec<C[number], false> {
  const type = choices.map((c) => (typeof c === 'string' ? `'${c}'` : String(c))).join(' | ');
  return spec(
    type,
    options,
    (value, path) => {
      if ((typeof value === 'string' || typeof value === 'number') && choices.includes(value)) return value as C[number];
      const hint = typeof value === 'string' ? didYouMean(value, choices.map(String)) : '';
      throw new ConfigError(`bad value ${showValue(value)} for ${path}${hint || ';'} allowed: ${choices.join(', ')}`, path);
    },
    { choices },
  );
}

function checkList<T>(value: unknown, path: string, type: string, minLength: number, item: (v: unknown) => T | undefined): T[] {
  if (!Array.isArray(value) || value.length < minLength) fail(path, type, value);
  return value.map((v) => {
    const checked = item(v);
    return checked === undefined ? fail(path, type, value) : checked;
  });
}

/** A list of whole numbers, e.g. hidden sizes [120, 84]. */
export function ints(options: Common<number[]> & Bounds & { minLength?: number }): KeySpec<number[], false> {
  const element = numberType('int', options);
  const type = `list of ${element}${options.minLength ? ` (at least ${options.minLength})` : ''}`;
  return spec(type, options, (value, path) =>
    checkList(value, path, type, options.minLength ?? 0, (v) => (typeof v === 'number' && Number.isInteger(v) && withinBounds(v, options) ? v : undefined)),
  );
}

/** A list of real numbers, e.g. Adam's betas or per-channel means. */
export function floats(options: Common<number[]> & Bounds & { minLength?: number; length?: number }): KeySpec<number[], false> {
  const element = numberType('number', options);
  const count = options.length !== undefined ? ` (exactly ${options.length})` : options.minLength ? ` (at least ${options.minLength})` : '';
  const type = `list of ${element}${count}`;
  return spec(type, options, (value, path) => {
    const list = checkList(value, path, type, options.length ?? options.minLength ?? 0, (v) =>
      typeof v === 'number' && Number.isFinite(v) && withinBounds(v, options) ? v : undefined,
    );
    if (options.length !== undefined && list.length !== options.length) fail(path, type, value);
    return list;
  });
}

/** A list of non-empty strings, e.g. extra #SBATCH lines. */
export function strings(options: Common<string[]>): KeySpec<string[], false> {
  const type = 'list of strings';
  return spec(type, options, (value, path) => checkList(value, path, type, 0, (v) => (typeof v === 'string' && v !== '' ? v : undefined)));
}

/** A list of lists of whole numbers, e.g. the classes of each task [[1, 2], [3, 4]]. */
export function intLists(options: Common<number[][]> & Bounds): KeySpec<number[][], false> {
  const type = `list of lists of ${numberType('int', options)}`;
  return spec(type, options, (value, path) =>
    checkList(value, path, type, 1, (row) =>
      Array.isArray(row) && row.length > 0 && row.every((v) => typeof v === 'number' && Number.isInteger(v) && withinBounds(v, options)) ? (row as number[]) : undefined,
    ),
  );
}

/** A list drawn from a few names, without repeats, e.g. which arrays to snapshot. */
export function choices<const C extends readonly string[]>(allowed: C, options: Common<C[number][]>): KeySpec<C[number][], false> {
  const type = `list of ${allowed.map((c) => `'${c}'`).join(', ')}`;
  return spec(
    type,
    options,
    (value, path) => {
      if (!Array.isArray(value)) fail(path, type, value);
      for (const item of value) {
        if (typeof item !== 'string' || !allowed.includes(item)) {
          const hint = typeof item === 'string' ? didYouMean(item, allowed) : '';
          throw new ConfigError(`bad item ${showValue(item)} in ${path}${hint || ';'} allowed: ${allowed.join(', ')}`, path);
        }
      }
      if (new Set(value).size !== value.length) throw new ConfigError(`${path} lists an item twice: ${showValue(value)}`, path);
      return value as C[number][];
    },
    { choices: allowed },
  );
}

/**
 * The same key, also accepting null (YAML's `null` or `~`), which means "not given, derive it".
 * `defaultValue` replaces the inner default, for optional sections whose default is null.
 */
export function nullable<T>(inner: KeySpec<T, false>, options: { default?: T | null } = {}): KeySpec<T | null, false> {
  return {
    ...inner,
    default: 'default' in options ? options.default : inner.default,
    type: `${inner.type}, or null`,
    check: (value, path) => (value === null ? null : inner.check(value, path)),
  };
}

/** A key that may be absent; adding it with '+key' without a full value starts from `default`. */
export function optional<T>(inner: KeySpec<T, false>): KeySpec<T, true> {
  if (inner.default === undefined) throw new Error(`an optional key needs a default (${inner.help})`);
  return { ...inner, optional: true };
}

/** Rejects anything that is not a plain mapping. */
export function asMapping(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${path || 'the config'} must be a mapping of keys to values, got ${showValue(value)}`, path || undefined);
  }
  return value as Record<string, unknown>;
}

/** Joins a parent path and a key name. */
export function joinPath(parent: string, name: string): string {
  return parent ? `${parent}.${name}` : name;
}

/**
 * Checks a mapping against `keys`: every required key present, no unknown key, every value valid.
 * Returns the checked values in schema order.
 */
export function checkKeys(keys: Keys, value: unknown, path: string): Record<string, unknown> {
  const mapping = asMapping(value, path);
  for (const name of Object.keys(mapping)) {
    if (!(name in keys)) {
      const where = path ? ` in ${path}` : '';
      const hint = didYouMean(name, Object.keys(keys));
      const fix = hint ? hint.replace(/'([^']+)'/, (_, key: string) => `'${joinPath(path, key)}'`) : `; valid keys${where}: ${Object.keys(keys).join(', ')}`;
      throw new ConfigError(`unknown key '${joinPath(path, name)}'${fix}`, joinPath(path, name));
    }
  }
  const result: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(keys)) {
    const keyPath = joinPath(path, name);
    if (!(name in mapping)) {
      if (key.optional) continue;
      throw new ConfigError(`missing key '${keyPath}' (${key.help})`, keyPath);
    }
    result[name] = key.check(mapping[name], keyPath);
  }
  return result;
}

/** A nested mapping of keys, e.g. the settings of one method. */
export function section<const K extends Keys>(keys: K, options: { help: string }): KeySpec<Infer<K>, false> {
  const defaults: Record<string, unknown> = {};
  let complete = true;
  for (const [name, key] of Object.entries(keys)) {
    if (key.default === undefined) complete = false;
    else defaults[name] = key.default;
  }
  return {
    type: 'section',
    help: options.help,
    optional: false,
    default: complete ? (defaults as Infer<K>) : undefined,
    keys,
    check: (value, path) => checkKeys(keys, value, path) as Infer<K>,
  };
}
