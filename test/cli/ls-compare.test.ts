// plab ls and plab compare on run folders: status from the lock and the summary, wall time from
// provenance.json, the config keys runs differ in, and the comparison's numbers from summary.json.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LOCK_FILE } from '../../src/io/run-lock.js';
import { welchTest } from '../../src/metrics/welch.js';
import { compareRuns } from '../../src/report/compare.js';
import { discoverRuns } from '../../src/report/runs.js';
import { smallRun } from '../report/helpers.js';

const root = join(import.meta.dirname, '..', '..');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], { cwd: root, encoding: 'utf8' });

let work: string;
let results: string;
let holder: ReturnType<typeof spawn>;

function provenance(dir: string, sessions: { started: string; finished: string | null }[]): void {
  writeFileSync(join(dir, 'provenance.json'), JSON.stringify({ sessions: sessions.map((s) => ({ ...s, command: [], resumed: false, host: hostname(), pid: 1 })) }));
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'plab-ls-'));
  results = join(work, 'results');
  const a = smallRun(join(results, 'mnist', 'SL', 'a'), { seed: 1, algorithm: 'SL' });
  const b = smallRun(join(results, 'mnist', 'SL', 'b'), { seed: 2, retention: 0.6, algorithm: 'SL_other' });
  // Two sessions (the first run and a --resume): 90 s + 30 s.
  provenance(a, [
    { started: '2026-01-01T10:00:00.000Z', finished: '2026-01-01T10:01:30.000Z' },
    { started: '2026-01-01T11:00:00.000Z', finished: '2026-01-01T11:00:30.000Z' },
  ]);
  provenance(b, [{ started: '2026-01-01T10:00:00.000Z', finished: '2026-01-01T10:00:10.000Z' }]);
  // A run killed before its summary, and one whose lock a live process (this test's child) holds.
  const killed = smallRun(join(results, 'mnist', 'SL', 'killed'), { seed: 3, algorithm: 'SL' });
  rmSync(join(killed, 'summary.json'));
  writeFileSync(join(killed, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), started: '2026-01-01T10:00:00.000Z' }));
  const running = smallRun(join(results, 'mnist', 'SL', 'running'), { seed: 4, algorithm: 'SL' });
  rmSync(join(running, 'summary.json'));
  holder = spawn('sleep', ['600'], { stdio: 'ignore' });
  writeFileSync(join(running, LOCK_FILE), JSON.stringify({ pid: holder.pid, host: hostname(), started: new Date().toISOString() }));
});
after(() => {
  holder.kill();
  rmSync(work, { recursive: true, force: true });
});

test('runs have their status, wall time and the config values they differ in', () => {
  const { runs } = discoverRuns(results);
  const byId = Object.fromEntries(runs.map((run) => [run.id, run]));
  assert.deepEqual(Object.keys(byId).sort(), ['mnist/SL/a', 'mnist/SL/b', 'mnist/SL/killed', 'mnist/SL/running']);
  assert.equal(byId['mnist/SL/a'].status, 'finished');
  assert.equal(byId['mnist/SL/killed'].status, 'failed'); // its lock's process is gone
  assert.equal(byId['mnist/SL/running'].status, 'running');
  assert.equal(byId['mnist/SL/a'].wallSeconds, 120);
  assert.equal(byId['mnist/SL/b'].wallSeconds, 10);
  assert.equal(byId['mnist/SL/running'].wallSeconds, null); // no provenance.json
  // Only 'algorithm' differs among the four configs.
  assert.deepEqual(byId['mnist/SL/b'].differences, { algorithm: 'SL_other' });
  assert.deepEqual(byId['mnist/SL/a'].differences, { algorithm: 'SL' });

  const listed = cli(['ls', results]);
  assert.equal(listed.status, 0, listed.stderr);
  const lines = listed.stdout.trim().split('\n');
  assert.match(lines[0], /^run\s+status\s+tasks\s+ACC \(mean ± std\)\s+wall time\s+algorithm$/);
  const summary = JSON.parse(readFileSync(join(results, 'mnist', 'SL', 'a', 'summary.json'), 'utf8')) as { metrics: { average_accuracy: { mean: number; std: number } } };
  const acc = summary.metrics.average_accuracy;
  assert.match(lines[1], new RegExp(`^mnist/SL/a\\s+finished\\s+3/3\\s+${acc.mean.toFixed(4)} ± ${acc.std.toFixed(4)}\\s+2 min 0 s\\s+SL$`));
  assert.match(lines[3], /^mnist\/SL\/killed\s+failed\s+3\/3\s+-\s+-\s+SL$/);
  assert.match(lines[4], /^mnist\/SL\/running\s+running\s+/);
  assert.equal(cli(['ls', join(work, 'nowhere')]).stderr, `plab: ls: ${join(work, 'nowhere')} does not exist; run an experiment first ('./plab run') or give the results root\n`);
});

test("compare: mean ± std over members and Welch's p against the first run, from summary.json", () => {
  const dirs = ['a', 'b'].map((name) => join(results, 'mnist', 'SL', name));
  const summaries = dirs.map((dir) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { metrics: Record<string, { per_member: number[]; mean: number; std: number }> });
  const comparison = compareRuns(dirs.map((dir, index) => ({ name: `run${index}`, dir })));
  assert.deepEqual(comparison.runs, ['run0', 'run1']);
  assert.deepEqual(comparison.metrics.map((metric) => metric.name), ['average_accuracy', 'bwt', 'joint_accuracy', 'expert_accuracy']);
  const acc = comparison.metrics[0];
  for (const index of [0, 1]) {
    assert.ok(Math.abs(acc.columns[index]!.mean - summaries[index].metrics.average_accuracy.mean) < 1e-12);
    assert.ok(Math.abs(acc.columns[index]!.std - summaries[index].metrics.average_accuracy.std) < 1e-12);
    assert.equal(acc.columns[index]!.n, 3);
  }
  assert.equal(acc.columns[0]!.test, null);
  assert.deepEqual(acc.columns[1]!.test, welchTest(summaries[1].metrics.average_accuracy.per_member, summaries[0].metrics.average_accuracy.per_member));
  // retention 0.6 against 0.05: clearly better, over three members.
  assert.ok(acc.columns[1]!.mean > acc.columns[0]!.mean + 0.2 && acc.columns[1]!.test!.p < 0.01, JSON.stringify(acc.columns[1]));

  const printed = cli(['compare', ...dirs, '--metric', 'average_accuracy']);
  assert.equal(printed.status, 0, printed.stderr);
  const [header, row] = printed.stdout.split('\n');
  assert.match(header, /^metric\s+.*a \(baseline\)\s+.*b$/);
  const cell = (c: { mean: number; std: number }) => `${c.mean.toFixed(4)} ± ${c.std.toFixed(4)}`;
  assert.match(row, new RegExp(`^average_accuracy\\s+${cell(acc.columns[0]!)}\\s+${cell(acc.columns[1]!)} \\(p ${acc.columns[1]!.test!.p.toPrecision(3).replace('.', '\\.')}\\)$`));
  assert.equal(cli(['compare', ...dirs, '--metric', 'acc']).stderr, "plab: compare: no metric 'acc' in these runs; --metric takes one of average_accuracy, bwt, joint_accuracy, expert_accuracy\n");
  assert.match(cli(['compare', dirs[0], join(results, 'mnist', 'SL', 'killed')]).stderr, /^plab: .*killed: cannot read .*summary\.json \(the run has not finished\); compare finished runs/);
});

test("compare: a member's NaN, null in summary.json, is left out of its run's figures rather than counted as 0", () => {
  const baseline = join(results, 'mnist', 'SL', 'b');
  const summary = JSON.parse(readFileSync(join(baseline, 'summary.json'), 'utf8')) as { metrics: Record<string, { per_member: number[] }> };
  const values = summary.metrics.average_accuracy.per_member;
  const stopped = join(work, 'stopped');
  mkdirSync(stopped);
  summary.metrics.average_accuracy.per_member = [values[0], Number.NaN, values[2]];
  writeFileSync(join(stopped, 'summary.json'), JSON.stringify(summary));
  assert.match(readFileSync(join(stopped, 'summary.json'), 'utf8'), /"per_member":\[[^\]]*null/);
  const column = compareRuns([{ name: 'b', dir: baseline }, { name: 'stopped', dir: stopped }]).metrics[0].columns[1]!;
  assert.equal(column.n, 2);
  assert.ok(Math.abs(column.mean - (values[0] + values[2]) / 2) < 1e-12, `mean ${column.mean}`);
  assert.deepEqual(column.test, welchTest([values[0], Number.NaN, values[2]], values));
});

test("compare: regressions (loss mse), which have no accuracy, are compared by their last task's training loss", () => {
  const runs = [[0.5, 0.7], [0.25, 0.35]].map((losses, index) => {
    const dir = join(work, `regression${index}`);
    mkdirSync(dir);
    const nothing = { per_member: [Number.NaN, Number.NaN], mean: Number.NaN, std: Number.NaN };
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ loss: 'mse', training_loss: { last: { per_member: losses } }, metrics: { average_accuracy: nothing, bwt: nothing } }));
    return { name: `r${index}`, dir };
  });
  const comparison = compareRuns(runs);
  assert.deepEqual(comparison.metrics.map((metric) => metric.name), ['training_loss']);
  const [first, second] = comparison.metrics[0].columns;
  assert.ok(Math.abs(first!.mean - 0.6) < 1e-12 && Math.abs(second!.mean - 0.3) < 1e-12, JSON.stringify(comparison.metrics[0]));
  assert.equal(second!.n, 2);
  assert.deepEqual(second!.test, welchTest([0.25, 0.35], [0.5, 0.7]));
});
