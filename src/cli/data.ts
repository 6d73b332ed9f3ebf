// plab data prepare: an image-folder dataset (Tiny ImageNet, ImageNet crops, any class-named
// folders) as .npy arrays, 28x28 gray by default, as the seeds' prepare step does.
import { prepareImageFolder } from '../data/index.js';
import { ProgressBar } from './progress.js';

const usage = `usage: plab data prepare <image folder> <output folder> [--size 28] [--channels 1|3] [--test-fraction F]

Writes {train,test}_images.npy (uint8 [N, C, size, size]), {train,test}_labels.npy and classes.json.
Use the output with dataset=npz dataset.root=<output folder>.`;

export async function dataCommand(argv: string[]): Promise<number> {
  const [sub, input, output, ...rest] = argv;
  const help = argv.includes('--help') || argv.includes('-h');
  if (help || sub !== 'prepare' || !input || !output) {
    console.log(usage);
    return help ? 0 : 1;
  }
  const options: { size?: number; channels?: 1 | 3; testFraction?: number } = {};
  for (let i = 0; i < rest.length; i += 2) {
    const value = Number(rest[i + 1]);
    if (rest[i] === '--size') options.size = value;
    else if (rest[i] === '--channels') options.channels = value as 1 | 3;
    else if (rest[i] === '--test-fraction') options.testFraction = value;
    else throw new Error(`data prepare: unknown option '${rest[i]}'\n\n${usage}`);
  }
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
