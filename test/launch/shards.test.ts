// Member shards (launcher.shards): a population trained as shards of consecutive members and merged
// by the launcher gives the bytes of the same population trained in one process.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { memberShard } from '../../src/cl/member-shard.js';
import { composeConfig } from '../../src/config/index.js';
import { assertSamePopulation, runPlab } from './run-results.js';

test('a population of 5 members as 2 local shards (2 + 3 members) equals the unsharded run, expert and joint baselines included', { timeout: 600_000 }, () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-shards-'));
  const config = ['training.epochs_per_task=1', 'training.members=5', 'scenario.num_tasks=2', 'logging.log_frequency=100'];
  const whole = runPlab(['run', ...config, `run_dir=${join(base, 'whole')}`, '--quiet']);
  assert.equal(whole.status, 0, whole.stderr);
  const sharded = runPlab(['run', ...config, 'launcher.shards=2', `run_dir=${join(base, 'sharded')}`]);
  assert.equal(sharded.status, 0, sharded.stderr);
  assert.match(sharded.stdout, /sweep: 2 runs in /);
  const shardDirs = ['shard_0', 'shard_1'].map((name) => join(base, 'sharded', 'shards', name));
  assert.deepEqual(
    shardDirs.map((dir) => (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { members: number }).members),
    [2, 3],
    'shard 0 trains members 0 and 1, shard 1 members 2 to 4',
  );
  assertSamePopulation(join(base, 'sharded'), join(base, 'whole'));
  assert.match(readFileSync(join(base, 'sharded', 'config.yaml'), 'utf8'), /shards: 2\n\s*shard: null/);
});

test('member shards: each shard is consecutive global members; bad shard settings are named', () => {
  const shard = (overrides: string[]) => memberShard(composeConfig(['training.members=64', ...overrides]));
  assert.deepEqual(shard([]), { from: 0, to: 64, total: 64 });
  assert.deepEqual(shard(['launcher.shards=4', 'launcher.shard=2']), { from: 32, to: 48, total: 64 });
  assert.deepEqual(shard(['launcher.shards=3', 'launcher.shard=0']), { from: 0, to: 21, total: 64 });
  assert.throws(() => shard(['launcher.shards=4', 'launcher.shard=4']), /launcher\.shard=4 is not one of the 4 shards \(0 to 3\)/);
  assert.throws(() => memberShard(composeConfig(['training.members=5', 'launcher.shards=3', 'launcher.shard=0'])), /launcher\.shards=3 leaves shards of fewer than 2 of training\.members=5; .* use at most 2 shards/);
  assert.throws(() => shard(['launcher.shards=2', 'launcher.shard=0', 'model.dropout=0.5']), /launcher\.shards needs model\.dropout=0 \(got 0\.5\)/);
});
