// The CNN's population layout: one channels-last image batch [B, C, H, W] per member.
//
// Why not one grouped convolution over the channel-stacked layout (src/nn/stacked.ts)? Measured on
// a 2-core Intel Xeon (AVX-512, oneDNN from Debian's libtorch), one thread, the default CNN at R = 8:
// grouped NCHW convolutions trained at 0.7-0.9x the rate of PyTorch's loop over 8 models, while a
// plain convolution per member on channels-last batches reached 1.5x. Two things make the
// difference: oneDNN's grouped kernels are slower per FLOP than its plain ones at these sizes, and
// ATen's max pooling is about 4x faster on channels-last tensors than on NCHW ones (7.5 against
// 1.7 ms for a [64, 32, 28, 28] batch). Concatenating the members' outputs into one tensor after
// every layer gave the gain back (1.1-1.5k against 2.1k samples/s), so members stay apart until
// the convolutional part ends.
import { ops, type Tensor } from '../tensor/index.js';

/** ATen's MemoryFormat::ChannelsLast: strides ordered N, H, W, C. */
const CHANNELS_LAST = 2;

/**
 * A model's image input as one channels-last batch per member. `input` is [B, R, C, H, W] (a batch
 * per member) when `perMember`, else [B, C, H, W] shared by every member (laid out once).
 * A clone with an explicit format, not `contiguous`: a one-channel NCHW tensor already counts as
 * channels-last, keeps its NCHW strides, and the convolutions after it would run NCHW.
 */
export function memberImages(input: Tensor, members: number, perMember: boolean): Tensor[] {
  if (!perMember) return new Array<Tensor>(members).fill(ops.clone(input, CHANNELS_LAST));
  return Array.from({ length: members }, (_, member) => ops.clone(input.select(1, member), CHANNELS_LAST));
}

/** One unit per channel: each member's spatial means, as [R, B, C] (how metrics see a conv layer). */
export function memberChannelMeans(batches: Tensor[]): Tensor {
  return ops.stack(
    batches.map((batch) => batch.mean([2, 3])),
    0,
  );
}

/** Each member's [B, C, H, W] flattened to C*H*W features in (c, h, w) order, as [R, B, C*H*W]. */
export function flattenMembers(batches: Tensor[]): Tensor {
  return ops.stack(
    batches.map((batch) => batch.reshape(batch.shape[0], -1)),
    0,
  );
}
