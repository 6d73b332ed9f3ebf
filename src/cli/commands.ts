// The plab command line on commander: every command's arguments and options, its --help, and
// rejected values named in one 'plab: <command>: ' error prefix. Each command loads its modules
// when it runs, so that a command does not pay for the others' (the dashboard's web server, the
// report's renderers) at start-up; the modules it calls hold the work, this file only parses.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { composeConfig, configToYaml, formatHelp } from '../config/index.js';

const RUN_HELP = `Runs a continual-learning experiment. Overrides follow Hydra: 'model=cnn' picks a group option,
'optimizer.lr=0.01' sets a key, '+method.l1=1.0' adds one, '+experiment=NAME' applies a preset of
a published experiment (listed below; docs/reproductions.md). Each run writes a folder of its own,
results/{dataset}/{algorithm}/{date}_{time}[_{overrides}], and {algorithm}/latest points at the
newest; run_dir=DIR (or --run-dir DIR) pins the folder instead, and continues the run there if it
was interrupted. With -m, comma lists become a sweep: 'plab run -m optimizer.lr=0.1,0.01 seed=0,1'
runs four experiments, -j N of them at a time (default launcher.jobs, 1: on two cores one run at a
time is fastest), in one sweep folder with a sub-folder per job named by its overrides; with
launcher=slurm they are one SLURM job array instead.
--resume DIR continues an interrupted run from its last finished task: DIR is a run folder, or an
algorithm folder for its latest run. A folder has one writer at a time (a lock names it). --cfg prints the
resolved config and exits without running; --dry-run prints it with the estimated peak memory, part
by part. A run whose estimate exceeds the memory available is refused before it starts
(PLAB_MEMORY_CHECK=0 runs it anyway).`;

const ANALYZE_HELP = `Class-manifold geometry (Chung, Lee & Sompolinsky 2018; docs/metrics.md) of the saved last-hidden-layer
representations at the end of every finished task: one manifold per label of each tracked task's
snapshot samples. Writes task_{t}/manifolds.npz: the fraction of T random dichotomies of the
manifolds that are linearly separable with the first P classes and M samples of each, the
simulated capacity P/N_c on the same grid, and the mean-field capacity, radius and dimension of
every manifold with all its samples. The simulation's cost grows quickly with M: about a minute
per task for two members at M = 8, three at M = 16.`;

const CLONE_HELP = `plab clone trains a base network for training.initial_epochs, expands it by
training.expansion_factor (every hidden unit, channel and head copied k times, the function
unchanged), then trains the base and the clone side by side for training.epochs_per_expansion;
training.num_expansions times, each expansion cloning the current clone. training=cloning and
scenario=joint are selected for you; overrides follow 'plab run'. training.symmetry_noise > 0
perturbs the clone without changing its function, so that its copies can drift apart.
Each run writes config.yaml, cloning_metrics.npz and summary.json to a folder of its own,
results_dir/{dataset}/cloning_.../{date}_{time}[_{overrides}], and cloning_.../latest points at the newest.`;

const CHECK_HELP = `plab clone check builds a model (defaults: conf/model/NAME.yaml), clones it and checks that the
clone's outputs and hidden units equal the base's (forward symmetry) and that its gradients are
the base's, tiled and scaled (backward symmetry). Exit status 1 when an error exceeds the
tolerance. --noise breaks backward symmetry on purpose; the forward check still holds.
Input shape defaults: [1,28,28] for mlp and cnn, [3,32,32] for resnet and vit.`;

const EXPORT_HELP = `Writes every scalar series of the run's task_*/metrics.npz as one long CSV table: columns run,
member, task, eval_task, step, metric, layer, value, then the run's config keys.`;

/** A parser for a whole-number option value in [min, max], naming the rejected text. */
function wholeNumber(min: number, max: number, example: string): (text: string) => number {
  return (text) => {
    const value = text.trim() === '' ? NaN : Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`needs a whole number from ${min}${max === Infinity ? ' up' : ` to ${max}`}, e.g. ${example}, got '${text}'`);
    return value;
  };
}

/** A parser for a number above `min` (or at it, when `inclusive`), naming the rejected text. */
function numberAbove(min: number, inclusive: boolean, example: string): (text: string) => number {
  return (text) => {
    const value = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(value) || value < min || (!inclusive && value === min)) throw new InvalidArgumentError(`needs a number ${inclusive ? '>=' : '>'} ${min}, e.g. ${example}, got '${text}'`);
    return value;
  };
}

/** A parser for a finite number, naming the rejected text. */
function finiteNumber(text: string): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new InvalidArgumentError(`needs a number, got '${text}'`);
  return value;
}

/** A parser for whole numbers >= 1 separated by commas, e.g. '2,4,8'. */
function wholeNumbers(text: string): number[] {
  const values = text.split(',').map(Number);
  if (values.some((value) => !Number.isInteger(value) || value < 1)) throw new InvalidArgumentError(`needs whole numbers >= 1 separated by commas, e.g. 2,4,8, got '${text}'`);
  return values;
}

/** Repeated or comma-separated values of an option, in order. */
function collect(text: string, previous: string[] = []): string[] {
  return [...previous, ...text.split(',').filter((part) => part !== '')];
}

/**
 * A command under `parent` whose parsing errors carry its name: 'plab: serve: option ...'. Made
 * with addCommand rather than .command(), which would share the parent's output settings.
 */
function subcommand(parent: Command, name: string): Command {
  const prefix = parent.parent ? `plab: ${parent.name()} ${name}: ` : `plab: ${name}: `;
  const command = new Command(name)
    .helpOption('-h, --help', 'print this help')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`${prefix}${text.replace(/^error: /, '')}`) });
  parent.addCommand(command);
  return command;
}

function setExit(code: number): void {
  process.exitCode = code;
}

export function buildProgram(): Command {
  // package.json sits two folders up from both src/cli/commands.ts and the bundle build/cli/main.js.
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const program = new Command('plab')
    .description('Plasticity Lab: continual-learning experiments on libtorch')
    .version(`plab ${version}`, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .helpCommand('help [command]', "print a command's help")
    .option('--config-dir <dir>', "a folder of your own config groups and presets (model/mine.yaml: 'model=mine'), searched before plab's conf/ (repeatable)", collect)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`plab: ${text.replace(/^error: /, '')}`) });
  const configDirs = (): string[] => (program.opts() as { configDir?: string[] }).configDir ?? [];

  subcommand(program, 'run')
    .description('run an experiment (or a sweep with -m)')
    .argument('[overrides...]', "Hydra-style overrides: 'model=cnn', 'optimizer.lr=0.01', '+method.l1=1.0'")
    .option('-m, --multirun', 'comma lists in the overrides become a sweep')
    .option('-j, --jobs <n>', 'sweep runs at a time (default launcher.jobs)', wholeNumber(1, Infinity, '-j 2'))
    .option('--run-dir <dir>', 'the folder to write (same as run_dir=DIR)')
    .option('--resume <dir>', 'continue an interrupted run (a run folder, or an algorithm folder for its latest run)')
    .option('--cfg', 'print the resolved config and exit')
    .option('--dry-run', 'print the resolved config and the estimated peak memory, part by part, and exit')
    .option('-q, --quiet', 'no progress and no summary table')
    .addHelpText('after', () => `\n${RUN_HELP}\n\n${formatHelp({ configDirs: configDirs() })}\n`)
    .action(async (overrides: string[], options: { multirun?: boolean; jobs?: number; runDir?: string; resume?: string; cfg?: boolean; dryRun?: boolean; quiet?: boolean }) => {
      setExit(await (await import('./run.js')).runCommand({ overrides, sweep: !!options.multirun, jobs: options.jobs ?? null, runDir: options.runDir ?? null, resume: options.resume ?? null, cfg: !!options.cfg, dryRun: !!options.dryRun, quiet: !!options.quiet, configDirs: configDirs() }));
    });

  const sweep = subcommand(program, 'sweep').description("follow a sweep submitted with launcher=slurm ('plab sweep status DIR', 'plab sweep collect DIR')");
  for (const [sub, summary] of [
    ['status', "each job's state (from squeue while SLURM holds it, then from the job's folder)"],
    ['collect', "once every job has finished: merge each population's member shards into its run folder, then write DIR/sweep_summary.json and print the table"],
  ] as const) {
    subcommand(sweep, sub)
      .description(summary)
      .argument('<dir>', "the sweep folder that 'plab run -m … launcher=slurm' printed (it holds sweep.json)")
      .action(async (dir: string) => setExit((await import('./sweep.js')).sweepCommand(sub, dir)));
  }

  subcommand(program, 'ls')
    .description('list the runs under a results root: status, ACC, wall time and the config keys they differ in')
    .argument('[root]', 'the results root', 'results')
    .action(async (root: string) => setExit((await import('./ls.js')).lsCommand(root)));

  subcommand(program, 'compare')
    .description("final metrics of runs side by side (mean ± std over members) with Welch's t-test against the first")
    .argument('<runs...>', 'run folders, or algorithm folders for their latest run; the first is the baseline')
    .option('--metric <name>', 'a metric to show (repeat, or separate with commas); default all', collect)
    .action(async (runs: string[], options: { metric?: string[] }) => setExit((await import('./compare.js')).compareCommand(runs, options.metric ?? [])));

  subcommand(program, 'report')
    .description('write the figures and index.html of a run folder')
    .argument('<run>', 'a run folder, or an algorithm folder (results/mnist/SL) for its latest run')
    .option('--member <r>', 'the member shown by the figures of one network (latent spaces, features, weight maps); curves show all', wholeNumber(0, Infinity, '--member 1'), 0)
    .addHelpText('after', '\nWrites <run>/report/: PNG and SVG figures and index.html, from the saved arrays.\n')
    .action(async (run: string, options: { member: number }) => setExit(await (await import('./report.js')).reportCommand(run, options.member)));

  subcommand(program, 'serve')
    .description('a local dashboard of all runs under a results root')
    .argument('[root]', 'the results root', 'results')
    .option('--port <n>', 'port to listen on (0: any free one)', wholeNumber(0, 65535, '--port 8080'), 8080)
    .option('--host <address>', 'address to listen on (0.0.0.0: every interface, so other machines can read your results); without it 127.0.0.1, answering requests addressed to localhost, 127.0.0.1 or [::1] only')
    .action(async (root: string, options: { port: number; host?: string }) => setExit(await (await import('./report.js')).serveCommand(root, options)));

  const clone = subcommand(program, 'clone')
    .description("the cloning mode (docs/cloning.md): train a base, expand it, train both ('plab clone check' runs the symmetry checks)")
    .argument('[overrides...]', "overrides as for 'plab run'; training=cloning and scenario=joint are selected for you")
    .option('-q, --quiet', 'no progress and no summary table')
    .addHelpText('after', () => `\n${CLONE_HELP}\n\n${formatHelp({ group: 'training', configDirs: configDirs() })}\n`)
    .action(async (overrides: string[], options: { quiet?: boolean }) => setExit(await (await import('./clone.js')).runCloningCommand(overrides, { quiet: !!options.quiet, configDirs: configDirs() })));
  subcommand(clone, 'check')
    .description("build a model, clone it and check the clone's forward and backward symmetry")
    .argument('[overrides...]', 'model overrides: model=NAME, model.KEY=VALUE', (text: string, previous: string[] = []) => {
      if (!/^model(\.|=)/.test(text)) throw new InvalidArgumentError(`takes model overrides only (model=NAME, model.KEY=VALUE); got '${text}'`);
      return [...previous, text];
    })
    .option('--factor <k>', 'copies of every hidden unit', wholeNumber(2, Infinity, '--factor 2'), 2)
    .option('--noise <s>', 'function-preserving weight noise, which breaks backward symmetry', numberAbove(0, true, '--noise 0.1'), 0)
    .option('--members <r>', 'population members', wholeNumber(1, Infinity, '--members 2'), 1)
    .option('--input <C,H,W>', 'the sample shape (default [1,28,28] for mlp and cnn, [3,32,32] for resnet and vit)', wholeNumbers)
    .option('--classes <n>', 'output classes', wholeNumber(2, Infinity, '--classes 10'), 10)
    .option('--tolerance <t>', 'the largest error that passes', numberAbove(0, false, '--tolerance 1e-5'), 1e-5)
    .option('--seed <n>', 'seed of the weights and the input', wholeNumber(0, Infinity, '--seed 0'), 0)
    .addHelpText('after', `\n${CHECK_HELP}\n`)
    .action(async (overrides: string[], options: { factor: number; noise: number; members: number; input?: number[]; classes: number; tolerance: number; seed: number }) => {
      setExit((await import('./clone.js')).checkCommand({ ...options, overrides, input: options.input ?? null }, configDirs()));
    });
  const analyze = subcommand(program, 'analyze').description("analyses of a run's saved arrays ('plab analyze manifolds <run>': class-manifold capacity and geometry)");
  subcommand(analyze, 'manifolds')
    .description('class-manifold capacity and geometry of the saved representations at the end of every finished task')
    .argument('<run>', 'a run folder whose logging.snapshots included representations')
    .option('--dichotomies <T>', 'random dichotomies per measurement (default 100)', wholeNumber(1, Infinity, '--dichotomies 100'))
    .option('--gaussians <n>', 'Gaussian vectors per manifold of the mean-field theory (default 200)', wholeNumber(1, Infinity, '--gaussians 200'))
    .option('--kappa <K>', 'margin of the mean-field capacity (default 0)', finiteNumber)
    .option('--classes <P1,P2,...>', 'numbers of classes of the grid (default: five steps up to all)', wholeNumbers)
    .option('--samples <M1,M2,...>', 'samples per class of the grid (default 1,2,4,8)', wholeNumbers)
    .option('--seed <S>', 'seed of the dichotomies and Gaussian vectors', wholeNumber(0, Infinity, '--seed 0'))
    .addHelpText('after', `\n${ANALYZE_HELP}\n`)
    .action(async (run: string, options: { dichotomies?: number; gaussians?: number; kappa?: number; classes?: number[]; samples?: number[]; seed?: number }) => {
      const { classes, samples, ...rest } = options;
      setExit(await (await import('./analyze.js')).manifoldsCommand(run, { ...rest, ...(classes ? { classCounts: classes } : {}), ...(samples ? { sampleCounts: samples } : {}) }));
    });

  subcommand(program, 'export')
    .description("a run's metrics as one long CSV table")
    .argument('<run>', 'a run folder, or an algorithm folder for its latest run')
    .addOption(new Option('--format <format>', 'table format').choices(['csv']).default('csv'))
    .option('--out <file>', 'write to FILE instead of standard output')
    .addHelpText('after', `\n${EXPORT_HELP}\n`)
    .action(async (run: string, options: { out?: string }) => setExit((await import('./export.js')).exportCommand(run, options.out ?? null)));

  const data = subcommand(program, 'data').description("turn an image-folder dataset into .npy arrays ('plab data prepare')");
  subcommand(data, 'prepare')
    .description('an image-folder dataset (one folder per class) as .npy arrays: {train,test}_images.npy (uint8 [N, C, size, size]), {train,test}_labels.npy and classes.json')
    .argument('<images>', 'the image folder')
    .argument('<output>', "the output folder; use it with dataset=npz dataset.root=<output>")
    .option('--size <n>', 'side of the square images (default 28)', wholeNumber(1, Infinity, '--size 28'))
    .addOption(new Option('--channels <c>', '1 (gray, default) or 3 (RGB)').choices(['1', '3']).argParser((text) => Number(text) as 1 | 3))
    .option('--test-fraction <f>', 'hold out this fraction of each class as the test split when the folder has none', finiteNumber)
    .action(async (images: string, output: string, options: { size?: number; channels?: 1 | 3; testFraction?: number }) => setExit(await (await import('./data.js')).prepareCommand(images, output, options)));

  const config = subcommand(program, 'config').description("show the config groups and options ('plab config show [group]')");
  subcommand(config, 'show')
    .description("every config group's options with their defaults, or one group's; with overrides ('model=cnn optimizer.lr=0.01'), the config they resolve to, as 'plab run --cfg' does")
    .argument('[group | overrides...]')
    .action((words: string[]) => {
      const [group, ...more] = words;
      if (group !== undefined && (group.includes('=') || more.length > 0)) process.stdout.write(configToYaml(composeConfig(words, { configDirs: configDirs() })));
      else console.log(formatHelp({ configDirs: configDirs(), ...(group ? { group } : {}) }));
    });

  return program;
}
