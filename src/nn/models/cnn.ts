// The convolutional network of the class-pair benchmark (docs/architecture.md): convolutional blocks (Conv2d -> [BatchNorm2d] ->
// activation -> [pool]) followed by fully connected layers, three and two by default.
import type { Tensor } from '../../tensor/index.js';
import { Activation, type ActivationName } from '../activation.js';
import { Conv2d } from '../conv.js';
import { Dropout } from '../dropout.js';
import { Linear } from '../linear.js';
import { flattenMembers, memberChannelMeans, memberImages } from '../member-images.js';
import type { Module } from '../module.js';
import { BatchNorm2d } from '../normalization.js';
import { AvgPool2d, MaxPool2d } from '../pooling.js';
import { Model, type ModelOutput } from './model.js';

export type PoolingKind = 'max' | 'avg' | 'none';
export type ConvNormKind = 'none' | 'batch';

export interface CNNOptions {
  /** [channels, height, width]. */
  inputShape: readonly number[];
  numClasses: number;
  /** Output channels of each convolutional block. */
  channels?: number[];
  /** Square kernel size; padding is kernel // 2, so odd kernels keep the spatial size. */
  kernel?: number;
  /** 2x2 pooling with stride 2 after each block, or none. */
  pooling?: PoolingKind;
  norm?: ConvNormKind;
  /** Units of the hidden fully connected layers (the output layer comes after them). */
  hidden?: number[];
  activation?: ActivationName;
  /** Dropout after each hidden fully connected layer. */
  dropout?: number;
  members?: number;
}

export const cnnDefaults = {
  channels: [32, 64, 128],
  kernel: 3,
  pooling: 'max' as PoolingKind,
  norm: 'none' as ConvNormKind,
  hidden: [128],
  activation: 'relu' as ActivationName,
  dropout: 0,
};

interface ConvBlock {
  name: string;
  conv: Conv2d;
  norm: BatchNorm2d | null;
  activation: Activation;
  pool: Module | null;
}

interface DenseBlock {
  name: string;
  linear: Linear;
  activation: Activation;
  dropout: Dropout | null;
}

export class CNN extends Model {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  private readonly convBlocks: ConvBlock[] = [];
  private readonly denseBlocks: DenseBlock[] = [];
  readonly head: Linear;

  constructor(options: CNNOptions) {
    super(options.members ?? 1);
    if (options.inputShape.length !== 3) {
      throw new Error(`CNN: inputShape must be [channels, height, width], got [${options.inputShape.join(', ')}]`);
    }
    this.inputShape = options.inputShape;
    this.numClasses = options.numClasses;
    const members = this.members;
    const kernel = options.kernel ?? cnnDefaults.kernel;
    const pooling = options.pooling ?? cnnDefaults.pooling;
    const activation = options.activation ?? cnnDefaults.activation;
    let [channels, height, width] = options.inputShape;
    (options.channels ?? cnnDefaults.channels).forEach((out, index) => {
      const name = `conv${index + 1}`;
      const conv = this.registerModule(`${name}.conv`, new Conv2d(channels, out, kernel, { padding: Math.floor(kernel / 2), members }));
      const norm = options.norm === 'batch' ? this.registerModule(`${name}.norm`, new BatchNorm2d(out, { members })) : null;
      const act = this.registerModule(`${name}.activation`, new Activation(activation, members));
      const pool =
        pooling === 'max'
          ? this.registerModule(`${name}.pool`, new MaxPool2d(2, 2, members))
          : pooling === 'avg'
            ? this.registerModule(`${name}.pool`, new AvgPool2d(2, 2, members))
            : null;
      this.convBlocks.push({ name, conv, norm, activation: act, pool });
      // Same padding keeps the size for odd kernels; an even kernel grows it by one.
      height = height + 2 * Math.floor(kernel / 2) - kernel + 1;
      width = width + 2 * Math.floor(kernel / 2) - kernel + 1;
      if (pool) {
        height = Math.floor(height / 2);
        width = Math.floor(width / 2);
      }
      if (height < 1 || width < 1) {
        throw new Error(`CNN: input ${options.inputShape.join('x')} is too small for ${index + 1} pooled blocks; use fewer channels entries or pooling 'none'`);
      }
      channels = out;
    });
    let features = channels * height * width;
    (options.hidden ?? cnnDefaults.hidden).forEach((units, index) => {
      const name = `fc${index + 1}`;
      const linear = this.registerModule(`${name}.linear`, new Linear(features, units, { members }));
      const act = this.registerModule(`${name}.activation`, new Activation(activation, members));
      const p = options.dropout ?? cnnDefaults.dropout;
      const dropout = p > 0 ? this.registerModule(`${name}.dropout`, new Dropout(p, members)) : null;
      this.denseBlocks.push({ name, linear, activation: act, dropout });
      features = units;
    });
    this.head = this.registerModule('head', new Linear(features, options.numClasses, { members }));
  }

  /**
   * Hidden activations: each convolutional block's output (after pooling) as one unit per
   * channel, averaged over space, then each hidden dense layer after its activation.
   */
  run(input: Tensor): ModelOutput {
    let batches = memberImages(input, this.members, this.perMember(input));
    const hidden: [string, Tensor][] = [];
    for (const block of this.convBlocks) {
      batches = block.conv.forwardMembers(batches);
      if (block.norm) batches = block.norm.forwardMembers(batches);
      batches = batches.map((batch) => this.activateAndPool(block, batch));
      hidden.push([block.name, memberChannelMeans(batches)]);
    }
    let h = flattenMembers(batches);
    for (const block of this.denseBlocks) {
      h = block.activation.forward(block.linear.forward(h));
      hidden.push([block.name, h]);
      if (block.dropout) h = block.dropout.forward(h);
    }
    return { logits: this.head.forward(h), hidden };
  }

  /**
   * The activation, then the pooling. Max pooling commutes with ReLU (both are max operations), so
   * ReLU goes after it, on a quarter of the values; the gradient is the same too: where a window's
   * maximum is positive both orders pass it to the same position, and where it is not, both pass
   * zero. Other activations keep the written order (for them float32 rounding can tie values that
   * differ before the activation, which moves the argmax).
   */
  private activateAndPool(block: ConvBlock, batch: Tensor): Tensor {
    if (block.pool instanceof MaxPool2d && block.activation.name === 'relu') return block.activation.forward(block.pool.forward(batch));
    const activated = block.activation.forward(batch);
    return block.pool ? block.pool.forward(activated) : activated;
  }
}
