// Runs that never collide and always repeat: a folder per run with a 'latest' link, one writer per
// folder (real concurrent processes), every random source seeded, and a run killed at random
// moments that resumes to the same bytes; no temporary file outlives a run.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { PROVENANCE_FILE, type Provenance } from '../../src/cl/provenance.js';
import { acquireRunLock, LOCK_FILE } from '../../src/io/run-lock.js';
import { discoverRuns } from '../../src/report/runs.js';

const root = join(import.meta.dirname, '..', '..');
const plab = (args: string[]) => ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args];
const small = ['training.epochs_per_task=1', 'training.members=2', 'scenario.num_tasks=3', 'training.joint_baseline=false', 'logging.log_frequency=60'];
/** Every random source of a run at once: dropout, replay's sampling and shrink-and-perturb's noise. */
const randomised = [...small, 'model.dropout=0.2', '+method.replay.buffer_size=500', '+method.shrink_perturb.every=step', 'method.shrink_perturb.shrink=0.999'];

function runPlab(args: string[]) {
  return spawnSync(process.execPath, plab(args), { cwd: root, encoding: 'utf8', env: { ...process.env, PLAB_DEBUG: '' } });
}

/** Every file a run computes (arrays and joint.json), by path; metadata.json and summary.json hold timings. */
function resultBytes(runDir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name.startsWith('task_')) visit(path);
      else if (/\.(npz|npy)$/.test(entry.name) || entry.name === 'joint.json') files.set(relative(runDir, path), readFileSync(path));
    }
  };
  visit(runDir);
  return files;
}

function assertSameBytes(actual: Map<string, Buffer>, expected: Map<string, Buffer>, what: string): void {
  assert.ok(expected.size >= 6, `${what}: the reference run wrote its arrays`);
  assert.deepEqual([...actual.keys()], [...expected.keys()], `${what}: the same files`);
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${what}: ${name} differs`);
}

/** Temporary files of atomic writes and lock files anywhere in a run folder. */
function leftovers(runDir: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) visit(join(dir, entry.name));
      else if (entry.name.includes('.tmp-') || entry.name.startsWith(LOCK_FILE)) found.push(relative(runDir, join(dir, entry.name)));
    }
  };
  visit(runDir);
  return found;
}

test('each run gets its own folder named by time and overrides; latest points at the newest; the dashboard lists both', () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-folders-'));
  const tiny = ['training.epochs_per_task=1', 'training.members=1', 'scenario.num_tasks=1', 'training.expert_baseline=false', 'training.joint_baseline=false', `results_dir=${base}`, '--quiet'];
  for (const lr of ['0.1', '0.01']) {
    const result = runPlab(['run', `optimizer.lr=${lr}`, ...tiny]);
    assert.equal(result.status, 0, result.stderr);
  }
  const algorithmDir = join(base, 'mnist', 'SL_1tasks');
  const runs = readdirSync(algorithmDir).filter((name) => name !== 'latest').sort();
  assert.equal(runs.length, 2);
  for (const [index, lr] of ['0.1', '0.01'].entries()) {
    const run = runs.find((name) => name.includes(`optimizer.lr=${lr},`))!;
    assert.match(run, new RegExp(`^\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}_optimizer\\.lr=${lr.replace('.', '\\.')},scenario\\.num_tasks=1,training\\.`), 'date, time, then the sorted overrides without results_dir');
    assert.ok(existsSync(join(algorithmDir, run, 'summary.json')), `the run with lr ${lr} finished`);
    if (index === 1) assert.equal(readlinkSync(join(algorithmDir, 'latest')), run, 'latest is the second run');
  }
  assert.deepEqual(discoverRuns(base).runs.map((run) => run.id).sort(), runs.map((run) => `mnist/SL_1tasks/${run}`), 'listed once each, not again through latest');
  // A run refused before it begins (here by the memory plan) leaves no folder, and latest unmoved.
  const refused = runPlab(['run', 'training.members=1000000', ...tiny.filter((key) => !key.startsWith('training.members='))]);
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stderr, /this run needs about/);
  assert.deepEqual(readdirSync(algorithmDir).filter((name) => name !== 'latest').sort(), runs, 'the refused run made no folder');
  assert.equal(readlinkSync(join(algorithmDir, 'latest')), runs.find((name) => name.includes('optimizer.lr=0.01,')), 'latest still names the last run that began');
  const report = runPlab(['report', algorithmDir]);
  assert.equal(report.status, 0, report.stderr);
  assert.ok(existsSync(join(algorithmDir, readlinkSync(join(algorithmDir, 'latest')), 'report', 'index.html')), 'plab report on an algorithm folder reports its latest run');
});

test('a run folder has one writer: a second run is refused naming the first, which finishes as a solo run would', { timeout: 600_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-lock-'));
  const solo = runPlab(['run', ...small, `run_dir=${join(base, 'solo')}`, '--quiet']);
  assert.equal(solo.status, 0, solo.stderr);
  const shared = join(base, 'shared');
  const first = spawn(process.execPath, plab(['run', ...small, `run_dir=${shared}`, '--quiet']), { cwd: root, stdio: 'ignore' });
  const firstExit = new Promise<number | null>((resolve) => first.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (existsSync(join(shared, 'plan.json'))) {
        clearInterval(poll);
        resolve();
      }
    }, 20);
    first.on('exit', () => {
      clearInterval(poll);
      reject(new Error('the first run ended before the second could start'));
    });
  });
  const second = runPlab(['run', ...small, 'optimizer.lr=0.5', `run_dir=${shared}`, '--quiet']);
  assert.equal(second.status, 1, 'the second writer exits 1');
  assert.match(second.stderr, new RegExp(`being written by process ${first.pid} on ${hostname()}`));
  const resume = runPlab(['run', '--resume', shared, '--quiet']);
  assert.equal(resume.status, 1, '--resume of a live run is refused too');
  assert.match(resume.stderr, new RegExp(`process ${first.pid}`));
  assert.equal(await firstExit, 0);
  assertSameBytes(resultBytes(shared), resultBytes(join(base, 'solo')), 'the first run beside a refused second');
  assert.deepEqual(leftovers(shared), [], 'the lock is released');
});

test('a stale lock (its process is gone) is taken over with a notice', () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-stale-'));
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(gone.stdout.trim());
  const runDir = join(base, 'run');
  mkdirSync(runDir);
  writeFileSync(join(runDir, LOCK_FILE), JSON.stringify({ pid: deadPid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
  const result = runPlab(['run', 'training.epochs_per_task=1', 'training.members=1', 'scenario.num_tasks=1', 'training.expert_baseline=false', 'training.joint_baseline=false', `run_dir=${runDir}`, '--quiet']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr, new RegExp(`taking over .*${LOCK_FILE}: its writer \\(process ${deadPid}, started 2026-01-01T00:00:00.000Z\\) is gone`));
  assert.deepEqual(leftovers(runDir), []);
});

test("a lock left on another node by an earlier start of the same SLURM job is taken over; another job's is refused", () => {
  const runDir = mkdtempSync(join(tmpdir(), 'plab-requeued-'));
  const saved = { array: process.env.SLURM_ARRAY_JOB_ID, task: process.env.SLURM_ARRAY_TASK_ID };
  const notices: string[] = [];
  try {
    process.env.SLURM_ARRAY_JOB_ID = '4242';
    process.env.SLURM_ARRAY_TASK_ID = '3';
    const otherNode = (slurmJob: string) =>
      writeFileSync(join(runDir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: 'node-that-failed', started: '2026-01-01T00:00:00.000Z', slurm_job: slurmJob }));
    otherNode('4242_2');
    assert.throws(() => acquireRunLock(runDir, (notice) => notices.push(notice)), /is being written by process \d+ on node-that-failed/);
    otherNode('4242_3');
    const lock = acquireRunLock(runDir, (notice) => notices.push(notice));
    assert.match(notices.join('\n'), /taking over .* is gone/);
    assert.equal(JSON.parse(readFileSync(lock.path, 'utf8')).slurm_job, '4242_3');
    lock.release();
    assert.equal(existsSync(lock.path), false);
  } finally {
    for (const [name, value] of [['SLURM_ARRAY_JOB_ID', saved.array], ['SLURM_ARRAY_TASK_ID', saved.task]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

test('two runs of one config with dropout, replay and shrink-and-perturb give the same bytes; provenance is recorded', () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-repeat-'));
  const [a, b] = ['a', 'b'].map((name) => {
    const result = runPlab(['run', ...randomised, `run_dir=${join(base, name)}`, '--quiet']);
    assert.equal(result.status, 0, result.stderr);
    return join(base, name);
  });
  assertSameBytes(resultBytes(b), resultBytes(a), 'a second run');
  for (const dir of [a, b]) assert.deepEqual(leftovers(dir), [], 'nothing temporary is left');
  const provenance = JSON.parse(readFileSync(join(a, PROVENANCE_FILE), 'utf8')) as Provenance;
  assert.match(provenance.plab_version, /^\d+\.\d+\.\d+/);
  assert.match(provenance.git_commit ?? 'no checkout', /^([0-9a-f]{40}|no checkout)$/);
  assert.ok(provenance.overrides.includes('model.dropout=0.2'));
  assert.ok(provenance.cpu.length > 0 && provenance.threads >= 1);
  assert.match(provenance.versions.libtorch, /^\d+\.\d+/);
  assert.equal(provenance.versions.node, process.version);
  assert.equal(provenance.sessions.length, 1);
  assert.ok(provenance.sessions[0].command.includes('run'));
  assert.ok(Date.parse(provenance.sessions[0].finished!) >= Date.parse(provenance.sessions[0].started));
  // Where the time went: every part measured, none negative, together within the runner's total.
  const { total, libtorch, ...parts } = provenance.sessions[0].seconds!;
  assert.deepEqual(Object.keys(parts).sort(), ['evaluation', 'metrics', 'training', 'writing']);
  assert.ok(libtorch! > 0 && libtorch! <= total, `inside libtorch ${libtorch} s of ${total} s`);
  assert.ok(Object.values(parts).every((seconds) => seconds >= 0) && parts.training > 0 && parts.evaluation > 0);
  assert.ok(Object.values(parts).reduce((a, b) => a + b) <= total + 0.004, `the parts ${JSON.stringify(parts)} fit in ${total} s`);
});

test('a dropout run killed at 5 random moments and resumed each time equals an uninterrupted one', { timeout: 900_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-kills-'));
  const whole = join(base, 'whole');
  const started = performance.now();
  const reference = runPlab(['run', ...randomised, `run_dir=${whole}`, '--quiet']);
  assert.equal(reference.status, 0, reference.stderr);
  const duration = performance.now() - started;
  const killed = join(base, 'killed');
  const args = plab(['run', ...randomised, `run_dir=${killed}`, '--quiet']);
  // Moments drawn from a fixed stream, so a failure can be replayed: between 10% and 45% of a
  // whole run's time after each start, start-up included, so that a resumed run, which has less
  // left to do, is still killed midway.
  let state = 20261206;
  const moments = Array.from({ length: 5 }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return duration * (0.1 + 0.35 * (state / 2 ** 31));
  });
  let kills = 0;
  for (const moment of moments) {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'ignore' });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), moment);
    const code = await exit;
    clearTimeout(timer);
    if (code === null) kills += 1;
    else break; // it finished before its moment came
  }
  assert.ok(kills >= 4, `at least 4 of the 5 kills landed mid-run (${kills})`);
  const last = runPlab(['run', ...randomised, `run_dir=${killed}`, '--quiet']);
  assert.equal(last.status, 0, last.stderr);
  assertSameBytes(resultBytes(killed), resultBytes(whole), `a run killed ${kills} times`);
  assert.deepEqual(leftovers(killed), [], 'temporary files of killed writes are gone after the resume');
  const provenance = JSON.parse(readFileSync(join(killed, PROVENANCE_FILE), 'utf8')) as Provenance;
  assert.ok(provenance.sessions.length >= 2 && provenance.sessions.at(-1)!.resumed, 'every resume is a session of its own');
});
