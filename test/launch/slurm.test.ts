// launcher=slurm on a real single-node SLURM (scripts/slurm-local.sh): a 2x2 sweep submitted as a
// job array gives the same bytes as the same sweep run as local processes, and `plab sweep status`
// and `plab sweep collect` follow it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const root = join(import.meta.dirname, '..', '..');
const runPlab = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, PLAB_DEBUG: '' } });

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
  for (const line of ['#SBATCH --array=0-3', '#SBATCH --requeue', '#SBATCH --signal=B:TERM@60', '#SBATCH --cpus-per-task=1']) assert.ok(script.includes(line), `sweep.sbatch has '${line}'`);

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

test('plab sweep collect refuses a folder without a submitted sweep, naming the fix', () => {
  const empty = mkdtempSync(join(tmpdir(), 'plab-nosweep-'));
  const result = runPlab(['sweep', 'collect', empty]);
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /no sweep\.json; give the folder that 'plab run -m … launcher=slurm' printed/);
});
