// Module: named parameters, buffers and children, train/eval mode and state dicts, as in
// torch.nn.Module. Every module is a population: its parameters have a leading member
// dimension R, and member r is an independent network.
import { type DType, Generator, keep, noGrad, scope, type Tensor } from '../tensor/index.js';

/** The dtype of floating-point parameters and buffers of modules being built; see withDefaultDtype. */
let parameterDtype: DType = 'float32';

/**
 * Builds modules (inside `build`) whose floating-point parameters and buffers have `dtype`, as a
 * model built under torch.set_default_dtype(dtype) would; e.g. float64 for exact comparisons.
 */
export function withDefaultDtype<T>(dtype: DType, build: () => T): T {
  if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`withDefaultDtype: modules can be built in float32 or float64, not ${dtype}`);
  const previous = parameterDtype;
  parameterDtype = dtype;
  try {
    return build();
  } finally {
    parameterDtype = previous;
  }
}

function asBuilt(value: Tensor): Tensor {
  const floating = value.dtypeName === 'float32' || value.dtypeName === 'float64';
  const typed = !floating || value.dtypeName === parameterDtype ? value : value.to(parameterDtype);
  return parameterDevice === null ? typed : typed.to(parameterDevice);
}

/** The device of parameters and buffers of modules being built; null: where they were made (the CPU). */
let parameterDevice: string | null = null;

/**
 * Builds modules (inside `build`) whose parameters and buffers live on `device` ('cuda', 'cuda:1').
 * Members are initialised from CPU generators, so a model for a GPU is initialised on the CPU and
 * its state loaded into one built here (loadStateDict copies across devices).
 */
export function withDefaultDevice<T>(device: string, build: () => T): T {
  const previous = parameterDevice;
  parameterDevice = device;
  try {
    return build();
  } finally {
    parameterDevice = previous;
  }
}

export abstract class Module {
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  constructor(readonly members: number) {
    if (!Number.isInteger(members) || members < 1) throw new Error(`a module needs a whole number of members >= 1, got ${members}`);
  }

  protected registerParameter(name: string, tensor: Tensor): Tensor {
    const value = keep(asBuilt(tensor));
    value.requiresGrad = true;
    this.ownParameters.set(name, value);
    return value;
  }

  protected registerBuffer(name: string, tensor: Tensor): Tensor {
    const value = keep(asBuilt(tensor));
    this.ownBuffers.set(name, value);
    return value;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    if (module.members !== this.members) {
      throw new Error(`module '${name}' has ${module.members} members but its parent has ${this.members}`);
    }
    this.children.set(name, module);
    return module;
  }

  /** Parameters of this module and its descendants, as (dotted path, tensor), in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const result: [string, Tensor][] = [];
    for (const [name, value] of this.ownParameters) result.push([prefix + name, value]);
    for (const [name, child] of this.children) result.push(...child.namedParameters(`${prefix}${name}.`));
    return result;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, value]) => value);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const result: [string, Tensor][] = [];
    for (const [name, value] of this.ownBuffers) result.push([prefix + name, value]);
    for (const [name, child] of this.children) result.push(...child.namedBuffers(`${prefix}${name}.`));
    return result;
  }

  /** This module and its descendants, depth first in registration order (construction order). */
  namedModules(prefix = ''): [string, Module][] {
    const result: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [name, child] of this.children) result.push(...child.namedModules(`${prefix}${name}.`));
    return result;
  }

  child(name: string): Module | undefined {
    return this.children.get(name);
  }

  train(mode = true): this {
    for (const [, module] of this.namedModules()) module.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by path. The tensors are the module's own, not copies. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /** Copies values into the module's tensors; with strict, missing and unexpected keys are errors. */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, strict = true): void {
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    if (strict) {
      const missing = [...own.keys()].filter((key) => !entries.has(key));
      const unexpected = [...entries.keys()].filter((key) => !own.has(key));
      if (missing.length || unexpected.length) {
        throw new Error(`loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`);
      }
    }
    scope(() => noGrad(() => {
      for (const [key, value] of entries) {
        const target = own.get(key);
        if (!target) continue;
        if (target.shape.join(',') !== value.shape.join(',')) {
          throw new Error(`loadStateDict: '${key}' has shape [${value.shape}] but the module expects [${target.shape}]`);
        }
        target.copy_(value);
      }
    }));
  }

  zeroGrad(): void {
    for (const parameter of this.parameters()) parameter.grad = null;
  }

  /**
   * Initialises member `member` of this module's own parameters with `generator` (null: the
   * default generator), drawing numbers in the order PyTorch's constructor does. Modules without
   * parameters need not override it.
   */
  resetMember(_member: number, _generator: Generator | null): void {}

  abstract forward(input: Tensor): Tensor;

  /**
   * Wraps this module's forward from outside, as PyTorch's forward hooks do: every call of
   * `forward(input)` becomes `wrapper(input, forward)`, which may change the input, the output or
   * the graph between them (feedback alignment reroutes a layer's backward pass this way,
   * src/cl/methods/feedback-alignment.ts). One wrapper at a time; null restores the plain forward.
   */
  wrapForward(wrapper: ForwardWrapper | null): void {
    const self = this as { forward: (input: Tensor) => Tensor };
    delete (self as Partial<typeof self>).forward;
    if (wrapper === null) return;
    const plain = self.forward.bind(this);
    self.forward = (input) => wrapper(input, plain);
  }
}

/** See Module.wrapForward. */
export type ForwardWrapper = (input: Tensor, forward: (input: Tensor) => Tensor) => Tensor;

/**
 * Initialises every member of `model` as PyTorch would build it: member by member, each module in
 * construction order. With one generator per member, member r equals a network built after
 * torch.manual_seed(seed_r); with none, the default generator is used in member order, as if the
 * R networks were built one after another.
 */
export function initializeMembers(model: Module, generators?: (Generator | null)[]): void {
  if (generators && generators.length !== model.members) {
    throw new Error(`initializeMembers: ${generators.length} generators for ${model.members} members`);
  }
  const modules = model.namedModules().map(([, module]) => module);
  scope(() =>
    noGrad(() => {
      for (let member = 0; member < model.members; member += 1) {
        for (const module of modules) module.resetMember(member, generators?.[member] ?? null);
      }
    }),
  );
}

/** One generator per member, seeded seed, seed+1, ... */
export function memberGenerators(seeds: number[]): Generator[] {
  return seeds.map((seed) => new Generator(seed));
}
