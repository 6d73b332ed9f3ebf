// inMode: the body sees the requested mode in every module; afterwards each module has its own
// previous mode back, also when the body throws, and a mixed model (one module left in eval by
// hand) keeps the mix rather than taking the root's flag.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MLP } from '../../src/nn/models/mlp.js';
import { inMode } from '../../src/nn/mode.js';

function modes(model: MLP): boolean[] {
  return model.namedModules().map(([, module]) => module.training);
}

test('inMode switches every module for the body and restores each one, also on a throw', () => {
  const model = new MLP({ inputShape: [4], hidden: [3, 3], numClasses: 2, norm: 'batch', dropout: 0.5, members: 2 });
  const [, first] = model.namedModules().find(([name]) => name !== '')!;
  first.training = false;
  const before = modes(model);
  assert.ok(before.includes(true) && before.includes(false), 'the model starts with mixed modes');
  assert.deepEqual(
    inMode(model, false, () => modes(model)),
    before.map(() => false),
  );
  assert.deepEqual(modes(model), before);
  assert.throws(() => inMode(model, true, () => {
    assert.ok(modes(model).every((mode) => mode));
    throw new Error('inside');
  }), /inside/);
  assert.deepEqual(modes(model), before);
});
