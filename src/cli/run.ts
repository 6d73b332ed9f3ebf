// plab run: one experiment (or a sweep of them) from config groups and overrides.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { composeConfig, configToYaml, expandSweep, parseConfigYaml, resultsPath, sweepJobName, type ExperimentConfig } from '../config/index.js';
import type { ExperimentObserver } from '../cl/experiment.js';
import { INTERRUPTED_EXIT, RunInterrupted } from '../cl/interrupt.js';
import { stepMeans } from '../cl/loop.js';
import { estimateMemory } from '../cl/from-config.js';
import { formatMemoryPlan } from '../cl/memory-plan.js';
import { memberShard } from '../cl/member-shard.js';
import { runExperiment } from '../cl/runner.js';
import { formatSummary } from '../cl/summary.js';
import { checkFolderPath, newRunFolder, pointLatest, resolveRunFolder } from '../io/run-folder.js';
import { submitSweep } from '../launch/slurm.js';
import { runLocalSweep } from '../launch/local.js';
import { type SweepJobEntry } from '../launch/sweep-summary.js';
import { tensorBoardObserver } from '../report/tensorboard-run.js';
import { runCloningCommand } from './clone.js';
import { ProgressBar } from './progress.js';

/** What `plab run` was given (parsed in src/cli/commands.ts). */
export interface RunArguments {
  overrides: string[];
  resume: string | null;
  sweep: boolean;
  /** Sweep runs at a time, each in its own process (-j); null = launcher.jobs. */
  jobs: number | null;
  /** Where the run writes (run_dir=DIR or --run-dir DIR); default a new results/{dataset}/{algorithm}/{date}_{time}[_{overrides}]. */
  runDir: string | null;
  quiet: boolean;
  /** Print the resolved config and exit (Hydra's --cfg job). */
  cfg: boolean;
  /** Print the resolved config and the memory estimate, and exit. */
  dryRun: boolean;
  /** A user's own config folders, searched before plab's conf/ (--config-dir). */
  configDirs: string[];
}

/** run_dir=DIR among the overrides is --run-dir DIR, Hydra's hydra.run.dir. */
function takeRunDir(args: RunArguments): RunArguments {
  const given = args.overrides.filter((override) => override.startsWith('run_dir='));
  if (given.length === 0) return args;
  const runDir = given[given.length - 1].slice('run_dir='.length);
  if (!runDir) throw new Error('run_dir= needs a directory, e.g. run_dir=results/mine');
  return { ...args, runDir, overrides: args.overrides.filter((override) => !override.startsWith('run_dir=')) };
}

/** The progress bar of a run, and a line per finished task. */
function progressObserver(progress: ProgressBar): ExperimentObserver {
  return {
    onStep(event) {
      const { loss, accuracy } = stepMeans(event);
      progress.update({
        label: event.phase.kind === 'task' ? `${event.phase.label} (of ${event.phase.count}) epoch ${event.epoch + 1}` : `${event.phase.label} epoch ${event.epoch + 1}`,
        done: event.step,
        total: event.steps,
        // A regression has a loss and no accuracy.
        detail: `loss ${loss.toFixed(4)}${Number.isNaN(accuracy) ? '' : ` acc ${accuracy.toFixed(3)}`}`,
      });
    },
    onTaskEnd({ record, label }) {
      const T = record.accuracyAfter[0].length;
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      const seen = mean(record.accuracyAfter.map((row) => mean(row.slice(0, record.task + 1))));
      // Tasks without test sets (a regression stream's bins) report their training loss instead.
      const figure = record.testSamples > 0 ? `accuracy on seen tasks ${seen.toFixed(3)}` : `training loss over the task ${mean(record.trainLoss).toFixed(4)}`;
      progress.done(`${label} (of ${T}) done in ${record.seconds.toFixed(1)} s (${Math.round(record.samplesPerSecond)} samples/s): ${figure}`);
    },
  };
}

/** Runs one experiment to the end with a progress bar (and TensorBoard when logging.tensorboard), then prints its summary. */
async function runAndPrint(config: ExperimentConfig, runDir: string, options: { resume: boolean; quiet: boolean; overrides?: string[]; onStarted?: (runDir: string) => void }): Promise<void> {
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
  await runExperiment(config, runDir, { resume: options.resume, overrides: options.overrides, observers, onStarted: options.onStarted, notify: (message) => progress.done(message) });
}

export async function runCommand(given: RunArguments): Promise<number> {
  try {
    return await runOrSweep(takeRunDir(given));
  } catch (error) {
    if (!(error instanceof RunInterrupted)) throw error;
    console.error(`plab: run ${error.message}; 'plab run --resume DIR' (or the same run_dir=) continues it`);
    return INTERRUPTED_EXIT;
  }
}

async function runOrSweep(args: RunArguments): Promise<number> {
  if (args.cfg) {
    process.stdout.write(configToYaml(composeConfig(args.overrides, { configDirs: args.configDirs })));
    return 0;
  }
  if (args.dryRun) {
    const config = composeConfig(args.overrides, { configDirs: args.configDirs });
    process.stdout.write(`${configToYaml(config)}\n${formatMemoryPlan(estimateMemory(config))}\n`);
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
    const config = composeConfig(args.overrides, { configDirs: args.configDirs });
    if (args.runDir !== null) checkFolderPath(args.runDir, 'run_dir');
    else checkFolderPath(config.results_dir, 'results_dir');
    // A preset of the cloning study (+experiment=cloning) runs as 'plab clone' would.
    if (config.training.mode === 'cloning') {
      if (args.runDir !== null) throw new Error("the cloning mode names its own folder (docs/cloning.md); drop run_dir, or run 'plab clone'");
      return runCloningCommand(args.overrides, { quiet: args.quiet, configDirs: args.configDirs });
    }
    // A population split into member shards runs as a sweep of its shards.
    if ((config.launcher.shards ?? 1) > 1 && (config.launcher.shard ?? null) === null) return runSweep(args);
    if (args.runDir !== null) {
      // A pinned folder that an interrupted run (or a killed sweep's job) left behind is continued;
      // one killed before its plan was written had not begun, and starts again.
      const resume = existsSync(join(args.runDir, 'plan.json'));
      await runAndPrint(config, args.runDir, { resume, quiet: args.quiet, overrides: args.overrides });
      return 0;
    }
    // The dated folder is made by the run once its data loaded; `latest` points at it once it began.
    const parent = resultsPath(config);
    const runDir = newRunFolder(parent, args.overrides);
    await runAndPrint(config, runDir, { resume: false, quiet: args.quiet, overrides: args.overrides, onStarted: () => pointLatest(parent, runDir) });
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
  const configs = grid.map((job) => composeConfig(job.overrides, { configDirs: args.configDirs }));
  // One folder for the sweep, under the algorithm folder of its first job, and one per job in it.
  if (args.runDir !== null) checkFolderPath(args.runDir, 'run_dir');
  else checkFolderPath(configs[0].results_dir, 'results_dir');
  const sweepDir = args.runDir ?? newRunFolder(resultsPath(configs[0]), args.sweep ? ['multirun'] : args.overrides);
  // A run of several member shards is a job per shard, in its run folder's shards/ (collect merges them).
  const jobs = grid.flatMap((job, index): (SweepJobEntry & { config: ExperimentConfig })[] => {
    const config = configs[index];
    const name = (args.sweep ? sweepJobName(job) || `job${index}` : '') || basename(sweepDir);
    const runDir = args.sweep ? join(sweepDir, name) : sweepDir;
    const { shards = 1, shard = null } = config.launcher;
    if (shards === 1 || shard !== null) return [{ ...job, name, config, run_dir: runDir }];
    // Bad shard settings are named before any job starts.
    memberShard({ ...config, launcher: { ...config.launcher, shard: 0 } });
    return Array.from({ length: shards }, (_, index) => ({
      ...job,
      name: `${name}/shard_${index}`,
      overrides: [...job.overrides, `launcher.shard=${index}`],
      config,
      run_dir: join(runDir, 'shards', `shard_${index}`),
      population: { name, run_dir: runDir },
    }));
  });
  console.log(`sweep: ${jobs.length} runs in ${sweepDir}`);
  const entries: SweepJobEntry[] = jobs.map(({ name, swept, overrides, run_dir, population }) => ({ name, swept, overrides, run_dir, ...(population ? { population } : {}) }));
  const launcher = jobs[0].config.launcher;
  // The jobs' command: this one, with the user's config folders (absolute, for SLURM's working folder).
  const plab = [process.execPath, ...process.execArgv, resolve(process.argv[1]), ...args.configDirs.flatMap((dir) => ['--config-dir', resolve(dir)])];
  if (launcher.name === 'slurm') {
    const jobId = submitSweep(sweepDir, entries, launcher, plab);
    console.log(`sweep: submitted ${jobs.length} jobs as SLURM array ${jobId}; follow with 'plab sweep status ${sweepDir}', then 'plab sweep collect ${sweepDir}'`);
    return 0;
  }
  return runLocalSweep({ sweepDir, jobs: entries, parallel: args.jobs ?? launcher.jobs, plab });
}
