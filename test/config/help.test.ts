import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, ConfigRepository, formatHelp, groupNames } from '../../src/config/index.js';

test('the help lists every group, every option with its keys, and the optional method keys', () => {
  const help = formatHelp();
  const repository = new ConfigRepository();
  for (const group of groupNames) {
    assert.match(help, new RegExp(`^${group}: `, 'm'), group);
    for (const option of repository.options(group)) assert.match(help, new RegExp(`^ {2}${group}=${option}$`, 'm'), `${group}=${option}`);
  }
  assert.match(help, /^ {4}model\.hidden +\[120, 84\] +list of int >= 1 +widths of the hidden layers/m);
  assert.match(help, /^ {4}optimizer\.lr +0\.001 +number > 0 +learning rate$/m);
  assert.match(help, /^ {4}method\.ewc\.lambda +100 +number >= 0 +weight of the quadratic penalty$/m);
  assert.match(help, /mlp\*/);
  assert.doesNotMatch(help, /option file is invalid/, 'every shipped option file matches the schema');
  assert.match(help, /^ {2}seed +0 +int >= 0 /m);
});

test('the help for one group lists only that group', () => {
  const help = formatHelp({ group: 'optimizer' });
  assert.match(help, /^optimizer: /);
  assert.doesNotMatch(help, /model\./);
  assert.throws(() => formatHelp({ group: 'optimiser' }), (error: unknown) => error instanceof ConfigError && /did you mean 'optimizer'/.test(error.message));
});

test('the repository lists options from the conf folder', () => {
  const repository = new ConfigRepository();
  assert.deepEqual(repository.options('model'), ['cnn', 'mlp', 'resnet', 'vit']);
  assert.deepEqual(repository.options('dataset'), ['cifar10', 'cifar100', 'fashion_mnist', 'mnist', 'npz', 'tiny_imagenet']);
  assert.deepEqual(repository.options('scenario'), ['class_pairs', 'joint', 'online_permuted', 'permuted', 'rotated', 'slowly_changing_regression', 'split']);
  assert.deepEqual(repository.options('optimizer'), ['adam', 'adamw', 'rmsprop', 'sgd']);
  assert.deepEqual(repository.options('training'), ['cloning', 'continual', 'standard']);
  assert.throws(() => new ConfigRepository('/nonexistent'), /no config\.yaml in \/nonexistent/);
});
