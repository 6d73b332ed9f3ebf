// The cloning training mode on a small MNIST problem (digits 0 and 1, a 16-8 MLP, two members), and
// the symmetry check behind 'plab clone check'.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cloningResultsPath, runCloning, type CloningSummary } from '../../src/cl/cloning-run.js';
import { modelConfigOf } from '../../src/cl/from-config.js';
import { checkCommand, formatSymmetryReport, runCloningCommand, symmetryCheck, type CheckArguments } from '../../src/cli/clone.js';
import { composeConfig } from '../../src/config/index.js';
import { decodeNpz, encodeNpz } from '../../src/io/npz.js';
import { acquireRunLock, LOCK_FILE } from '../../src/io/run-lock.js';
import { ndarray, type NdArray } from '../../src/io/npy.js';
import { checkParameterSymmetry, cloneModel } from '../../src/nn/cloning/index.js';
import { crossEntropy } from '../../src/nn/loss.js';
import { buildModel } from '../../src/nn/models/registry.js';
import { Adam } from '../../src/optim/index.js';
import { Generator, ops, scope } from '../../src/tensor/index.js';

const small = [
  'training=cloning',
  'scenario=joint',
  'scenario.classes=[0,1]',
  'model.hidden=[16,8]',
  'training.members=2',
  'training.batch_size=256',
  'training.initial_epochs=1',
  'training.epochs_per_expansion=1',
  'logging.log_frequency=20',
  'logging.representation_samples=32',
];

async function cloningRun(overrides: string[]): Promise<{ summary: CloningSummary; arrays: Map<string, NdArray>; runDir: string }> {
  const runDir = join(mkdtempSync(join(tmpdir(), 'plab-cloning-')), 'run');
  const summary = await runCloning(composeConfig([...small, ...overrides]), runDir);
  return { summary, arrays: decodeNpz(readFileSync(join(runDir, 'cloning_metrics.npz')), 'cloning_metrics.npz'), runDir };
}

/** Row `point` of an (L, R, H) array, as [R][H]. */
function at(array: NdArray, point: number): number[][] {
  const [, members, layers] = array.shape;
  return Array.from({ length: members }, (_, r) => Array.from({ length: layers }, (_, h) => Number(array.data[(point * members + r) * layers + h])));
}

const exact = await cloningRun([]);

test('a cloning run writes the documented arrays with the documented shapes', () => {
  const { summary, arrays, runDir } = exact;
  assert.ok(existsSync(join(runDir, 'config.yaml')));
  assert.match(readFileSync(join(runDir, 'config.yaml'), 'utf8'), /mode: cloning/);
  assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')).layers, ['layer1', 'layer2']);
  assert.deepEqual(summary.layers, ['layer1', 'layer2']);
  assert.equal(summary.stages.length, 2);
  for (const stage of summary.stages) {
    // Digits 0 and 1 on the full split (dataset.balance=none): 5,923 + 6,742 training samples, 50 batches of 256 (the last one partial).
    assert.equal(stage.steps, 50);
    const prefix = `stage${stage.stage}/`;
    // A point at the start, every 20 steps, and at the end: steps 0, 20, 40, 50.
    assert.deepEqual([...arrays.get(`${prefix}step`)!.data], [0, 20, 40, 50]);
    const models = stage.stage === 0 ? ['base'] : ['base', 'clone'];
    for (const model of models) {
      for (const series of ['train_loss', 'train_accuracy', 'test_loss', 'test_accuracy']) assert.deepEqual(arrays.get(`${prefix}${model}_${series}`)!.shape, [4, 2], `${prefix}${model}_${series}`);
      assert.deepEqual(arrays.get(`${prefix}${model}_effective_rank`)!.shape, [4, 2, 2]);
    }
    const cloneSeries = ['similarity', 'explained_variance'].map((series) => arrays.get(`${prefix}clone_${series}`));
    if (stage.stage === 0) assert.deepEqual(cloneSeries, [undefined, undefined]);
    else for (const array of cloneSeries) assert.deepEqual(array!.shape, [4, 2, 2]);
  }
  // Digits 0 and 1 are easy: one epoch gets both models close to perfect.
  assert.ok(summary.stages[1].base.test_accuracy.mean > 0.98);
  assert.ok(summary.stages[1].clone!.final.test_accuracy.mean > 0.98);
});

test('an exact clone starts as the base and its copies stay identical while it trains', () => {
  const { summary, arrays } = exact;
  const base = summary.stages[0].base;
  const clone = summary.stages[1].clone!;
  // Right after the expansion the clone computes the base's function ...
  assert.deepEqual(clone.at_expansion.test_accuracy.per_member, base.test_accuracy.per_member);
  clone.at_expansion.test_loss.per_member.forEach((loss, r) => assert.ok(Math.abs(loss - base.test_loss.per_member[r]) < 1e-5));
  // ... with copies that are the same units: similarity and R² 1, the base's effective rank.
  for (const row of [...at(arrays.get('stage1/clone_similarity')!, 0), ...at(arrays.get('stage1/clone_explained_variance')!, 0)]) {
    for (const value of row) assert.ok(Math.abs(value - 1) < 1e-5, `${value} right after expansion`);
  }
  const baseRank = at(arrays.get('stage0/base_effective_rank')!, 3);
  at(arrays.get('stage1/clone_effective_rank')!, 0).forEach((row, r) => row.forEach((rank, h) => assert.ok(Math.abs(rank - baseRank[r][h]) < 1e-3 * rank, `rank ${rank} vs ${baseRank[r][h]}`)));
  // Gradient descent gives the copies identical updates: after a whole epoch they are still copies.
  for (const row of at(arrays.get('stage1/clone_similarity')!, 3)) for (const value of row) assert.ok(value > 1 - 1e-4, `similarity ${value} after training`);
});

test('function-preserving noise lets the copies diverge', async () => {
  const { summary, arrays } = await cloningRun(['training.symmetry_noise=0.5']);
  const clone = summary.stages[1].clone!;
  // The noise keeps the function: the clone starts at the base's accuracy, its copies still equal.
  assert.deepEqual(clone.at_expansion.test_accuracy.per_member, summary.stages[0].base.test_accuracy.per_member);
  for (const row of at(arrays.get('stage1/clone_similarity')!, 0)) for (const value of row) assert.ok(Math.abs(value - 1) < 1e-5);
  // Training then pulls the copies apart, which the exact clone's never are.
  for (const layer of [0, 1]) {
    assert.ok(clone.final.similarity[layer].mean < 0.999, `similarity ${clone.final.similarity[layer].mean}`);
    assert.ok(clone.final.explained_variance[layer].mean < 0.999, `R² ${clone.final.explained_variance[layer].mean}`);
    assert.ok(clone.final.effective_rank[layer].mean > exact.summary.stages[1].clone!.final.effective_rank[layer].mean, 'noise adds directions');
  }
});

/**
 * Two classes of 16x16 images, bright in the top half (0) or the bottom half (1), with noise: small
 * enough for a CNN to run a few epochs in a second.
 */
function halvesDataset(): string {
  const random = new Generator(11);
  const split = (samples: number) => {
    const labels = Int32Array.from({ length: samples }, (_, i) => i % 2);
    const noise = ops.rand([samples, 16, 16], random).mul(100).data() as Float32Array;
    const images = Uint8Array.from(noise, (value, index) => {
      const sample = Math.floor(index / 256);
      const row = Math.floor((index % 256) / 16);
      return Math.round(value) + ((row < 8) === (labels[sample] === 0) ? 150 : 0);
    });
    return { images: ndarray('uint8', [samples, 16, 16], images), labels: ndarray('int32', [samples], labels) };
  };
  const train = split(256);
  const test = split(64);
  const file = join(mkdtempSync(join(tmpdir(), 'plab-halves-')), 'halves.npz');
  writeFileSync(file, encodeNpz({ train_images: train.images, train_labels: train.labels, test_images: test.images, test_labels: test.labels }));
  return file;
}

test('a CNN clone: conv channels are copied so that every feature map is a symmetric clone', async () => {
  const runDir = join(mkdtempSync(join(tmpdir(), 'plab-cloning-cnn-')), 'run');
  const config = composeConfig([
    'training=cloning',
    'scenario=joint',
    'model=cnn',
    'model.channels=[4,8]',
    'model.hidden=[16]',
    'dataset=npz',
    `dataset.root=${halvesDataset()}`,
    'training.members=2',
    'training.batch_size=64',
    'training.initial_epochs=2',
    'training.epochs_per_expansion=2',
    'training.expansion_factor=3',
    'logging.log_frequency=4',
    'logging.representation_samples=32',
  ]);
  const summary = await runCloning(config, runDir);
  assert.deepEqual(summary.layers, ['conv1', 'conv2', 'fc1']);
  const arrays = decodeNpz(readFileSync(join(runDir, 'cloning_metrics.npz')), 'cloning_metrics.npz');
  // 4 batches per epoch, 2 epochs: points at steps 0, 4 and 8.
  assert.deepEqual([...arrays.get('stage1/step')!.data], [0, 4, 8]);
  assert.deepEqual(arrays.get('stage1/clone_similarity')!.shape, [3, 2, 3]);
  for (const point of [0, 2]) {
    for (const series of ['similarity', 'explained_variance']) {
      for (const row of at(arrays.get(`stage1/clone_${series}`)!, point)) for (const value of row) assert.ok(Math.abs(value - 1) < 1e-5, `${series} ${value} at point ${point}`);
    }
  }
  assert.deepEqual(summary.stages[1].clone!.at_expansion.test_accuracy.per_member, summary.stages[0].base.test_accuracy.per_member);
  // The halves are easy to tell apart.
  assert.ok(summary.stages[1].clone!.final.test_accuracy.mean > 0.9);
});

test('the same seed gives the same cloning run byte for byte, dropout included', async () => {
  const metrics = async () => readFileSync(join((await cloningRun(['model.dropout=0.2', 'training.symmetry_noise=0.01'])).runDir, 'cloning_metrics.npz'));
  const first = await metrics();
  assert.ok(first.equals(await metrics()));
});

test('a finished cloning run is not overwritten, and run names say what was run', async () => {
  await assert.rejects(() => runCloning(composeConfig(small), exact.runDir), /already holds a finished cloning run/);
  assert.equal(cloningResultsPath(composeConfig(small)), join('results', 'mnist', 'cloning_mlp_k2'));
  assert.equal(
    cloningResultsPath(composeConfig([...small, 'training.symmetry_noise=0.01', 'training.num_expansions=3', 'training.expansion_factor=3'])),
    join('results', 'mnist', 'cloning_mlp_k3_3expansions_noise0.01'),
  );
  await assert.rejects(() => runCloning(composeConfig([...small.filter((o) => !o.startsWith('scenario.')), 'scenario=split', 'scenario.num_tasks=2']), join(exact.runDir, 'split')), /trains on one task.*scenario=joint/);
  assert.equal(existsSync(join(exact.runDir, 'split')), false, 'nothing written for a refused run');
  await assert.rejects(() => runCloning(composeConfig([...small, 'logging.representation_samples=1']), join(exact.runDir, 'probe')), /logging.representation_samples/);
});

test('plab clone gives every run a folder of its own under its algorithm folder, with latest; a folder being written is refused', async () => {
  const results = mkdtempSync(join(tmpdir(), 'plab-clone-folders-'));
  const overrides = [...small.slice(2), `results_dir=${results}`];
  const log = console.log;
  console.log = () => {}; // the command prints the results folder and its table, unused here
  try {
    for (let run = 0; run < 2; run += 1) assert.equal(await runCloningCommand(overrides, { quiet: true, configDirs: [] }), 0);
  } finally {
    console.log = log;
  }
  const parent = join(results, 'mnist', 'cloning_mlp_k2');
  const runs = readdirSync(parent).filter((name) => name !== 'latest').sort();
  // Two runs started in the same second get '_2' after the second's name (newRunFolder).
  assert.equal(runs.length, 2, runs.join(' '));
  for (const name of runs) {
    assert.match(name, /^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_logging\.log_frequency=20,/);
    assert.deepEqual(readdirSync(join(parent, name)).sort(), ['cloning_metrics.npz', 'config.yaml', 'summary.json'], 'the lock is released at the end');
  }
  assert.equal(readlinkSync(join(parent, 'latest')), runs[1], 'latest is the second run');
  // A folder another writer holds is refused before anything is written to it.
  const held = join(results, 'held');
  const lock = acquireRunLock(held);
  try {
    await assert.rejects(() => runCloning(composeConfig(small), held), new RegExp(`${held} is being written by process ${process.pid}`));
    assert.deepEqual(readdirSync(held), [LOCK_FILE]);
  } finally {
    lock.release();
  }
});

test('model sections map onto registry options', () => {
  assert.deepEqual(modelConfigOf(composeConfig(['model=vit']).model), { name: 'vit', patchSize: 4, dim: 128, depth: 4, heads: 4, mlpDim: 256, activation: 'gelu', dropout: 0 });
});

/** The arguments 'plab clone check' gets without options: commander's defaults in src/cli/commands.ts. */
const checkDefaults: CheckArguments = { overrides: ['model=mlp'], factor: 2, noise: 0, members: 1, input: null, classes: 10, tolerance: 1e-5, seed: 0 };

function captured(run: () => number | Promise<number>): { code: number; output: string } {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...values: unknown[]) => lines.push(values.join(' '));
  try {
    return { code: run() as number, output: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

test('plab clone check passes for an MLP cloned with k = 2 and prints the errors', () => {
  const { code, output } = captured(() => checkCommand({ ...checkDefaults, factor: 2 }));
  assert.equal(code, 0, output);
  assert.match(output, /forward {3}max error \d\.\d\de[-+]\d+ {2}pass/);
  assert.match(output, /backward {2}max error \d\.\d\de[-+]\d+ {2}pass/);
  assert.match(output, /head\.weight/);
  assert.match(output, /PASSED$/);
  const report = symmetryCheck({ ...checkDefaults, factor: 2 });
  assert.ok(report.forward.maxError < 1e-5 && report.backward.maxError < 1e-5);
  assert.equal(report.forward.hidden.length, 2);
});

test('plab clone check fails with exit status 1 when the symmetry is broken', () => {
  // Function-preserving noise: forward symmetry holds, backward symmetry does not.
  const { code, output } = captured(() => checkCommand({ ...checkDefaults, noise: 0.1 }));
  assert.equal(code, 1);
  assert.match(output, /FAILED$/);
  const report = symmetryCheck({ ...checkDefaults, noise: 0.1 });
  assert.ok(report.forward.maxError < 1e-5);
  assert.ok(report.backward.maxError > 1e-4, `backward error ${report.backward.maxError}`);
  assert.match(formatSymmetryReport(report), /backward {2}max error .* FAIL/);
});

test('Adam on a clone is Adam on its base with learning rate d·η and ε·c/d (docs/cloning.md)', () => {
  const config = { name: 'mlp' as const, hidden: [12, 8] };
  const base = buildModel(config, { members: 2, inputShape: [20], numClasses: 5, dtype: 'float64', generators: [new Generator(1), new Generator(2)] });
  const clone = cloneModel(base, config, 3);
  const [lr, eps] = [0.01, 1e-8];
  const cloneOptimizer = new Adam(clone.model.parameters(), { lr, eps });
  const parameters = new Map(base.namedParameters());
  const groups = clone.expansions.filter((e) => e.kind === 'parameter').map((e) => ({ params: [parameters.get(e.name)!], lr: lr * e.divisor, eps: (eps * e.copies) / e.divisor }));
  const baseOptimizer = new Adam(groups, { lr, eps });
  const data = new Generator(5);
  for (let step = 0; step < 100; step += 1) {
    scope(() => {
      const inputs = ops.randn([16, 20], data, 'float64');
      const targets = ops.randint(0, 5, [16], data);
      for (const [model, optimizer] of [[base, baseOptimizer], [clone.model, cloneOptimizer]] as const) {
        optimizer.zeroGrad();
        crossEntropy(model.forward(inputs), targets).total.backward();
        optimizer.step();
      }
    });
  }
  const errors = checkParameterSymmetry(base, clone);
  for (const { name, maxError } of errors) assert.ok(maxError < 1e-12, `${name}: ${maxError}`);
  // The rates matter: with plain lr on every base parameter the two part ways.
  const plain = buildModel(config, { members: 2, inputShape: [20], numClasses: 5, dtype: 'float64', generators: [new Generator(1), new Generator(2)] });
  const plainClone = cloneModel(plain, config, 3);
  const plainOptimizers = [new Adam(plain.parameters(), { lr, eps }), new Adam(plainClone.model.parameters(), { lr, eps })];
  const again = new Generator(5);
  for (let step = 0; step < 10; step += 1) {
    scope(() => {
      const inputs = ops.randn([16, 20], again, 'float64');
      const targets = ops.randint(0, 5, [16], again);
      [plain, plainClone.model].forEach((model, index) => {
        plainOptimizers[index].zeroGrad();
        crossEntropy(model.forward(inputs), targets).total.backward();
        plainOptimizers[index].step();
      });
    });
  }
  assert.ok(Math.max(...checkParameterSymmetry(plain, plainClone).map((e) => e.maxError)) > 1e-3);
});
