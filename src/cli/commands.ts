// The plab subcommands. Each loads its modules when it runs, so that a command does not pay for the
// others' (the dashboard's web server, the report's renderers) at start-up.
import { composeConfig, configToYaml, formatHelp } from '../config/index.js';

export interface Command {
  name: string;
  summary: string;
  run(argv: string[]): number | Promise<number>;
}

export const commands: Command[] = [
  { name: 'run', summary: 'run an experiment (or a sweep with -m)', run: async (argv) => (await import('./run.js')).runCommand(argv) },
  {
    name: 'sweep',
    summary: "follow a sweep submitted with launcher=slurm ('plab sweep status DIR', 'plab sweep collect DIR')",
    run: async (argv) => (await import('./sweep.js')).sweepCommand(argv),
  },
  { name: 'report', summary: 'write the figures and index.html of a results directory', run: async (argv) => (await import('./report.js')).reportCommand(argv) },
  { name: 'serve', summary: 'a local dashboard of all runs under results/', run: async (argv) => (await import('./report.js')).serveCommand(argv) },
  {
    name: 'clone',
    summary: "the cloning mode (docs/cloning.md): train a base, expand it, train both ('plab clone check' runs the symmetry checks)",
    run: async (argv) => (await import('./clone.js')).cloneCommand(argv),
  },
  {
    name: 'analyze',
    summary: "analyses of a run's saved arrays ('plab analyze manifolds <results dir>': class-manifold capacity and geometry)",
    run: async (argv) => (await import('./analyze.js')).analyzeCommand(argv),
  },
  { name: 'export', summary: "a run's metrics as one long CSV table ('plab export <results dir>')", run: async (argv) => (await import('./export.js')).exportCommand(argv) },
  { name: 'data', summary: "turn an image-folder dataset into .npy arrays ('plab data prepare')", run: async (argv) => (await import('./data.js')).dataCommand(argv) },
  {
    name: 'config',
    summary: "show the config groups and options ('plab config show [group]')",
    run: (argv) => {
      const usage = 'usage: plab config show [group | overrides...]';
      if (argv.includes('--help') || argv.includes('-h')) {
        console.log(`${usage}\n\nPrints every config group's options with their defaults, or one group's; with overrides\n('model=cnn optimizer.lr=0.01'), the config they resolve to, as 'plab run --cfg' does.`);
        return 0;
      }
      const [sub, group, ...more] = argv;
      if (sub !== 'show') throw new Error(`config: unknown subcommand '${sub ?? ''}'\n${usage}`);
      if (group !== undefined && (group.includes('=') || more.length > 0)) {
        process.stdout.write(configToYaml(composeConfig([group, ...more])));
        return 0;
      }
      console.log(formatHelp(group ? { group } : {}));
      return 0;
    },
  },
];
