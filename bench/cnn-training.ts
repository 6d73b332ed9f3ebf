// Benchmark (issue 23): SGD on the default CNN (conv 32-64-128, 3x3, 2x2 max pooling, fc 1152-128-10)
// at batch 64 on 28x28 gray images, for R = 1, 8 and 32, against PyTorch: a plain model for R = 1,
// and for R > 1 both a Python loop over R models and one population through grouped convolutions.
// Shared machines drift, so each round measures PyTorch then plab, and the medians are printed.
import { crossEntropy } from '../src/nn/loss.js';
import { CNN } from '../src/nn/models/cnn.js';
import { MLP } from '../src/nn/models/mlp.js';
import type { Model } from '../src/nn/models/model.js';
import { initializeMembers } from '../src/nn/module.js';
import { SGD } from '../src/optim/index.js';
import { Generator, getNumThreads, ops, scope, setNumThreads } from '../src/tensor/index.js';
import { runReference } from './reference/run.js';

const BATCH = 64;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const membersList = (process.env.BENCH_MEMBERS ?? '1,8,32').split(',').map(Number);
const CHANNELS = [1, 32, 64, 128];
const SIDES = [28, 14, 7];
const FC = [
  [128 * 3 * 3, 128],
  [128, 10],
];

/**
 * FLOPs of one sample's forward and backward pass: each layer's product once forward, once for the
 * weight gradient, and once for the input gradient except the first layer's (the image needs none).
 */
function flopsPerSample(): { conv: number; total: number } {
  const conv = SIDES.map((side, i) => 2 * side * side * CHANNELS[i + 1] * CHANNELS[i] * 9);
  const fc = FC.map(([inputs, outputs]) => 2 * inputs * outputs);
  const convFlops = conv.reduce((a, b) => a + b, 0) * 3 - conv[0];
  return { conv: convFlops, total: convFlops + 3 * fc.reduce((a, b) => a + b, 0) };
}

const formatRate = (rate: number) => `${rate.toFixed(0)}/s`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Samples per second over at least `seconds` and two steps, after two warm-up steps. */
function rate(step: () => void, samplesPerStep: number, seconds = 1): number {
  step();
  step();
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000 || steps < 2) {
    step();
    steps += 1;
  }
  return (steps * samplesPerStep) / ((performance.now() - start) / 1000);
}

function trainingStep(model: Model, members: number, inputShape: number[]): () => void {
  initializeMembers(model);
  const optimizer = new SGD(model.parameters(), { lr: 0.01 });
  const generator = new Generator(0);
  const inputs = ops.rand(members === 1 ? [BATCH, ...inputShape] : [BATCH, members, ...inputShape], generator);
  const targets = ops.randint(0, 10, [members, BATCH], generator);
  return () =>
    scope(() => {
      const loss = crossEntropy(model.forward(inputs), targets);
      optimizer.zeroGrad();
      loss.total.backward();
      optimizer.step();
    });
}

const cnn = (members: number) => new CNN({ inputShape: [1, 28, 28], numClasses: 10, members });

function plabRate(members: number): number {
  return rate(trainingStep(cnn(members), members, [1, 28, 28]), BATCH * members);
}

interface Reference {
  loop?: number;
  grouped?: number;
  peak?: number;
}

function torchRate(threads: number, members: number, what: string): Reference {
  return runReference<Reference>('cnn_sgd.py', [String(threads), String(members), what]);
}

function compare(threads: number, members: number): void {
  setNumThreads(threads);
  const what = members === 1 ? 'loop' : 'loop,grouped';
  const ours: number[] = [];
  const loops: number[] = [];
  const groupeds: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const theirs = torchRate(threads, members, what);
    loops.push(theirs.loop!);
    if (theirs.grouped !== undefined) groupeds.push(theirs.grouped);
    ours.push(plabRate(members));
  }
  const plab = median(ours);
  const loop = median(loops);
  const label = `  R=${String(members).padEnd(3)} ${threads} thread(s)  plab ${formatRate(plab)}`;
  if (members === 1) {
    console.log(`${label}  torch ${formatRate(loop)}  ratio ${(plab / loop).toFixed(2)}x (target >= 1.0x)`);
  } else {
    const grouped = median(groupeds);
    console.log(
      `${label}  torch loop ${formatRate(loop)}  ratio ${(plab / loop).toFixed(2)}x (target >= 1.2x)` +
        `  | torch grouped ${formatRate(grouped)}  ratio ${(plab / grouped).toFixed(2)}x`,
    );
  }
}

const threads = getNumThreads();
const flops = flopsPerSample();
console.log(
  `CNN conv 32-64-128 + fc 128, SGD, batch 64, 28x28 gray; samples/s, medians of ${ROUNDS} rounds alternating PyTorch and plab`,
);
for (const members of membersList) compare(threads, members);
// The bound: a step that ran every product at this core's sgemm peak (measured now, on 512x512).
const peak = median(Array.from({ length: ROUNDS }, () => torchRate(1, 1, 'peak').peak!));
console.log(
  `  FLOP bound: ${(flops.total / 1e6).toFixed(1)} MFLOP per sample forward+backward (${(flops.conv / 1e6).toFixed(1)} in the convolutions);` +
    ` sgemm peak ${(peak / 1e9).toFixed(1)} GFLOP/s on one thread -> at most ${formatRate(peak / flops.total)} samples`,
);
// Issue point 5: the same comparison on two threads (plab's and PyTorch's intra-op threads; BLAS stays at PLAB_THREADS).
compare(2, membersList.length > 1 ? membersList[1] : membersList[0]);
compare(2, 1);
setNumThreads(threads);

/**
 * Scale: what one member costs in a training step - weights, gradients, and the activations kept for
 * backward at batch 64 (float32; max pooling also keeps int64 indices), counted from the layer shapes.
 */
function bytesPerMember(model: Model, saved: number[]): number {
  const parameters = model.parameters().reduce((sum, p) => sum + p.numel / model.members, 0);
  return 4 * 2 * parameters + BATCH * saved.reduce((a, b) => a + b, 0);
}
const cnnSaved = SIDES.flatMap((side, i) => {
  const conv = side * side * CHANNELS[i + 1];
  // conv output, pooled output and its int64 indices, ReLU output (plab's CNN applies ReLU after pooling)
  return [4 * conv, (4 + 8) * (conv / 4), 4 * (conv / 4)];
}).concat([4 * 1152, 4 * 128 * 2, 4 * 10 * 2]);
const mlpSaved = [4 * 784, 4 * 120 * 2, 4 * 84 * 2, 4 * 10 * 2];
const budget = 24 * 2 ** 30;
console.log('Scale (float32, batch 64, SGD): bytes per member and the largest R within 24 GiB');
for (const [name, model, saved] of [
  ['MLP 784-120-84-10', new MLP({ inputShape: [784], hidden: [120, 84], numClasses: 10 }), mlpSaved],
  ['CNN 32-64-128', cnn(1), cnnSaved],
] as const) {
  const bytes = bytesPerMember(model, [...saved]);
  console.log(`  ${name.padEnd(18)} ${(bytes / 2 ** 20).toFixed(2)} MiB per member  -> R <= ${Math.floor(budget / bytes)}`);
}
