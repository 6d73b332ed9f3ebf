// The option listing behind `plab run --help` and `plab config show --help`: the override grammar,
// then every top-level key, every group with its options, and every key with its type, its value
// in the option file (or its default, for optional keys) and one line of help.
import { ConfigError } from './errors.js';
import { groupKeys, type GroupSpec } from './group.js';
import { ConfigRepository } from './repository.js';
import { groupNames, groupSpec, isGroupName, topKeys, type GroupName } from './schema.js';
import { joinPath, type Keys, type KeySpec } from './spec.js';
import { didYouMean } from './suggest.js';

export interface HelpOptions {
  confDir?: string;
  /** A user's own config folders (--config-dir), whose options are listed too. */
  configDirs?: readonly string[];
  /** Only this group (and no top-level keys). */
  group?: string;
}

type Row = [key: string, value: string, type: string, help: string];

/** A value as it would be typed in an override: [120, 84], relu, null. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${formatValue(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Columns padded to their widest entry; types are capped so one long choice list does not push every help text away. */
function table(rows: Row[], indent: string): string[] {
  const caps = [Infinity, 30, 36];
  const widths = [0, 1, 2].map((column) => Math.min(caps[column], Math.max(0, ...rows.map((row) => row[column].length))));
  return rows.map(([key, value, type, help]) => `${indent}${key.padEnd(widths[0])}  ${value.padEnd(widths[1])}  ${type.padEnd(widths[2])}  ${help}`.trimEnd());
}

/** Rows for keys; a section's sub-keys follow it, and values come from `values` or the defaults. */
function keyRows(keys: Keys, values: Record<string, unknown> | undefined, prefix: string, which: 'required' | 'optional'): Row[] {
  const rows: Row[] = [];
  for (const [name, spec] of Object.entries(keys) as [string, KeySpec][]) {
    if ((which === 'optional') !== spec.optional) continue;
    const path = joinPath(prefix, name);
    if (spec.keys) {
      rows.push([path, '', 'section', spec.help]);
      const sectionValues = (values?.[name] as Record<string, unknown> | undefined) ?? (spec.default as Record<string, unknown> | undefined);
      rows.push(...keyRows(spec.keys, sectionValues, path, 'required'));
    } else {
      rows.push([path, formatValue(values && name in values ? values[name] : spec.default), spec.type, spec.help]);
    }
  }
  return rows;
}

function groupLines(repository: ConfigRepository, name: GroupName, selected: string): string[] {
  const group: GroupSpec = groupSpec(name);
  const options = repository.options(name);
  const lines = [`${name}: ${group.help} (options: ${options.map((o) => (o === selected ? `${o}*` : o)).join(', ')}; * = default)`];
  let optionalKeys: Keys | undefined;
  for (const option of options) {
    lines.push(`  ${name}=${option}`);
    try {
      const values = repository.load(name, option);
      const { [group.discriminator ?? '']: _, ...keys } = groupKeys(group, values);
      optionalKeys = keys;
      lines.push(...table(keyRows(keys, values, name, 'required'), '    '));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      lines.push(`    (this option file is invalid: ${error.message})`);
    }
  }
  const optionalRows = optionalKeys ? keyRows(optionalKeys, undefined, name, 'optional') : [];
  if (optionalRows.length > 0) {
    // The example is the first key with a value: a section's own row has none.
    const [key, value] = optionalRows.find((row) => row[1] !== '') ?? optionalRows[0];
    lines.push(`  optional keys, added with +, e.g. +${key}=${value} (sections start from the defaults shown)`);
    lines.push(...table(optionalRows, '    '));
  }
  if (group.notes) lines.push(...group.notes.map((note) => `  ${note}`));
  return lines;
}

const GRAMMAR = [
  'Overrides (Hydra syntax; values are YAML: 0.01, 1e-3, true, null, [120, 84]):',
  '  group=option   choose an option of a group           model=cnn',
  '  key=value      change a key                          optimizer.lr=0.01',
  '  +key=value     add an optional key or section        +method.l1=1.0  +method.ewc.lambda=1000',
  '  ++key=value    set a key whether or not it is there  ++method.l1=0.5',
  '  ~key           remove an optional key                ~method.l1',
  '  -m ARGS        sweep: comma-separated values (or range(a,b)) run as a grid, one directory each',
  '                 -m optimizer.lr=0.1,0.01 seed=0,1',
];

/** Every option and key with its help; `group` narrows it to one group. */
export function formatHelp(options: HelpOptions = {}): string {
  const repository = new ConfigRepository(options.confDir, options.configDirs);
  const { defaults, values } = repository.primary();
  if (options.group !== undefined) {
    if (!isGroupName(options.group)) throw new ConfigError(`unknown group '${options.group}'${didYouMean(options.group, groupNames) || ';'} groups: ${groupNames.join(', ')}`);
    return groupLines(repository, options.group, defaults[options.group]).join('\n');
  }
  const lines = [...GRAMMAR, '', 'Top-level keys:', ...table(keyRows(topKeys, values, '', 'required'), '  ')];
  for (const name of groupNames) lines.push('', ...groupLines(repository, name, defaults[name]));
  return lines.join('\n');
}
