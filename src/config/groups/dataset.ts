// The dataset group: where images and labels come from. `format` picks the reader of the dataset
// registry (src/data/registry.ts); `name` names the results directory, so ImageNet at 28x28 in gray
// is `format: npz` with `name: imagenet_28_gray`.
import { group } from '../group.js';
import { bool, choice, float, floats, int, nullable, optional, string } from '../spec.js';

const size = nullable(int({ min: 1, help: 'resize images to this square side; null = keep (all images must then have one size)' }));
const testFraction = nullable(
  float({ above: 0, below: 1, help: 'for folders without a test split: fraction of each class held out as test set; null = none' }),
);
const holdoutSeed = int({ min: 0, help: 'seed of the held-out selection' });

export const dataset = group({
  name: 'dataset',
  help: 'source of images and labels',
  discriminator: 'format',
  common: {
    name: string({ segment: true, help: 'dataset name; the first directory under results_dir' }),
    root: nullable(string({ help: 'file or folder to read; null = the embedded or standard location (mnist, fashion_mnist)' })),
    normalize: bool({ help: 'after scaling pixels to [0, 1], subtract mean and divide by std per channel' }),
    mean: nullable(floats({ minLength: 1, help: 'per-channel mean for normalize; null = computed from the training images' })),
    std: nullable(floats({ above: 0, minLength: 1, help: 'per-channel standard deviation for normalize; null = computed from the training images' })),
    // Optional, so that conf/ folders and run configs written before it still compose.
    balance: optional(nullable(
      choice(['none', 'classes'] as const, {
        help: 'task sizes. none: every image of the task\'s classes, the full splits of the published protocols (members must share their classes); classes: each class cut to the smallest class\'s count, so members drawing different classes get equal tasks. null = none where members share their tasks, classes where they draw their own (class_pairs, class_order=random)',
      }),
    { default: null }),
    ),
  },
  variants: {
    mnist: {},
    fashion_mnist: {},
    cifar10: {},
    cifar100: {
      labels: choice(['fine', 'coarse'] as const, { help: 'the 100 fine classes or the 20 coarse superclasses' }),
    },
    tiny_imagenet: { size, test_fraction: testFraction, holdout_seed: holdoutSeed },
    image_folder: {
      size,
      channels: choice([1, 3] as const, { help: 'read images as gray (1) or RGB (3)' }),
      test_fraction: testFraction,
      holdout_seed: holdoutSeed,
    },
    npz: {
      channels_last: bool({ help: 'images are stored [N, H, W, C] (Keras, PIL) rather than [N, C, H, W]' }),
    },
  },
});
