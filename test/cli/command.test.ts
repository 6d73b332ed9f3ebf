// The plab command runs the CLI bundled from src/ by the set-up script: it must behave as the
// sources do, and a bundle older than the sources must be rebuilt before it runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const bundle = join(root, 'build', 'cli', 'main.js');

function plabCommand(args: string[]) {
  return spawnSync(join(root, 'plab'), args, { cwd: root, encoding: 'utf8' });
}

function fromSources(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], { cwd: root, encoding: 'utf8' });
}

test('the plab command prints what the sources print', () => {
  plabCommand(['--help']); // brings the bundle up to date, so set-up prints nothing below
  for (const args of [['config', 'show'], ['run', '--help'], ['run', 'optimizer.lrr=0.1']]) {
    const bundled = plabCommand(args);
    const sources = fromSources(args);
    assert.equal(bundled.status, sources.status, `plab ${args.join(' ')}: ${bundled.stderr}`);
    assert.equal(bundled.stdout, sources.stdout, `plab ${args.join(' ')}`);
    assert.equal(bundled.stderr, sources.stderr, `plab ${args.join(' ')}`);
  }
});

test("plab config answers --help in any position with its usage, and anything but 'show' with an error", () => {
  for (const args of [['config', '--help'], ['config', 'show', '--help'], ['config', 'show', 'model', '-h']]) {
    const result = fromSources(args);
    assert.equal(result.status, 0, `plab ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stdout, /^usage: plab config show \[group\]/);
  }
  const wrong = fromSources(['config', 'list']);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /usage: plab config show \[group\]/);
});

test('a bundle older than the sources is rebuilt before plab runs', () => {
  assert.equal(plabCommand(['--help']).status, 0);
  const past = new Date('2001-01-01T00:00:00Z');
  utimesSync(bundle, past, past);
  const run = plabCommand(['--help']);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(statSync(bundle).mtimeMs > past.getTime() + 1000, 'the stale bundle was not rebuilt');
});
