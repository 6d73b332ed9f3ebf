// Benchmark (issue 5): the cost of every metric for R = 16 members of the seeds' 784-120-84-10 MLP,
// as a fraction of the training between two log points (the default log_frequency: 50 steps of
// batch 64 with Adam). Features come from a population trained for a while on Split-MNIST's first
// task (digits 1 and 2), evaluated on MNIST test images of all ten digits: 500 (the experiment's
// default snapshot, 100 samples for each of 5 tasks), 1,000 and 2,000 (BENCH_EVAL=500,1000,2000).
//
// Training and metrics are timed in alternating rounds and each keeps its fastest round, so that
// load from other processes on a small machine does not fall on one side only.
// Run: node --import tsx bench/metrics.ts
import { loadDataset } from '../src/data/index.js';
import {
  biasStatistics,
  classProbabilities,
  classSaliencyNorm,
  continualSummary,
  fitProbe,
  forwardTransferProbe,
  GradientMap,
  histogram,
  layerMetrics,
  relativeUpdate,
  type Snapshot,
  snapshot,
  weightMagnitude,
} from '../src/metrics/index.js';
import { crossEntropy } from '../src/nn/loss.js';
import { MLP } from '../src/nn/models/mlp.js';
import { initializeMembers } from '../src/nn/module.js';
import { Adam } from '../src/optim/index.js';
import { Generator, getNumThreads, keep, noGrad, ops, scope, setNumThreads, type Tensor } from '../src/tensor/index.js';

const MEMBERS = 16;
const BATCH = 64;
const LOG_FREQUENCY = 50;
const EVAL_SIZES = (process.env.BENCH_EVAL ?? '500,1000,2000').split(',').map(Number);
const WARMUP_STEPS = 300;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SEEN = [1, 2];
const EPOCHS_PER_TASK = 5;

function elapsed(body: () => void): number {
  const start = performance.now();
  body();
  return performance.now() - start;
}

const mnist = loadDataset('mnist');
const { trainX, trainY, testX, testY } = scope(() => {
  const flat = (images: Tensor) => images.reshape(images.shape[0], 784).to('float32').div(255);
  const firstTask = ops.nonzero(ops.logicalOr(mnist.trainLabels.eq(1), mnist.trainLabels.eq(2))).squeeze(1);
  return keep({
    trainX: flat(mnist.trainImages).indexSelect(0, firstTask),
    trainY: mnist.trainLabels.indexSelect(0, firstTask),
    testX: flat(mnist.testImages),
    testY: mnist.testLabels,
  });
});

const model = new MLP({ inputShape: [784], hidden: [120, 84], numClasses: 10, members: MEMBERS });
initializeMembers(model, Array.from({ length: MEMBERS }, (_, r) => new Generator(r)));
const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
const sampler = new Generator(1234);
const gradientMap = new GradientMap(model.namedParameters());

/** Trains LOG_FREQUENCY steps; returns the time spent accumulating gradient maps (0 without). */
function trainSteps(withGradientMap: boolean): number {
  let mapsMs = 0;
  for (let step = 0; step < LOG_FREQUENCY; step++) {
    scope(() => {
      // one batch of 64 per member: inputs [B, R, 784], targets [R, B]
      const index = ops.randint(0, trainX.shape[0], [BATCH * MEMBERS], sampler);
      const inputs = trainX.indexSelect(0, index).view(BATCH, MEMBERS, 784);
      const targets = trainY.indexSelect(0, index).view(BATCH, MEMBERS).transpose(0, 1);
      const loss = crossEntropy(model.forward(inputs), targets);
      optimizer.zeroGrad();
      loss.total.backward();
      if (withGradientMap) mapsMs += elapsed(() => gradientMap.accumulate());
      optimizer.step();
    });
  }
  return mapsMs;
}

model.train();
for (let i = 0; i < WARMUP_STEPS / LOG_FREQUENCY; i++) trainSteps(false);
const previous = keep(model.parameters().map((p) => p.detach().clone()));
const accuracy = ops.rand([MEMBERS, 5, 5], sampler);
const initial = ops.rand([MEMBERS, 5], sampler);
const joint = ops.rand([MEMBERS, 5], sampler);

/** The evaluation's forward pass alone (the experiment runs it at every log point for accuracy). */
function forwardOnly(inputs: Tensor): void {
  scope(() => noGrad(() => model.eval().run(inputs)));
  model.train();
}

function takeSnapshot(inputs: Tensor, labels: Tensor): Snapshot {
  model.eval();
  const snap = snapshot(model, inputs, labels);
  model.train();
  return snap;
}

/** Everything measured at a log point from a snapshot, for every member at once. */
function logPointMetrics(snap: Snapshot, labels: Tensor): void {
  scope(() => {
    snap.hidden.forEach(([, activations], i) => layerMetrics(activations, { gradients: snap.gradients[i][1] }));
    classProbabilities(snap.logits, labels);
    classSaliencyNorm(snap.hidden[1][1], labels, SEEN);
    noGrad(() => {
      weightMagnitude(model.parameters());
      for (const linear of model.linears()) {
        biasStatistics(linear.bias!);
        histogram(linear.weight);
        histogram(linear.bias!);
      }
      model.parameters().forEach((p, i) => relativeUpdate(previous[i], p));
    });
    gradientMap.perUnitMaps();
    continualSummary(accuracy, { initial, joint });
  });
}

/** The probes of a task end on the 84-unit layer: all ten digits, and forward transfer to 0 and 9. */
function probes(inputs: Tensor, labels: Tensor): number {
  return scope(() => {
    model.eval();
    const features = noGrad(() => model.run(inputs).hidden[1][1]);
    model.train();
    const half = inputs.shape[0] / 2;
    const train = { features: features.slice(1, 0, half), labels: labels.slice(0, 0, half) };
    const test = { features: features.slice(1, half), labels: labels.slice(0, half) };
    const all = fitProbe(train, test, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    forwardTransferProbe(train, test, [0, 9]);
    return all.iterations.max().item();
  });
}

type Timing = { training: number; maps: number; forward: number; snapshot: number; metrics: number; probes: number };
/** Every figure at `threads` intra-op threads. */
function report(threads: number): void {
  setNumThreads(threads);
  const best = new Map<number, Timing>(EVAL_SIZES.map((n) => [n, { training: Infinity, maps: Infinity, forward: Infinity, snapshot: Infinity, metrics: Infinity, probes: Infinity }]));
  const iterations = new Map<number, number>();
  for (let round = 0; round <= ROUNDS; round++) {
    // round 0 warms every path up and is not counted
    for (const samples of EVAL_SIZES) {
      const inputs = testX.slice(0, 0, samples);
      const labels = testY.slice(0, 0, samples);
      const times: Timing = { training: elapsed(() => trainSteps(false)), maps: trainSteps(true), forward: 0, snapshot: 0, metrics: 0, probes: 0 };
      times.forward = elapsed(() => forwardOnly(inputs));
      scope(() => {
        let snap: Snapshot | undefined;
        times.snapshot = elapsed(() => {
          snap = takeSnapshot(inputs, labels);
        });
        times.metrics = elapsed(() => logPointMetrics(snap!, labels));
      });
      times.probes = elapsed(() => iterations.set(samples, probes(inputs, labels)));
      if (round === 0) continue;
      const kept = best.get(samples)!;
      for (const key of Object.keys(kept) as (keyof Timing)[]) kept[key] = Math.min(kept[key], times[key]);
    }
  }

  console.log(`metrics for R=${MEMBERS}, MLP 784-120-84-10, ${threads} thread(s), fastest of ${ROUNDS} rounds`);
  for (const samples of EVAL_SIZES) {
    const t = best.get(samples)!;
    const percent = (ms: number) => `${((100 * ms) / t.training).toFixed(1)}%`;
    const maps = t.maps;
    const beyondEvaluation = Math.max(0, t.snapshot - t.forward);
    const logPoint = beyondEvaluation + t.metrics;
    console.log(`${samples} eval samples; training between two log points (${LOG_FREQUENCY} steps, batch ${BATCH}, Adam): ${t.training.toFixed(1)} ms`);
    console.log(`  snapshot beyond the evaluation's forward pass (backward to the hidden layers): ${beyondEvaluation.toFixed(1)} ms  ${percent(beyondEvaluation)}`);
    console.log(`  layer metrics (2 layers), probabilities, saliency, parameter statistics, continual summary: ${t.metrics.toFixed(1)} ms  ${percent(t.metrics)}`);
    console.log(`  => every metric at one log point: ${logPoint.toFixed(1)} ms = ${percent(logPoint)} of the training between two log points (target < 20%)`);
    console.log(`     with the evaluation's forward pass (run for accuracy anyway, ${t.forward.toFixed(1)} ms): ${percent(logPoint + t.forward)}`);
    console.log(`  gradient maps per unit, accumulated at each of the ${LOG_FREQUENCY} steps: ${maps.toFixed(1)} ms  ${percent(maps)}; all together: ${percent(logPoint + t.forward + maps)}`);
    const taskSteps = EPOCHS_PER_TASK * Math.ceil(trainX.shape[0] / BATCH);
    const taskMs = (t.training * taskSteps) / LOG_FREQUENCY;
    console.log(
      `  probes at a task end (10 digits + forward transfer on 0 and 9, ${iterations.get(samples)} L-BFGS iterations): ${t.probes.toFixed(1)} ms = ${percent(t.probes)}` +
        ` of the training between two log points, ${((100 * t.probes) / taskMs).toFixed(1)}% of a task's (${EPOCHS_PER_TASK} epochs, ${taskSteps} steps)`,
    );
  }
}

const threads = getNumThreads();
report(threads);
// Issue 23, point 5: the same at two threads. PyTorch has no counterpart of these metrics; the
// fractions compare with the 1-thread ones above (the training between log points speeds up too).
if (threads !== 2) report(2);
setNumThreads(threads);
