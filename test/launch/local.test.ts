// The local launcher and a scheduler's stop: a SIGTERM to `plab run` of a sweep reaches its running
// jobs, which stop after their last finished task; running the sweep again in its folder continues
// every job from its checkpoint, to the bytes of a run that was never stopped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { INTERRUPTED_EXIT } from '../../src/cl/interrupt.js';
import { assertSamePopulation, plabCommand, runPlab } from './run-results.js';

test('a SIGTERM to a local sweep stops its running jobs (exit 75); the sweep run again in its folder resumes them to the bytes of an uninterrupted run', { timeout: 600_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-local-stop-'));
  const config = ['training.epochs_per_task=1', 'training.members=4', 'scenario.num_tasks=2', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.log_frequency=100'];
  const whole = runPlab(['run', ...config, `run_dir=${join(base, 'whole')}`, '--quiet']);
  assert.equal(whole.status, 0, whole.stderr);

  const sweepDir = join(base, 'sharded');
  const sweep = [...config, 'launcher.shards=2', 'launcher.jobs=2', `run_dir=${sweepDir}`];
  const shardPlans = [0, 1].map((shard) => join(sweepDir, 'shards', `shard_${shard}`, 'plan.json'));
  const parent = spawn(plabCommand[0], [...plabCommand.slice(1), 'run', ...sweep], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  parent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => parent.on('exit', resolve));
  // Both jobs have begun (their plans are written) before the stop.
  while (!shardPlans.every(existsSync)) await new Promise((resolve) => setTimeout(resolve, 100));
  parent.kill('SIGTERM');
  assert.equal(await exited, INTERRUPTED_EXIT, stderr);
  assert.match(stderr, /SIGTERM received: passed on to 2 running job\(s\)/);
  assert.ok(!existsSync(join(sweepDir, 'summary.json')), 'the stopped population was not merged');

  const resumed = runPlab(['run', ...sweep]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assertSamePopulation(sweepDir, join(base, 'whole'));
});
