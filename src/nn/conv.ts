// Conv2d for a population, in either of two layouts: the channel-stacked [B, R*C, H, W] (member r
// owns channels r*C .. (r+1)*C-1, and one grouped convolution with groups = R keeps members apart),
// or one batch per member (src/nn/member-images.ts says why the CNN uses that one).
import { type Generator, ops, type Tensor } from '../tensor/index.js';
import { biasBound, kaimingUniformBound, uniformMember } from './init.js';
import { Module } from './module.js';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  bias?: boolean;
  members?: number;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options: Conv2dOptions = {},
  ) {
    super(options.members ?? 1);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    this.weight = this.registerParameter('weight', ops.empty([this.members, outChannels, inChannels, kernelSize, kernelSize]));
    this.bias = options.bias === false ? null : this.registerParameter('bias', ops.empty([this.members, outChannels]));
  }

  private get fanIn(): number {
    return this.inChannels * this.kernelSize * this.kernelSize;
  }

  override resetMember(member: number, generator: Generator | null): void {
    uniformMember(this.weight, member, kaimingUniformBound(this.fanIn), generator);
    if (this.bias) uniformMember(this.bias, member, biasBound(this.fanIn), generator);
  }

  /** input: [B, R*inChannels, H, W]; output: [B, R*outChannels, H', W']. */
  forward(input: Tensor): Tensor {
    const channels = input.shape[1];
    if (input.ndim !== 4 || channels !== this.members * this.inChannels) {
      throw new Error(
        `Conv2d(${this.inChannels}, ${this.outChannels}) with ${this.members} members expects [B, ${this.members * this.inChannels}, H, W], got [${input.shape.join(', ')}]`,
      );
    }
    const { members, outChannels, inChannels, kernelSize } = this;
    const weight = this.weight.view(members * outChannels, inChannels, kernelSize, kernelSize);
    const bias = this.bias ? this.bias.view(members * outChannels) : null;
    return ops.conv2d(input, weight, bias, this.stride, this.padding, 1, members);
  }

  /** inputs: R batches [B, inChannels, H, W], one per member; outputs: R batches [B, outChannels, H', W']. */
  forwardMembers(inputs: Tensor[]): Tensor[] {
    if (inputs.length !== this.members || inputs.some((input) => input.ndim !== 4 || input.shape[1] !== this.inChannels)) {
      throw new Error(
        `Conv2d(${this.inChannels}, ${this.outChannels}) with ${this.members} members expects ${this.members} batches [B, ${this.inChannels}, H, W], got ${inputs.length}: ${inputs.map((input) => `[${input.shape.join(', ')}]`).join(' ')}`,
      );
    }
    // unbind, not select: its backward stacks the members' gradients once, where R selects would
    // each add a zero-filled gradient of the whole parameter.
    const weights = ops.unbind(this.weight, 0);
    const biases = this.bias ? ops.unbind(this.bias, 0) : null;
    return inputs.map((input, member) => ops.conv2d(input, weights[member], biases?.[member] ?? null, this.stride, this.padding, 1, 1));
  }
}

/** [B, R, C, H, W] (one image batch per member) -> the stacked layout [B, R*C, H, W]. */
export function stackMembers(input: Tensor): Tensor {
  const [batch, members, channels, height, width] = input.shape;
  return input.reshape(batch, members * channels, height, width);
}

/** The stacked layout [B, R*C, H, W] -> [R, B, C*H*W], the input layout of Linear. */
export function flattenStacked(input: Tensor, members: number): Tensor {
  const [batch, stacked, height, width] = input.shape;
  return input.reshape(batch, members, (stacked / members) * height * width).transpose(0, 1);
}
