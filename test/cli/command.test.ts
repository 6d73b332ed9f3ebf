// The plab command runs the CLI bundled from src/ by the set-up script: it must behave as the
// sources do, and a bundle older than the sources must be rebuilt before it runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    assert.match(result.stdout, /^Usage: plab config (show )?\[options\]/);
  }
  const wrong = fromSources(['config', 'list']);
  assert.equal(wrong.status, 1);
  assert.equal(wrong.stderr, "plab: config: unknown command 'list'\n");
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
  for (const name of ['run', 'report', 'serve', 'export', 'config', 'clone', 'analyze', 'data', 'ls', 'compare']) {
    for (const flag of ['-h', '--help']) {
      const help = fromSources([name, flag]);
      assert.equal(help.status, 0, `plab ${name} ${flag}: ${help.stderr}`);
      assert.match(help.stdout, /usage: plab /i, `plab ${name} ${flag}`);
    }
  }
  const missing = fromSources(['report', '/no/such/run']);
  assert.match(missing.stderr, /^plab: report: \/no\/such\/run does not exist; give a run folder/);
  assert.equal(fromSources(['serve', '--port', 'abc']).stderr, "plab: serve: option '--port <n>' argument 'abc' is invalid. needs a whole number from 0 to 65535, e.g. --port 8080, got 'abc'\n");
  // --host is an option, not the results root.
  assert.equal(fromSources(['serve', '--host', '0.0.0.0', '/nonexistent/results']).stderr, "plab: serve: /nonexistent/results does not exist; run an experiment first ('./plab run') or give the results root\n");
  assert.equal(fromSources(['serve', '--host']).stderr, "plab: serve: option '--host <address>' argument missing\n");
  assert.equal(fromSources(['serve', '--hots', 'x']).stderr, "plab: serve: unknown option '--hots'\n(Did you mean --host?)\n");
  assert.equal(fromSources(['run', '-m', '-j', 'two']).stderr, "plab: run: option '-j, --jobs <n>' argument 'two' is invalid. needs a whole number from 1 up, e.g. -j 2, got 'two'\n");
  assert.equal(fromSources(['frobnicate']).stderr, "plab: unknown command 'frobnicate'\n");
  assert.equal(fromSources(['export', 'x', '--format', 'xls']).stderr, "plab: export: option '--format <format>' argument 'xls' is invalid. Allowed choices are csv.\n");
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
  assert.match(help.stdout, /--member <r>/);
  const bad = fromSources(['report', 'results/mnist/SL', '--member', 'x']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--member.*needs a whole number from 0 up, e\.g\. --member 1, got 'x'/);
});

test('--config-dir adds the presets of a folder of ones own, before or after the command', () => {
  const user = mkdtempSync(join(tmpdir(), 'plab-cli-conf-'));
  try {
    mkdirSync(join(user, 'model'));
    writeFileSync(join(user, 'model', 'tiny.yaml'), 'name: mlp\nhidden: [32]\nactivation: tanh\nnorm: none\ndropout: 0\n');
    for (const args of [['--config-dir', user, 'run', '--cfg', 'model=tiny'], ['run', '--cfg', 'model=tiny', '--config-dir', user], ['config', 'show', 'model=tiny', '--config-dir', user]]) {
      const shown = fromSources(args);
      assert.equal(shown.status, 0, shown.stderr);
      assert.deepEqual((parseYaml(shown.stdout) as { model: unknown }).model, { name: 'mlp', hidden: [32], activation: 'tanh', norm: 'none', dropout: 0 });
    }
    assert.match(fromSources(['config', 'show', 'model', '--config-dir', user]).stdout, /options: cnn, mlp\*, resnet, tiny, vit/);
  } finally {
    rmSync(user, { recursive: true, force: true });
  }
});

test('plab clone and plab clone check: usage from commander, rejected values named under plab: clone', () => {
  const help = fromSources(['clone', '-h']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: plab clone \[options\] \[command\] \[overrides\.\.\.\]/);
  assert.match(help.stdout, /-q, --quiet/);
  assert.match(help.stdout, /check \[options\] \[overrides\.\.\.\]/);
  assert.match(help.stdout, /training\.expansion_factor/); // the training group's keys follow the usage
  const check = fromSources(['clone', 'check', '--help']);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /^Usage: plab clone check \[options\] \[overrides\.\.\.\]/);
  assert.match(check.stdout, /--factor <k> +copies of every hidden unit \(default: 2\)/);
  const rejected: [string[], string][] = [
    [['clone', 'check', '--factor', '1'], "plab: clone check: option '--factor <k>' argument '1' is invalid. needs a whole number from 2 up, e.g. --factor 2, got '1'\n"],
    [['clone', 'check', '--tolerance', '0'], "plab: clone check: option '--tolerance <t>' argument '0' is invalid. needs a number > 0, e.g. --tolerance 1e-5, got '0'\n"],
    [['clone', 'check', '--input', '1,x'], "plab: clone check: option '--input <C,H,W>' argument '1,x' is invalid. needs whole numbers >= 1 separated by commas, e.g. 2,4,8, got '1,x'\n"],
    [['clone', 'check', 'optimizer.lr=0.1'], "plab: clone check: command-argument value 'optimizer.lr=0.1' is invalid for argument 'overrides'. takes model overrides only (model=NAME, model.KEY=VALUE); got 'optimizer.lr=0.1'\n"],
    [['clone', 'check', '--width', '3'], "plab: clone check: unknown option '--width'\n"],
    [['clone', '--bogus'], "plab: clone: unknown option '--bogus'\n"],
    [['clone', 'training=standard'], "plab: clone: 'plab clone' runs training=cloning; remove the override training=standard\n"],
  ];
  for (const [args, message] of rejected) {
    const result = fromSources(args);
    assert.equal(result.status, 1, `plab ${args.join(' ')}`);
    assert.equal(result.stderr, message, `plab ${args.join(' ')}`);
  }
});
