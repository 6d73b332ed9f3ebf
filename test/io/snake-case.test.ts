// One naming convention in every JSON file plab writes: snake_case keys, checked on the files of a
// small sweep (plan, summary, provenance, metadata, checkpoint, joint, sweep summary).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { snakeCase, snakeCaseKeys } from '../../src/io/snake-case.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'plab-json-keys-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('snakeCase and snakeCaseKeys', () => {
  assert.deepEqual(['memberSeeds', 'multiHead', 'labelOffset', 'per_member', 'step', 'task2Classes'].map(snakeCase), ['member_seeds', 'multi_head', 'label_offset', 'per_member', 'step', 'task2_classes']);
  assert.deepEqual(snakeCaseKeys({ memberSeeds: [1, 2], tasks: [{ labelOffset: 0, classes: [1, 2] }], name: 'aB' }), { member_seeds: [1, 2], tasks: [{ label_offset: 0, classes: [1, 2] }], name: 'aB' });
});

/** Every key, at any depth, of every .json file under `dir`, with the file it is in. */
function jsonKeys(dir: string): { file: string; key: string }[] {
  const out: { file: string; key: string }[] = [];
  const walk = (value: unknown, file: string) => {
    if (Array.isArray(value)) value.forEach((inner) => walk(inner, file));
    else if (value !== null && typeof value === 'object') for (const [key, inner] of Object.entries(value)) out.push({ file, key }), walk(inner, file);
  };
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) walk(JSON.parse(readFileSync(join(entry.parentPath, entry.name), 'utf8')), join(entry.parentPath, entry.name));
  }
  return out;
}

test('a sweep writes only snake_case keys', { timeout: 600_000 }, () => {
  const sweep = join(work, 'sweep');
  const config = ['training.epochs_per_task=1', 'training.members=2', 'scenario.num_tasks=2', 'training.joint_baseline=true', 'logging.log_frequency=100', 'logging.representation_samples=4'];
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'run', '-m', 'seed=0,1', ...config, `run_dir=${sweep}`], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const keys = jsonKeys(sweep);
  const files = new Set(keys.map((entry) => entry.file.slice(sweep.length + 1).replace(/^seed=\d\//, '')));
  for (const name of ['sweep_summary.json', 'plan.json', 'summary.json', 'provenance.json', 'joint.json', 'task_001/metadata.json', 'checkpoint/checkpoint.json']) assert.ok(files.has(name), `${name} was checked (${[...files].join(', ')})`);
  assert.deepEqual(keys.filter(({ key }) => key !== snakeCase(key)), []);
});
