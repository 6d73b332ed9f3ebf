// plab data prepare: an image-folder dataset (Tiny ImageNet, ImageNet crops, any class-named
// folders) as .npy arrays, 28x28 gray by default, as the seeds' prepare step does.
import { prepareImageFolder } from '../data/index.js';
import { ProgressBar } from './progress.js';

export interface PrepareOptions {
  size?: number;
  channels?: 1 | 3;
  testFraction?: number;
}

/** `plab data prepare <image folder> <output folder>`. */
export async function prepareCommand(input: string, output: string, options: PrepareOptions): Promise<number> {
  const progress = new ProgressBar();
  const prepared = await prepareImageFolder(input, output, {
    ...options,
    onProgress: (event) => progress.update({ label: `prepare ${event.split}`, done: event.done, total: event.total }),
  });
  progress.done();
  console.log(`${prepared.classes.length} classes; train ${prepared.train.count} images${prepared.test ? `, test ${prepared.test.count}` : ''}; shape [${prepared.shape.join(', ')}]`);
  console.log(`written to ${output}; use it with: ./plab run dataset=npz dataset.root=${output}`);
  return 0;
}
