// PyTorch's default initialisations, per member of a population parameter [R, ...].
import { type Generator, ops, type Tensor } from '../tensor/index.js';

/** torch.nn.init.calculate_gain for leaky_relu, in the same floating-point order. */
function leakyReluGain(negativeSlope: number): number {
  return Math.sqrt(2.0 / (1 + negativeSlope ** 2));
}

/** The bound of kaiming_uniform_(w, a=sqrt(5)): PyTorch's default for Linear and Conv weights. */
export function kaimingUniformBound(fanIn: number, a = Math.sqrt(5)): number {
  return heUniformBound(fanIn, leakyReluGain(a));
}

/**
 * torch.nn.init.calculate_gain of a hidden activation (1 for those it does not define, and for a
 * linear output). He initialisation scales by it.
 */
export function activationGain(activation: string): number {
  switch (activation) {
    case 'relu':
      return Math.sqrt(2.0);
    case 'leaky_relu':
      return leakyReluGain(0.01);
    case 'tanh':
      return 5.0 / 3;
    default:
      return 1;
  }
}

/**
 * The bound of kaiming_uniform_(w, nonlinearity=...) with the activation's gain: U(±gain·√(3/fan_in))
 * (He et al. 2015), in torch's floating-point order, √3·(gain/√fan_in); gain·√(3/fan_in) differs in
 * the last bit for nearly half of all fan-ins.
 */
export function heUniformBound(fanIn: number, gain: number): number {
  const std = gain / Math.sqrt(fanIn);
  return Math.sqrt(3.0) * std;
}

/** The bound PyTorch uses for Linear and Conv biases. */
export function biasBound(fanIn: number): number {
  return fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
}

/** Fills member `member` of `parameter` with U(-bound, bound). */
export function uniformMember(parameter: Tensor, member: number, bound: number, generator: Generator | null): void {
  ops.uniform_(parameter.select(0, member), -bound, bound, generator);
}

export function fillMember(parameter: Tensor, member: number, value: number): void {
  parameter.select(0, member).fill_(value);
}

/** N(mean, std) into member `member`, as torch.nn.init.normal_ / trunc-free. */
export function normalMember(parameter: Tensor, member: number, std: number, generator: Generator | null, mean = 0): void {
  ops.normal_(parameter.select(0, member), mean, std, generator);
}
