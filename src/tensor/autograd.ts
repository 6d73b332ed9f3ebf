// Gradient mode and functional gradients.
import { native } from './native.js';
import { type Tensor, tensorOrNull } from './tensor.js';

/** Runs `body` with gradient recording off, as under torch.no_grad(). */
export function noGrad<T>(body: () => T): T {
  const previous = native.setGradEnabled(false);
  try {
    return body();
  } finally {
    native.setGradEnabled(previous);
  }
}

export function enableGrad<T>(body: () => T): T {
  const previous = native.setGradEnabled(true);
  try {
    return body();
  } finally {
    native.setGradEnabled(previous);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

export interface GradOptions {
  gradOutputs?: (Tensor | null)[];
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** torch.autograd.grad: gradients of `outputs` with respect to `inputs`, without touching .grad. */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const createGraph = options.createGraph ?? false;
  return native
    .grad(
      (Array.isArray(outputs) ? outputs : [outputs]).map(slotOf),
      inputs.map(slotOf),
      options.gradOutputs ? options.gradOutputs.map(optionalSlotOf) : null,
      options.retainGraph ?? createGraph,
      createGraph,
      options.allowUnused ?? false,
    )
    .map(tensorOrNull);
}

/** torch.autograd.backward over several outputs at once. */
export function backward(outputs: Tensor[], gradOutputs?: (Tensor | null)[], retainGraph = false): void {
  native.backward(outputs.map(slotOf), gradOutputs ? gradOutputs.map(optionalSlotOf) : null, retainGraph, false);
}

const slotOf = (tensor: Tensor): number => tensor.handle;
const optionalSlotOf = (tensor: Tensor | null): number | null => (tensor === null ? null : tensor.handle);
