// Per-example gradients of a population: for every member r and example b, the gradient of one
// scalar s[r, b] (an example's loss, or its ground-truth logit) with respect to each parameter.
//
// Linear layers take the fast path: with the layer's input x and the gradient g of Σ s with respect
// to its output y, example b's weight gradient is the outer product g[r, b] ⊗ x[r, b] and its bias
// gradient g[r, b]. That is exact when examples do not interact, so one backward pass serves the
// whole batch, and a caller that only needs sums over examples of powers of the gradients (the
// NTE's log-likelihoods, EWC's squares) can take them from the factors as matrix products without
// ever forming a per-example gradient (reduceFactored). Every other parameter (convolutions, norms,
// attention), every Linear layer that is called more than once per forward pass or whose rows are
// not the batch's examples, and every parameter of a network with BatchNorm in training mode (batch
// statistics make each output depend on every example) takes the exact general path: one backward
// pass per example through the retained graph, still vectorised over members.
import { Linear } from '../../nn/linear.js';
import type { Module } from '../../nn/module.js';
import { BatchNorm1d, BatchNorm2d } from '../../nn/normalization.js';
import { grad, ops, scope, type Tensor } from '../../tensor/index.js';

export interface PerExampleOptions {
  /**
   * Upper bound on the elements of one chunk of per-example gradients (R × examples × P); the
   * batch is visited in chunks of examples that fit. Default: 2^22 (16 MiB of float32) on the CPU,
   * 2^26 elsewhere (see DEFAULT_MAX_ELEMENTS).
   */
  maxElements?: number;
  /**
   * Offered every parameter on the fast path, for the whole batch and before any chunk is formed:
   * returning true means the caller has reduced it from its factors, and it is left out of the
   * chunks. A sum over examples of a power series of the gradients is a few matrix products of the
   * factors (powerSum) instead of B·P per-example numbers.
   */
  reduceFactored?: (index: number, factors: OuterProductFactors) => boolean;
}

/**
 * Example b's gradient of a Linear weight is outputGradient[r, b] ⊗ input[r, b]; of a bias,
 * outputGradient[r, b].
 */
export interface OuterProductFactors {
  /** [R, B, O] */
  outputGradient: Tensor;
  /** [R, B, I], or [B, I] when the members share it; null for a bias. */
  input: Tensor | null;
}

/** Σ_b (g_b)^k, elementwise, from the factors: (G^k)ᵀ X^k, one batched matrix product. [R, ...] */
export function powerSum({ outputGradient, input }: OuterProductFactors, power: number): Tensor {
  const outputPower = power === 1 ? outputGradient : outputGradient.pow(power);
  if (!input) return outputPower.sum(1);
  const inputPower = power === 1 ? input : input.pow(power);
  return ops.einsum(`rbo,${inputSubscripts(input)}->roi`, [outputPower, inputPower]);
}

/** einsum subscripts of a Linear layer's input: per member [R, B, I], or shared [B, I]. */
function inputSubscripts(input: Tensor): string {
  return input.ndim === 3 ? 'rbi' : 'bi';
}

/** max over members, examples and entries of |g_b|, bounded by max|G| · max|X|. */
export function largestMagnitude({ outputGradient, input }: OuterProductFactors): number {
  const outputLargest = outputGradient.abs().max().item();
  return input ? outputLargest * input.abs().max().item() : outputLargest;
}

/**
 * A visitor reduces each chunk at once (NTE's log-likelihoods, EWC's squares), so on a CPU a chunk
 * that stays in the last-level cache makes every pass over it cheap: with a 784-1000-1000-10 MLP
 * and B = 64 an NTE step takes 0.34 s in chunks of 2^22 elements and 0.78 s in chunks of 2^26. A GPU
 * wants few, large kernels instead.
 */
const DEFAULT_MAX_ELEMENTS = { cpu: 2 ** 22, accelerator: 2 ** 26 };

/**
 * Receives per-example gradients for examples start .. start+count-1: gradients[i] is
 * [R, count, ...] for parameters[i] of shape [R, ...], or undefined for a parameter that
 * reduceFactored took. The tensors live until the visit returns.
 */
export type PerExampleVisitor = (gradients: readonly (Tensor | undefined)[], start: number, count: number) => void;

interface LinearRecord {
  inputs: Tensor[];
  outputs: Tensor[];
}

/**
 * Runs `scalars` (a forward pass of `model` returning [R, B]) and visits the per-example gradients
 * of its entries with respect to `parameters`, chunk by chunk.
 */
export function perExampleGradients(model: Module, parameters: readonly Tensor[], scalars: () => Tensor, visit: PerExampleVisitor, options: PerExampleOptions = {}): void {
  const maxElements = options.maxElements ?? (parameters[0]?.device === 'cpu' ? DEFAULT_MAX_ELEMENTS.cpu : DEFAULT_MAX_ELEMENTS.accelerator);
  scope(() => {
    const owners = linearOwners(model, parameters);
    const records = new Map<Linear, LinearRecord>();
    const restore = recordLinears([...new Set(owners.filter((owner): owner is Linear => owner !== null))], records);
    let values: Tensor;
    try {
      values = scalars();
    } finally {
      restore();
    }
    if (values.ndim !== 2) throw new Error(`perExampleGradients: expected scalars [R, B], got [${values.shape.join(', ')}]`);
    const examples = values.shape[1];
    const batchStatistics = model.namedModules().some(([, module]) => (module instanceof BatchNorm1d || module instanceof BatchNorm2d) && module.training);
    const fast = (owner: Linear | null): owner is Linear => {
      if (!owner || batchStatistics) return false;
      const record = records.get(owner)!;
      return record.outputs.length === 1 && record.outputs[0].ndim === 3 && record.outputs[0].shape[1] === examples;
    };
    const fastLinears = [...new Set(owners.filter(fast))];
    const generalIndices = parameters.map((_, index) => index).filter((index) => !fast(owners[index]));
    const general = generalIndices.map((index) => parameters[index]);
    const outputGradients = new Map<Linear, Tensor>();
    if (fastLinears.length > 0) {
      const gradients = grad(values.sum(), fastLinears.map((linear) => records.get(linear)!.outputs[0]), { retainGraph: general.length > 0 });
      fastLinears.forEach((linear, index) => outputGradients.set(linear, gradients[index]!));
    }
    const factorsOf = (index: number, owner: Linear): OuterProductFactors => ({
      outputGradient: outputGradients.get(owner)!,
      input: parameters[index] === owner.bias ? null : records.get(owner)!.inputs[0],
    });
    const reduced = new Set(
      options.reduceFactored ? parameters.map((_, index) => index).filter((index) => fast(owners[index]) && options.reduceFactored!(index, factorsOf(index, owners[index]!))) : [],
    );
    if (reduced.size === parameters.length) return;
    const perExample = parameters.reduce((total, parameter, index) => total + (reduced.has(index) ? 0 : parameter.numel), 0);
    const chunk = Math.max(1, Math.min(examples, Math.floor(maxElements / Math.max(1, perExample))));
    for (let start = 0; start < examples; start += chunk) {
      const count = Math.min(chunk, examples - start);
      scope(() => {
        const result: (Tensor | undefined)[] = new Array(parameters.length);
        parameters.forEach((_, index) => {
          const owner = owners[index];
          if (!fast(owner) || reduced.has(index)) return;
          const { outputGradient, input } = factorsOf(index, owner);
          const outputs = outputGradient.narrow(1, start, count);
          if (!input) {
            result[index] = outputs;
            return;
          }
          result[index] = ops.einsum(`rbo,${inputSubscripts(input)}->rboi`, [outputs, input.narrow(input.ndim - 2, start, count)]);
        });
        if (general.length > 0) {
          const perParameter: Tensor[][] = general.map(() => []);
          for (let example = start; example < start + count; example += 1) {
            const gradients = grad(values.select(1, example).sum(), general, { retainGraph: true, allowUnused: true });
            gradients.forEach((gradient, index) => perParameter[index].push(gradient ?? ops.zerosLike(general[index])));
          }
          generalIndices.forEach((parameterIndex, index) => (result[parameterIndex] = ops.stack(perParameter[index], 1)));
        }
        visit(result, start, count);
      });
    }
  });
}

/** The Linear layer whose weight or bias each parameter is, or null. */
function linearOwners(model: Module, parameters: readonly Tensor[]): (Linear | null)[] {
  const owner = new Map<Tensor, Linear>();
  for (const [, module] of model.namedModules()) {
    if (module instanceof Linear) {
      owner.set(module.weight, module);
      if (module.bias) owner.set(module.bias, module);
    }
  }
  return parameters.map((parameter) => owner.get(parameter) ?? null);
}

/** Wraps each layer's forward to record its input and output; returns the function that unwraps. */
function recordLinears(linears: Linear[], records: Map<Linear, LinearRecord>): () => void {
  const previous = linears.map((linear) => (Object.prototype.hasOwnProperty.call(linear, 'forward') ? linear.forward : undefined));
  for (const linear of linears) {
    const record: LinearRecord = { inputs: [], outputs: [] };
    records.set(linear, record);
    const forward = linear.forward;
    linear.forward = (input: Tensor): Tensor => {
      const output = forward.call(linear, input);
      record.inputs.push(input);
      record.outputs.push(output);
      return output;
    };
  }
  return () =>
    linears.forEach((linear, index) => {
      const own = previous[index];
      if (own) linear.forward = own;
      else delete (linear as { forward?: unknown }).forward;
    });
}
