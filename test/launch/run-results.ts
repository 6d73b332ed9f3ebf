// Helpers of the launcher tests: the CLI in a child process, and comparisons of run folders.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
/** The command that runs plab from the sources (node and its arguments). */
export const plabCommand = [process.execPath, '--import', 'tsx', join(root, 'src', 'cli', 'main.ts')];
/** `plab ARGS` from the sources. */
export const runPlab = (args: string[]) =>
  spawnSync(plabCommand[0], [...plabCommand.slice(1), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, PLAB_DEBUG: '' } });

/** Every result file of a run folder that must not depend on how it was run: arrays, plan, joint baseline. */
export function resultFiles(runDir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of ['plan.json', 'joint.json']) if (existsSync(join(runDir, name))) files.set(name, readFileSync(join(runDir, name)));
  for (const task of readdirSync(runDir).filter((name) => name.startsWith('task_')).sort()) {
    for (const name of readdirSync(join(runDir, task)).filter((file) => /\.np[yz]$/.test(file)).sort()) files.set(`${task}/${name}`, readFileSync(join(runDir, task, name)));
  }
  return files;
}

/** A JSON file without the entries that measure time. */
export function withoutTimes(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'), (key, value) => (['seconds', 'samples_per_second', 'versions'].includes(key) ? undefined : value));
}

/** Asserts that `sharded` holds the same results as `whole`, byte for byte. */
export function assertSamePopulation(sharded: string, whole: string): void {
  const expected = resultFiles(whole);
  const actual = resultFiles(sharded);
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${sharded}/${name} equals the unsharded run's`);
  for (const task of readdirSync(whole).filter((name) => name.startsWith('task_'))) {
    assert.deepEqual(withoutTimes(join(sharded, task, 'metadata.json')), withoutTimes(join(whole, task, 'metadata.json')), `${task}/metadata.json`);
  }
  assert.deepEqual(withoutTimes(join(sharded, 'summary.json')), withoutTimes(join(whole, 'summary.json')), 'summary.json');
}

