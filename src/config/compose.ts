// Composition: the defaults list picks an option per group, group selections on the command line
// replace them, the option files are merged under their group, config.yaml's own keys go on top,
// then key overrides apply in the order given and the result is validated.
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, showValue } from './errors.js';
import { groupKeys, variantsDeclaring } from './group.js';
import { looksLikeSweep, parseOverride, splitOverride, type Override, type OverrideParts } from './overrides.js';
import { ConfigRepository } from './repository.js';
import { groupSpec, isGroupName, type ExperimentConfig, type GroupName } from './schema.js';
import { asMapping, type Keys, type KeySpec } from './spec.js';
import { nearest } from './suggest.js';
import { configKeys, validateConfig } from './validate.js';

type Tree = Record<string, unknown>;

export interface ComposeOptions {
  /** The conf/ folder; default: the one that ships with plab. */
  confDir?: string;
  /** A user's own config folders, searched before confDir (--config-dir). */
  configDirs?: readonly string[];
}

function isMapping(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `over` merged into `base`: mappings merge key by key, anything else replaces. */
function merge(base: Tree, over: Tree): Tree {
  const result: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    result[key] = isMapping(value) && isMapping(result[key]) ? merge(result[key] as Tree, value) : value;
  }
  return result;
}

/** The keys that may appear at `path[depth]`, given the config so far. */
function keysAt(tree: Tree, path: string[], depth: number): Keys {
  if (depth === 0) return configKeys;
  if (depth === 1 && isGroupName(path[0])) return groupKeys(groupSpec(path[0]), tree[path[0]]);
  const parent = keysAt(tree, path, depth - 1)[path[depth - 1]];
  if (!parent?.keys) {
    const key = path.slice(0, depth).join('.');
    throw new ConfigError(`'${key}' holds a value, not keys, so '${path.join('.')}' does not exist; set it with ${key}=VALUE`, key);
  }
  return parent.keys;
}

function unknownKey(tree: Tree, path: string[], depth: number, keys: Keys): ConfigError {
  const key = path.join('.');
  const name = path[depth];
  const prefix = path.slice(0, depth);
  if (depth === 1 && isGroupName(path[0])) {
    const group = groupSpec(path[0]);
    const owners = variantsDeclaring(group, name);
    if (group.discriminator !== undefined && owners.length > 0) {
      const current = asMapping(tree[path[0]], path[0])[group.discriminator];
      return new ConfigError(`'${key}' is not a key of ${group.name} '${current}'; it belongs to ${owners.map((o) => `${group.name}=${o}`).join(', ')}`, key);
    }
  }
  const match = nearest(name, Object.keys(keys));
  if (match !== undefined) return new ConfigError(`unknown key '${key}'; did you mean '${[...prefix, match, ...path.slice(depth + 1)].join('.')}'?`, key);
  const where = prefix.length > 0 ? ` in ${prefix.join('.')}` : '';
  return new ConfigError(`unknown key '${key}'; valid keys${where}: ${Object.keys(keys).join(', ')}`, key);
}

interface Slot {
  parent: Tree;
  name: string;
  spec: KeySpec;
  /** An optional section on the way was added by this override, with its defaults. */
  created: boolean;
}

/**
 * Walks to the mapping that holds the override's key. With `create`, absent optional sections on
 * the way are added with their defaults (so '+method.ewc.lambda=5' adds the whole ewc section).
 */
function locate(tree: Tree, override: Override, create: boolean): Slot {
  const { path } = override;
  let node = tree;
  let created = false;
  for (let depth = 0; ; depth++) {
    const keys = keysAt(tree, path, depth);
    const name = path[depth];
    const spec = keys[name];
    if (spec === undefined) throw unknownKey(tree, path, depth, keys);
    if (depth === 1 && isGroupName(path[0]) && name === groupSpec(path[0]).discriminator) {
      throw new ConfigError(`'${override.key}' is set by the option file; choose another ${path[0]} with ${path[0]}=NAME`, override.key);
    }
    if (depth === path.length - 1) return { parent: node, name, spec, created };
    if (node[name] === undefined && create && spec.keys && spec.default !== undefined) {
      node[name] = structuredClone(spec.default);
      created = true;
    }
    const child = node[name];
    const section = path.slice(0, depth + 1).join('.');
    if (child === undefined) {
      throw new ConfigError(`'${section}' is not in the config; add it with '+${override.key}=${override.rawValue ?? 'VALUE'}'`, section);
    }
    if (!isMapping(child)) throw new ConfigError(`'${section}' holds ${showValue(child)}, not keys, so '${override.key}' does not exist; set it with ${section}=VALUE`, section);
    node = child;
  }
}

/** The value a key gets from an override; a mapping given to a section fills in from its defaults. */
function valueFor(spec: KeySpec, value: unknown): unknown {
  return spec.keys && spec.default !== undefined && isMapping(value) ? merge(structuredClone(spec.default) as Tree, value) : value;
}

function applyOverride(tree: Tree, override: Override): void {
  const { key } = override;
  switch (override.op) {
    case 'set': {
      const slot = locate(tree, override, false);
      if (!(slot.name in slot.parent)) throw new ConfigError(`'${key}' is not in the config; add it with '+${override.text}'`, key);
      slot.parent[slot.name] = override.value;
      return;
    }
    case 'add': {
      const slot = locate(tree, override, true);
      if (slot.name in slot.parent && !slot.created) {
        throw new ConfigError(`'${key}' is already set; change it with '${override.text.slice(1)}' (no '+'), or use '+${override.text}' to set it either way`, key);
      }
      slot.parent[slot.name] = valueFor(slot.spec, override.value);
      return;
    }
    case 'force': {
      const slot = locate(tree, override, true);
      slot.parent[slot.name] = slot.name in slot.parent ? override.value : valueFor(slot.spec, override.value);
      return;
    }
    case 'delete': {
      const slot = locate(tree, override, false);
      if (!(slot.name in slot.parent)) throw new ConfigError(`'${key}' is not in the config, so there is nothing to remove`, key);
      if (!slot.spec.optional) {
        const instead = slot.spec.type.endsWith('or null') ? `; set it to null instead (${key}=null)` : '';
        throw new ConfigError(`'${key}' is required and cannot be removed${instead}`, key);
      }
      if (override.rawValue !== undefined && !isDeepStrictEqual(slot.parent[slot.name], override.value)) {
        throw new ConfigError(`'${override.text}' removes ${key} only when it is ${override.rawValue}, but it is ${JSON.stringify(slot.parent[slot.name])}`, key);
      }
      delete slot.parent[slot.name];
      return;
    }
  }
}

/** Reads a group selection (model=cnn), or returns undefined when the override is about a key. */
function selection(override: Override, repository: ConfigRepository): [GroupName, string] | undefined {
  const [name] = override.path;
  if (override.path.length !== 1 || !isGroupName(name)) return undefined;
  if (override.op === 'add') throw new ConfigError(`group '${name}' always has an option; choose it with '${override.text.slice(1)}' (no '+')`, name);
  if (override.op === 'delete') throw new ConfigError(`group '${name}' cannot be removed; every run needs a ${name}`, name);
  if (typeof override.value !== 'string') throw new ConfigError(`'${override.text}': a group takes an option name (${repository.options(name).join(', ')})`, name);
  repository.checkOption(name, override.value);
  return [name, override.value];
}

/** Adds "run with -m" to an error caused by a comma-separated value typed without -m. */
function withSweepHint(error: unknown, overrides: OverrideParts[]): unknown {
  if (!(error instanceof ConfigError)) return error;
  const culprit = overrides.find((o) => (o.key === error.key || error.key?.startsWith(`${o.key}.`)) && looksLikeSweep(o.rawValue));
  return culprit ? new ConfigError(`${error.message} (to run each of ${culprit.rawValue} as its own run, sweep with -m)`, error.key) : error;
}

/** The validated config for these command-line overrides. */
export function composeConfig(overrideTexts: readonly string[] = [], options: ComposeOptions = {}): ExperimentConfig {
  const repository = new ConfigRepository(options.confDir, options.configDirs);
  const parts = overrideTexts.map(splitOverride);
  try {
    const overrides = overrideTexts.map(parseOverride);
    const primary = repository.primary();
    const chosen = { ...primary.defaults };
    const keyOverrides: Override[] = [];
    for (const override of overrides) {
      const picked = selection(override, repository);
      if (picked) chosen[picked[0]] = picked[1];
      else keyOverrides.push(override);
    }
    let tree: Tree = {};
    for (const [name, option] of Object.entries(chosen) as [GroupName, string][]) tree[name] = repository.load(name, option);
    tree = merge(tree, primary.values);
    for (const override of keyOverrides) applyOverride(tree, override);
    return validateConfig(tree);
  } catch (error) {
    throw withSweepHint(error, parts);
  }
}
