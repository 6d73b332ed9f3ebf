// IDX files, the format of MNIST and Fashion-MNIST: two zero bytes, an element-type byte, the number
// of dimensions, one big-endian uint32 per dimension, then the elements. Files may be gzipped.
// Images are idx3 of unsigned bytes (magic 0x00000803), labels idx1 (magic 0x00000801).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { tensor, type Tensor } from '../../tensor/index.js';
import { checkImageValues, checkLabelRange, makeDataset, type Dataset } from '../dataset.js';

const UNSIGNED_BYTE = 0x08;

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Reads a file, gunzipping it when it starts with the gzip magic bytes. */
function readMaybeGzipped(path: string): Uint8Array {
  const bytes = readFileSync(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (error) {
      throw new Error(`${path}: the gzip stream is damaged or truncated (${(error as Error).message})`);
    }
  }
  return bytes;
}

/** Decodes IDX bytes of unsigned bytes with `dims` dimensions; `name` appears in errors. */
export function decodeIdx(bytes: Uint8Array, name: string, dims: number): IdxArray {
  const expectedMagic = (UNSIGNED_BYTE << 8) | dims;
  const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
  if (bytes.length < 4) throw new Error(`${name}: truncated IDX file: ${bytes.length} bytes, fewer than the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw new Error(`${name}: wrong magic number ${hex(magic)}; an IDX file of unsigned bytes with ${dims} dimension${dims > 1 ? 's' : ''} starts with ${hex(expectedMagic)}`);
  }
  const headerLength = 4 + 4 * dims;
  if (bytes.length < headerLength) throw new Error(`${name}: truncated IDX file: the header needs ${headerLength} bytes, the file has ${bytes.length}`);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerLength;
  if (available !== count) {
    const what = available < count ? 'truncated IDX file' : 'malformed IDX file';
    throw new Error(`${name}: ${what}: shape [${shape.join(', ')}] needs ${count} bytes of data, the file has ${available}`);
  }
  return { shape, data: bytes.subarray(headerLength) };
}

export function readIdx(path: string, dims: number): IdxArray {
  return decodeIdx(readMaybeGzipped(path), path, dims);
}

/** Reads an idx3 image file and its idx1 label file into images uint8 [N, 1, H, W] and labels int64 [N]. */
export function readIdxPair(imagesPath: string, labelsPath: string, numClasses: number): { images: Tensor; labels: Tensor } {
  const images = readIdx(imagesPath, 3);
  const labels = readIdx(labelsPath, 1);
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(`${labelsPath}: ${labels.shape[0]} labels for the ${images.shape[0]} images of ${imagesPath}`);
  }
  const labelTensor = tensor(labels.data, { shape: labels.shape }).long();
  checkLabelRange(labelTensor, numClasses, labelsPath);
  const [n, height, width] = images.shape;
  const imageTensor = tensor(images.data, { shape: [n, 1, height, width] });
  checkImageValues(imageTensor, imagesPath);
  return { images: imageTensor, labels: labelTensor };
}

/** The path of an IDX file in `root`, uncompressed or with .gz; the error lists what was looked for. */
function findIdxFile(root: string, base: string): string {
  for (const candidate of [base, `${base}.gz`]) {
    const path = join(root, candidate);
    if (existsSync(path)) return path;
  }
  throw new Error(`${join(root, base)}: file not found (nor ${base}.gz); the folder must hold the four IDX files of an MNIST-style dataset`);
}

/** An MNIST-layout dataset: {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] in `root`. */
export function readIdxDataset(name: string, root: string, classes: string[]): Dataset {
  const train = readIdxPair(findIdxFile(root, 'train-images-idx3-ubyte'), findIdxFile(root, 'train-labels-idx1-ubyte'), classes.length);
  const test = readIdxPair(findIdxFile(root, 't10k-images-idx3-ubyte'), findIdxFile(root, 't10k-labels-idx1-ubyte'), classes.length);
  return makeDataset({ name, trainImages: train.images, trainLabels: train.labels, testImages: test.images, testLabels: test.labels, classes });
}
