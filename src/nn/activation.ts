// Activation functions as modules, chosen by name in configs.
import { ops, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

const functions = {
  relu: (x: Tensor) => ops.relu(x),
  tanh: (x: Tensor) => ops.tanh(x),
  sigmoid: (x: Tensor) => ops.sigmoid(x),
  gelu: (x: Tensor) => ops.gelu(x),
  leaky_relu: (x: Tensor) => ops.leakyRelu(x, 0.01),
  elu: (x: Tensor) => ops.elu(x),
  silu: (x: Tensor) => ops.silu(x),
  identity: (x: Tensor) => x,
  // Concatenated ReLU (Shang et al. 2016; Abbas et al. 2023 against loss of plasticity): [relu(x), relu(−x)]
  // along the last dimension, so every unit passes gradient for one sign of its input or the other
  // and none can die; it doubles the width the next layer reads. Features must be the last dimension.
  crelu: (x: Tensor) => ops.cat([ops.relu(x), ops.relu(x.neg())], x.ndim - 1),
} as const;

/** How many outputs an activation makes per input feature: 2 for crelu, 1 for the others. */
export function widthFactor(name: ActivationName): number {
  return name === 'crelu' ? 2 : 1;
}

export type ActivationName = keyof typeof functions;
export const activationNames = Object.keys(functions) as ActivationName[];

export class Activation extends Module {
  private readonly apply: (x: Tensor) => Tensor;

  constructor(
    readonly name: ActivationName,
    members = 1,
  ) {
    super(members);
    const apply = functions[name];
    if (!apply) throw new Error(`unknown activation '${name}'; expected one of ${activationNames.join(', ')}`);
    this.apply = apply;
  }

  forward(input: Tensor): Tensor {
    return this.apply(input);
  }
}
