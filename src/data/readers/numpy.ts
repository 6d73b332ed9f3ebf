// Image and label arrays saved with NumPy: one .npz archive, or a folder of .npy files (what
// prepareImageFolder writes, and how ImageNet at 28x28 in gray arrives). Arrays are found by
// name: train_images/train_labels/test_images/test_labels, or Keras' x_train/y_train/x_test/y_test.
// Images are [N, C, H, W] or [N, H, W] (one channel), or [N, H, W, C] with channelsLast; labels are
// integers. Class names come from the option, from a classes.json beside the arrays, or are the
// label numbers.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fromNdArray, readNpy, type NdArray } from '../../io/npy.js';
import { readNpz } from '../../io/npz.js';
import { scope, type Tensor } from '../../tensor/index.js';
import { checkImageValues, checkLabelRange, makeDataset, type Dataset } from '../dataset.js';

export interface NumpyDatasetOptions {
  /** Class names; their number bounds the labels. */
  classes?: string[];
  /** Images are stored [N, H, W, C] (as Keras and PIL give them) rather than [N, C, H, W]. */
  channelsLast?: boolean;
}

const names = {
  trainImages: ['train_images', 'x_train'],
  trainLabels: ['train_labels', 'y_train'],
  testImages: ['test_images', 'x_test'],
  testLabels: ['test_labels', 'y_test'],
} as const;

type Role = keyof typeof names;

interface Located {
  array: NdArray;
  /** The file (or archive member) it came from, for error messages. */
  source: string;
}

function locateArrays(path: string): { arrays: Partial<Record<Role, Located>>; found: string[]; folder: string } {
  const arrays: Partial<Record<Role, Located>> = {};
  if (!existsSync(path)) throw new Error(`${path}: not found; give an .npz file or a folder of .npy files (train_images.npy, train_labels.npy, ...)`);
  if (statSync(path).isDirectory()) {
    const found: string[] = [];
    for (const role of Object.keys(names) as Role[]) {
      for (const name of names[role]) {
        const file = join(path, `${name}.npy`);
        if (existsSync(file)) {
          arrays[role] = { array: readNpy(file), source: file };
          found.push(`${name}.npy`);
          break;
        }
      }
    }
    return { arrays, found, folder: path };
  }
  const archive = readNpz(path);
  for (const role of Object.keys(names) as Role[]) {
    const name = names[role].find((n) => archive.has(n));
    if (name !== undefined) arrays[role] = { array: archive.get(name)!, source: `${path}[${name}.npy]` };
  }
  return { arrays, found: [...archive.keys()], folder: dirname(path) };
}

function imagesTensor(located: Located, channelsLast: boolean): Tensor {
  const { array, source } = located;
  const allowed = ['uint8', 'float32', 'float64'];
  if (!allowed.includes(array.dtype)) throw new Error(`${source}: images of dtype ${array.dtype}; expected uint8, float32 or float64`);
  if (array.shape.length !== 3 && array.shape.length !== 4) throw new Error(`${source}: images of shape [${array.shape.join(', ')}]; expected [N, C, H, W] or [N, H, W]`);
  return scope(() => {
    const t = fromNdArray(array);
    checkImageValues(t, source);
    if (array.shape.length === 3) return t.unsqueeze(1);
    return channelsLast ? t.permute(0, 3, 1, 2).contiguous() : t;
  });
}

function labelsTensor(located: Located, count: number, imagesSource: string): Tensor {
  const { array, source } = located;
  if (!['int64', 'int32', 'uint8'].includes(array.dtype)) throw new Error(`${source}: labels of dtype ${array.dtype}; expected integers (int64, int32 or uint8)`);
  if (array.shape.length !== 1 || array.shape[0] !== count) {
    throw new Error(`${source}: labels of shape [${array.shape.join(', ')}] for the ${count} images of ${imagesSource}; expected [${count}]`);
  }
  return scope(() => fromNdArray(array).long());
}

function classNames(folder: string, options: NumpyDatasetOptions, labels: Tensor[], sources: string[]): string[] {
  if (options.classes) return options.classes;
  const file = join(folder, 'classes.json');
  if (existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: not valid JSON (${(error as Error).message}); expected a JSON array of class names, e.g. ["cat", "dog"]`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((n) => typeof n === 'string')) {
      throw new Error(`${file}: expected a non-empty JSON array of class names, e.g. ["cat", "dog"]`);
    }
    return parsed as string[];
  }
  // Without names the classes are 0..highest label. A label above the number of training images
  // cannot be a class index (most classes would have no image): it is a corrupt or misread file.
  const present = labels.filter((l) => l.numel > 0);
  const highest = Math.max(...present.map((l) => l.max().item()));
  const limit = labels[0].numel;
  if (highest >= limit) {
    const at = present.findIndex((l) => l.max().item() === highest);
    throw new Error(`${sources[at]}: label ${highest} is not a class index (the file has ${limit} training images); fix the labels or list the class names in ${file}`);
  }
  return Array.from({ length: highest + 1 }, (_, i) => String(i));
}

/** Loads image and label arrays from an .npz archive or a folder of .npy files. */
export function readNumpyDataset(path: string, options: NumpyDatasetOptions = {}): Dataset {
  const { arrays, found, folder } = locateArrays(path);
  const { trainImages, trainLabels, testImages, testLabels } = arrays;
  if (!trainImages || !trainLabels) {
    throw new Error(`${path}: needs arrays train_images and train_labels (or x_train and y_train); found ${found.length > 0 ? found.join(', ') : 'none'}`);
  }
  if (!testImages !== !testLabels) throw new Error(`${path}: has ${testImages ? 'test images without test labels' : 'test labels without test images'}`);
  return scope(() => {
    const channelsLast = options.channelsLast ?? false;
    const trainX = imagesTensor(trainImages, channelsLast);
    const trainY = labelsTensor(trainLabels, trainX.shape[0], trainImages.source);
    const testX = testImages ? imagesTensor(testImages, channelsLast) : trainX.slice(0, 0, 0).contiguous();
    const testY = testLabels ? labelsTensor(testLabels, testX.shape[0], testImages!.source) : trainY.slice(0, 0, 0).contiguous();
    const classes = classNames(folder, options, [trainY, testY], [trainLabels.source, testLabels?.source ?? trainLabels.source]);
    checkLabelRange(trainY, classes.length, trainLabels.source);
    if (testLabels) checkLabelRange(testY, classes.length, testLabels.source);
    const name = basename(path).replace(/\.npz$/, '');
    return makeDataset({ name, trainImages: trainX, trainLabels: trainY, testImages: testX, testLabels: testY, classes });
  });
}
