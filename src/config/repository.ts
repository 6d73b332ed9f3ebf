// The conf/ directory, Hydra's way: config.yaml with a defaults list naming one option per group,
// and one folder per group holding an option file per choice (conf/model/mlp.yaml, …).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  constructor(readonly dir: string = defaultConfDir) {
    if (!existsSync(join(dir, 'config.yaml'))) {
      throw new ConfigError(`no config.yaml in ${dir}; point to a conf/ folder holding config.yaml and one folder per group`);
    }
  }

  /** config.yaml: the defaults list (one entry per group, each required) and its other keys. */
  primary(): PrimaryConfig {
    const file = join(this.dir, 'config.yaml');
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

  /** The experiment presets: the stems of conf/experiment/*.yaml, sorted. */
  experiments(): string[] {
    return this.stems(EXPERIMENT_FOLDER);
  }

  /** conf/experiment/NAME.yaml read and checked for its shape (its keys are checked at composition). */
  loadExperiment(name: string): ExperimentPreset {
    const names = this.experiments();
    if (!names.includes(name)) {
      const hint = didYouMean(name, names);
      throw new ConfigError(`unknown experiment '${name}'${hint || ';'} experiments: ${names.join(', ') || `(none in ${join(this.dir, EXPERIMENT_FOLDER)})`}`, 'experiment');
    }
    const file = join(this.dir, EXPERIMENT_FOLDER, `${name}.yaml`);
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

  /** The options of a group: the stems of the .yaml files in its folder, sorted. */
  options(group: GroupName): string[] {
    return this.stems(group);
  }

  private stems(subfolder: string): string[] {
    const folder = join(this.dir, subfolder);
    if (!existsSync(folder)) return [];
    return readdirSync(folder)
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => file.slice(0, -'.yaml'.length))
      .sort();
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
    const file = join(this.dir, group, `${option}.yaml`);
    return asMapping(readYaml(file), file);
  }
}
