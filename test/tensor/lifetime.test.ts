// Tensor lifetimes against the addon's table of live tensors: scopes release what they made, keep()
// and results that leave every scope survive, and a tensor nobody disposed is released by garbage
// collection (the safety net), which needs --expose-gc and so runs in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { keep, native, ops, scope } from '../../src/tensor/index.js';

test('a scope releases every tensor it made except its result and what it kept', () => {
  const before = native.liveTensors();
  const [result, kept] = scope(() => {
    const a = ops.ones([3]);
    const doubled = keep(a.mul(2));
    a.add(1).relu();
    return [a.sum(), doubled];
  });
  assert.equal(native.liveTensors(), before + 2, 'the result and the kept tensor survive');
  assert.deepEqual([result.item(), kept.toArray()], [3, [2, 2, 2]]);
  result.dispose();
  kept.dispose();
  assert.equal(native.liveTensors(), before, 'dispose releases the slots');
  kept.dispose();
  assert.equal(native.liveTensors(), before, 'a second dispose does nothing');
});

test('tensors that leave every scope and are never disposed are released by garbage collection', () => {
  const script = `
import { native, ops, scope, settle } from './src/tensor/index.ts';
const before = native.liveTensors();
(() => { for (let i = 0; i < 1000; i += 1) { ops.ones([4]); scope(() => ops.zeros([4])); } })();
const made = native.liveTensors() - before;
for (let turn = 0; turn < 10 && native.liveTensors() > before; turn += 1) { globalThis.gc(); await settle(); }
console.log(JSON.stringify({ made, left: native.liveTensors() - before }));
`;
  const root = join(import.meta.dirname, '..', '..');
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const { made, left } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { made: number; left: number };
  assert.equal(made, 2000, 'both kinds stayed alive until collected');
  assert.equal(left, 0, 'collection released them all');
});
