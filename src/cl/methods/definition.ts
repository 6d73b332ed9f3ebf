// What a method declares about itself, in its own file: how a config selects it (a value of
// method.rule, or the optional key method.<key> with its schema), the combinations it cannot run in,
// and how to build its hooks. The registry (registry.ts) lists the definitions in hook order and
// derives the method group's schema, its validation and buildMethods from them
// (docs/architecture.md, "Adding a method").
import type { KeySpec } from '../../config/spec.js';
import type { Method } from '../method.js';
import { MemberRandom } from './random.js';

/**
 * The configuration around a method, as its rules and builders read it: the other method keys are
 * seen untyped (a method's file cannot depend on the registry that lists it), the rest typed.
 */
export interface MethodsView {
  /** Base seed: member r's method streams derive from seed + r, as its initialisation does. */
  seed: number;
  method: { rule: string } & { readonly [key: string]: unknown };
  optimizer: { name: string; lr: number; weight_decay?: number; momentum?: number };
  model: { name: string; hidden?: number[]; activation?: string };
  training: { members: number };
}

/** Records one problem: the dotted key at fault and a sentence naming both settings and the fix. */
export type Problem = (key: string, text: string) => void;

export interface BuildContext {
  config: MethodsView;
  /** Member r's seed (the learner's, or a baseline population's). */
  seeds: readonly number[];
  /** The members' random streams for this method, kept apart from every other stream by `salt`. */
  random(salt: number): MemberRandom;
}

interface Common<V> {
  /** One line for `plab config show method`. */
  readonly help: string;
  /**
   * true: part of the learning algorithm itself (an error signal, an update that replaces the
   * optimizer's), so the expert and joint baselines train with it too; false: a remedy, the
   * learner's alone (docs/methods.md).
   */
  readonly algorithm: boolean;
  /** Adds a problem for each combination the method cannot run in; runs at config composition. */
  check?(value: V, config: MethodsView, problem: Problem): void;
  build(value: V, context: BuildContext): Method;
}

/** A remedy selected by the optional key method.<key>; `spec` is that key's schema (optional, with defaults). */
export interface KeyMethod<K extends string = string, V = unknown> extends Common<V> {
  readonly key: K;
  readonly spec: KeySpec<V, true>;
}

/** A learning rule, selected by method.rule=<rule>. */
export interface RuleMethod<R extends string = string> extends Common<undefined> {
  readonly rule: R;
}

// `any`: the registry holds definitions of every value type; each definition's own functions stay typed.
export type MethodDefinition = KeyMethod<string, any> | RuleMethod;

export function defineMethod<const K extends string, V>(definition: KeyMethod<K, V>): KeyMethod<K, V> {
  return definition;
}

export function defineRule<const R extends string>(definition: RuleMethod<R>): RuleMethod<R> {
  return definition;
}

export function isRuleMethod(definition: MethodDefinition): definition is RuleMethod {
  return 'rule' in definition;
}

/** Members' seeds to random streams with a salt, as every method draws them. */
export function memberRandom(seeds: readonly number[]): (salt: number) => MemberRandom {
  return (salt) => new MemberRandom(seeds, salt);
}

/** Hidden layers of the configured model: model.hidden's length for an MLP; the other architectures always have some. */
export function hiddenLayerCount(model: MethodsView['model']): number {
  return model.name === 'mlp' ? (model.hidden?.length ?? 0) : Number.POSITIVE_INFINITY;
}
