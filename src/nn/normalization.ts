// Normalisation layers with per-member statistics and affine parameters.
import { type Generator, ops, type Tensor } from '../tensor/index.js';
import { fillMember } from './init.js';
import { Module } from './module.js';

export interface NormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  members?: number;
}

/**
 * BatchNorm over features. Member r's C features are stored as channels r*C .. (r+1)*C-1 of one
 * batch_norm call, so statistics never mix members.
 */
abstract class BatchNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    options: NormOptions,
  ) {
    super(options.members ?? 1);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ops.ones([this.members, numFeatures])) : null;
    this.bias = affine ? this.registerParameter('bias', ops.zeros([this.members, numFeatures])) : null;
    this.runningMean = this.registerBuffer('running_mean', ops.zeros([this.members, numFeatures]));
    this.runningVar = this.registerBuffer('running_var', ops.ones([this.members, numFeatures]));
  }

  override resetMember(member: number, _generator: Generator | null): void {
    if (this.weight) fillMember(this.weight, member, 1);
    if (this.bias) fillMember(this.bias, member, 0);
    fillMember(this.runningMean, member, 0);
    fillMember(this.runningVar, member, 1);
  }

  /** batch_norm on [B, R*C, ...]. */
  protected normalizeStacked(stacked: Tensor): Tensor {
    const flat = this.members * this.numFeatures;
    return ops.batchNorm(
      stacked,
      this.weight?.view(flat) ?? null,
      this.bias?.view(flat) ?? null,
      this.runningMean.view(flat),
      this.runningVar.view(flat),
      this.training,
      this.momentum,
      this.eps,
      false,
    );
  }
}

/** BatchNorm1d on the dense layout [R, B, C]. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: NormOptions = {}) {
    super(numFeatures, options);
  }

  forward(input: Tensor): Tensor {
    const [members, batch, features] = input.shape;
    if (input.ndim !== 3 || members !== this.members || features !== this.numFeatures) {
      throw new Error(`BatchNorm1d(${this.numFeatures}) with ${this.members} members expects [${this.members}, B, ${this.numFeatures}], got [${input.shape.join(', ')}]`);
    }
    if (members === 1) return this.normalizeStacked(input.squeeze(0)).unsqueeze(0);
    const stacked = input.transpose(0, 1).reshape(batch, members * features);
    return this.normalizeStacked(stacked).view(batch, members, features).transpose(0, 1);
  }
}

/** BatchNorm2d on the stacked layout [B, R*C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: NormOptions = {}) {
    super(numFeatures, options);
  }

  forward(input: Tensor): Tensor {
    if (input.ndim !== 4 || input.shape[1] !== this.members * this.numFeatures) {
      throw new Error(`BatchNorm2d(${this.numFeatures}) with ${this.members} members expects [B, ${this.members * this.numFeatures}, H, W], got [${input.shape.join(', ')}]`);
    }
    return this.normalizeStacked(input);
  }

  /** inputs: R batches [B, C, H, W], one per member (src/nn/member-images.ts); each normalised with its member's statistics. */
  forwardMembers(inputs: Tensor[]): Tensor[] {
    if (inputs.length !== this.members || inputs.some((input) => input.ndim !== 4 || input.shape[1] !== this.numFeatures)) {
      throw new Error(
        `BatchNorm2d(${this.numFeatures}) with ${this.members} members expects ${this.members} batches [B, ${this.numFeatures}, H, W], got ${inputs.length}: ${inputs.map((input) => `[${input.shape.join(', ')}]`).join(' ')}`,
      );
    }
    const weights = this.weight ? ops.unbind(this.weight, 0) : null;
    const biases = this.bias ? ops.unbind(this.bias, 0) : null;
    // Rows of the running statistics are views: batch_norm's in-place update lands in the buffers.
    return inputs.map((input, member) =>
      ops.batchNorm(input, weights?.[member] ?? null, biases?.[member] ?? null, this.runningMean.select(0, member), this.runningVar.select(0, member), this.training, this.momentum, this.eps, false),
    );
  }
}

/** LayerNorm over the last dimension of [R, ..., F], with per-member affine parameters. */
export class LayerNorm extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly eps: number;

  constructor(
    readonly normalizedShape: number,
    options: NormOptions = {},
  ) {
    super(options.members ?? 1);
    this.eps = options.eps ?? 1e-5;
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ops.ones([this.members, normalizedShape])) : null;
    this.bias = affine ? this.registerParameter('bias', ops.zeros([this.members, normalizedShape])) : null;
  }

  override resetMember(member: number, _generator: Generator | null): void {
    if (this.weight) fillMember(this.weight, member, 1);
    if (this.bias) fillMember(this.bias, member, 0);
  }

  forward(input: Tensor): Tensor {
    if (input.shape[input.ndim - 1] !== this.normalizedShape || input.shape[0] !== this.members) {
      throw new Error(`LayerNorm(${this.normalizedShape}) with ${this.members} members expects [${this.members}, ..., ${this.normalizedShape}], got [${input.shape.join(', ')}]`);
    }
    if (this.members === 1) {
      return ops.layerNorm(input, [this.normalizedShape], this.weight?.select(0, 0) ?? null, this.bias?.select(0, 0) ?? null, this.eps);
    }
    const normalized = ops.layerNorm(input, [this.normalizedShape], null, null, this.eps);
    if (!this.weight || !this.bias) return normalized;
    // Broadcast [R, F] over the middle dimensions of [R, ..., F].
    const view = [this.members, ...Array(input.ndim - 2).fill(1), this.normalizedShape];
    return normalized.mul(this.weight.view(...view)).add(this.bias.view(...view));
  }
}
