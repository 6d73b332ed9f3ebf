// Helpers over a population's parameters [R, ...]: one flat vector per member, temporary parameter
// values, buffers kept across an extra forward pass, and per-member masks that broadcast.
import type { Module } from '../../nn/module.js';
import { noGrad, ops, scope, tensor, type Tensor } from '../../tensor/index.js';

/** The tensors side by side as one vector per member: [R, P]. */
export function flattenMembers(tensors: readonly Tensor[], members: number): Tensor {
  return ops.cat(
    tensors.map((value) => value.reshape(members, -1)),
    1,
  );
}

/** Each parameter's gradient as one vector per member, [R, P]; a missing gradient reads as zeros. */
export function flatGradients(parameters: readonly Tensor[], members: number): Tensor {
  return flattenMembers(
    parameters.map((parameter) => parameter.grad ?? ops.zerosLike(parameter)),
    members,
  );
}

/** Splits [R, P] back into tensors shaped like `like`, in order. */
export function unflattenMembers(flat: Tensor, like: readonly Tensor[]): Tensor[] {
  const members = flat.shape[0];
  let offset = 0;
  return like.map((value) => {
    const size = value.numel / members;
    const part = flat.narrow(1, offset, size).reshape(...value.shape);
    offset += size;
    return part;
  });
}

/** Writes [R, P] into the parameters' existing gradients (parameters without one are left so). */
export function writeFlatGradients(parameters: readonly Tensor[], flat: Tensor): void {
  scope(() =>
    noGrad(() => {
      unflattenMembers(flat, parameters).forEach((part, index) => parameters[index].grad?.copy_(part));
    }),
  );
}

/** Clones of the values (detached), e.g. the parameters at initialisation. */
export function cloneAll(values: readonly Tensor[]): Tensor[] {
  return noGrad(() => values.map((value) => value.detach().clone()));
}

/** Runs `body` with the parameters temporarily set to `values`, then puts the old values back. */
export function withParameterValues<T>(parameters: readonly Tensor[], values: readonly Tensor[], body: () => T): T {
  const saved = cloneAll(parameters);
  noGrad(() => parameters.forEach((parameter, index) => parameter.copy_(values[index])));
  try {
    return body();
  } finally {
    noGrad(() => parameters.forEach((parameter, index) => parameter.copy_(saved[index])));
    for (const value of saved) value.dispose();
  }
}

/**
 * Runs `body` and restores the module's buffers (BatchNorm running statistics) afterwards, so that
 * an extra forward pass a method makes (per-example gradients, a stored task gradient) does not
 * count as training data for the running statistics.
 */
export function keepingBuffers<T>(module: Module, body: () => T): T {
  const buffers = module.namedBuffers().map(([, value]) => value);
  const saved = cloneAll(buffers);
  try {
    return body();
  } finally {
    noGrad(() => buffers.forEach((buffer, index) => buffer.copy_(saved[index])));
    for (const value of saved) value.dispose();
  }
}

/** Flags [R] as a 0/1 tensor shaped [R, 1, ..., 1] to broadcast over `like` [R, ...]. */
export function memberMask(flags: readonly boolean[], like: Tensor): Tensor {
  const shape = [flags.length, ...new Array<number>(Math.max(like.ndim - 1, 0)).fill(1)];
  return tensor(Float32Array.from(flags, Number), { shape, device: like.device }).to(like.dtypeName);
}

/** [R] values reshaped to [R, 1, ..., 1] to broadcast over `like`. */
export function perMemberView(values: Tensor, like: Tensor): Tensor {
  return values.reshape(values.shape[0], ...new Array<number>(Math.max(like.ndim - 1, 0)).fill(1));
}
