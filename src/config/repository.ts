// The conf/ directory, Hydra's way: config.yaml with a defaults list naming one option per group,
// and one folder per group holding an option file per choice (conf/model/mlp.yaml, …). As with
// Hydra's --config-dir, a user's own folders come first on the search path: their option files add
// presets to the groups (or replace a same-named one), and a config.yaml of theirs replaces the
// primary config.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { ConfigError, showValue } from './errors.js';
import { groupNames, isGroupName, type GroupName } from './schema.js';
import { asMapping } from './spec.js';
import { didYouMean } from './suggest.js';

/** The conf/ folder that ships with plab. */
export const defaultConfDir = fileURLToPath(new URL('../../conf', import.meta.url));

export interface PrimaryConfig {
  /** The option each group starts from, from the defaults list. */
  defaults: Record<GroupName, string>;
  /** Every other key of config.yaml (top-level keys, and group keys it overrides). */
  values: Record<string, unknown>;
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const document = YAML.parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) throw new ConfigError(`${file} is not valid YAML: ${document.errors[0].message}`);
  return document.toJS() ?? {};
}

export class ConfigRepository {
  /** The folders searched, first match wins: the user's (--config-dir), then `dir`. */
  readonly searchPath: string[];

  constructor(
    readonly dir: string = defaultConfDir,
    userDirs: readonly string[] = [],
  ) {
    if (!existsSync(join(dir, 'config.yaml'))) {
      throw new ConfigError(`no config.yaml in ${dir}; point to a conf/ folder holding config.yaml and one folder per group`);
    }
    for (const user of userDirs) {
      if (!existsSync(user) || !statSync(user).isDirectory()) throw new ConfigError(`--config-dir ${user}: no such folder; give a folder of group folders (e.g. ${join(user, 'model', 'mine.yaml')})`);
      // A misspelt group folder would otherwise be ignored without a word.
      for (const entry of readdirSync(user, { withFileTypes: true })) {
        if (entry.isDirectory() && !isGroupName(entry.name) && readdirSync(join(user, entry.name)).some((file) => file.endsWith('.yaml'))) {
          throw new ConfigError(`--config-dir ${user}: '${entry.name}' is not a config group${didYouMean(entry.name, groupNames) || ';'} groups: ${groupNames.join(', ')}`);
        }
      }
    }
    this.searchPath = [...userDirs, dir];
  }

  /** The first file of the search path at `relative`, or null. */
  private find(relative: string): string | null {
    for (const folder of this.searchPath) if (existsSync(join(folder, relative))) return join(folder, relative);
    return null;
  }

  /** config.yaml: the defaults list (one entry per group, each required) and its other keys. */
  primary(): PrimaryConfig {
    const file = this.find('config.yaml')!;
    const { defaults: list, ...values } = asMapping(readYaml(file), file);
    if (!Array.isArray(list)) throw new ConfigError(`${file}: 'defaults' must be a list like '- model: mlp', got ${showValue(list)}`);
    const defaults: Partial<Record<GroupName, string>> = {};
    for (const entry of list) {
      // Hydra's '_self_' marks where config.yaml's own keys go; here they always come after the groups.
      if (entry === '_self_') continue;
      const [pair, ...extra] = Object.entries(asMapping(entry, `${file}: defaults entry`));
      if (!pair || extra.length > 0) throw new ConfigError(`${file}: each defaults entry names one group, like '- model: mlp', got ${showValue(entry)}`);
      const [name, option] = pair;
      if (!isGroupName(name)) throw new ConfigError(`${file}: unknown group '${name}' in defaults${didYouMean(name, groupNames)}`);
      if (typeof option !== 'string') throw new ConfigError(`${file}: the default of group '${name}' must be an option name, got ${showValue(option)}`);
      this.checkOption(name, option);
      defaults[name] = option;
    }
    const missing = groupNames.filter((name) => defaults[name] === undefined);
    if (missing.length > 0) throw new ConfigError(`${file}: the defaults list has no entry for ${missing.join(', ')}; add e.g. '- ${missing[0]}: ${this.options(missing[0])[0] ?? 'NAME'}'`);
    return { defaults: defaults as Record<GroupName, string>, values };
  }

  /** The options of a group: the stems of the .yaml files in its folders, sorted. */
  options(group: GroupName): string[] {
    const stems = this.searchPath.flatMap((folder) =>
      existsSync(join(folder, group))
        ? readdirSync(join(folder, group))
            .filter((file) => file.endsWith('.yaml'))
            .map((file) => file.slice(0, -'.yaml'.length))
        : [],
    );
    return [...new Set(stems)].sort();
  }

  /** Throws a ConfigError that suggests the nearest option when `option` is not one of the group's. */
  checkOption(group: GroupName, option: string): void {
    const options = this.options(group);
    if (!options.includes(option)) {
      const hint = didYouMean(option, options);
      throw new ConfigError(`unknown option '${option}' for group '${group}'${hint || ';'} options: ${options.join(', ')}`, group);
    }
  }

  /** The contents of an option file, e.g. load('model', 'mlp') reads conf/model/mlp.yaml. */
  load(group: GroupName, option: string): Record<string, unknown> {
    this.checkOption(group, option);
    const file = this.find(join(group, `${option}.yaml`))!;
    return asMapping(readYaml(file), file);
  }
}
