// The addon loaded in several worker threads at once (native/src/operator_call.cpp's registry is
// shared by the process): 4 workers train the same network at the same time and must get the
// numbers the main thread gets, bit for bit. In a child process, so that a crash fails the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const script = `
import { Worker } from 'node:worker_threads';
const fixture = new URL('./test/tensor/fixtures/train-in-worker.ts', 'file://' + process.cwd() + '/');
// The workers start before the main thread loads the addon, so that they load it at the same time.
const running = Promise.all(Array.from({ length: 4 }, () => new Promise((resolve, reject) => {
  // tsx's loader is registered in the worker itself: Node 20 does not carry --import into workers.
  const boot = "import('tsx/esm/api').then((tsx) => { tsx.register(); return import(" + JSON.stringify(fixture.href) + "); })";
  const worker = new Worker(boot, { eval: true });
  worker.once('message', resolve);
  worker.once('error', reject);
})));
const { train } = await import('./test/tensor/fixtures/train-in-worker.ts');
const alone = train();
const workers = await running;
console.log(JSON.stringify({ alone, workers }));
process.exit(0);
`;

test('4 worker threads train the same network at once and match the main thread', () => {
  const root = join(import.meta.dirname, '..', '..');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(run.signal, null, `the process was killed by ${run.signal}: ${run.stderr.slice(-2000)}`);
  assert.equal(run.status, 0, run.stderr.slice(-2000));
  const { alone, workers } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { alone: number[]; workers: number[][] };
  assert.equal(alone.length, 50);
  assert.ok(alone[49]! < alone[0]!, `the loss did not fall: ${alone[0]} -> ${alone[49]}`);
  for (const losses of workers) assert.deepEqual(losses, alone);
});
