// A config group (model, optimizer, …): keys shared by all its options, plus keys that depend on a
// discriminator (model.arch, optimizer.name, …) that each option file sets. Option files are data,
// so a user's own conf/model/wide_mlp.yaml with `arch: mlp` is checked against the MLP's keys.
import { ConfigError, showValue } from './errors.js';
import { asMapping, checkKeys, choice, type Infer, type Keys, type KeySpec } from './spec.js';
import { didYouMean } from './suggest.js';

export interface GroupSpec<D extends string | undefined = string | undefined, C extends Keys = Keys, V extends Readonly<Record<string, Keys>> = Readonly<Record<string, Keys>>> {
  readonly name: string;
  readonly help: string;
  /** The key whose value picks the variant; undefined when the group has a single shape. */
  readonly discriminator: D;
  readonly common: C;
  readonly variants: V;
  /** Lines `plab config show` prints under the group's keys (the method group lists its methods in hook order). */
  readonly notes?: readonly string[];
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The resolved type of a group: a union discriminated by its discriminator key. */
export type InferGroup<G> =
  G extends GroupSpec<infer D, infer C, infer V>
    ? D extends string
      ? { [K in keyof V & string]: Simplify<{ [P in D]: K } & Infer<C & V[K]>> }[keyof V & string]
      : Infer<C>
    : never;

export function group<const D extends string | undefined, const C extends Keys, const V extends Readonly<Record<string, Keys>>>(spec: GroupSpec<D, C, V>): GroupSpec<D, C, V> {
  return spec;
}

/** The spec of a group's discriminator key, e.g. model.arch ∈ {mlp, cnn, resnet, vit}. */
export function discriminatorSpec(group: GroupSpec): KeySpec<string, false> {
  return choice(Object.keys(group.variants), { help: `which ${group.name} this is; set by choosing the option (${group.name}=NAME)` });
}

/**
 * The keys valid in `node` (the group's current mapping): the discriminator, the common keys and
 * the keys of the variant it names.
 */
export function groupKeys(group: GroupSpec, node: unknown): Keys {
  if (group.discriminator === undefined) return group.common;
  const mapping = asMapping(node, group.name);
  const path = `${group.name}.${group.discriminator}`;
  const variant = mapping[group.discriminator];
  if (variant === undefined) {
    throw new ConfigError(`missing key '${path}': every ${group.name} option file must say which ${group.name} it is (one of ${Object.keys(group.variants).join(', ')})`, path);
  }
  if (typeof variant !== 'string' || !(variant in group.variants)) {
    const hint = typeof variant === 'string' ? didYouMean(variant, Object.keys(group.variants)) : '';
    throw new ConfigError(`bad value ${showValue(variant)} for ${path}${hint || ';'} allowed: ${Object.keys(group.variants).join(', ')}`, path);
  }
  return { [group.discriminator]: discriminatorSpec(group), ...group.common, ...group.variants[variant] };
}

/** Checks a group's mapping and returns it normalised. */
export function checkGroup<G extends GroupSpec>(group: G, node: unknown): InferGroup<G> {
  return checkKeys(groupKeys(group, node), node, group.name) as InferGroup<G>;
}

/** The variant that declares `key`, when the current one does not (for "it belongs to model=cnn"). */
export function variantsDeclaring(group: GroupSpec, key: string): string[] {
  return Object.entries(group.variants)
    .filter(([, keys]) => key in keys)
    .map(([name]) => name);
}
