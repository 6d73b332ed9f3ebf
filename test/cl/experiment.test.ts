// The experiment end to end on small configurations: results layout, resume after a kill, config
// typos, a missing dataset and NaN losses.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Learner } from '../../src/cl/learner.js';
import { MLP } from '../../src/nn/models/mlp.js';
import { initializeMembers } from '../../src/nn/module.js';
import { SGD } from '../../src/optim/index.js';
import { decodeNpz } from '../../src/io/npz.js';
import { Generator, ops } from '../../src/tensor/index.js';

const root = join(import.meta.dirname, '..', '..');
const plab = (args: string[]) => ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args];
const small = ['training.epochs_per_task=1', 'training.members=2', 'scenario.num_tasks=3', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.log_frequency=60', 'logging.snapshots=[representations]'];

function runPlab(args: string[]) {
  return spawnSync(process.execPath, plab(args), { cwd: root, encoding: 'utf8', env: { ...process.env, PLAB_DEBUG: '' } });
}

function metricBytes(runDir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const task of readdirSync(runDir).filter((name) => name.startsWith('task_')).sort()) {
    for (const file of ['metrics.npz', 'representations.npy', 'labels.npy']) files.set(`${task}/${file}`, readFileSync(join(runDir, task, file)));
  }
  return files;
}

test('a run killed during task 3 resumes to byte-identical metrics', { timeout: 600_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-resume-'));
  const whole = runPlab(['run', ...small, `results_dir=${join(base, 'whole')}`, '--quiet']);
  assert.equal(whole.status, 0, whole.stderr);
  const wholeDir = join(base, 'whole', 'mnist', 'SL_3tasks', 'latest');

  const killedRoot = join(base, 'killed');
  const algorithmDir = join(killedRoot, 'mnist', 'SL_3tasks');
  const killedDir = join(algorithmDir, 'latest');
  const child = spawn(process.execPath, plab(['run', ...small, `results_dir=${killedRoot}`, '--quiet']), { cwd: root, stdio: 'ignore' });
  // Kill it once task 2 (index 1) is complete, while task 3 trains.
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(join(killedDir, 'task_001', 'metadata.json'))) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(poll);
      reject(new Error('the run ended before it could be killed during task 3'));
    });
  });
  await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(existsSync(join(killedDir, 'task_002', 'metadata.json')), false, 'task 3 must not be complete when killed');

  // The algorithm folder stands for its latest run.
  const resumed = runPlab(['run', '--resume', algorithmDir, '--quiet']);
  assert.equal(resumed.status, 0, resumed.stderr);
  const expected = metricBytes(wholeDir);
  const actual = metricBytes(killedDir);
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs after resume`);
});

test('the results layout holds the documented arrays with their shapes', () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-layout-'));
  const result = runPlab(['run', 'training.epochs_per_task=1', 'training.members=2', 'scenario.num_tasks=2', 'logging.log_frequency=100', 'logging.representation_samples=8', `results_dir=${base}`, '--quiet']);
  assert.equal(result.status, 0, result.stderr);
  const runDir = join(base, 'mnist', 'SL_2tasks', 'latest');
  const metrics = decodeNpz(readFileSync(join(runDir, 'task_001', 'metrics.npz')), 'metrics.npz');
  const L = metrics.get('step')!.shape[0];
  assert.ok(L >= 1);
  assert.deepEqual(metrics.get('accuracy')!.shape, [L, 2, 2]);
  assert.deepEqual(metrics.get('per_class_accuracy')!.shape, [L, 2, 2, 10]);
  const expert = decodeNpz(readFileSync(join(runDir, 'task_001', 'expert_metrics.npz')), 'expert_metrics.npz');
  assert.deepEqual(expert.get('test_acc')!.shape, [L, 2]);
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  assert.equal(summary.accuracy_matrix.length, 2);
  // After task 2 a class-incremental MLP has forgotten task 1 almost completely.
  assert.ok(summary.accuracy_matrix_mean[1][0] < 0.2, `forgetting expected, got ${summary.accuracy_matrix_mean[1][0]}`);
  assert.ok(summary.joint_accuracy.mean.mean > 0.9);
  // The default snapshot policy writes the weights of the task's last log point only (README, Results).
  const weights = decodeNpz(readFileSync(join(runDir, 'task_000', 'weights.npz')), 'weights.npz');
  assert.deepEqual(weights.get('head.weight')!.shape, [1, 2, 10, 84]);
  const firstSteps = decodeNpz(readFileSync(join(runDir, 'task_000', 'metrics.npz')), 'metrics.npz').get('step')!.data as Int32Array;
  const snapshotSteps = decodeNpz(readFileSync(join(runDir, 'task_000', 'snapshot_steps.npz')), 'snapshot_steps.npz');
  assert.deepEqual(Array.from(snapshotSteps.get('weights')!.data as Int32Array), [firstSteps[firstSteps.length - 1]]);
});

test('a config typo names the key and suggests the nearest valid one', () => {
  const result = runPlab(['run', 'optimizer.lrr=0.1']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /optimizer\.lrr/);
  assert.match(result.stderr, /did you mean 'optimizer\.lr'/);
});

test('a missing dataset file names the file and how to fix it', () => {
  const result = runPlab(['run', 'dataset=cifar10', 'dataset.root=/nonexistent/cifar-10-batches-bin', '--quiet']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /nonexistent\/cifar-10-batches-bin/);
});

test('nan_policy=run stops the run with a reason', () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-nan-'));
  const result = runPlab(['run', ...small, 'optimizer=sgd', 'optimizer.lr=1e30', 'training.nan_policy=run', `results_dir=${base}`, '--quiet']);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /loss became (NaN|Infinity|-Infinity)/);
  assert.match(result.stderr, /nan_policy/);
});

test('a NaN loss stops only the affected member; the others keep training', () => {
  const model = new MLP({ inputShape: [784], hidden: [32], numClasses: 10, members: 3 });
  initializeMembers(model, [new Generator(0), new Generator(1), new Generator(2)]);
  // Member 1 gets an absurd learning rate and diverges; members 0 and 2 train normally.
  const learner = new Learner(model, new SGD(model.parameters(), { lr: [0.1, 1e30, 0.1] }));
  const generator = new Generator(3);
  const inputs = ops.rand([64, 3, 784], generator);
  const targets = ops.randint(0, 10, [64, 3], generator);
  const first = learner.trainStep({ inputs, targets });
  for (let step = 0; step < 5; step += 1) learner.trainStep({ inputs, targets });
  assert.deepEqual(learner.active, [true, false, true]);
  assert.match(learner.stopReasons[1]!, /loss became/);
  const last = learner.trainStep({ inputs, targets });
  assert.ok(last.loss[0] < first.loss[0] && last.loss[2] < first.loss[2], 'healthy members keep learning');
  const frozen = model.namedParameters()[0][1].select(0, 1).clone();
  learner.trainStep({ inputs, targets });
  assert.ok(ops.equal(model.namedParameters()[0][1].select(0, 1), frozen), 'a stopped member is not updated');
});

test('a sweep runs the grid, two at a time, each in its own directory, and ends with a summary', () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-sweep-'));
  const result = runPlab([
    'run', '-m', '-j', '2', 'optimizer.lr=0.001,0.01', 'training.epochs_per_task=1', 'training.members=1', 'scenario.num_tasks=1',
    'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.log_frequency=100', `results_dir=${base}`,
  ]);
  assert.equal(result.status, 0, result.stderr);
  const [sweepDir, ...others] = readdirSync(join(base, 'mnist', 'SL_1tasks'));
  assert.match(sweepDir, /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_multirun$/);
  assert.deepEqual(others, [], 'one folder for the whole sweep');
  for (const job of ['optimizer.lr=0.001', 'optimizer.lr=0.01']) {
    assert.ok(existsSync(join(base, 'mnist', 'SL_1tasks', sweepDir, job, 'summary.json')), `${job} has its own finished run`);
  }
  assert.match(result.stdout, /Sweep summary \(2 runs\):\n\s+optimizer\.lr=0\.001\s+ACC 0\.\d{3} ± 0\.000\n\s+optimizer\.lr=0\.01\s+ACC/);
});

test("a sweep of regressions, which have no accuracy, ends with each run's training loss", () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-sweep-scr-'));
  const result = runPlab([
    'run', '-m', '+experiment=scr_backprop', 'scenario.examples=3000', 'scenario.bin_size=1000', 'scenario.flip_every=200', 'training.members=2',
    'logging.log_frequency=500', 'optimizer.lr=0.01,0.02', `results_dir=${base}`, '--quiet',
  ]);
  assert.equal(result.status, 0, result.stderr);
  const sweepRoot = join(base, 'slowly_changing_regression', 'backprop');
  const sweepDir = join(sweepRoot, readdirSync(sweepRoot)[0]);
  const outcomes = (JSON.parse(readFileSync(join(sweepDir, 'sweep_summary.json'), 'utf8')) as { jobs: { name: string; accuracy: null; loss: { mean: number; std: number }; failure: null }[] }).jobs;
  assert.deepEqual(outcomes.map((job) => job.name), ['optimizer.lr=0.01', 'optimizer.lr=0.02']);
  for (const job of outcomes) {
    const summary = JSON.parse(readFileSync(join(sweepDir, job.name, 'summary.json'), 'utf8')) as { training_loss: { last: { mean: number; std: number } } };
    assert.equal(job.accuracy, null);
    assert.equal(job.failure, null);
    assert.deepEqual([job.loss.mean, job.loss.std], [summary.training_loss.last.mean, summary.training_loss.last.std]);
    const line = `${job.name.replace('.', '\\.')}\\s+training loss ${job.loss.mean.toFixed(3)} ± ${job.loss.std.toFixed(3)}`;
    assert.match(result.stdout, new RegExp(`Sweep summary[^]*${line}`));
  }
});
