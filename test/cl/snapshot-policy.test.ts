// The default snapshot policy writes a subset of the log points' snapshots, and nothing else
// changes: a lean and a dense run of the same config have byte-identical metrics, and the lean
// run's weights, representations and labels are exactly the dense run's rows at the steps that
// snapshot_steps.npz names.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { keptLogPoints, REPRESENTATION_STRIDE, takeLogPoints } from '../../src/cl/snapshot-policy.js';
import { readNpy } from '../../src/io/npy.js';
import { readNpz } from '../../src/io/npz.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'plab-snapshots-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('kept log points: the last for weights, every stride-th and the last for representations, all when dense', () => {
  assert.equal(REPRESENTATION_STRIDE, 5);
  assert.deepEqual(keptLogPoints('weights', 19, false), [18]);
  assert.deepEqual(keptLogPoints('representations', 19, false), [0, 5, 10, 15, 18]);
  assert.deepEqual(keptLogPoints('representations', 16, false), [0, 5, 10, 15]);
  assert.deepEqual(keptLogPoints('representations', 1, false), [0]);
  assert.deepEqual(keptLogPoints('weights', 4, true), [0, 1, 2, 3]);
  assert.deepEqual(keptLogPoints('weights', 0, false), []);
  const array = { dtype: 'int32' as const, shape: [4, 2], data: Int32Array.of(0, 1, 10, 11, 20, 21, 30, 31) };
  assert.deepEqual(takeLogPoints(array, [1, 3]), { dtype: 'int32', shape: [2, 2], data: Int32Array.of(10, 11, 30, 31) });
  assert.equal(takeLogPoints(array, [0, 1, 2, 3]), array);
});

test('a lean run writes the dense run’s rows at the named steps, and the same metrics bytes', { timeout: 600_000 }, () => {
  const config = ['training.epochs_per_task=1', 'training.members=2', 'scenario.num_tasks=2', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.log_frequency=20', 'logging.representation_samples=8'];
  const run = (name: string, extra: string[]) => {
    const dir = join(work, name);
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'run', ...config, ...extra, `run_dir=${dir}`, '--quiet'], { cwd: root, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return dir;
  };
  const lean = run('lean', []);
  const dense = run('dense', ['logging.dense_snapshots=true']);
  for (const task of ['task_000', 'task_001']) {
    const file = (dir: string, name: string) => join(dir, task, name);
    assert.deepEqual(readdirSync(join(lean, task)).sort(), readdirSync(join(dense, task)).sort());
    assert.ok(readFileSync(file(lean, 'metrics.npz')).equals(readFileSync(file(dense, 'metrics.npz'))), `${task}/metrics.npz differs`);
    const allSteps = Array.from(readNpz(file(dense, 'metrics.npz')).get('step')!.data as Int32Array);
    assert.ok(allSteps.length >= 9, `${allSteps.length} log points`);
    const leanSteps = readNpz(file(lean, 'snapshot_steps.npz'));
    assert.deepEqual(Array.from(readNpz(file(dense, 'snapshot_steps.npz')).get('weights')!.data as Int32Array), allSteps);
    const weightSteps = Array.from(leanSteps.get('weights')!.data as Int32Array);
    const representationSteps = Array.from(leanSteps.get('representations')!.data as Int32Array);
    assert.deepEqual(weightSteps, [allSteps[allSteps.length - 1]]);
    assert.deepEqual(representationSteps, keptLogPoints('representations', allSteps.length, false).map((l) => allSteps[l]));
    const rows = (steps: number[]) => steps.map((step) => allSteps.indexOf(step));
    const leanWeights = readNpz(file(lean, 'weights.npz'));
    for (const [name, full] of readNpz(file(dense, 'weights.npz'))) assert.deepEqual(leanWeights.get(name), takeLogPoints(full, rows(weightSteps)), `${task}/weights.npz:${name}`);
    for (const name of ['representations.npy', 'labels.npy']) assert.deepEqual(readNpy(file(lean, name)), takeLogPoints(readNpy(file(dense, name)), rows(representationSteps)), `${task}/${name}`);
  }
});
