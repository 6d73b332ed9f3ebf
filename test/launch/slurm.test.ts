// launcher=slurm on a real single-node SLURM (scripts/slurm-local.sh): a 2x2 sweep submitted as a
// job array gives the same bytes as the same sweep run as local processes, and `plab sweep status`
// and `plab sweep collect` follow it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertSamePopulation, resultFiles, runPlab } from './run-results.js';

const root = join(import.meta.dirname, '..', '..');

/** Starts the local cluster (a no-op when it runs); the reason it cannot, or null. */
function clusterUnavailable(): string | null {
  const started = spawnSync('bash', [join(root, 'scripts', 'slurm-local.sh'), 'start'], { encoding: 'utf8' });
  if (started.status === 0) return null;
  return `scripts/slurm-local.sh start failed (it needs root and Debian's slurm-wlm and munge): ${started.stderr.trim().split('\n').pop()}`;
}

const grid = ['optimizer.lr=0.001,0.01', 'seed=0,1'];
const small = ['training.epochs_per_task=1', 'training.members=1', 'scenario.num_tasks=2', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.log_frequency=100'];
const jobNames = ['optimizer.lr=0.001,seed=0', 'optimizer.lr=0.001,seed=1', 'optimizer.lr=0.01,seed=0', 'optimizer.lr=0.01,seed=1'];

function metricFiles(jobDir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const task of readdirSync(jobDir).filter((name) => name.startsWith('task_')).sort()) files.set(task, readFileSync(join(jobDir, task, 'metrics.npz')));
  return files;
}

/** The sweep folder `plab run -m` printed. */
function sweepFolder(stdout: string): string {
  const match = /sweep: \d+ runs in (\S+)/.exec(stdout);
  assert.ok(match, `plab run -m names its sweep folder: ${stdout}`);
  return match[1];
}

const unavailable = clusterUnavailable();

test('a 2x2 sweep as a SLURM job array equals the same sweep run locally', { skip: unavailable ?? false, timeout: 600_000 }, async () => {
  const slurmBase = mkdtempSync(join(tmpdir(), 'plab-slurm-'));
  const localBase = mkdtempSync(join(tmpdir(), 'plab-local-'));
  const submitted = runPlab(['run', '-m', ...grid, ...small, 'launcher=slurm', `results_dir=${slurmBase}`]);
  assert.equal(submitted.status, 0, submitted.stderr);
  const sweepDir = sweepFolder(submitted.stdout);
  assert.match(submitted.stdout, /submitted 4 jobs as SLURM array \d+/);
  const script = readFileSync(join(sweepDir, 'sweep.sbatch'), 'utf8');
  for (const line of ['#SBATCH --array=0-3', '#SBATCH --requeue', '#SBATCH --signal=B:USR1@60', '#SBATCH --cpus-per-task=1']) assert.ok(script.includes(line), `sweep.sbatch has '${line}'`);

  // The local run goes while SLURM works through the array.
  const local = runPlab(['run', '-m', ...grid, ...small, `results_dir=${localBase}`]);
  assert.equal(local.status, 0, local.stderr);
  const localDir = sweepFolder(local.stdout);

  const early = runPlab(['sweep', 'status', sweepDir]);
  assert.equal(early.status, 0, early.stderr);
  assert.match(early.stdout, /SLURM job \d+, \d of 4 jobs done/);
  let status = early.stdout;
  for (let wait = 0; wait < 240 && !status.includes('4 of 4 jobs done'); wait += 1) {
    await sleep(1000);
    status = runPlab(['sweep', 'status', sweepDir]).stdout;
  }
  assert.match(status, /4 of 4 jobs done/, status);
  for (const name of jobNames) assert.match(status, new RegExp(`${name.replaceAll('.', '\\.')}\\s+COMPLETED`));

  const collected = runPlab(['sweep', 'collect', sweepDir]);
  assert.equal(collected.status, 0, collected.stderr);
  const summary = JSON.parse(readFileSync(join(sweepDir, 'sweep_summary.json'), 'utf8')) as { jobs: { name: string; accuracy: { mean: number } }[] };
  assert.deepEqual(summary.jobs.map((job) => job.name), jobNames);
  const localSummary = JSON.parse(readFileSync(join(localDir, 'sweep_summary.json'), 'utf8')) as typeof summary;
  assert.deepEqual(summary.jobs.map((job) => job.accuracy), localSummary.jobs.map((job) => job.accuracy));

  for (const name of jobNames) {
    const fromSlurm = metricFiles(join(sweepDir, name));
    const fromLocal = metricFiles(join(localDir, name));
    assert.deepEqual([...fromSlurm.keys()], ['task_000', 'task_001'], `${name} wrote both tasks`);
    for (const [task, bytes] of fromLocal) assert.ok(bytes.equals(fromSlurm.get(task)!), `${name}/${task}/metrics.npz is byte-identical`);
    assert.ok(existsSync(join(sweepDir, name, 'slurm.log')), `${name} logs into its own folder`);
  }
});

const scontrol = (...args: string[]) => {
  const result = spawnSync('scontrol', args, { encoding: 'utf8' });
  assert.equal(result.status, 0, `scontrol ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

/** Waits (up to `seconds`) for `ready`; fails naming `what`. */
async function waitFor(what: string, ready: () => boolean, seconds = 240): Promise<void> {
  for (let wait = 0; wait < seconds * 4; wait += 1) {
    if (ready()) return;
    await sleep(250);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('array tasks stopped mid-run (scancel then scontrol requeue; the time-limit warning, which requeues itself) resume from their checkpoints: the sweep equals an uninterrupted one', { skip: unavailable ?? false, timeout: 600_000 }, async () => {
  const slurmDir = join(mkdtempSync(join(tmpdir(), 'plab-requeue-')), 'sweep');
  const localDir = join(mkdtempSync(join(tmpdir(), 'plab-requeue-local-')), 'sweep');
  const config = ['seed=0,1', 'training.epochs_per_task=1', 'training.members=1', 'scenario.num_tasks=4', 'training.expert_baseline=false', 'training.joint_baseline=false'];
  const submitted = runPlab(['run', '-m', ...config, 'launcher=slurm', `run_dir=${slurmDir}`]);
  assert.equal(submitted.status, 0, submitted.stderr);
  const jobId = /SLURM array (\d+)/.exec(submitted.stdout)![1];
  const jobDirs = [join(slurmDir, 'seed=0'), join(slurmDir, 'seed=1')];

  // Each array task is stopped once its first task is finished, before its last one is (the local
  // cluster may run them one after the other).
  const state = (index: number) => /JobState=(\S+)/.exec(scontrol('show', 'job', `${jobId}_${index}`))?.[1];
  const restarts = (index: number) => Number(/Restarts=(\d+)/.exec(scontrol('show', 'job', `${jobId}_${index}`))?.[1]);
  const firstTask = jobDirs.map((dir) => join(dir, 'task_000', 'metrics.npz'));
  // Array task 0 gets what SLURM sends 60 s before the time limit: SIGUSR1 to the batch shell.
  await waitFor('array task 0 to finish its first task', () => existsSync(firstTask[0]));
  assert.equal(spawnSync('scancel', ['--batch', '--signal=USR1', `${jobId}_0`]).status, 0);
  await waitFor('array task 0 to requeue itself', () => restarts(0) === 1);
  // A requeued job waits 120 s before it may start again; the test need not.
  scontrol('update', `JobId=${jobId}_0`, 'StartTime=now');
  // Array task 1 is cancelled (SIGTERM to every process of the job), then requeued by hand.
  await waitFor('array task 1 to finish its first task', () => existsSync(firstTask[1]));
  assert.equal(spawnSync('scancel', [`${jobId}_1`]).status, 0);
  await waitFor('array task 1 to end cancelled', () => state(1) === 'CANCELLED');
  scontrol('requeue', `${jobId}_1`);
  scontrol('update', `JobId=${jobId}_1`, 'StartTime=now');
  const stopped = firstTask.map((path) => statSync(path));

  const local = runPlab(['run', '-m', ...config, `run_dir=${localDir}`]);
  assert.equal(local.status, 0, local.stderr);
  await waitFor('the requeued sweep to finish', () => runPlab(['sweep', 'status', slurmDir]).stdout.includes('2 of 2 jobs done'), 400);

  jobDirs.forEach((dir, index) => {
    const log = readFileSync(join(dir, 'slurm.log'), 'utf8');
    assert.match(log, /plab: run interrupted by SIGTERM with [123] tasks? finished and checkpointed/, `${dir} stopped cleanly`);
    assert.match(log, /\(restart 1\)/, `${dir} started a second time`);
    if (index === 0) assert.match(log, /time limit near: plab stopped after its last finished task; requeueing/);
    const after = statSync(join(dir, 'task_000', 'metrics.npz'));
    assert.deepEqual([after.ino, after.mtimeMs], [stopped[index].ino, stopped[index].mtimeMs], `${dir}: the finished task was not written again`);
    const fromLocal = resultFiles(join(localDir, index === 0 ? 'seed=0' : 'seed=1'));
    const fromSlurm = resultFiles(dir);
    assert.deepEqual([...fromSlurm.keys()], [...fromLocal.keys()]);
    assert.ok(fromLocal.size >= 4 * 2, 'metrics and more per task');
    for (const [path, bytes] of fromLocal) assert.ok(bytes.equals(fromSlurm.get(path)!), `${dir}/${path} is byte-identical to the uninterrupted run's`);
  });
});

test('a population of 4 members as 2 member shards on SLURM, merged by plab sweep collect, equals the unsharded run', { skip: unavailable ?? false, timeout: 600_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-slurm-shards-'));
  const config = ['training.epochs_per_task=1', 'training.members=4', 'scenario.num_tasks=2', 'training.joint_baseline=false', 'logging.log_frequency=100'];
  const submitted = runPlab(['run', ...config, 'launcher=slurm', 'launcher.shards=2', `run_dir=${join(base, 'sharded')}`]);
  assert.equal(submitted.status, 0, submitted.stderr);
  assert.match(submitted.stdout, /submitted 2 jobs as SLURM array \d+/);
  const whole = runPlab(['run', ...config, `run_dir=${join(base, 'whole')}`, '--quiet']);
  assert.equal(whole.status, 0, whole.stderr);
  await waitFor('both shards to finish', () => runPlab(['sweep', 'status', join(base, 'sharded')]).stdout.includes('2 of 2 jobs done'), 400);
  const collected = runPlab(['sweep', 'collect', join(base, 'sharded')]);
  assert.equal(collected.status, 0, collected.stderr);
  assert.match(collected.stdout, /Sweep summary \(1 runs\)/);
  assertSamePopulation(join(base, 'sharded'), join(base, 'whole'));
});

test('plab sweep collect refuses a folder without a submitted sweep, naming the fix', () => {
  const empty = mkdtempSync(join(tmpdir(), 'plab-nosweep-'));
  const result = runPlab(['sweep', 'collect', empty]);
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /no sweep\.json; give the folder that 'plab run -m … launcher=slurm' printed/);
});
