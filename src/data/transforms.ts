// Input transforms on image tensors whose last three dimensions are [C, H, W]: a dataset's [N, C, H, W]
// and a task's [samples, R, C, H, W] alike. Each is one or two libtorch operations over the whole
// tensor.
import { ops, scope, tensor, type Tensor } from '../tensor/index.js';

export interface Normalization {
  /** Per-channel mean and standard deviation of pixel values scaled to [0, 1]. */
  mean: number[];
  std: number[];
}

/**
 * The customary per-channel statistics of each dataset's training set, on the [0, 1] scale (the
 * values torchvision examples use).
 */
export const normalizations: Readonly<Record<string, Normalization>> = {
  mnist: { mean: [0.1307], std: [0.3081] },
  fashion_mnist: { mean: [0.286], std: [0.353] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  tiny_imagenet: { mean: [0.4802, 0.4481, 0.3975], std: [0.277, 0.269, 0.2821] },
};

/** Pixels as float32 in [0, 1]: bytes are divided by 255; float images are taken to be scaled already. */
export function scaleToUnit(images: Tensor): Tensor {
  return images.dtypeName === 'uint8' ? images.float().div_(255) : images.float();
}

/** The per-channel mean and (population) standard deviation of images, scaled to [0, 1]. */
export function computeNormalization(images: Tensor): Normalization {
  return scope(() => {
    const channels = images.shape[images.ndim - 3];
    const perChannel = images.transpose(0, images.ndim - 3).reshape(channels, -1);
    if (images.dtypeName === 'uint8') {
      // Exact and cheap for bytes: moments of each channel's 256-bin histogram, in float64.
      const values = ops.arange(0, 256, 1, 'float64').div(255);
      const histograms = ops.stack(ops.unbind(perChannel, 0).map((channel) => ops.bincount(channel, null, 256)), 0).to('float64');
      const count = perChannel.shape[1];
      const mean = histograms.mul(values).sum(1).div(count);
      const meanSquare = histograms.mul(values.square()).sum(1).div(count);
      return { mean: mean.toArray(), std: meanSquare.sub(mean.square()).sqrt().toArray() };
    }
    const scaled = perChannel.to('float64');
    return { mean: scaled.mean(1).toArray(), std: scaled.std(1, 0).toArray() };
  });
}

/** The table entry for a dataset; the error says how to get statistics for one that has none. */
export function normalizationFor(dataset: string): Normalization {
  const entry = normalizations[dataset];
  if (!entry) throw new Error(`no normalisation statistics for dataset '${dataset}'; known: ${Object.keys(normalizations).join(', ')}. Compute them with computeNormalization(trainImages)`);
  return entry;
}

/** (x - mean) / std per channel, after scaling to [0, 1]. */
export function normalize(images: Tensor, { mean, std }: Normalization): Tensor {
  const channels = images.shape[images.ndim - 3];
  if (mean.length !== channels || std.length !== channels) {
    throw new Error(`normalize: images have ${channels} channel${channels === 1 ? '' : 's'} but the statistics have ${mean.length} means and ${std.length} standard deviations`);
  }
  return scope(() => {
    const shape = [channels, 1, 1];
    return scaleToUnit(images).sub_(tensor(mean).reshape(...shape)).div_(tensor(std).reshape(...shape));
  });
}

/** [..., C, H, W] -> [..., C*H*W], for MLPs. */
export function flattenImages(images: Tensor): Tensor {
  return images.flatten(images.ndim - 3, images.ndim - 1);
}

/**
 * Moves pixel positions: output pixel p takes input pixel permutation[p], the same in every channel.
 * `permutation` is int64 [H*W] for one permutation of all images, or [R, H*W] for one per member of
 * a [samples, R, C, H, W] task tensor.
 */
export function permutePixels(images: Tensor, permutation: Tensor): Tensor {
  const [channels, height, width] = images.shape.slice(-3);
  const pixels = height * width;
  if (permutation.shape[permutation.ndim - 1] !== pixels) {
    throw new Error(`permutePixels: a permutation of ${permutation.shape[permutation.ndim - 1]} positions for ${height}x${width} images (${pixels} pixels)`);
  }
  return scope(() => {
    const flat = images.reshape(...images.shape.slice(0, -3), channels, pixels);
    if (permutation.ndim === 1) return pickPixels(flat, permutation).reshape(...images.shape);
    // One permutation per member: gather along pixels with the member's permutation broadcast over
    // samples and channels. images is [S, R, C, H, W]; permutation is [R, P].
    const members = permutation.shape[0];
    if (images.ndim !== 5 || images.shape[1] !== members) {
      throw new Error(`permutePixels: ${members} per-member permutations need images [samples, ${members}, C, H, W], got [${images.shape.join(', ')}]`);
    }
    const index = permutation.reshape(1, members, 1, pixels).expand(images.shape[0], members, channels, pixels);
    return ops.gather(flat, 3, index).reshape(...images.shape);
  });
}

/**
 * Rotates images [..., C, H, W] about their centre by `degrees`, anticlockwise as displayed, with
 * nearest-neighbour sampling and zeros where the rotated image does not cover the frame: what
 * torchvision's rotate does by default, i.e. PyTorch's affine_grid + grid_sample(mode='nearest',
 * padding_mode='zeros', align_corners=False) with θ = [[cos a, −sin a, 0], [sin a, cos a, 0]]. The
 * source pixel of every output pixel is worked out once on the host (H·W numbers, in float32 as
 * PyTorch computes the grid); the images then move in one gather (pickPixels).
 */
export function rotateImages(images: Tensor, degrees: number): Tensor {
  const [channels, height, width] = images.shape.slice(-3);
  const sources = rotationSources(height, width, degrees);
  return scope(() => {
    const pixels = height * width;
    const flat = images.reshape(...images.shape.slice(0, -3), channels, pixels);
    // Index `pixels` reads the appended zero: outside the rotated frame.
    const padded = ops.cat([flat, ops.zeros([...flat.shape.slice(0, -1), 1], flat.dtypeName, null, flat.device)], flat.ndim - 1);
    return pickPixels(padded, tensor(BigInt64Array.from(sources, BigInt), { device: flat.device })).reshape(...images.shape);
  });
}

/**
 * Output pixel p of every image takes input pixel sources[p]: images [..., P_in], sources int64
 * [P_out]. A gather along the last dimension with the index broadcast over the leading ones, not
 * index_select: libtorch's index_select along a last dimension copies element by element, 16 times
 * slower (4.1 s against 0.25 s of CPU for a permuted-MNIST task of 60,000 images at R = 5).
 */
function pickPixels(images: Tensor, sources: Tensor): Tensor {
  const leading = images.shape.slice(0, -1);
  const index = sources.reshape(...leading.map(() => 1), sources.shape[0]).expand(...leading, sources.shape[0]);
  return ops.gather(images, images.ndim - 1, index);
}

/** For each output pixel (row-major), the index of its source pixel, or H·W when it falls outside. */
function rotationSources(height: number, width: number, degrees: number): number[] {
  const f = Math.fround;
  const angle = (degrees * Math.PI) / 180;
  const [cos, sin] = [f(Math.cos(angle)), f(Math.sin(angle))];
  // affine_grid's base coordinates with align_corners=False, pixel centres in (-1, 1), computed as
  // PyTorch does: linspace(-1, 1, size) (filled from both ends) scaled by (size - 1) / size.
  const base = (index: number, size: number) => {
    if (size === 1) return 0;
    const step = f(2 / (size - 1));
    const linear = index < size / 2 ? f(-1 + f(index * step)) : f(1 - f((size - 1 - index) * step));
    return f(linear * f((size - 1) / size));
  };
  const unnormalise = (coordinate: number, size: number) => f(f(f(f(coordinate + 1) * size) - 1) / 2);
  const sources: number[] = [];
  for (let row = 0; row < height; row += 1) {
    for (let column = 0; column < width; column += 1) {
      const x = base(column, width);
      const y = base(row, height);
      const sourceX = roundHalfEven(unnormalise(f(f(cos * x) - f(sin * y)), width));
      const sourceY = roundHalfEven(unnormalise(f(f(sin * x) + f(cos * y)), height));
      const inside = sourceX >= 0 && sourceX < width && sourceY >= 0 && sourceY < height;
      sources.push(inside ? sourceY * width + sourceX : height * width);
    }
  }
  return sources;
}

/** grid_sample's nearest: round half to even (nearbyint). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}
