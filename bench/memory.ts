// Benchmark (issue 2): resident memory over 20,000 training steps of the seed MLP (SGD, batch 64)
// must stay within 50 MB of its level after the first 1,000. PyTorch's own figure, measured in the
// same run, is printed beside it.
import { crossEntropy } from '../src/nn/loss.js';
import { MLP } from '../src/nn/models/mlp.js';
import { initializeMembers } from '../src/nn/module.js';
import { SGD } from '../src/optim/index.js';
import { Generator, getNumThreads, ops, scope, setNumThreads, settle } from '../src/tensor/index.js';
import { runReference } from './reference/run.js';

const STEPS = Number(process.env.BENCH_MEMORY_STEPS ?? 20_000);
const BASELINE_STEP = 1_000;
const rss = () => process.memoryUsage().rss / 2 ** 20;

const model = new MLP({ inputShape: [784], hidden: [120, 84], numClasses: 10 });
initializeMembers(model);
const optimizer = new SGD(model.parameters(), { lr: 0.01 });
const generator = new Generator(0);
const inputs = ops.rand([64, 784], generator);
const targets = ops.randint(0, 10, [1, 64], generator);
/** Resident memory after BASELINE_STEP steps and its peak after, on `threads` intra-op threads. */
async function measure(threads: number): Promise<{ baseline: number; peak: number }> {
  setNumThreads(threads);
  let baseline = 0;
  let peak = 0;
  for (let step = 1; step <= STEPS; step += 1) {
    scope(() => {
      const loss = crossEntropy(model.forward(inputs), targets);
      optimizer.zeroGrad();
      loss.total.backward();
      optimizer.step();
    });
    // As the experiment loop does: let pending finalizers run now and then.
    if (step % 200 === 0) await settle();
    if (step === BASELINE_STEP) baseline = rss();
    if (step > BASELINE_STEP && step % 100 === 0) peak = Math.max(peak, rss());
  }
  return { baseline, peak };
}

const threads = getNumThreads();
// Issue 23, point 5: two threads as well, on both sides (plab's second pass starts from the first's level).
for (const count of threads === 2 ? [2] : [threads, 2]) {
  const { baseline, peak } = await measure(count);
  const growth = peak - baseline;
  const reference = runReference<{ baseline: number; peak: number }>('memory.py', [String(STEPS), String(BASELINE_STEP), String(count)], count);
  const torchGrowth = reference.peak - reference.baseline;
  console.log(`Resident memory over ${STEPS} MLP training steps, ${count} thread(s) (MiB): plab ${baseline.toFixed(1)} -> peak ${peak.toFixed(1)} (+${growth.toFixed(1)}); PyTorch ${reference.baseline.toFixed(1)} -> ${reference.peak.toFixed(1)} (+${torchGrowth.toFixed(1)})`);
  console.log(`  growth after step ${BASELINE_STEP}: ${growth.toFixed(1)} MiB (target <= 50 MiB): ${growth <= 50 ? 'PASS' : 'FAIL'}`);
}
setNumThreads(threads);
