// device=cuda against device=cpu: the same small run of each model on both gives the same accuracy
// and loss arrays within a tolerance (GPU kernels sum in other orders, so bytes differ; after one
// epoch of one task the drift stays far below it). Skips where libtorch sees no GPU; run by
// tools/gpu-check.sh on a GPU machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeNpz } from '../../src/io/npz.js';
import { cudaDeviceCount } from '../../src/tensor/index.js';

/** Largest accepted |cuda - cpu| for accuracies and for losses. */
const TOLERANCE = { accuracy: 0.01, loss: 0.01 };

const root = join(import.meta.dirname, '..', '..');
const small = ['training.epochs_per_task=1', 'training.members=2', 'scenario.num_tasks=1', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.log_frequency=50'];
const noGpu = cudaDeviceCount() === 0 ? 'libtorch sees no GPU (a CPU-only build or no device); tools/gpu-check.sh runs this on a GPU machine' : false;

function runOn(device: string, model: string): Record<'accuracy' | 'loss', number[]> {
  const base = mkdtempSync(join(tmpdir(), `plab-${device}-`));
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'run', ...small, `model=${model}`, `device=${device}`, `results_dir=${base}`, '--run-dir', join(base, 'run'), '--quiet'], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const path = join(base, 'run', 'task_000', 'metrics.npz');
  const arrays = decodeNpz(readFileSync(path), path);
  return { accuracy: Array.from(arrays.get('accuracy')!.data, Number), loss: Array.from(arrays.get('loss')!.data, Number) };
}

for (const model of ['mlp', 'cnn']) {
  test(`model=${model}: device=cuda matches device=cpu within ${TOLERANCE.accuracy} accuracy and ${TOLERANCE.loss} loss`, { skip: noGpu, timeout: 300_000 }, () => {
    const cpu = runOn('cpu', model);
    const cuda = runOn('cuda', model);
    for (const key of ['accuracy', 'loss'] as const) {
      const worst = cpu[key].reduce((max, value, i) => Math.max(max, Math.abs(value - cuda[key][i])), 0);
      console.log(`${model} ${key}: largest |cuda - cpu| ${worst.toExponential(2)}`);
      assert.ok(worst <= TOLERANCE[key], `${model} ${key} differs by ${worst}`);
    }
  });
}
