// Benchmark (issue 2): SGD on the seeds' 784-120-84-10 MLP at batch 64 on MNIST-shaped data, for
// populations of R = 1, 16 and 64 (BENCH_MEMBERS), against PyTorch measured in the same run on the
// same device (BENCH_DEVICE, default cpu): a plain model for R = 1, and for R > 1 both a Python
// loop over R models and one baddbmm population.
import { crossEntropy } from '../src/nn/loss.js';
import { MLP } from '../src/nn/models/mlp.js';
import { initializeMembers, withDefaultDevice } from '../src/nn/module.js';
import { SGD } from '../src/optim/index.js';
import { checkDevice, Generator, getNumThreads, ops, scope, setNumThreads, type Tensor } from '../src/tensor/index.js';
import { bestRate, formatRate, runReference } from './reference/run.js';

const BATCH = 64;
const membersList = (process.env.BENCH_MEMBERS ?? '1,16,64').split(',').map(Number);
// BENCH_DEVICE=cuda measures on the GPU (tools/gpu-check.sh); PyTorch's reference runs there too.
const device = process.env.BENCH_DEVICE ?? 'cpu';
checkDevice(device);
// BENCH_LARGEST_UP_TO=N: also find the largest R (doubling from the largest measured) up to N whose
// training step fits in the device's memory.
const largestUpTo = Number(process.env.BENCH_LARGEST_UP_TO ?? 0);

/** A training step of an R-member MLP on `device`, with what a timer needs and a way to free it. */
function population(members: number, initialize: boolean): { step: () => void; finish: () => void; dispose: () => void } {
  const build = () => new MLP({ inputShape: [784], hidden: [120, 84], numClasses: 10, members });
  let model: MLP;
  if (device === 'cpu') {
    model = build();
    if (initialize) initializeMembers(model);
  } else {
    // Members are initialised from CPU generators: on the CPU, then copied (a memory probe skips it).
    model = withDefaultDevice(device, build);
    if (initialize) {
      const onCpu = build();
      initializeMembers(onCpu);
      model.loadStateDict(onCpu.stateDict());
      for (const tensor of onCpu.stateDict().values()) tensor.dispose();
    }
  }
  const optimizer = new SGD(model.parameters(), { lr: 0.01 });
  const generator = new Generator(0);
  const onDevice = (tensor: Tensor) => (device === 'cpu' ? tensor : scope(() => tensor.to(device)));
  const inputShape = members === 1 ? [BATCH, 784] : [BATCH, members, 784];
  // The memory probe's batch is made on the device: at R = 131072 it is 26 GB.
  const inputs = initialize ? onDevice(ops.rand(inputShape, generator)) : ops.full(inputShape, 0.5, 'float32', null, device);
  const targets = initialize ? onDevice(ops.randint(0, 10, [members, BATCH], generator)) : ops.zeros([members, BATCH], 'int64', null, device);
  return {
    step: () =>
      scope(() => {
        const loss = crossEntropy(model.forward(inputs), targets);
        optimizer.zeroGrad();
        loss.total.backward();
        optimizer.step();
      }),
    // Reading a number back waits for the device's queued work.
    finish: () => scope(() => void model.parameters()[0].sum().item()),
    dispose: () => {
      optimizer.dispose();
      model.zeroGrad();
      for (const tensor of [...model.stateDict().values(), inputs, targets]) tensor.dispose();
    },
  };
}

function plabRate(members: number): number {
  const run = population(members, true);
  try {
    return bestRate(run.step, BATCH * members, 1.5, 3, run.finish);
  } finally {
    run.dispose();
  }
}

/** The largest R, doubling from `from` up to `upTo`, whose training step runs; with its rate. */
function largestFitting(from: number, upTo: number): { members: number; rate: number } | null {
  let largest: { members: number; rate: number } | null = null;
  for (let members = from * 2; members <= upTo; members *= 2) {
    let run: ReturnType<typeof population> | null = null;
    try {
      run = population(members, false);
      largest = { members, rate: bestRate(run.step, BATCH * members, 0.5, 1, run.finish) };
    } catch (error) {
      console.log(`  R=${members} does not fit: ${(error as Error).message.split('\n')[0].slice(0, 160)}`);
      break;
    } finally {
      run?.dispose();
    }
  }
  return largest;
}

function compare(threads: number): void {
  setNumThreads(threads);
  const reference = runReference<Record<string, { loop: number; bmm?: number; matmul_bound?: number; matmul_update_bound?: number }>>('mlp_sgd.py', [String(threads), membersList.join(','), device]);
  console.log(`MLP 784-120-84-10, SGD, batch ${BATCH}, on ${device === 'cpu' ? `the CPU, ${threads} thread(s)` : device}; samples/s, plab vs PyTorch (same run)`);
  for (const members of membersList) {
    const ours = plabRate(members);
    const theirs = reference[String(members)];
    if (members === 1) {
      console.log(`  R=1   plab ${formatRate(ours)}  torch ${formatRate(theirs.loop)}  ratio ${(ours / theirs.loop).toFixed(2)}x (target >= 0.95x)`);
    } else {
      console.log(
        `  R=${String(members).padEnd(3)} plab ${formatRate(ours)}  torch loop ${formatRate(theirs.loop)}  ratio ${(ours / theirs.loop).toFixed(2)}x (target >= 2x)` +
          `  | torch bmm ${formatRate(theirs.bmm!)}  ratio ${(ours / theirs.bmm!).toFixed(2)}x`,
      );
      // The target is reachable only if a step made of nothing but its matrix products is: that bound,
      // measured with the same BLAS, says how far any implementation could go (issue 23: >= 90%).
      console.log(
        `        matrix products alone ${formatRate(theirs.matmul_bound!)} = ${(theirs.matmul_bound! / theirs.loop).toFixed(2)}x the loop; plab reaches ${((100 * ours) / theirs.matmul_bound!).toFixed(0)}% of it (target >= 90%)`,
      );
      // The update reads and writes every parameter and gradient; what it costs beside the products
      // is a floor under any step that keeps gradients (methods transform them before the update).
      console.log(
        `        products + SGD's update ${formatRate(theirs.matmul_update_bound!)} (the update alone is ${(100 * (theirs.matmul_bound! / theirs.matmul_update_bound! - 1)).toFixed(0)}% of the products' time); plab reaches ${((100 * ours) / theirs.matmul_update_bound!).toFixed(0)}% of it`,
      );
    }
  }
}

const threads = getNumThreads();
compare(threads);
// Issue 23, point 5: the same on two threads, on the CPU (intra-op threads on both sides; BLAS stays at PLAB_THREADS).
if (device === 'cpu' && threads !== 2) compare(2);
setNumThreads(threads);
if (largestUpTo > 0) {
  const largest = largestFitting(Math.max(...membersList), largestUpTo);
  console.log(largest ? `  largest R that fits (doubling, up to ${largestUpTo}): ${largest.members}, plab ${formatRate(largest.rate)}` : `  no R above ${Math.max(...membersList)} fits`);
}
