import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AtomicFs } from '../../src/io/atomic.js';
import { generatorStates, loadCheckpoint, restoreGenerators, saveCheckpoint } from '../../src/io/checkpoint.js';
import { readNpz } from '../../src/io/npz.js';
import {
  completedTasks,
  finishedTaskCount,
  openRun,
  parseTaskDirectoryName,
  readTaskMetadata,
  ResultsError,
  runPaths,
  startRun,
  taskDirectoryName,
  TASK_FILES,
  writeSummary,
  writeTask,
} from '../../src/io/results.js';
import { Generator, ops, tensor } from '../../src/tensor/index.js';

function scratch(): string {
  return join(fs.mkdtempSync(join(tmpdir(), 'plab-results-')), 'mnist', 'SL');
}

const bytes = (...values: number[]) => new Uint8Array(values);

test('task directories are zero-padded to three digits and parse back', () => {
  assert.equal(taskDirectoryName(0), 'task_000');
  assert.equal(taskDirectoryName(42), 'task_042');
  assert.equal(taskDirectoryName(1234), 'task_1234');
  assert.equal(parseTaskDirectoryName('task_042'), 42);
  assert.equal(parseTaskDirectoryName('task_1234'), 1234);
  assert.equal(parseTaskDirectoryName('task_42'), null);
  assert.equal(parseTaskDirectoryName('report'), null);
  assert.throws(() => taskDirectoryName(-1), RangeError);
});

test('the run layout follows DESIGN.md', () => {
  const paths = runPaths('results/mnist/SL');
  assert.equal(paths.config, 'results/mnist/SL/config.yaml');
  assert.equal(paths.plan, 'results/mnist/SL/plan.json');
  assert.equal(paths.summary, 'results/mnist/SL/summary.json');
  assert.equal(paths.report, 'results/mnist/SL/report');
  assert.equal(paths.taskFile(3, TASK_FILES.representations), 'results/mnist/SL/task_003/representations.npy');
  assert.equal(paths.taskFile(3, TASK_FILES.metadata), 'results/mnist/SL/task_003/metadata.json');
});

test('a task is complete once its metadata is written; gaps stop the finished count', () => {
  const root = scratch();
  startRun(root, { configYaml: 'seed: 0\n', plan: { tasks: [[1, 2]] } });
  assert.equal(fs.readFileSync(join(root, 'config.yaml'), 'utf8'), 'seed: 0\n');
  assert.deepEqual(JSON.parse(fs.readFileSync(join(root, 'plan.json'), 'utf8')), { tasks: [[1, 2]] });
  writeTask(root, 0, { [TASK_FILES.metrics]: bytes(1), [TASK_FILES.weights]: bytes(2) }, { classes: [1, 2] });
  writeTask(root, 1, { [TASK_FILES.metrics]: bytes(3) }, { classes: [3, 4] });
  writeTask(root, 3, { [TASK_FILES.metrics]: bytes(4) }, { classes: [7, 8] });
  // Task 2 was killed mid-flush: its arrays exist, its marker does not.
  fs.mkdirSync(join(root, 'task_002'));
  fs.writeFileSync(join(root, 'task_002', TASK_FILES.metrics), 'partial');
  assert.deepEqual(completedTasks(root), [0, 1, 3]);
  assert.equal(finishedTaskCount(root), 2);
  assert.deepEqual(readTaskMetadata(root, 1), { classes: [3, 4] });
  assert.deepEqual(fs.readdirSync(join(root, 'task_000')).sort(), ['metadata.json', 'metrics.npz', 'weights.npz']);
  assert.throws(() => readTaskMetadata(root, 2), ResultsError);
  assert.deepEqual(completedTasks(join(root, 'nowhere')), []);
});

test('the completion marker is written after every array file', () => {
  const root = scratch();
  const order: string[] = [];
  const recording: AtomicFs = {
    mkdirSync: (p, o) => fs.mkdirSync(p, o),
    openSync: (p, f, m) => fs.openSync(p, f, m),
    writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l),
    fsyncSync: (fd) => fs.fsyncSync(fd),
    closeSync: (fd) => fs.closeSync(fd),
    renameSync: (from, to) => {
      order.push(to.slice(root.length + 1));
      fs.renameSync(from, to);
    },
    unlinkSync: (p) => fs.unlinkSync(p),
  };
  writeTask(root, 5, { 'metrics.npz': bytes(1), 'representations.npy': bytes(2), 'binary_labels.npy': bytes(3) }, {}, { fs: recording });
  assert.deepEqual(order, ['task_005/metrics.npz', 'task_005/representations.npy', 'task_005/binary_labels.npy', 'task_005/metadata.json']);
});

test('a full disk while flushing a task leaves it unfinished and earlier tasks intact', () => {
  const root = scratch();
  startRun(root, { configYaml: 'seed: 0\n', plan: {} });
  writeTask(root, 0, { 'metrics.npz': bytes(1, 2, 3) }, { task: 0 });
  const full: AtomicFs = {
    mkdirSync: (p, o) => fs.mkdirSync(p, o),
    openSync: (p, f, m) => fs.openSync(p, f, m),
    writeSync: () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    },
    fsyncSync: (fd) => fs.fsyncSync(fd),
    closeSync: (fd) => fs.closeSync(fd),
    renameSync: (from, to) => fs.renameSync(from, to),
    unlinkSync: (p) => fs.unlinkSync(p),
  };
  assert.throws(() => writeTask(root, 1, { 'metrics.npz': bytes(4) }, { task: 1 }, { fs: full }), /No space left on the disk while writing .*task_001\/metrics\.npz/);
  // Rewriting a finished task first withdraws its marker, so a failure cannot leave old metadata over new arrays.
  assert.throws(() => writeTask(root, 0, { 'metrics.npz': bytes(9) }, { task: 0 }, { fs: full }), /No space left/);
  assert.deepEqual(completedTasks(root), []);
  assert.deepEqual(fs.readdirSync(join(root, 'task_001')), []);
  assert.deepEqual([...fs.readFileSync(join(root, 'task_000', 'metrics.npz'))], [1, 2, 3], 'the previous complete file survives');
});

test('task file names must be plain and cannot replace the marker', () => {
  const root = scratch();
  assert.throws(() => writeTask(root, 0, { 'metadata.json': bytes(1) }, {}), /cannot be a task file name/);
  assert.throws(() => writeTask(root, 0, { '../escape.npy': bytes(1) }, {}), /cannot be a task file name/);
  assert.equal(fs.existsSync(join(root, 'task_000')), false);
});

test('a new run refuses a directory holding finished work; a start that finished nothing is replaced', () => {
  const root = scratch();
  startRun(root, { configYaml: 'a\n', plan: {} });
  fs.mkdirSync(join(root, 'task_000'));
  fs.writeFileSync(join(root, 'task_000', 'metrics.npz'), 'partial');
  startRun(root, { configYaml: 'b\n', plan: { again: true } });
  assert.equal(fs.readFileSync(join(root, 'config.yaml'), 'utf8'), 'b\n');
  assert.equal(fs.existsSync(join(root, 'task_000')), false, 'the partial task of the abandoned start is gone');
  writeTask(root, 0, {}, {});
  assert.throws(
    () => startRun(root, { configYaml: 'c\n', plan: {} }),
    (error: unknown) =>
      error instanceof ResultsError &&
      error.message === `${root} already holds a run with 1 finished task(s). Resume it with 'plab run --resume ${root}', or give the new run its own directory (algorithm=NAME or results_dir=DIR), or delete ${root}.`,
  );
  assert.equal(fs.readFileSync(join(root, 'config.yaml'), 'utf8'), 'b\n');
});

test('opening a run to resume reads its config and plan and clears interrupted writes', () => {
  const root = scratch();
  assert.throws(() => openRun(root), /holds no run to resume \(no config\.yaml\)/);
  startRun(root, { configYaml: 'seed: 1\n', plan: { members: 5 } });
  writeTask(root, 0, { 'metrics.npz': bytes(1) }, {});
  writeSummary(root, { acc: 0.5 });
  fs.mkdirSync(join(root, 'task_001'));
  fs.writeFileSync(join(root, 'task_001', '.weights.npz.tmp-1-abcdef01'), 'partial');
  fs.writeFileSync(join(root, '.summary.json.tmp-1-abcdef02'), 'partial');
  const run = openRun(root);
  assert.equal(run.configYaml, 'seed: 1\n');
  assert.deepEqual(run.plan, { members: 5 });
  assert.deepEqual(run.completed, [0]);
  assert.deepEqual(fs.readdirSync(join(root, 'task_001')), []);
  assert.deepEqual(fs.readdirSync(root).sort(), ['config.yaml', 'plan.json', 'summary.json', 'task_000', 'task_001']);
});

test('a checkpoint restores tensors, generator states and the next task exactly', () => {
  const directory = runPaths(scratch()).checkpoint;
  assert.equal(loadCheckpoint(directory), null);
  const weight = tensor([[0.1, -0.2], [0.3, 1e-8]], { dtype: 'float32' });
  const steps = tensor([3, 7], { dtype: 'int64' });
  const generators = { member0: new Generator(1), member1: new Generator(2) };
  ops.randn([5], generators.member0).dispose(); // advance a stream so its state is not the seed's
  saveCheckpoint(directory, {
    nextTask: 3,
    tensors: new Map([['learner/fc1.weight', weight], ['optimizer/step', steps]]),
    rngStates: generatorStates(generators),
    extra: { accuracy: [[0.99, 0.5]] },
  });
  const expectedNext = ops.randn([4], generators.member0).toArray();

  const loaded = loadCheckpoint(directory);
  assert.ok(loaded);
  assert.equal(loaded.nextTask, 3);
  assert.deepEqual(loaded.extra, { accuracy: [[0.99, 0.5]] });
  assert.deepEqual(loaded.tensors.get('learner/fc1.weight')!.toArray(), weight.toArray());
  assert.equal(loaded.tensors.get('learner/fc1.weight')!.dtypeName, 'float32');
  assert.deepEqual(loaded.tensors.get('optimizer/step')!.toArray(), [3, 7]);
  const fresh = { member0: new Generator(123), member1: new Generator(456) };
  restoreGenerators(fresh, loaded.rngStates);
  assert.deepEqual(ops.randn([4], fresh.member0).toArray(), expectedNext, 'the restored stream continues where the saved one was');
  assert.deepEqual(ops.randn([2], fresh.member1).toArray(), ops.randn([2], new Generator(2)).toArray());
  assert.throws(() => restoreGenerators({ other: new Generator(0) }, loaded.rngStates), /no state for generator 'other'/);

  const arrays = readNpz(join(directory, 'state_003.npz'));
  assert.deepEqual([...arrays.keys()], ['tensor/learner/fc1.weight', 'tensor/optimizer/step', 'rng/member0', 'rng/member1']);
});

test('a newer checkpoint replaces the older one only once it is complete', () => {
  const directory = runPaths(scratch()).checkpoint;
  const save = (nextTask: number, value: number) => saveCheckpoint(directory, { nextTask, tensors: new Map([['w', tensor([value])]]), rngStates: new Map(), extra: null });
  save(1, 1);
  save(2, 2);
  assert.deepEqual(fs.readdirSync(directory).sort(), ['checkpoint.json', 'state_002.npz']);
  assert.deepEqual(loadCheckpoint(directory)!.tensors.get('w')!.toArray(), [2]);
  // A kill after the arrays of task 3 but before the manifest: the checkpoint of task 2 stays in force.
  fs.writeFileSync(join(directory, 'state_003.npz'), 'partial');
  assert.equal(loadCheckpoint(directory)!.nextTask, 2);
  fs.rmSync(join(directory, 'state_002.npz'));
  assert.throws(() => loadCheckpoint(directory), /names state_002\.npz, which is missing/);
});
