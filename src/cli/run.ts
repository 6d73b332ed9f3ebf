// plab run: one experiment (or a sweep of them) from config groups and overrides.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { composeConfig, configToYaml, expandSweep, formatHelp, parseConfigYaml, resultsPath, sweepJobName, type ExperimentConfig } from '../config/index.js';
import type { ExperimentObserver } from '../cl/experiment.js';
import { INTERRUPTED_EXIT, RunInterrupted } from '../cl/interrupt.js';
import { stepMeans } from '../cl/loop.js';
import { memberShard } from '../cl/member-shard.js';
import { runExperiment } from '../cl/runner.js';
import { formatSummary } from '../cl/summary.js';
import { newRunFolder, pointLatest, resolveRunFolder } from '../io/run-folder.js';
import { submitSweep } from '../launch/slurm.js';
import { formatOutcome, readJobOutcome, runOutcomes, writeSweepSummary, type SweepJobEntry } from '../launch/sweep-summary.js';
import { tensorBoardObserver } from '../report/tensorboard-run.js';
import { ProgressBar } from './progress.js';

interface RunArguments {
  overrides: string[];
  resume: string | null;
  sweep: boolean;
  /** Sweep runs at a time, each in its own process (-j); null = launcher.jobs. */
  jobs: number | null;
  /** Where the run writes (run_dir=DIR or --run-dir DIR); default a new results/{dataset}/{algorithm}/{date}_{time}[_{overrides}]. */
  runDir: string | null;
  quiet: boolean;
  help: boolean;
  /** Print the resolved config and exit (Hydra's --cfg job). */
  cfg: boolean;
}

function parseArguments(argv: string[]): RunArguments {
  const parsed: RunArguments = { overrides: [], resume: null, sweep: false, jobs: null, runDir: null, quiet: false, help: false, cfg: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') parsed.help = true;
    else if (arg === '--resume') {
      parsed.resume = argv[i + 1] ?? null;
      if (!parsed.resume) throw new Error('--resume needs the results directory of the run, e.g. --resume results/mnist/SL (its latest run)');
      i += 1;
    } else if (arg === '-m' || arg === '--multirun') parsed.sweep = true;
    else if (arg === '-j' || arg === '--jobs') {
      const text = argv[++i];
      parsed.jobs = text === undefined || text.trim() === '' ? NaN : Number(text);
      if (!Number.isInteger(parsed.jobs) || parsed.jobs < 1) throw new Error(`${arg} needs a whole number of runs at a time, e.g. -j 2, got ${text === undefined ? 'nothing' : `'${text}'`}`);
    } else if (arg === '--run-dir' || arg.startsWith('run_dir=')) {
      parsed.runDir = arg === '--run-dir' ? (argv[++i] ?? null) : arg.slice('run_dir='.length);
      if (!parsed.runDir) throw new Error(`${arg === '--run-dir' ? '--run-dir' : 'run_dir='} needs a directory, e.g. run_dir=results/mine`);
    }
    else if (arg === '--quiet' || arg === '-q') parsed.quiet = true;
    else if (arg === '--cfg') parsed.cfg = true;
    else if (arg.startsWith('-')) throw new Error(`unknown option '${arg}' for 'plab run'; options: --resume DIR, -m (sweep), -j N, --run-dir DIR, --cfg, --quiet, --help`);
    else parsed.overrides.push(arg);
  }
  return parsed;
}

export const runHelp = `usage: plab run [overrides...] [run_dir=DIR] [--resume DIR] [-m] [-j N] [--cfg] [--quiet]

Runs a continual-learning experiment. Overrides follow Hydra: 'model=cnn' picks a group option,
'optimizer.lr=0.01' sets a key, '+method.l1=1.0' adds one. Each run writes a folder of its own,
results/{dataset}/{algorithm}/{date}_{time}[_{overrides}], and {algorithm}/latest points at the
newest; run_dir=DIR (or --run-dir DIR) pins the folder instead, and continues the run there if it
was interrupted. With -m, comma lists become a sweep: 'plab run -m optimizer.lr=0.1,0.01 seed=0,1'
runs four experiments, -j N of them at a time (default launcher.jobs, 1: on two cores one run at a
time is fastest), in one sweep folder with a sub-folder per job named by its overrides; with
launcher=slurm they are one SLURM job array instead.
--resume DIR continues an interrupted run from its last finished task: DIR is a run folder, or an
algorithm folder for its latest run. A folder has one writer at a time (a lock names it). --cfg prints the
resolved config and exits without running.`;

/** The progress bar of a run, and a line per finished task. */
function progressObserver(progress: ProgressBar): ExperimentObserver {
  return {
    onStep(event) {
      const { loss, accuracy } = stepMeans(event);
      progress.update({
        label: event.phase.kind === 'task' ? `${event.phase.label} (of ${event.phase.count}) epoch ${event.epoch + 1}` : `${event.phase.label} epoch ${event.epoch + 1}`,
        done: event.step,
        total: event.steps,
        detail: `loss ${loss.toFixed(4)} acc ${accuracy.toFixed(3)}`,
      });
    },
    onTaskEnd({ record, label }) {
      const T = record.accuracyAfter[0].length;
      const seen = record.accuracyAfter.map((row) => row.slice(0, record.task + 1).reduce((a, b) => a + b, 0) / (record.task + 1));
      progress.done(
        `${label} (of ${T}) done in ${record.seconds.toFixed(1)} s (${Math.round(record.samplesPerSecond)} samples/s): accuracy on seen tasks ${(seen.reduce((a, b) => a + b, 0) / seen.length).toFixed(3)}`,
      );
    },
  };
}

/** Runs one experiment to the end with a progress bar (and TensorBoard when logging.tensorboard), then prints its summary. */
async function runAndPrint(config: ExperimentConfig, runDir: string, options: { resume: boolean; quiet: boolean; overrides?: string[] }): Promise<void> {
  const progress = new ProgressBar(process.stderr, options.quiet);
  const printer: ExperimentObserver = {
    onRunEnd({ summary, taskClasses, seconds }) {
      if (options.quiet) return;
      console.log(formatSummary(summary, taskClasses));
      console.log(`\nwall time ${seconds.toFixed(1)} s; learner training ${Math.round(summary.samples_per_second)} samples/s (all members)`);
      console.log(`results: ${resolve(runDir)}`);
    },
  };
  const observers = [progressObserver(progress), ...(config.logging.tensorboard ? [tensorBoardObserver(runDir, config)] : []), printer];
  await runExperiment(config, runDir, { resume: options.resume, overrides: options.overrides, observers, notify: (message) => progress.done(message) });
}

export async function runCommand(argv: string[]): Promise<number> {
  try {
    return await runOrSweep(argv);
  } catch (error) {
    if (!(error instanceof RunInterrupted)) throw error;
    console.error(`plab: run ${error.message}; 'plab run --resume DIR' (or the same run_dir=) continues it`);
    return INTERRUPTED_EXIT;
  }
}

async function runOrSweep(argv: string[]): Promise<number> {
  const args = parseArguments(argv);
  if (args.help) {
    console.log(`${runHelp}\n\n${formatHelp()}`);
    return 0;
  }
  if (args.cfg) {
    process.stdout.write(configToYaml(composeConfig(args.overrides)));
    return 0;
  }
  if (args.resume) {
    if (args.overrides.length) throw new Error('--resume continues a run with its saved config; overrides cannot be combined with it');
    const runDir = resolveRunFolder(args.resume, `--resume ${args.resume}`);
    const configPath = join(runDir, 'config.yaml');
    await runAndPrint(parseConfigYaml(readFileSync(configPath, 'utf8'), configPath), runDir, { resume: true, quiet: args.quiet });
    return 0;
  }
  if (!args.sweep) {
    const config = composeConfig(args.overrides);
    // A population split into member shards runs as a sweep of its shards.
    if ((config.launcher.shards ?? 1) > 1 && (config.launcher.shard ?? null) === null) return runSweep(args);
    if (args.runDir !== null) {
      // A pinned folder that an interrupted run (or a killed sweep's job) left behind is continued;
      // one killed before its plan was written had not begun, and starts again.
      const resume = existsSync(join(args.runDir, 'plan.json'));
      await runAndPrint(config, args.runDir, { resume, quiet: args.quiet, overrides: args.overrides });
      return 0;
    }
    const parent = resultsPath(config);
    const runDir = newRunFolder(parent, args.overrides);
    mkdirSync(runDir, { recursive: true });
    pointLatest(parent, runDir);
    await runAndPrint(config, runDir, { resume: false, quiet: args.quiet, overrides: args.overrides });
    return 0;
  }
  return runSweep(args);
}

/**
 * The jobs of the grid, run by the configured launcher: local processes, `launcher.jobs` (or -j) at a
 * time, then a summary table; or one SLURM job array, followed with `plab sweep status|collect`.
 */
async function runSweep(args: RunArguments): Promise<number> {
  const grid = expandSweep(args.overrides);
  const configs = grid.map((job) => composeConfig(job.overrides));
  // One folder for the sweep, under the algorithm folder of its first job, and one per job in it.
  const sweepDir = args.runDir ?? newRunFolder(resultsPath(configs[0]), args.sweep ? ['multirun'] : args.overrides);
  // A run of several member shards is a job per shard, in its run folder's shards/ (collect merges them).
  const jobs = grid.flatMap((job, index): (SweepJobEntry & { config: ExperimentConfig })[] => {
    const config = configs[index];
    const name = (args.sweep ? sweepJobName(job) || `job${index}` : '') || basename(sweepDir);
    const runDir = args.sweep ? join(sweepDir, name) : sweepDir;
    const { shards = 1, shard = null } = config.launcher;
    if (shards === 1 || shard !== null) return [{ ...job, name, config, runDir }];
    // Bad shard settings are named before any job starts.
    memberShard({ ...config, launcher: { ...config.launcher, shard: 0 } });
    return Array.from({ length: shards }, (_, index) => ({
      ...job,
      name: `${name}/shard_${index}`,
      overrides: [...job.overrides, `launcher.shard=${index}`],
      config,
      runDir: join(runDir, 'shards', `shard_${index}`),
      population: { name, runDir },
    }));
  });
  console.log(`sweep: ${jobs.length} runs in ${sweepDir}`);
  const entries: SweepJobEntry[] = jobs.map(({ name, swept, overrides, runDir, population }) => ({ name, swept, overrides, runDir, ...(population ? { population } : {}) }));
  const launcher = jobs[0].config.launcher;
  const plab = [process.execPath, ...process.execArgv, resolve(process.argv[1])];
  if (launcher.name === 'slurm') {
    const jobId = submitSweep(sweepDir, entries, launcher, plab);
    console.log(`sweep: submitted ${jobs.length} jobs as SLURM array ${jobId}; follow with 'plab sweep status ${sweepDir}', then 'plab sweep collect ${sweepDir}'`);
    return 0;
  }
  const failures = new Map<string, string>();
  const runJob = (job: (typeof entries)[number]) =>
    new Promise<void>((resolve) => {
      console.log(`sweep: starting ${job.swept.join(' ') || '(no swept keys)'} -> ${job.runDir}`);
      const child = spawn(plab[0], [...plab.slice(1), 'run', ...job.overrides, '--run-dir', job.runDir, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let errors = '';
      child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      child.on('exit', (code) => {
        if (code !== 0) failures.set(job.name, errors.trim().split('\n').pop() || `exit ${code}`);
        console.log(`sweep: ${job.name}: ${formatOutcome(readJobOutcome(job, failures.get(job.name)))}`);
        resolve();
      });
    });
  const queue = [...entries];
  await Promise.all(
    Array.from({ length: Math.min(args.jobs ?? launcher.jobs, jobs.length) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await runJob(job);
    }),
  );
  return writeSweepSummary(sweepDir, runOutcomes(entries, failures));
}
