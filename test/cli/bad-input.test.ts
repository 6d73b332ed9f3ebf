// Bad input given to plab run ends with exit 1 and one message that names the file, key or argument
// at fault; nothing of the population's size is allocated before the memory plan allows it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { encodeNpy, ndarray } from '../../src/io/npy.js';

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'plab-bad-input-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function plab(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
}

/** A folder of .npy arrays: 40 train and 20 test images of 8x8, labels 0..3; `change` spoils it. */
function dataset(name: string, change: (arrays: { images: Float32Array; labels: BigInt64Array }) => void = () => {}): string {
  const folder = join(scratch, name);
  mkdirSync(folder);
  const images = Float32Array.from({ length: 40 * 64 }, (_, i) => (i * 37) % 255);
  const labels = BigInt64Array.from({ length: 40 }, (_, i) => BigInt(i % 4));
  change({ images, labels });
  writeFileSync(join(folder, 'train_images.npy'), encodeNpy(ndarray('float32', [40, 1, 8, 8], images)));
  writeFileSync(join(folder, 'train_labels.npy'), encodeNpy(ndarray('int64', [40], labels)));
  writeFileSync(join(folder, 'test_images.npy'), encodeNpy(ndarray('float32', [20, 1, 8, 8], images.slice(0, 20 * 64))));
  writeFileSync(join(folder, 'test_labels.npy'), encodeNpy(ndarray('int64', [20], labels.slice(0, 20))));
  return folder;
}

function runOn(folder: string, ...more: string[]) {
  return plab(['run', 'dataset=npz', `dataset.root=${folder}`, 'scenario.tasks=[[0,1],[2,3]]', 'training.epochs_per_task=1', `run_dir=${join(scratch, `run-${folder.split('/').pop()}`)}`, '--quiet', ...more]);
}

function assertFails(result: ReturnType<typeof plab>, message: string | RegExp) {
  assert.equal(result.status, 1, `exit ${result.status}: ${result.stderr}`);
  if (typeof message === 'string') assert.equal(result.stderr, `plab: ${message}\n`);
  else assert.match(result.stderr, message);
}

test('bad data is named where it is loaded: file, count and first image, or file and label', () => {
  const nan = dataset('nan', ({ images }) => {
    images[3 * 64 + 9] = Number.NaN;
    images[7 * 64] = Number.POSITIVE_INFINITY;
  });
  assertFails(runOn(nan), `${join(nan, 'train_images.npy')}: 2 non-finite values (NaN or infinity) in 2 images, the first in image 3; replace or drop those images`);
  const blank = dataset('blank', ({ images }) => images.fill(0.5));
  assertFails(runOn(blank), `${join(blank, 'train_images.npy')}: every pixel of all 40 images equals 0.5; constant images carry nothing to learn and cannot be normalised: give the right file`);
  const huge = dataset('huge', ({ labels }) => (labels[5] = 2n ** 40n));
  assertFails(runOn(huge), `${join(huge, 'train_labels.npy')}: label 1099511627776 is not a class index (the file has 40 training images); fix the labels or list the class names in ${join(huge, 'classes.json')}`);
  const json = dataset('json');
  writeFileSync(join(json, 'classes.json'), '["a", "b",');
  assertFails(runOn(json), new RegExp(`^plab: ${join(json, 'classes.json')}: not valid JSON \\(.+\\); expected a JSON array of class names, e.g. \\["cat", "dog"\\]\\n$`));
});

test('a run that cannot fit in memory is refused with the estimate and the keys that lower it', () => {
  for (const members of ['1e12', '100000']) {
    const result = plab(['run', `training.members=${members}`, `run_dir=${join(scratch, `big-${members}`)}`]);
    assertFails(result, /^plab: this run needs about .+ and .+ is available; the largest part is joint baseline training data .*: lower training\.joint_baseline=false, training\.members\n/);
    assert.match(result.stderr, /^ +\S+ \S+ +parameters, gradients and adam state, twice .*; lowered by training\.members, model\.hidden, training\.expert_baseline=false$/m);
    assert.match(result.stderr, /\(PLAB_MEMORY_CHECK=0 runs it anyway\)\n$/);
  }
});

test('plab run --dry-run prints the resolved config and the memory estimate, and trains nothing', () => {
  const runDir = join(scratch, 'dry');
  const result = plab(['run', '--dry-run', 'training.members=3', `run_dir=${runDir}`]);
  assert.equal(result.status, 0, result.stderr);
  const [yaml, estimate] = result.stdout.split('\nestimated peak memory ');
  assert.equal((parseYaml(yaml) as { training: { members: number } }).training.members, 3);
  assert.match(estimate, /^\d+(\.\d+)? (MiB|GiB):\n/);
  for (const part of ['the process now', 'parameters, gradients and adam state', 'training data of the largest task', 'test sets of all 5 tasks', 'activations of a training step', 'arrays logged during a task', 'joint baseline training data']) {
    assert.ok(estimate.includes(part), `the estimate lacks '${part}':\n${estimate}`);
  }
  assert.match(estimate, /\navailable: \d/);
  assert.equal(existsSync(runDir), false);
});

test('config values and paths: infinities are named as typed, a results folder that is a file is named', () => {
  assertFails(plab(['run', 'optimizer.lr=.inf']), 'bad value for optimizer.lr: expected a finite number > 0, got .inf');
  assertFails(plab(['run', 'optimizer.lr=.nan']), 'bad value for optimizer.lr: expected a finite number > 0, got .nan');
  const file = join(scratch, 'a-file');
  writeFileSync(file, '');
  assertFails(plab(['run', `results_dir=${file}`]), `results_dir=${file}: ${file} is a file, not a folder; give a folder, or a path that does not exist yet`);
  assertFails(plab(['run', `run_dir=${file}/run`]), `run_dir=${file}/run: ${file} is a file, not a folder; give a folder, or a path that does not exist yet`);
});

test('a run whose members have all stopped on a non-finite loss ends with exit 1 and says why', () => {
  const folder = dataset('diverge');
  const result = runOn(folder, 'training.members=2', 'optimizer=sgd', 'optimizer.lr=1e30', 'training.nan_policy=member');
  assertFails(result, /^plab: all 2 members stopped \(member 0: loss became (NaN|Infinity) at task \d+, step \d+; member 1: loss became (NaN|Infinity) at task \d+, step \d+\); the run stops\. Lower optimizer\.lr, or check the data and the method's strength\.\n$/);
});
