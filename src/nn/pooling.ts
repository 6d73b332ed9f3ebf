// Pooling on the channel-stacked layout [B, R*C, H, W]. Pooling acts on each channel alone, so
// members never mix and one ATen call serves the whole population.
import { ops, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

/** A square window, stepping by `stride` (the window's size unless given), as torch's pooling layers. */
abstract class Pool2d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly stride = kernelSize,
    members = 1,
  ) {
    super(members);
  }
}

export class MaxPool2d extends Pool2d {
  forward(input: Tensor): Tensor {
    return ops.maxPool2d(input, this.kernelSize, this.stride);
  }
}

export class AvgPool2d extends Pool2d {
  forward(input: Tensor): Tensor {
    return ops.avgPool2d(input, this.kernelSize, this.stride);
  }
}

/** nn.AdaptiveAvgPool2d: averages each channel down to outputSize x outputSize. */
export class AdaptiveAvgPool2d extends Module {
  constructor(
    readonly outputSize: number,
    members = 1,
  ) {
    super(members);
  }

  forward(input: Tensor): Tensor {
    return ops.adaptiveAvgPool2d(input, [this.outputSize, this.outputSize]);
  }
}
