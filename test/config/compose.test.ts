import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { composeConfig, ConfigError, defaultConfDir, type ExperimentConfig } from '../../src/config/index.js';

/** The message of the ConfigError `fn` throws (the test fails if it throws nothing or something else). */
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

test('the default config is seed 001/004\'s Split-MNIST experiment', () => {
  const config = composeConfig();
  assert.deepEqual(config.scenario, {
    type: 'split',
    num_tasks: null,
    tasks: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 0]],
    classes_per_task: 2,
    class_order: 'given',
    mode: 'class_incremental',
  });
  assert.deepEqual(config.model, { name: 'mlp', hidden: [120, 84], activation: 'relu', norm: 'none', dropout: 0 });
  assert.equal(config.dataset.format, 'mnist');
  assert.equal(config.optimizer.name, 'adam');
  assert.equal(config.optimizer.lr, 1e-3);
  assert.equal(config.training.mode, 'continual');
  if (config.training.mode !== 'continual') return;
  assert.equal(config.training.epochs_per_task, 5);
  assert.equal(config.training.batch_size, 64);
  assert.equal(config.training.members, 5);
  assert.equal(config.training.expert_baseline, true);
  assert.equal(config.training.joint_baseline, true);
  assert.equal(config.training.stopping, 'epochs');
  assert.deepEqual(config.method, { rule: 'SL' });
});

test('group=option selects an option file; its keys replace the previous option\'s', () => {
  const config = composeConfig(['model=cnn', 'optimizer=sgd']);
  assert.deepEqual(config.model, { name: 'cnn', channels: [32, 64, 128], kernel: 3, pooling: 'max', norm: 'none', hidden: [128], activation: 'relu', dropout: 0 });
  assert.deepEqual(config.optimizer, { name: 'sgd', lr: 0.01, weight_decay: 0, momentum: 0, dampening: 0, nesterov: false });
});

test('the issue\'s example: model=cnn optimizer.lr=0.01 +method.l1=1.0', () => {
  const config = composeConfig(['model=cnn', 'optimizer.lr=0.01', '+method.l1=1.0']);
  assert.equal(config.model.name, 'cnn');
  assert.equal(config.optimizer.lr, 0.01);
  assert.equal(config.method.l1, 1.0);
});

test('a group selection applies before key overrides, wherever it is written', () => {
  const config = composeConfig(['optimizer.momentum=0.9', 'optimizer=sgd']);
  assert.equal(config.optimizer.name === 'sgd' && config.optimizer.momentum, 0.9);
});

test('values are YAML: numbers in any notation, lists, null, booleans', () => {
  const config = composeConfig([
    'optimizer.lr=1e-4',
    'model.hidden=[256, 256, 128]',
    'scenario.tasks=[[0,1],[2,3]]',
    'scenario.num_tasks=2',
    'training.joint_baseline=false',
    'dataset.mean=null',
    'seed=7',
  ]);
  assert.equal(config.optimizer.lr, 0.0001);
  assert.equal(config.model.name === 'mlp' && config.model.hidden.join(), '256,256,128');
  assert.equal(config.scenario.type === 'split' && config.scenario.tasks?.length, 2);
  assert.equal(config.training.mode === 'continual' && config.training.joint_baseline, false);
  assert.equal(config.dataset.mean, null);
  assert.equal(config.seed, 7);
});

test('+section.key adds an optional section filled from its defaults; ~ removes it', () => {
  const config = composeConfig(['+method.ewc.lambda=1000', 'method.ewc.mode=online']);
  assert.deepEqual(config.method.ewc, { lambda: 1000, mode: 'online', gamma: 1, fisher_samples: 1000 });
  const withMapping = composeConfig(['+method.replay={buffer_size: 50}']);
  assert.deepEqual(withMapping.method.replay, { buffer_size: 50, policy: 'reservoir', batch_ratio: 1 });
  const removed = composeConfig(['+method.l1=2', '+method.ogd={}', '~method.l1', '~method.ogd']);
  assert.deepEqual(removed.method, { rule: 'SL' });
});

test('++key sets a key whether or not it exists', () => {
  assert.equal(composeConfig(['++optimizer.lr=0.5']).optimizer.lr, 0.5);
  assert.equal(composeConfig(['++method.l2=0.1']).method.l2, 0.1);
});

test('a typo in a key names the key and suggests the nearest valid one', () => {
  assert.equal(configError(() => composeConfig(['optimizer.lrr=0.1'])), "unknown key 'optimizer.lrr'; did you mean 'optimizer.lr'?");
  assert.equal(configError(() => composeConfig(['optimzer.lr=0.1'])), "unknown key 'optimzer.lr'; did you mean 'optimizer.lr'?");
  assert.equal(configError(() => composeConfig(['trainng.members=3'])), "unknown key 'trainng.members'; did you mean 'training.members'?");
  assert.equal(configError(() => composeConfig(['+method.ewc.lamda=3'])), "unknown key 'method.ewc.lamda'; did you mean 'method.ewc.lambda'?");
});

test('a key far from every valid one lists the valid keys instead', () => {
  assert.equal(
    configError(() => composeConfig(['optimizer.zzzzzz=1'])),
    "unknown key 'optimizer.zzzzzz'; valid keys in optimizer: name, lr, weight_decay, betas, eps, amsgrad",
  );
});

test('a key of another option of the group says which option has it', () => {
  assert.equal(configError(() => composeConfig(['model.channels=[8]'])), "'model.channels' is not a key of model 'mlp'; it belongs to model=cnn, model=resnet");
});

test('a typo in an option name suggests the nearest option', () => {
  assert.equal(configError(() => composeConfig(['model=mpl'])), "unknown option 'mpl' for group 'model'; did you mean 'mlp'? options: cnn, mlp, resnet, vit");
  assert.equal(configError(() => composeConfig(['optimizer=adamm'])), "unknown option 'adamm' for group 'optimizer'; did you mean 'adam'? options: adam, adamw, rmsprop, sgd");
});

test('bad values name the key and what is expected', () => {
  assert.equal(configError(() => composeConfig(['optimizer.lr=-1'])), 'bad value for optimizer.lr: expected number > 0, got -1');
  assert.equal(configError(() => composeConfig(['training.members=2.5'])), 'bad value for training.members: expected int >= 1, got 2.5');
  assert.equal(configError(() => composeConfig(['model.hidden=[120, abc]'])), 'bad value for model.hidden: expected list of int >= 1, got [120,"abc"]');
  assert.equal(
    configError(() => composeConfig(['model.activation=rleu'])),
    "bad value 'rleu' for model.activation; did you mean 'relu'? allowed: relu, tanh, sigmoid, gelu, leaky_relu, elu, silu, identity, crelu",
  );
  assert.equal(configError(() => composeConfig(['training.nan_policy=all'])), "bad value 'all' for training.nan_policy; allowed: member, run");
});

test('a comma-separated value without -m points to sweeps', () => {
  assert.match(configError(() => composeConfig(['optimizer.lr=0.1,0.01'])), /^bad value for optimizer\.lr: .*sweep with -m\)$/);
  assert.match(configError(() => composeConfig(['model.hidden=[1],[2]'])), /^cannot read the value of 'model\.hidden'.*sweep with -m\)$/);
  assert.match(configError(() => composeConfig(['model=mlp,cnn'])), /^unknown option 'mlp,cnn' for group 'model'.*sweep with -m\)$/);
});

test('the override grammar is enforced with messages that say the fix', () => {
  assert.equal(configError(() => composeConfig(['method.l1=1.0'])), "'method.l1' is not in the config; add it with '+method.l1=1.0'");
  assert.equal(configError(() => composeConfig(['method.ewc.lambda=5'])), "'method.ewc' is not in the config; add it with '+method.ewc.lambda=5'");
  assert.equal(
    configError(() => composeConfig(['+optimizer.lr=0.1'])),
    "'optimizer.lr' is already set; change it with 'optimizer.lr=0.1' (no '+'), or use '++optimizer.lr=0.1' to set it either way",
  );
  assert.equal(configError(() => composeConfig(['~optimizer.lr'])), "'optimizer.lr' is required and cannot be removed");
  assert.equal(configError(() => composeConfig(['~scenario.tasks'])), "'scenario.tasks' is required and cannot be removed; set it to null instead (scenario.tasks=null)");
  assert.equal(configError(() => composeConfig(['~method.l1'])), "'method.l1' is not in the config, so there is nothing to remove");
  assert.equal(configError(() => composeConfig(['model.name=cnn'])), "'model.name' is set by the option file; choose another model with model=NAME");
  assert.equal(configError(() => composeConfig(['+model=cnn'])), "group 'model' always has an option; choose it with 'model=cnn' (no '+')");
  assert.equal(configError(() => composeConfig(['seed.x=1'])), "'seed' holds 0, not keys, so 'seed.x' does not exist; set it with seed=VALUE");
  assert.match(configError(() => composeConfig(['optimizer.lr'])), /has no value; write optimizer\.lr=VALUE/);
  assert.match(configError(() => composeConfig(['optimizer lr=1'])), /cannot read the override 'optimizer lr=1'/);
  assert.equal(configError(() => composeConfig(['+method.l1=2', '~method.l1=3'])), "'~method.l1=3' removes method.l1 only when it is 3, but it is 2");
});

test('relations between keys are checked', () => {
  assert.match(configError(() => composeConfig(['scenario.tasks=[[1,2],[2,3]]'])), /class 2 appears in task 0 and again in task 1/);
  assert.match(configError(() => composeConfig(['+method.nte={}'])), /method\.nte .* cannot run with optimizer=adam; use optimizer=sgd/);
  assert.equal(composeConfig(['optimizer=sgd', '+method.nte={}']).method.nte?.inv_temperature, 1);
  // The methods' own rules run at composition, before any data loads, each naming its key.
  assert.match(configError(() => composeConfig(['optimizer=sgd', 'optimizer.momentum=0.9', '+method.nte={}'])), /optimizer\.momentum=0\.9 would be ignored/);
  assert.match(configError(() => composeConfig(['optimizer=sgd', '+method.nte={}', 'method.nte.prune_rate=0.01'])), /prune_rate applies only to learning by pruning/);
  assert.equal(composeConfig(['optimizer=sgd', '+method.nte={}', 'method.nte.prune_only=true', 'method.nte.prune_rate=0.01']).method.nte?.prune_rate, 0.01);
  assert.match(configError(() => composeConfig(['optimizer=sgd', 'optimizer.nesterov=true'])), /nesterov=true needs optimizer\.momentum > 0/);
  assert.match(configError(() => composeConfig(['model=vit', 'model.heads=3'])), /model\.dim=128 is not a multiple of model\.heads=3/);
  assert.match(configError(() => composeConfig(['training=standard'])), /training=standard trains a single task; use it with scenario=joint/);
  assert.equal(composeConfig(['training=standard', 'scenario=joint']).training.mode, 'standard');
  assert.match(configError(() => composeConfig(['scenario.class_order=random'])), /set scenario\.tasks=null/);
  assert.match(configError(() => composeConfig(['dataset.std=[0.3, 0.3]'])), /dataset\.mean has 1 channels but dataset\.std has 2/);
});

test('every option of every group composes into a valid config', () => {
  const combos = [
    ['model=resnet', 'dataset=cifar10'],
    ['model=vit', 'dataset=cifar100'],
    ['dataset=tiny_imagenet', 'scenario=class_pairs'],
    ['dataset=fashion_mnist', 'scenario=permuted', 'optimizer=rmsprop'],
    ['dataset=npz', 'dataset.root=data/x.npz', 'dataset.name=imagenet_28_gray', 'optimizer=adamw'],
    ['training=cloning', 'scenario=joint'],
  ];
  for (const overrides of combos) {
    const config: ExperimentConfig = composeConfig(overrides);
    assert.equal(typeof config.seed, 'number', overrides.join(' '));
  }
});

test('a user conf/ folder: custom option files validate against the variant they name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plab-conf-'));
  for (const group of ['model', 'dataset', 'scenario', 'optimizer', 'method', 'training', 'logging', 'launcher']) mkdirSync(join(dir, group));
  writeFileSync(
    join(dir, 'config.yaml'),
    'defaults:\n  - model: wide\n  - dataset: mnist\n  - scenario: split\n  - optimizer: sgd\n  - method: none\n  - training: continual\n  - logging: default\n  - launcher: local\n  - _self_\nseed: 3\nresults_dir: out\nalgorithm: null\ndevice: cpu\noptimizer:\n  lr: 0.05\n',
  );
  writeFileSync(join(dir, 'model', 'wide.yaml'), 'name: mlp\nhidden: [1000, 1000]\nactivation: relu\nnorm: none\ndropout: 0.0\n');
  writeFileSync(join(dir, 'model', 'broken.yaml'), 'name: mlp\nhidden: [10]\nactivaton: relu\nnorm: none\ndropout: 0.0\n');
  writeFileSync(join(dir, 'dataset', 'mnist.yaml'), 'format: mnist\nname: mnist\nroot: null\nnormalize: false\nmean: null\nstd: null\n');
  writeFileSync(join(dir, 'scenario', 'split.yaml'), 'type: split\ntasks: null\nclasses_per_task: 5\nclass_order: random\nmode: task_incremental\nnum_tasks: null\n');
  writeFileSync(join(dir, 'optimizer', 'sgd.yaml'), 'name: sgd\nlr: 0.1\nmomentum: 0.9\ndampening: 0\nnesterov: true\nweight_decay: 0\n');
  writeFileSync(join(dir, 'method', 'none.yaml'), 'rule: SL\n');
  writeFileSync(
    join(dir, 'training', 'continual.yaml'),
    'mode: continual\nepochs_per_task: 1\nbatch_size: 32\nstopping: accuracy\ntarget_accuracy: 0.98\nmax_epochs: 20\nmembers: 2\nexpert_baseline: false\njoint_baseline: false\nnan_policy: run\n',
  );
  writeFileSync(join(dir, 'logging', 'default.yaml'), 'log_frequency: 10\ntrack_tasks: seen\nrepresentation_samples: 0\nsnapshots: []\nmeasures: []\ntensorboard: false\n');
  writeFileSync(join(dir, 'launcher', 'local.yaml'), 'name: local\njobs: 1\n');

  const config = composeConfig([], { confDir: dir });
  assert.deepEqual(config.model, { name: 'mlp', hidden: [1000, 1000], activation: 'relu', norm: 'none', dropout: 0 });
  assert.equal(config.optimizer.lr, 0.05, "config.yaml's own keys override the option file");
  assert.equal(config.seed, 3);
  assert.equal(configError(() => composeConfig(['model=broken'], { confDir: dir })), "unknown key 'model.activaton'; did you mean 'model.activation'?");
});

test("--config-dir: a user's folder adds presets to the groups, replaces same-named ones and config.yaml, and misspelt groups are named", () => {
  const user = mkdtempSync(join(tmpdir(), 'plab-user-conf-'));
  try {
    mkdirSync(join(user, 'model'));
    mkdirSync(join(user, 'optimizer'));
    writeFileSync(join(user, 'model', 'tiny.yaml'), 'name: mlp\nhidden: [32]\nactivation: tanh\nnorm: none\ndropout: 0\n');
    // Same name as plab's own preset: the user's wins.
    writeFileSync(join(user, 'optimizer', 'sgd.yaml'), 'name: sgd\nlr: 0.5\nmomentum: 0.9\nweight_decay: 0\ndampening: 0\nnesterov: false\n');
    const tiny = composeConfig(['model=tiny', 'optimizer=sgd'], { configDirs: [user] });
    assert.deepEqual(tiny.model, { name: 'mlp', hidden: [32], activation: 'tanh', norm: 'none', dropout: 0 });
    assert.equal(tiny.optimizer.lr, 0.5);
    assert.equal(composeConfig(['optimizer=sgd']).optimizer.lr === 0.5, false, "plab's own sgd preset is untouched without --config-dir");
    assert.equal(configError(() => composeConfig(['model=tiny'])), "unknown option 'tiny' for group 'model'; options: cnn, mlp, resnet, vit");
    // A config.yaml of the user's is the primary config.
    writeFileSync(join(user, 'config.yaml'), readFileSync(join(defaultConfDir, 'config.yaml'), 'utf8').replace('- model: mlp', '- model: tiny').replace('seed: 0', 'seed: 7'));
    const primary = composeConfig([], { configDirs: [user] });
    assert.deepEqual([primary.model, primary.seed], [tiny.model, 7]);
    mkdirSync(join(user, 'optimiser'));
    writeFileSync(join(user, 'optimiser', 'mine.yaml'), 'name: sgd\n');
    assert.match(configError(() => composeConfig([], { configDirs: [user] })), /^--config-dir .*: 'optimiser' is not a config group; did you mean 'optimizer'\? groups: model, /);
    assert.match(configError(() => composeConfig([], { configDirs: [join(user, 'nope')] })), /^--config-dir .*nope: no such folder/);
  } finally {
    rmSync(user, { recursive: true, force: true });
  }
});
