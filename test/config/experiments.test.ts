// Experiment presets (conf/experiment/*.yaml, chosen with +experiment=NAME): every preset composes
// into a valid config that holds what its file sets, the help lists each, bad choices are named,
// and one preset runs end to end at a tiny size.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import YAML from 'yaml';
import { composeConfig, ConfigError, ConfigRepository, formatHelp } from '../../src/config/index.js';

const root = join(import.meta.dirname, '..', '..');
const repository = new ConfigRepository();
const names = repository.experiments();

/** The leaves of a preset's keys, as [dotted key, value]. */
function leaves(values: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(values).flatMap(([name, value]) => {
    const key = prefix ? `${prefix}.${name}` : name;
    return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 ? leaves(value as Record<string, unknown>, key) : [[key, value] as [string, unknown]];
  });
}

function lookup(config: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, name) => (node as Record<string, unknown> | undefined)?.[name], config);
}

test('the published experiments each have a preset', () => {
  for (const expected of ['split_mnist_sequential', 'split_mnist_concurrent', 'split_mnist_bn', 'split_mnist_dropout', 'split_mnist_l2', 'split_mnist_l1', 'split_mnist_bn_l1', 'split_mnist_bn_dropout', 'split_mnist_ogd_sgd', 'split_mnist_ogd_adam', 'split_mnist_ogd_sgd_bn', 'split_mnist_ogd_adam_bn', 'nte_shuffled_mnist', 'class_pairs_replay', 'class_pairs_shrink_perturb', 'cloning', 'scr_backprop', 'scr_continual_backprop', 'scr_linear']) {
    assert.ok(names.includes(expected), `conf/experiment/${expected}.yaml is missing`);
  }
});

test('every preset composes, picks its groups and holds the keys its file sets', () => {
  for (const name of names) {
    const preset = repository.loadExperiment(name);
    assert.ok(preset.summary.length > 20, `${name}: the first comment line says what the preset reproduces`);
    const config = composeConfig([`+experiment=${name}`]);
    for (const [group, option] of Object.entries(preset.groups)) {
      const file = repository.load(group as never, option);
      const discriminator = { model: 'name', dataset: 'format', scenario: 'type', optimizer: 'name', training: 'mode' }[group];
      if (discriminator) assert.equal(lookup(config, `${group}.${discriminator}`), file[discriminator], `${name}: ${group}=${option}`);
    }
    for (const [key, value] of leaves(preset.values)) {
      const got = lookup(config, key);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) assert.ok(got && typeof got === 'object', `${name}: ${key} is a section`);
      else assert.deepEqual(got, value, `${name}: ${key}`);
    }
  }
  const sequential = composeConfig(['+experiment=split_mnist_sequential']);
  assert.equal(sequential.dataset.balance, 'none');
  assert.equal(sequential.training.mode === 'continual' && sequential.training.expert_baseline, false);
  const ogd = composeConfig(['+experiment=split_mnist_ogd_adam_bn_l1']);
  assert.deepEqual(ogd.method.ogd, { variant: 'average_gradient', memory: 200, eps: 1e-8 }, 'ogd: {} starts from the section defaults');
  assert.equal(ogd.method.l1, 1);
});

test('the command line overrides a preset, group choices and keys alike', () => {
  const config = composeConfig(['+experiment=split_mnist_sequential', 'training.epochs_per_task=2', 'optimizer=sgd', 'dataset.balance=classes']);
  assert.equal(config.training.mode === 'continual' && config.training.epochs_per_task, 2);
  assert.equal(config.optimizer.name, 'sgd');
  assert.equal(config.dataset.balance, 'classes');
});

test('bad experiment choices are named with the fix', () => {
  const fails = (overrides: string[], pattern: RegExp) =>
    assert.throws(() => composeConfig(overrides), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));
  fails(['+experiment=split_mnist_sequental'], /unknown experiment 'split_mnist_sequental'; did you mean 'split_mnist_sequential'\?/);
  fails(['experiment=split_mnist_sequential'], /choose an experiment with '\+experiment=NAME'/);
  fails(['+experiment=split_mnist_bn', '+experiment=split_mnist_l1'], /one experiment per run/);
  fails(['+experiment.training=1'], /an experiment is chosen whole/);
  fails(['+experiment=class_pairs_replay', 'dataset.balance=none'], /dataset\.balance=none .* members draw their own classes/);
});

test('plab run --help lists every preset with its summary', () => {
  const help = formatHelp();
  for (const name of names) assert.match(help, new RegExp(`\\+experiment=${name}\\s+\\S`));
});

test('plab run +experiment=split_mnist_sequential runs, shortened, on the full splits', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plab-preset-'));
  try {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'run', '+experiment=split_mnist_sequential', 'scenario.num_tasks=2', 'training.epochs_per_task=1', 'training.members=2', 'logging.measures=[probes]', 'logging.snapshots=[]', `run_dir=${dir}`, '--quiet'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(result.status, 0, result.stderr);
    const config = YAML.parse(readFileSync(join(dir, 'config.yaml'), 'utf8'));
    assert.equal(config.dataset.balance, 'none');
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const metadata = [0, 1].map((task) => JSON.parse(readFileSync(join(dir, `task_00${task}`, 'metadata.json'), 'utf8')));
    // The full MNIST test sets of classes 1, 2 (1135 + 1032) and 3, 4 (1010 + 982).
    assert.deepEqual(metadata.map((task) => task.test_samples), [2167, 1992]);
    assert.deepEqual(summary.epochs, [[1, 1], [1, 1]]);
    // Seen-class accuracy pools the two test sets: each task weighted by its images.
    for (let member = 0; member < 2; member += 1) {
      const [first, second] = summary.accuracy_matrix[member][1];
      assert.ok(Math.abs(summary.seen_accuracy.by_task[member][1] - (first * 2167 + second * 1992) / 4159) < 1e-12);
    }
    assert.ok(existsSync(join(dir, 'task_001', 'metrics.npz')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
