// A labelled image dataset held as four tensors: the common currency between readers, scenarios and
// task tensors. Images are [N, C, H, W] (uint8 as stored, or float when a file holds floats);
// labels are int64 [N] with values in 0..classes.length-1.
import { ops, scope, type Tensor } from '../tensor/index.js';

export interface Dataset {
  name: string;
  trainImages: Tensor;
  trainLabels: Tensor;
  testImages: Tensor;
  testLabels: Tensor;
  /** Class names; label i is classes[i]. */
  classes: string[];
  channels: number;
  height: number;
  width: number;
}

/** Releases the dataset's tensors now rather than at garbage collection. */
export function disposeDataset(dataset: Dataset): void {
  for (const t of [dataset.trainImages, dataset.trainLabels, dataset.testImages, dataset.testLabels]) t.dispose();
}

/**
 * Checks that every label lies in 0..numClasses-1 without a loop in JavaScript; the error names the
 * file, the first bad label and its position.
 */
export function checkLabelRange(labels: Tensor, numClasses: number, file: string): void {
  if (labels.numel === 0) return;
  const bad = scope(() => {
    const outside = ops.logicalOr(labels.lt(0), labels.ge(numClasses));
    if (!ops.any(outside).item()) return null;
    const index = ops.argmax(outside.to('uint8'), null, false).item();
    return { index, value: labels.flatten().select(0, index).item() };
  });
  if (bad) {
    throw new Error(`${file}: label ${bad.value} of sample ${bad.index} is outside 0..${numClasses - 1} (the dataset has ${numClasses} classes)`);
  }
}

/**
 * Checks image values where they are loaded, so that bad data is named by its file rather than found
 * by a metric several tasks later: no NaN or infinity (float files), and not every pixel of every
 * image equal (blank data: nothing to learn, and the normalisation would divide by a zero standard
 * deviation). One blank image among others, or alone, is data, and passes. `source` names the file; `fileOf`,
 * when the images came from one file each, names the image.
 */
export function checkImageValues(images: Tensor, source: string, fileOf?: (index: number) => string): void {
  if (images.numel === 0) return;
  const found = scope(() => {
    const flat = images.flatten(1);
    const floating = ['float32', 'float64', 'float16', 'bfloat16'].includes(images.dtypeName);
    if (floating) {
      const bad = ops.logicalNot(ops.isfinite(flat));
      const values = ops.countNonzero(bad, [0, 1]).item();
      if (values > 0) {
        const perImage = ops.countNonzero(bad, [1]).gt(0);
        return { kind: 'nonfinite' as const, values, images: perImage.sum().item(), first: ops.argmax(perImage.to('uint8'), null, false).item() as number };
      }
    }
    if (images.shape[0] < 2) return null;
    const [lowest, highest] = [flat.min().item(), flat.max().item()];
    return lowest === highest ? { kind: 'constant' as const, values: lowest, images: images.shape[0] } : null;
  });
  if (!found) return;
  if (found.kind === 'nonfinite') {
    const where = fileOf ? `image ${found.first} (${fileOf(found.first)})` : `image ${found.first}`;
    throw new Error(`${source}: ${found.values} non-finite value${found.values === 1 ? '' : 's'} (NaN or infinity) in ${found.images} image${found.images === 1 ? '' : 's'}, the first in ${where}; replace or drop those images`);
  }
  throw new Error(`${source}: every pixel of all ${found.images} images equals ${found.values}; constant images carry nothing to learn and cannot be normalised: give the right file`);
}

/** Builds a Dataset after checking that image and label counts agree and all shapes match. */
export function makeDataset(parts: Omit<Dataset, 'channels' | 'height' | 'width'>): Dataset {
  const { trainImages, testImages, trainLabels, testLabels, name } = parts;
  for (const [images, labels, split] of [
    [trainImages, trainLabels, 'train'],
    [testImages, testLabels, 'test'],
  ] as const) {
    if (images.ndim !== 4) throw new Error(`${name}: ${split} images have shape [${images.shape.join(', ')}]; expected [N, C, H, W]`);
    if (labels.ndim !== 1 || labels.shape[0] !== images.shape[0]) {
      throw new Error(`${name}: ${images.shape[0]} ${split} images but labels of shape [${labels.shape.join(', ')}]`);
    }
  }
  const [, channels, height, width] = trainImages.shape;
  if (testImages.shape.slice(1).join() !== trainImages.shape.slice(1).join()) {
    throw new Error(`${name}: test images [${testImages.shape.slice(1).join(', ')}] differ in size from train images [${trainImages.shape.slice(1).join(', ')}]`);
  }
  return { ...parts, channels, height, width };
}
