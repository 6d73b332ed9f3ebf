// The plab command runs the CLI bundled from src/ by the set-up script: it must behave as the
// sources do, and a bundle older than the sources must be rebuilt before it runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';

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
    assert.match(result.stdout, /^usage: plab config show \[group \| overrides...\]/);
  }
  const wrong = fromSources(['config', 'list']);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /^plab: config: unknown subcommand .list.\nusage: plab config show \[group \| overrides...\]/);
});

test('a bundle older than the sources is rebuilt before plab runs', () => {
  assert.equal(plabCommand(['--help']).status, 0);
  const past = new Date('2001-01-01T00:00:00Z');
  utimesSync(bundle, past, past);
  const run = plabCommand(['--help']);
  assert.equal(run.status, 0, run.stderr);
  assert.ok(statSync(bundle).mtimeMs > past.getTime() + 1000, 'the stale bundle was not rebuilt');
});

test('plab --version, -h on every command, one error prefix, rejected values named', () => {
  const version = fromSources(['--version']);
  assert.equal(version.status, 0);
  assert.equal(version.stdout, `plab ${(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version}\n`);
  for (const name of ['run', 'report', 'serve', 'export', 'config', 'clone', 'analyze', 'data']) {
    for (const flag of ['-h', '--help']) {
      const help = fromSources([name, flag]);
      assert.equal(help.status, 0, `plab ${name} ${flag}: ${help.stderr}`);
      assert.match(help.stdout, /usage: plab /, `plab ${name} ${flag}`);
    }
  }
  const missing = fromSources(['report', '/no/such/run']);
  assert.match(missing.stderr, /^plab: report: \/no\/such\/run does not exist; give a run folder/);
  assert.equal(fromSources(['serve', '--port', 'abc']).stderr, "plab: serve: --port needs a port number from 0 to 65535, got 'abc'\n");
  // --host is an option, not the results root.
  assert.equal(fromSources(['serve', '--host', '0.0.0.0', '/nonexistent/results']).stderr, "plab: serve: /nonexistent/results does not exist; run an experiment first ('./plab run') or give the results root\n");
  assert.equal(fromSources(['serve', '--host']).stderr, 'plab: serve: --host needs an address to listen on, e.g. --host 0.0.0.0, got nothing\n');
  assert.equal(fromSources(['serve', '--hots', 'x']).stderr, "plab: serve: unknown option '--hots'; options: --port N, --host ADDRESS, --help\n");
  assert.match(fromSources(['run', '-m', '-j', 'two']).stderr, /^plab: -j needs a whole number of runs at a time, e\.g\. -j 2, got 'two'\n$/);
});

test("plab run --cfg and plab config show with overrides print the resolved config and run nothing", () => {
  const run = fromSources(['run', '--cfg', 'model=cnn', 'optimizer.lr=0.01']);
  assert.equal(run.status, 0, run.stderr);
  const show = fromSources(['config', 'show', 'model=cnn', 'optimizer.lr=0.01']);
  assert.equal(show.stdout, run.stdout);
  const config = parseYaml(run.stdout) as { model: { name: string }; optimizer: { lr: number } };
  assert.equal(config.model.name, 'cnn');
  assert.equal(config.optimizer.lr, 0.01);
  assert.match(fromSources(['run', '--cfg', 'optimizer.lrr=1']).stderr, /optimizer\.lrr.*optimizer\.lr/);
});

test('plab report --member picks the member of the one-network figures; a bad index is named', () => {
  const help = fromSources(['report', '--help']);
  assert.match(help.stdout, /usage: plab report <run folder> \[--member R\]/);
  const bad = fromSources(['report', 'results/mnist/SL', '--member', 'x']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /report: --member needs a member index 0, 1, \.\.\., got 'x'/);
  const unknown = fromSources(['report', 'results/mnist/SL', '--members', '2']);
  assert.match(unknown.stderr, /report: unknown option '--members'; options: --member R, --help/);
});
