import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { disposeDataset, loadDataset } from '../../src/data/index.js';
import { encodeNpy, ndarray } from '../../src/io/npy.js';
import { encodeNpz } from '../../src/io/npz.js';

const root = mkdtempSync(join(tmpdir(), 'plab-readers-'));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const folder = () => {
  const path = join(root, `case${folders++}`);
  mkdirSync(path, { recursive: true });
  return path;
};

// ---- IDX (MNIST layout)

function idx(dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE((0x08 << 8) | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** Three 2x2 training images (pixel values 10*i + position) and two test images. */
function writeMnistLayout(dir: string, { gzip = false, trainLabels = [3, 0, 9] } = {}) {
  const write = (name: string, bytes: Buffer) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  write('train-images-idx3-ubyte', idx([3, 2, 2], [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]));
  write('train-labels-idx1-ubyte', idx([3], trainLabels));
  write('t10k-images-idx3-ubyte', idx([2, 2, 2], [5, 5, 5, 5, 7, 7, 7, 7]));
  write('t10k-labels-idx1-ubyte', idx([2], [1, 2]));
}

test('IDX: raw and gzipped MNIST layouts read into [N, 1, H, W] uint8 and int64 labels', () => {
  for (const gzip of [false, true]) {
    const dir = folder();
    writeMnistLayout(dir, { gzip });
    const d = loadDataset('mnist', { root: dir });
    assert.deepEqual([d.trainImages.dtypeName, d.trainImages.shape, d.testImages.shape], ['uint8', [3, 1, 2, 2], [2, 1, 2, 2]]);
    assert.deepEqual(d.trainImages.toArray(), [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
    assert.deepEqual([d.trainLabels.dtypeName, d.trainLabels.toArray(), d.testLabels.toArray()], ['int64', [3, 0, 9], [1, 2]]);
    assert.deepEqual([d.channels, d.height, d.width, d.classes.length], [1, 2, 2, 10]);
    disposeDataset(d);
  }
});

test('IDX: wrong magic, truncation, label out of range and count mismatch name the file', () => {
  const dir = folder();
  writeMnistLayout(dir);
  const labels = join(dir, 'train-labels-idx1-ubyte');
  const images = join(dir, 'train-images-idx3-ubyte');

  writeMnistLayout(dir, { trainLabels: [3, 10, 9] });
  assert.throws(() => loadDataset('mnist', { root: dir }), { message: `${labels}: label 10 of sample 1 is outside 0..9 (the dataset has 10 classes)` });

  writeMnistLayout(dir);
  const good = readFileSync(images);
  writeFileSync(images, good.subarray(0, good.length - 1));
  assert.throws(() => loadDataset('mnist', { root: dir }), { message: `${images}: truncated IDX file: shape [3, 2, 2] needs 12 bytes of data, the file has 11` });

  const wrong = Buffer.from(good);
  wrong.writeUInt32BE(0x00000801, 0);
  writeFileSync(images, wrong);
  assert.throws(() => loadDataset('mnist', { root: dir }), {
    message: `${images}: wrong magic number 0x00000801; an IDX file of unsigned bytes with 3 dimensions starts with 0x00000803`,
  });

  writeMnistLayout(dir);
  writeFileSync(labels, idx([2], [1, 2]));
  assert.throws(() => loadDataset('mnist', { root: dir }), new RegExp(`${labels}: 2 labels for the 3 images of ${images}`));

  const gzipped = folder();
  writeMnistLayout(gzipped, { gzip: true });
  writeFileSync(join(gzipped, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([3], [1, 2, 3])).subarray(0, 12));
  assert.throws(() => loadDataset('mnist', { root: gzipped }), /train-labels-idx1-ubyte\.gz: the gzip stream is damaged or truncated/);
  assert.throws(() => loadDataset('mnist', { root: join(root, 'nowhere') }), /nowhere\/train-images-idx3-ubyte: file not found/);
});

test('the embedded MNIST and Debian Fashion-MNIST load with their known first labels', () => {
  const mnist = loadDataset('mnist');
  assert.deepEqual([mnist.trainImages.shape, mnist.testImages.shape], [[60000, 1, 28, 28], [10000, 1, 28, 28]]);
  assert.deepEqual(mnist.trainLabels.slice(0, 0, 10).toArray(), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  assert.deepEqual(mnist.testLabels.slice(0, 0, 5).toArray(), [7, 2, 1, 0, 4]);
  // Per-class counts of MNIST's training set.
  assert.deepEqual(mnist.trainLabels.eq(5).sum().item(), 5421);
  disposeDataset(mnist);
  const fashion = loadDataset('fashion_mnist');
  assert.deepEqual(fashion.trainLabels.slice(0, 0, 5).toArray(), [9, 0, 0, 3, 0]);
  assert.equal(fashion.classes[9], 'Ankle boot');
  disposeDataset(fashion);
  assert.throws(() => loadDataset('imagenet'), /unknown dataset 'imagenet'; expected one of mnist, fashion_mnist, cifar10/);
});

// ---- CIFAR binary batches

function cifarRecords(labels: number[][]): Buffer {
  return Buffer.concat(
    labels.map((label, i) => {
      const pixels = Buffer.alloc(3072);
      for (let c = 0; c < 3; c++) pixels.fill(10 * i + c, c * 1024, (c + 1) * 1024);
      return Buffer.concat([Buffer.from(label), pixels]);
    }),
  );
}

test('CIFAR-10: five train batches and a test batch; truncated file and bad label are named', () => {
  const dir = join(folder(), 'cifar-10-batches-bin');
  mkdirSync(dir);
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), cifarRecords([[b], [b + 1]]));
  writeFileSync(join(dir, 'test_batch.bin'), cifarRecords([[9]]));
  const d = loadDataset('cifar10', { root: join(dir, '..') });
  assert.deepEqual([d.trainImages.shape, d.testImages.shape], [[10, 3, 32, 32], [1, 3, 32, 32]]);
  assert.deepEqual(d.trainLabels.toArray(), [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
  // Image 1 of batch 3 (sample 5) has channel values 10, 11, 12; channel-major order is kept.
  assert.deepEqual(d.trainImages.select(0, 5).amax([1, 2]).toArray(), [10, 11, 12]);
  assert.equal(d.classes[0], 'airplane');
  disposeDataset(d);

  writeFileSync(join(dir, 'data_batch_4.bin'), cifarRecords([[1], [10]]));
  assert.throws(() => loadDataset('cifar10', { root: dir }), { message: `${join(dir, 'data_batch_4.bin')}: label 10 of sample 1 is outside 0..9 (the dataset has 10 classes)` });
  writeFileSync(join(dir, 'data_batch_4.bin'), cifarRecords([[1], [2]]).subarray(0, 5000));
  assert.throws(() => loadDataset('cifar10', { root: dir }), new RegExp(`data_batch_4\\.bin: not a CIFAR binary batch: 5000 bytes is not a whole number of 3073-byte records`));
  assert.throws(() => loadDataset('cifar10'), /dataset cifar10: give root/);
});

test('CIFAR-100: fine labels by default, coarse on request, names from the label files', () => {
  const dir = folder();
  writeFileSync(join(dir, 'train.bin'), cifarRecords([[3, 99], [19, 0]]));
  writeFileSync(join(dir, 'test.bin'), cifarRecords([[0, 42]]));
  writeFileSync(join(dir, 'fine_label_names.txt'), Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n'));
  const fine = loadDataset('cifar100', { root: dir });
  assert.deepEqual([fine.trainLabels.toArray(), fine.testLabels.toArray(), fine.classes[99]], [[99, 0], [42], 'fine99']);
  const coarse = loadDataset('cifar100', { root: dir, labels: 'coarse' });
  assert.deepEqual([coarse.trainLabels.toArray(), coarse.classes.length], [[3, 19], 20]);
  writeFileSync(join(dir, 'train.bin'), cifarRecords([[20, 1]]));
  assert.throws(() => loadDataset('cifar100', { root: dir, labels: 'coarse' }), /train\.bin: label 20 of sample 0 is outside 0\.\.19/);
  writeFileSync(join(dir, 'train.bin'), cifarRecords([[2, 1]]).subarray(0, 3073));
  assert.throws(() => loadDataset('cifar100', { root: dir }), /train\.bin: not a CIFAR binary batch: 3073 bytes is not a whole number of 3074-byte records/);
});

// ---- image folders

function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) image.data.set([...rgb, 255], 4 * i);
  return PNG.sync.write(image);
}

function jpg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([...rgb, 255], 4 * i);
  return jpeg.encode({ width, height, data }, 100).data;
}

test('image folder: class folders of PNG and JPEG, sorted classes, gray and RGB, split folders', () => {
  const dir = folder();
  for (const [split, cls, name, bytes] of [
    ['train', 'cat', 'a.png', png(4, 4, [255, 0, 0])],
    ['train', 'cat', 'b.jpg', jpg(4, 4, [0, 0, 255])],
    ['train', 'ant', 'c.PNG', png(4, 4, [0, 255, 0])],
    ['test', 'cat', 'd.png', png(4, 4, [10, 20, 30])],
  ] as const) {
    mkdirSync(join(dir, split, cls), { recursive: true });
    writeFileSync(join(dir, split, cls, name), bytes);
  }
  writeFileSync(join(dir, 'train', 'cat', 'notes.txt'), 'not an image');
  const rgb = loadDataset('image_folder', { root: dir });
  assert.deepEqual(rgb.classes, ['ant', 'cat']);
  assert.deepEqual([rgb.trainImages.shape, rgb.trainLabels.toArray(), rgb.testLabels.toArray()], [[3, 3, 4, 4], [0, 1, 1], [1]]);
  assert.deepEqual(rgb.trainImages.narrow(0, 0, 2).amax([2, 3]).tolist(), [[0, 255, 0], [255, 0, 0]]);
  const blue = rgb.trainImages.select(0, 2).amax([1, 2]).toArray();
  assert.ok(blue[0] <= 2 && blue[1] <= 2 && blue[2] >= 252, `JPEG blue decodes near (0, 0, 255): ${blue}`);
  assert.deepEqual(rgb.testImages.select(0, 0).amax([1, 2]).toArray(), [10, 20, 30]);
  const gray = loadDataset('image_folder', { root: dir, channels: 1, size: 2 });
  assert.deepEqual(gray.trainImages.shape, [3, 1, 2, 2]);
  // ITU-R 601 luma of pure green and pure red: 0.587 * 255 and 0.299 * 255, rounded.
  assert.deepEqual(gray.trainImages.amax([1, 2, 3]).toArray().slice(0, 2), [150, 76]);
});

test('image folder: centre crop and area resize, size mismatch, bad magic and truncation are named', () => {
  const dir = folder();
  mkdirSync(join(dir, 'x'));
  // 6 wide, 2 high: left and right thirds white, the centre 2x2 block black.
  const image = new PNG({ width: 6, height: 2 });
  for (let y = 0; y < 2; y++) for (let x = 0; x < 6; x++) image.data.set(x >= 2 && x < 4 ? [0, 0, 0, 255] : [255, 255, 255, 255], 4 * (y * 6 + x));
  writeFileSync(join(dir, 'x', 'wide.png'), PNG.sync.write(image));
  const cropped = loadDataset('image_folder', { root: dir, channels: 1, size: 1 });
  assert.deepEqual(cropped.trainImages.toArray(), [0]);
  writeFileSync(join(dir, 'x', 'z.png'), png(3, 3, [1, 1, 1]));
  assert.throws(() => loadDataset('image_folder', { root: dir }), new RegExp(`z\\.png: image is 3x3 but x/wide\\.png is 6x2; give a size`));
  rmSync(join(dir, 'x', 'z.png'));
  writeFileSync(join(dir, 'x', 'fake.png'), Buffer.from('GIF89a...'));
  assert.throws(() => loadDataset('image_folder', { root: dir }), /fake\.png: wrong magic number \(47 49 46 38\); expected the PNG magic 89 50 4e 47/);
  writeFileSync(join(dir, 'x', 'fake.png'), png(6, 2, [0, 0, 0]).subarray(0, 40));
  assert.throws(() => loadDataset('image_folder', { root: dir }), /fake\.png: cannot decode PNG .*damaged or truncated/);
  rmSync(join(dir, 'x', 'fake.png'));
  writeFileSync(join(dir, 'x', 'cut.jpg'), jpg(8, 8, [9, 9, 9]).subarray(0, 200));
  assert.throws(() => loadDataset('image_folder', { root: dir }), /cut\.jpg: cannot decode JPEG .*damaged or truncated/);
  rmSync(join(dir, 'x', 'cut.jpg'));
  writeFileSync(join(dir, 'x', 'photo.gif'), Buffer.from('GIF89a'));
  assert.throws(() => loadDataset('image_folder', { root: dir }), /photo\.gif: \.gif images are not supported; convert the folder to PNG or JPEG/);
});

test('image folder: a seeded test fraction is held out per class when there is no test split', () => {
  const dir = folder();
  for (const cls of ['a', 'b']) {
    mkdirSync(join(dir, cls));
    for (let i = 0; i < 10; i++) writeFileSync(join(dir, cls, `${i}.png`), png(1, 1, [i, 0, 0]));
  }
  const first = loadDataset('image_folder', { root: dir, testFraction: 0.2 });
  assert.deepEqual([first.trainLabels.shape[0], first.testLabels.toArray()], [16, [0, 0, 1, 1]]);
  const again = loadDataset('image_folder', { root: dir, testFraction: 0.2 });
  assert.deepEqual(again.testImages.toArray(), first.testImages.toArray());
  const none = loadDataset('image_folder', { root: dir });
  assert.deepEqual(none.testImages.shape, [0, 3, 1, 1]);
});

test('Tiny ImageNet layout: wnids, train/<wnid>/images, val annotations; an unknown wnid is named', () => {
  const dir = folder();
  writeFileSync(join(dir, 'wnids.txt'), 'n02\nn01\n');
  for (const [wnid, shade] of [['n01', 50], ['n02', 100]] as const) {
    mkdirSync(join(dir, 'train', wnid, 'images'), { recursive: true });
    writeFileSync(join(dir, 'train', wnid, `${wnid}_boxes.txt`), '');
    writeFileSync(join(dir, 'train', wnid, 'images', `${wnid}_0.JPEG`), jpg(8, 8, [shade, shade, shade]));
  }
  mkdirSync(join(dir, 'val', 'images'), { recursive: true });
  writeFileSync(join(dir, 'val', 'images', 'val_0.JPEG'), jpg(8, 8, [100, 100, 100]));
  writeFileSync(join(dir, 'val', 'images', 'val_1.JPEG'), jpg(8, 8, [50, 50, 50]));
  writeFileSync(join(dir, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn02\t0\t0\t8\t8\nval_1.JPEG\tn01\t0\t0\t8\t8\n');
  const d = loadDataset('tiny_imagenet', { root: dir });
  assert.deepEqual([d.classes, d.trainLabels.toArray(), d.testLabels.toArray(), d.trainImages.shape], [['n01', 'n02'], [0, 1], [1, 0], [2, 3, 8, 8]]);
  const shades = d.testImages.float().mean([1, 2, 3]).toArray();
  assert.ok(Math.abs(shades[0] - 100) < 2 && Math.abs(shades[1] - 50) < 2, `val images decode to their shades: ${shades}`);
  writeFileSync(join(dir, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn02\t0\t0\t8\t8\nval_1.JPEG\tn99\t0\t0\t8\t8\n');
  assert.throws(() => loadDataset('tiny_imagenet', { root: dir }), /val_annotations\.txt: line 2 .* names class 'n99', which is not in wnids\.txt/);
});

// ---- NumPy arrays

test('npz and folders of .npy: names, aliases, [N, H, W] and channels-last images, classes.json', () => {
  const dir = folder();
  const images = ndarray('uint8', [2, 2, 2], Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  const npz = join(dir, 'small.npz');
  writeFileSync(npz, encodeNpz({ x_train: images, y_train: ndarray('int32', [2], Int32Array.from([1, 0])) }, { compress: true }));
  const d = loadDataset('npz', { root: npz });
  assert.deepEqual([d.name, d.trainImages.shape, d.trainLabels.dtypeName, d.trainLabels.toArray(), d.classes, d.testImages.shape], ['small', [2, 1, 2, 2], 'int64', [1, 0], ['0', '1'], [0, 1, 2, 2]]);

  const arrays = join(dir, 'arrays');
  mkdirSync(arrays);
  // [N, H, W, C] with C = 3: pixel (0, 0) of image 0 is (1, 2, 3).
  writeFileSync(join(arrays, 'train_images.npy'), encodeNpy(ndarray('uint8', [1, 1, 2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6]))));
  writeFileSync(join(arrays, 'train_labels.npy'), encodeNpy(ndarray('int64', [1], BigInt64Array.from([2n]))));
  writeFileSync(join(arrays, 'test_images.npy'), encodeNpy(ndarray('uint8', [1, 1, 2, 3], Uint8Array.from([6, 5, 4, 3, 2, 1]))));
  writeFileSync(join(arrays, 'test_labels.npy'), encodeNpy(ndarray('int64', [1], BigInt64Array.from([0n]))));
  writeFileSync(join(arrays, 'classes.json'), JSON.stringify(['a', 'b', 'c']));
  const f = loadDataset('npz', { root: arrays, channelsLast: true });
  assert.deepEqual([f.trainImages.shape, f.trainImages.toArray(), f.classes], [[1, 3, 1, 2], [1, 4, 2, 5, 3, 6], ['a', 'b', 'c']]);
});

test('npz: out-of-range label, wrong magic, truncated arrays and missing arrays name the file', () => {
  const dir = folder();
  const images = encodeNpy(ndarray('uint8', [2, 1, 1, 1], Uint8Array.from([0, 1])));
  writeFileSync(join(dir, 'train_images.npy'), images);
  writeFileSync(join(dir, 'train_labels.npy'), encodeNpy(ndarray('int64', [2], BigInt64Array.from([0n, 5n]))));
  assert.throws(() => loadDataset('npz', { root: dir, classes: ['a', 'b', 'c'] }), { message: `${join(dir, 'train_labels.npy')}: label 5 of sample 1 is outside 0..2 (the dataset has 3 classes)` });
  writeFileSync(join(dir, 'train_labels.npy'), encodeNpy(ndarray('int64', [3], BigInt64Array.from([0n, 1n, 1n]))));
  assert.throws(() => loadDataset('npz', { root: dir }), /train_labels\.npy: labels of shape \[3\] for the 2 images of .*train_images\.npy; expected \[2\]/);
  writeFileSync(join(dir, 'train_images.npy'), images.subarray(0, images.length - 1));
  assert.throws(() => loadDataset('npz', { root: dir }), /train_images\.npy: truncated \.npy file/);
  const badMagic = Buffer.from(images);
  badMagic[0] = 0;
  writeFileSync(join(dir, 'train_images.npy'), badMagic);
  assert.throws(() => loadDataset('npz', { root: dir }), /train_images\.npy: not a valid \.npy file: it does not start with the magic string/);
  const npz = join(dir, 'bad.npz');
  writeFileSync(npz, encodeNpz({ images: ndarray('uint8', [1], Uint8Array.from([1])) }));
  assert.throws(() => loadDataset('npz', { root: npz }), /bad\.npz: needs arrays train_images and train_labels \(or x_train and y_train\); found images/);
  writeFileSync(npz, Buffer.from('PK\x03\x04 truncated'));
  assert.throws(() => loadDataset('npz', { root: npz }), /bad\.npz: not a valid \.npz \(zip\) file: no end-of-central-directory record \(truncated file\?\)/);
});

test('bad values are named where loaded: non-finite pixels, blank files, huge labels, malformed classes.json', () => {
  const dir = folder();
  const write = (name: string, array: Parameters<typeof encodeNpy>[0]) => writeFileSync(join(dir, `${name}.npy`), encodeNpy(array));
  const pixels = Float32Array.from({ length: 4 * 4 }, (_, i) => i / 16);
  pixels[5] = Number.NaN; // image 1
  pixels[13] = Number.POSITIVE_INFINITY; // image 3
  pixels[14] = Number.NaN;
  write('train_images', ndarray('float32', [4, 1, 2, 2], pixels));
  write('train_labels', ndarray('int64', [4], BigInt64Array.from([0n, 1n, 0n, 1n])));
  assert.throws(() => loadDataset('npz', { root: dir }), { message: `${join(dir, 'train_images.npy')}: 3 non-finite values (NaN or infinity) in 2 images, the first in image 1; replace or drop those images` });
  write('train_images', ndarray('float32', [4, 1, 2, 2], new Float32Array(16).fill(0.5)));
  assert.throws(() => loadDataset('npz', { root: dir }), { message: `${join(dir, 'train_images.npy')}: every pixel of all 4 images equals 0.5; constant images carry nothing to learn and cannot be normalised: give the right file` });
  write('train_images', ndarray('float32', [4, 1, 2, 2], Float32Array.from({ length: 16 }, (_, i) => i)));
  write('train_labels', ndarray('int64', [4], BigInt64Array.from([0n, 2n ** 40n, 0n, 1n])));
  assert.throws(() => loadDataset('npz', { root: dir }), {
    message: `${join(dir, 'train_labels.npy')}: label 1099511627776 is not a class index (the file has 4 training images); fix the labels or list the class names in ${join(dir, 'classes.json')}`,
  });
  writeFileSync(join(dir, 'classes.json'), '["a", "b",');
  assert.throws(() => loadDataset('npz', { root: dir }), new RegExp(`^Error: ${join(dir, 'classes.json')}: not valid JSON \\(.*\\); expected a JSON array of class names`));
  writeFileSync(join(dir, 'classes.json'), '{"a": 1}');
  assert.throws(() => loadDataset('npz', { root: dir }), { message: `${join(dir, 'classes.json')}: expected a non-empty JSON array of class names, e.g. ["cat", "dog"]` });
  writeFileSync(join(dir, 'classes.json'), '["a", "b"]');
  assert.throws(() => loadDataset('npz', { root: dir }), { message: `${join(dir, 'train_labels.npy')}: label 1099511627776 of sample 1 is outside 0..1 (the dataset has 2 classes)` });
  // One blank image among others is data.
  write('train_labels', ndarray('int64', [4], BigInt64Array.from([0n, 1n, 0n, 1n])));
  write('train_images', ndarray('float32', [4, 1, 2, 2], Float32Array.from({ length: 16 }, (_, i) => (i < 4 ? 0 : i))));
  disposeDataset(loadDataset('npz', { root: dir }));
});
