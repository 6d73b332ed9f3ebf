// Folders of images, one folder per class. Three layouts are recognised:
//   tiny_imagenet  wnids.txt, train/<wnid>/images/*, val/images/* labelled by val/val_annotations.txt
//                  (Tiny ImageNet's own test split has no labels, so its val split is the test set)
//   split_folders  train/<class>/* and optionally test/<class>/* or val/<class>/*
//   class_folders  <class>/* directly under the root: training images only
// Classes are the sorted folder names (the order torchvision's ImageFolder uses), so label i is the
// i-th name. Files are visited in sorted order, so a dataset always loads the same way.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { Generator, ops, scope, tensor } from '../../tensor/index.js';
import { checkImageValues, makeDataset, type Dataset } from '../dataset.js';
import { decodeImage, imageExtensions, imagePixels, unsupportedImageExtensions, type PixelOptions } from './image.js';

export interface ImageFolderSplit {
  files: string[];
  labels: number[];
}

export interface ImageFolderListing {
  layout: 'tiny_imagenet' | 'split_folders' | 'class_folders';
  classes: string[];
  train: ImageFolderSplit;
  /** Null when the folder has no test (or val) split. */
  test: ImageFolderSplit | null;
}

const isDirectory = (path: string) => existsSync(path) && statSync(path).isDirectory();
const visible = (name: string) => !name.startsWith('.');

/** Image files under `folder`, recursively, in sorted order; an image format plab cannot read is an error. */
function imageFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).filter((e) => visible(e.name)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...imageFiles(path));
    else {
      const ext = extname(entry.name).toLowerCase();
      if (imageExtensions.has(ext)) found.push(path);
      else if (unsupportedImageExtensions.has(ext)) {
        throw new Error(`${path}: ${ext} images are not supported; convert the folder to PNG or JPEG`);
      }
    }
  }
  return found;
}

function classFolders(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && visible(e.name))
    .map((e) => e.name)
    .sort();
}

function listClassFolders(root: string, classes: string[], imagesSubfolder = ''): ImageFolderSplit {
  const split: ImageFolderSplit = { files: [], labels: [] };
  for (const name of classFolders(root)) {
    const label = classes.indexOf(name);
    if (label < 0) throw new Error(`${join(root, name)}: class folder '${name}' is not among the training classes (${classes.length} folders under the train split)`);
    const files = imageFiles(join(root, name, imagesSubfolder));
    split.files.push(...files);
    for (let i = 0; i < files.length; i++) split.labels.push(label);
  }
  return split;
}

function checkNonEmpty(split: ImageFolderSplit, classes: string[], root: string): void {
  const counts = new Array<number>(classes.length).fill(0);
  for (const label of split.labels) counts[label]++;
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) throw new Error(`${join(root, classes[empty])}: class folder holds no PNG or JPEG images`);
}

function listTinyImagenet(root: string): ImageFolderListing {
  const wnidsPath = join(root, 'wnids.txt');
  const classes = readFileSync(wnidsPath, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .sort();
  if (classes.length === 0) throw new Error(`${wnidsPath}: lists no classes`);
  const train = listClassFolders(join(root, 'train'), classes, 'images');
  checkNonEmpty(train, classes, join(root, 'train'));
  let test: ImageFolderSplit | null = null;
  const annotations = join(root, 'val', 'val_annotations.txt');
  if (existsSync(annotations)) {
    test = { files: [], labels: [] };
    const lines = readFileSync(annotations, 'utf8').split(/\r?\n/);
    lines.forEach((line, i) => {
      if (line.trim().length === 0) return;
      const [file, wnid] = line.split('\t');
      const label = classes.indexOf(wnid);
      if (label < 0 || file === undefined) {
        throw new Error(`${annotations}: line ${i + 1} ('${line.slice(0, 60)}') names class '${wnid}', which is not in wnids.txt`);
      }
      test!.files.push(join(root, 'val', 'images', file));
      test!.labels.push(label);
    });
  } else if (isDirectory(join(root, 'val'))) {
    test = listClassFolders(join(root, 'val'), classes, 'images');
  }
  return { layout: 'tiny_imagenet', classes, train, test };
}

/** Finds the layout of an image-folder dataset and lists its files and labels. */
export function listImageFolder(root: string): ImageFolderListing {
  if (!isDirectory(root)) throw new Error(`${root}: not a folder; an image-folder dataset is a folder of class-named folders of images`);
  if (existsSync(join(root, 'wnids.txt')) && isDirectory(join(root, 'train'))) return listTinyImagenet(root);
  if (isDirectory(join(root, 'train'))) {
    const classes = classFolders(join(root, 'train'));
    if (classes.length === 0) throw new Error(`${join(root, 'train')}: holds no class folders`);
    const train = listClassFolders(join(root, 'train'), classes);
    checkNonEmpty(train, classes, join(root, 'train'));
    const testRoot = ['test', 'val'].map((s) => join(root, s)).find(isDirectory);
    return { layout: 'split_folders', classes, train, test: testRoot ? listClassFolders(testRoot, classes) : null };
  }
  const classes = classFolders(root);
  if (classes.length === 0) throw new Error(`${root}: holds no class folders; put the images of each class in a folder named after the class`);
  const train = listClassFolders(root, classes);
  checkNonEmpty(train, classes, root);
  return { layout: 'class_folders', classes, train, test: null };
}

/**
 * Splits off a seeded fraction of each class as a test set, for folders without one. The same seed
 * always holds out the same files.
 */
export function holdOut(split: ImageFolderSplit, numClasses: number, fraction: number, seed: number): { train: ImageFolderSplit; test: ImageFolderSplit } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`testFraction must lie strictly between 0 and 1, got ${fraction}`);
  const byClass = Array.from({ length: numClasses }, () => [] as number[]);
  split.labels.forEach((label, i) => byClass[label].push(i));
  const generator = new Generator(seed);
  const train: ImageFolderSplit = { files: [], labels: [] };
  const test: ImageFolderSplit = { files: [], labels: [] };
  byClass.forEach((members, label) => {
    const order = scope(() => ops.randperm(members.length, generator).toArray());
    const held = Math.round(members.length * fraction);
    order.forEach((position, rank) => {
      const target = rank < held ? test : train;
      target.files.push(split.files[members[position]]);
      target.labels.push(label);
    });
  });
  return { train, test };
}

/** Decodes the listed images into one [N, C, H, W] byte buffer; without a size they must all match. */
export function readImages(split: ImageFolderSplit, pixels: PixelOptions, root: string): { data: Uint8Array; shape: number[] } {
  let shape: number[] | null = null;
  let data = new Uint8Array(0);
  split.files.forEach((file, i) => {
    const image = decodeImage(readFileSync(file), file);
    if (shape === null) {
      shape = [split.files.length, pixels.channels, pixels.size ?? image.height, pixels.size ?? image.width];
      data = new Uint8Array(shape.reduce((a, b) => a * b, 1));
    } else if (pixels.size === undefined && (image.height !== shape[2] || image.width !== shape[3])) {
      throw new Error(`${file}: image is ${image.width}x${image.height} but ${relative(root, split.files[0])} is ${shape[3]}x${shape[2]}; give a size to crop and resize every image to`);
    }
    data.set(imagePixels(image, pixels), i * (data.length / split.files.length));
  });
  return { data, shape: shape ?? [0, pixels.channels, pixels.size ?? 0, pixels.size ?? 0] };
}

export interface ImageFolderOptions {
  /** Side of the square images; omitted, every image must already have the same size. */
  size?: number;
  /** 1 (gray) or 3 (RGB, the default). */
  channels?: 1 | 3;
  /** For folders without a test split: the fraction of each class held out as test set (default none). */
  testFraction?: number;
  /** Seed of the held-out selection (default 0). */
  holdoutSeed?: number;
}

/** Loads an image-folder dataset (any of the layouts above) into tensors. */
export function readImageFolderDataset(name: string, root: string, options: ImageFolderOptions = {}): Dataset {
  const listing = listImageFolder(root);
  let { train, test } = listing;
  if (test === null && options.testFraction !== undefined) ({ train, test } = holdOut(train, listing.classes.length, options.testFraction, options.holdoutSeed ?? 0));
  const pixels: PixelOptions = { size: options.size, channels: options.channels ?? 3 };
  const trainImages = readImages(train, pixels, root);
  const testImages = readImages(test ?? { files: [], labels: [] }, pixels, root);
  if (test !== null && test.files.length > 0 && testImages.shape.slice(2).join() !== trainImages.shape.slice(2).join()) {
    throw new Error(`${test.files[0]}: test images are ${testImages.shape[3]}x${testImages.shape[2]} but train images are ${trainImages.shape[3]}x${trainImages.shape[2]}; give a size`);
  }
  if (test === null || test.files.length === 0) testImages.shape = [0, ...trainImages.shape.slice(1)];
  const labels = (split: ImageFolderSplit | null) => tensor(BigInt64Array.from(split?.labels ?? [], BigInt), { dtype: 'int64' });
  const trainTensor = tensor(trainImages.data, { shape: trainImages.shape });
  const testTensor = tensor(testImages.data, { shape: testImages.shape });
  const [trainFiles, testFiles] = [train.files, test?.files ?? []];
  checkImageValues(trainTensor, root, (i) => trainFiles[i]);
  checkImageValues(testTensor, root, (i) => testFiles[i]);
  return makeDataset({
    name,
    trainImages: trainTensor,
    trainLabels: labels(train),
    testImages: testTensor,
    testLabels: labels(test),
    classes: listing.classes,
  });
}
