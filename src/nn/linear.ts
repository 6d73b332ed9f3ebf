// Linear: y = x Wᵀ + b for every member at once, through one batched matmul (baddbmm).
import { type Generator, ops, type Tensor } from '../tensor/index.js';
import { biasBound, fillMember, kaimingUniformBound, uniformMember } from './init.js';
import { Module } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  members?: number;
  /**
   * Weights drawn from U(±weightBound) and a zero bias (He initialisation, model.init=kaiming);
   * absent: PyTorch's default, U(±1/√fan_in) for both.
   */
  weightBound?: number;
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /** The bound of the uniform its weights are drawn from, at initialisation and when a unit is made anew (continual backprop, ReDo). */
  readonly weightBound: number;
  private readonly zeroBias: boolean;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super(options.members ?? 1);
    this.weight = this.registerParameter('weight', ops.empty([this.members, outFeatures, inFeatures]));
    this.bias = options.bias === false ? null : this.registerParameter('bias', ops.empty([this.members, outFeatures]));
    this.weightBound = options.weightBound ?? kaimingUniformBound(inFeatures);
    this.zeroBias = options.weightBound !== undefined;
  }

  override resetMember(member: number, generator: Generator | null): void {
    uniformMember(this.weight, member, this.weightBound, generator);
    if (this.bias && this.zeroBias) fillMember(this.bias, member, 0);
    else if (this.bias) uniformMember(this.bias, member, biasBound(this.inFeatures), generator);
  }

  /**
   * input: [R, B, in] (one batch per member) or [B, in] (shared by all members).
   * output: [R, B, out].
   */
  forward(input: Tensor): Tensor {
    const shape = input.shape;
    const features = shape[shape.length - 1];
    if (features !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures}, ${this.outFeatures}): input has ${features} features, shape [${shape.join(', ')}]`);
    }
    return this.batched(input);
  }

  /**
   * One member is PyTorch's nn.Linear, addmm on views of the [1, ...] parameters, so its numbers are
   * torch's bit for bit. A population is computed transposed, yᵀ = W xᵀ + b, so that autograd forms
   * the weight gradient as δᵀx, already in the weight's [R, out, in] layout: x Wᵀ would give it
   * transposed, and AccumulateGrad would copy it every step (addmm's backward has a layout rule that
   * bmm's lacks). The output is then a transposed view, and the next layer's xᵀ is contiguous.
   * The two forms round differently (BLAS sums in another order), so member r of a population
   * agrees with the same network trained alone to rounding, not bit for bit.
   */
  private batched(input: Tensor): Tensor {
    const shape = input.shape;
    if (shape.length === 3 && shape[0] !== this.members) {
      throw new Error(`Linear: input has ${shape[0]} members but the layer has ${this.members}; expected [${this.members}, B, ${this.inFeatures}]`);
    }
    if (this.members === 1) {
      const single = shape.length === 3 ? input.squeeze(0) : input;
      const weightT = this.weight.squeeze(0).transpose(0, 1);
      return (this.bias ? ops.addmm(this.bias.squeeze(0), single, weightT) : ops.mm(single, weightT)).unsqueeze(0);
    }
    const inputT = shape.length === 3 ? input.transpose(1, 2) : input.transpose(0, 1).unsqueeze(0).expand(this.members, this.inFeatures, shape[0]);
    const outputT = this.bias ? ops.baddbmm(this.bias.unsqueeze(2), this.weight, inputT) : ops.bmm(this.weight, inputT);
    return outputT.transpose(1, 2);
  }
}
