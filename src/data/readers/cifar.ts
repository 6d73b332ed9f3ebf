// CIFAR-10 and CIFAR-100 "binary version" batches. The format has no header and no magic number:
// a file is a run of fixed-size records, each label byte(s) then 3x32x32 pixel bytes (channel-major,
// i.e. already [C, H, W]). CIFAR-10 records have one label byte; CIFAR-100 records have the coarse
// then the fine label. A file whose size is not a whole number of records is truncated or not CIFAR.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ops, scope, tensor, type Tensor } from '../../tensor/index.js';
import { checkImageValues, checkLabelRange, makeDataset, type Dataset } from '../dataset.js';

const PIXELS = 3 * 32 * 32;

export type CifarVariant = 'cifar10' | 'cifar100';

interface Layout {
  folder: string;
  train: string[];
  test: string[];
  labelBytes: number;
}

const layouts: Record<CifarVariant, Layout> = {
  cifar10: {
    folder: 'cifar-10-batches-bin',
    train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    test: ['test_batch.bin'],
    labelBytes: 1,
  },
  cifar100: { folder: 'cifar-100-binary', train: ['train.bin'], test: ['test.bin'], labelBytes: 2 },
};

const cifar10Classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * Reads CIFAR binary batch files into images uint8 [N, 3, 32, 32] and labels int64 [N]. For CIFAR-100,
 * `labelByte` picks the coarse (0) or fine (1) label.
 */
export function readCifarBatches(files: string[], labelBytes: number, labelByte: number, numClasses: number): { images: Tensor; labels: Tensor } {
  const record = labelBytes + PIXELS;
  const buffers = files.map((file) => {
    const bytes = readFileSync(file);
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw new Error(
        `${file}: not a CIFAR binary batch: ${bytes.length} bytes is not a whole number of ${record}-byte records (${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + ${PIXELS} pixels); the file is truncated or of another dataset`,
      );
    }
    return bytes;
  });
  return scope(() => {
    // Each file's labels and images are checked on their own, so that an error names the file that holds the bad one.
    const perFile = buffers.map((bytes, i) => {
      const records = tensor(bytes, { shape: [bytes.length / record, record] });
      checkLabelRange(records.select(1, labelByte), numClasses, files[i]);
      checkImageValues(records.slice(1, labelBytes), files[i]);
      return records;
    });
    const records = perFile.length === 1 ? perFile[0] : ops.cat(perFile, 0);
    const images = records.slice(1, labelBytes).reshape(-1, 3, 32, 32).contiguous();
    return { images, labels: records.select(1, labelByte).long() };
  });
}

function readNames(path: string, fallback: string[] | null, count: number): string[] {
  if (existsSync(path)) {
    const names = readFileSync(path, 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    if (names.length !== count) throw new Error(`${path}: ${names.length} class names, expected ${count}`);
    return names;
  }
  return fallback ?? Array.from({ length: count }, (_, i) => String(i));
}

/**
 * CIFAR-10 or CIFAR-100 from the extracted binary archive: `root` is the folder holding the batch
 * files, or its parent (where cifar-10-binary.tar.gz was extracted).
 */
export function readCifarDataset(variant: CifarVariant, root: string, options: { labels?: 'fine' | 'coarse' } = {}): Dataset {
  const layout = layouts[variant];
  const folder = existsSync(join(root, layout.folder)) ? join(root, layout.folder) : root;
  for (const file of [...layout.train, ...layout.test]) {
    if (!existsSync(join(folder, file))) {
      throw new Error(`${join(folder, file)}: file not found; ${variant} needs the binary version (${layout.folder}/ with ${[...layout.train, ...layout.test].join(', ')})`);
    }
  }
  let classes: string[];
  let labelByte = 0;
  if (variant === 'cifar10') {
    classes = readNames(join(folder, 'batches.meta.txt'), cifar10Classes, 10);
  } else if (options.labels === 'coarse') {
    classes = readNames(join(folder, 'coarse_label_names.txt'), null, 20);
  } else {
    labelByte = 1;
    classes = readNames(join(folder, 'fine_label_names.txt'), null, 100);
  }
  const paths = (names: string[]) => names.map((n) => join(folder, n));
  const train = readCifarBatches(paths(layout.train), layout.labelBytes, labelByte, classes.length);
  const test = readCifarBatches(paths(layout.test), layout.labelBytes, labelByte, classes.length);
  return makeDataset({ name: variant, trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels, classes });
}
