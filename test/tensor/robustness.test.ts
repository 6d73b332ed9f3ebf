// No input reachable from TypeScript may crash the process: each bad call below must throw a
// JavaScript error. They run in a child process, so that a crash inside C++ fails this test
// instead of taking the test runner down.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const script = `
import { Generator, grad, native, ops, tensor } from './src/tensor/index.ts';
const ones = ops.ones([2, 3]);
const cases = {
  'negative size': () => ops.zeros([-1]),
  'absurd size': () => ops.zeros([1e6, 1e6, 1e6]),
  'index out of range': () => ones.indexSelect(0, tensor([5], { dtype: 'int64' })),
  'wrong index dtype': () => ones.indexSelect(0, tensor([0])),
  'matmul shapes': () => ones.matmul(ones),
  'conv2d on a matrix': () => ops.conv2d(ones, ones),
  'cross entropy with bad targets': () => ops.crossEntropy(ones, tensor([7, 9], { dtype: 'int64' })),
  'reshape to a wrong size': () => ones.reshape(4, 4),
  'backward of a non-scalar': () => ones.clone().requiresGrad_().mul(2).backward(),
  'grad of an unconnected input': () => grad(ones.sum(), [tensor([1], { requiresGrad: true })]),
  'unknown operator': () => native.resolveOperator('no_such_op', ''),
  'operator id out of range': () => native.callOperator(1e9),
  'string for a tensor argument': () => native.callOperator(native.resolveOperator('add', 'Tensor'), 'x', ones),
  'too many arguments': () => native.callOperator(native.resolveOperator('neg', ''), ones, ones),
  'bad dtype code': () => native.fromTypedArray(new Float32Array(1), [1], 99),
  'typed array of the wrong width': () => native.fromTypedArray(new Float64Array(2), [2], 6),
  'shape that does not match the data': () => tensor(new Float32Array(3), { shape: [2, 2] }),
  'generator state from garbage': () => new Generator(0).setState(ones),
  'use after dispose': () => { const t = ops.ones([1]); t.dispose(); return t.sum(); },
  'a slot number that holds no tensor': () => native.callOperator(native.resolveOperator('neg', ''), 123456),
  'grad of a different shape': () => { const p = ops.ones([2]).requiresGrad_(); p.grad = ops.ones([3]); },
};
const outcomes = {};
for (const [name, body] of Object.entries(cases)) {
  try { body(); outcomes[name] = 'no error'; } catch (error) { outcomes[name] = error instanceof Error && error.message ? 'error' : 'bad error'; }
}
console.log(JSON.stringify(outcomes));
`;

test('bad calls into libtorch throw JavaScript errors and never crash the process', () => {
  const root = join(import.meta.dirname, '..', '..');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(run.signal, null, `the process was killed by ${run.signal}: ${run.stderr}`);
  assert.equal(run.status, 0, run.stderr);
  const outcomes = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, string>;
  for (const [name, outcome] of Object.entries(outcomes)) assert.equal(outcome, 'error', `${name}: ${outcome}`);
  assert.equal(Object.keys(outcomes).length, 21);
});
