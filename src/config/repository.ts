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

/**
 * An experiment preset (conf/experiment/NAME.yaml, chosen with +experiment=NAME as in Hydra): group
 * options it picks (its defaults list, '- override /model: mlp') and keys it sets, both applied over
 * config.yaml's and under the command line's.
 */
export interface ExperimentPreset {
  name: string;
  groups: Partial<Record<GroupName, string>>;
  values: Record<string, unknown>;
  /** The file's first comment line: what the preset reproduces, for --help. */
  summary: string;
}

/** The folder of experiment presets inside conf/. */
export const EXPERIMENT_FOLDER = 'experiment';

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
        if (entry.isDirectory() && !isGroupName(entry.name) && entry.name !== EXPERIMENT_FOLDER && readdirSync(join(user, entry.name)).some((file) => file.endsWith('.yaml'))) {
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

  /** The experiment presets: the stems of experiment/*.yaml in the search path's folders, sorted. */
  experiments(): string[] {
    return this.stems(EXPERIMENT_FOLDER);
  }

  /** experiment/NAME.yaml (the first on the search path) read and checked for its shape (its keys are checked at composition). */
  loadExperiment(name: string): ExperimentPreset {
    const names = this.experiments();
    if (!names.includes(name)) {
      const hint = didYouMean(name, names);
      throw new ConfigError(`unknown experiment '${name}'${hint || ';'} experiments: ${names.join(', ') || `(none in ${join(this.dir, EXPERIMENT_FOLDER)})`}`, 'experiment');
    }
    const file = this.find(join(EXPERIMENT_FOLDER, `${name}.yaml`))!;
    const { defaults: list = [], ...values } = asMapping(readYaml(file), file);
    if (!Array.isArray(list)) throw new ConfigError(`${file}: 'defaults' must be a list like '- override /model: mlp', got ${showValue(list)}`);
    const groups: Partial<Record<GroupName, string>> = {};
    for (const entry of list) {
      const [pair, ...extra] = Object.entries(asMapping(entry, `${file}: defaults entry`));
      // Hydra writes a preset's group choices as '- override /group: option'; the bare '- group: option' is read the same way.
      const group = pair?.[0].replace(/^override\s+/, '').replace(/^\//, '');
      if (!pair || extra.length > 0 || group === undefined) throw new ConfigError(`${file}: each defaults entry names one group, like '- override /model: mlp', got ${showValue(entry)}`);
      if (!isGroupName(group)) throw new ConfigError(`${file}: unknown group '${group}' in defaults${didYouMean(group, groupNames)}`);
      if (typeof pair[1] !== 'string') throw new ConfigError(`${file}: the option of group '${group}' must be a name, got ${showValue(pair[1])}`);
      this.checkOption(group, pair[1]);
      groups[group] = pair[1];
    }
    const first = readFileSync(file, 'utf8').split('\n').find((line) => line.startsWith('#') && !line.startsWith('# @package'));
    return { name, groups, values, summary: first ? first.replace(/^#\s*/, '') : '' };
  }

  /** The options of a group: the stems of the .yaml files in its folders, sorted. */
  options(group: GroupName): string[] {
    return this.stems(group);
  }

  /** The stems of the .yaml files of `subfolder` in every folder of the search path, sorted. */
  private stems(subfolder: string): string[] {
    const stems = this.searchPath.flatMap((folder) =>
      existsSync(join(folder, subfolder))
        ? readdirSync(join(folder, subfolder))
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
