// Times reading whole datasets into tensors (acceptance: all of MNIST in under 1 s), beside PyTorch
// reading the same files (numpy + torch.from_numpy), and building one class-pair task for 10 members.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { classPairsPlan, disposeDataset, embeddedMnistRoot, loadDataset, ScenarioData } from '../src/data/index.js';
import { getNumThreads, setNumThreads } from '../src/tensor/index.js';
import { runReference } from './reference/run.js';

function timed<T>(body: () => T): [T, number] {
  const start = performance.now();
  const result = body();
  return [result, performance.now() - start];
}

const runs = 5;
const fashion = '/usr/share/datasets/fashion-mnist';
const datasets = ['mnist', ...(existsSync(fashion) ? ['fashion_mnist'] : [])];
const files: Record<string, string[]> = {
  mnist: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((name) => join(embeddedMnistRoot(), name)),
  fashion_mnist: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((name) => join(fashion, name)),
};
function compare(threads: number): void {
  setNumThreads(threads);
  const reference = runReference<Record<string, number>>('data_load.py', [JSON.stringify(Object.fromEntries(datasets.map((name) => [name, files[name]]))), String(threads)], threads);
  for (const name of datasets) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const [dataset, ms] = timed(() => loadDataset(name));
      times.push(ms);
      if (run < runs - 1) disposeDataset(dataset);
      else {
        const { trainImages, testImages } = dataset;
        console.log(`${name}: train [${trainImages.shape}] + test [${testImages.shape}]`);
        disposeDataset(dataset);
      }
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(runs / 2)];
    console.log(`${name}, ${threads} thread(s): load ${median.toFixed(1)} ms median of ${runs} (first ${times[0].toFixed(1)} ms); PyTorch ${reference[name].toFixed(1)} ms; ratio ${(median / reference[name]).toFixed(2)}x PyTorch's time (target: MNIST < 1 s)`);
  }
}

const threads = getNumThreads();
compare(threads);
// Issue 23, point 5: the same at two threads on both sides.
if (threads !== 2) compare(2);
setNumThreads(threads);

const mnist = loadDataset('mnist');
const data = new ScenarioData(mnist, classPairsPlan({ dataset: 'mnist', numClasses: 10, members: 10, seed: 0 }, { tasks: 5 }));
for (let task = 0; task < 5; task++) {
  const [tensors, ms] = timed(() => data.train(task));
  console.log(`class-pair task ${task}, 10 members: images [${tensors.images.shape}] float32 built in ${ms.toFixed(1)} ms`);
  tensors.images.dispose();
  tensors.labels.dispose();
}
