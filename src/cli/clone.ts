// plab clone: the cloning mode (docs/cloning.md) (train a base, expand it, train both), and `plab clone check`,
// the forward and backward symmetry checks of a freshly cloned model.
import { resolve } from 'node:path';
import { composeConfig } from '../config/index.js';
import { cloningResultsPath, runCloning, type CloneMeasuresSummary, type CloningSummary } from '../cl/cloning-run.js';
import { modelConfigOf } from '../cl/from-config.js';
import { startRunFolder } from '../io/run-folder.js';
import { stepMeans } from '../cl/loop.js';
import type { MemberStat } from '../metrics/stats.js';
import { runSymmetryCheck, type Discrepancy, type SymmetryReport } from '../nn/cloning/index.js';
import { ProgressBar } from './progress.js';

function fmt(stat: MemberStat, digits = 3): string {
  return `${stat.mean.toFixed(digits)} ± ${stat.std.toFixed(digits)}`;
}

/** The table printed at the end of a cloning run. */
export function formatCloningSummary(summary: CloningSummary): string {
  const lines = [
    `Cloning ${summary.model} on ${summary.dataset}: k=${summary.expansion_factor}, ${summary.num_expansions} expansion(s), ` +
      `symmetry noise ${summary.symmetry_noise}; mean ± std over ${summary.members} members`,
    '',
    `${'stage'.padEnd(7)}${'width'.padEnd(7)}${'model'.padEnd(7)}test accuracy`,
  ];
  for (const stage of summary.stages) {
    lines.push(`${String(stage.stage).padEnd(7)}${'1x'.padEnd(7)}${'base'.padEnd(7)}${fmt(stage.base.test_accuracy)}`);
    if (stage.clone) lines.push(`${''.padEnd(7)}${`${stage.width}x`.padEnd(7)}${'clone'.padEnd(7)}${fmt(stage.clone.final.test_accuracy)}`);
  }
  const cloned = summary.stages.filter((stage) => stage.clone);
  if (cloned.length > 0) {
    lines.push('', `Clone measures on ${summary.probe_samples} test samples, right after the expansion -> at the end of the stage:`);
    lines.push(`${'stage'.padEnd(7)}${'layer'.padEnd(12)}${'similarity'.padEnd(18)}${'R²'.padEnd(18)}${'eff. rank clone'.padEnd(20)}eff. rank base`);
    for (const stage of cloned) {
      const { at_expansion: before, final: after } = stage.clone as { at_expansion: CloneMeasuresSummary; final: CloneMeasuresSummary };
      summary.layers.forEach((layer, index) => {
        const change = (pick: (m: CloneMeasuresSummary) => MemberStat[], digits: number) => `${pick(before)[index].mean.toFixed(digits)} -> ${pick(after)[index].mean.toFixed(digits)}`;
        lines.push(
          `${String(stage.stage).padEnd(7)}${layer.padEnd(12)}${change((m) => m.similarity, 4).padEnd(18)}${change((m) => m.explained_variance, 4).padEnd(18)}` +
            `${change((m) => m.effective_rank, 2).padEnd(20)}${stage.base.effective_rank[index].mean.toFixed(2)}`,
        );
      });
    }
  }
  const stopped = summary.stages.flatMap((stage) =>
    [...stage.stopped_members.base.map((reason, member) => (reason ? `stage ${stage.stage} base member ${member}: ${reason}` : null)), ...(stage.stopped_members.clone ?? []).map((reason, member) => (reason ? `stage ${stage.stage} clone member ${member}: ${reason}` : null))].filter(
      (line): line is string => line !== null,
    ),
  );
  if (stopped.length > 0) lines.push('', 'Stopped members:', ...stopped.map((line) => `  ${line}`));
  return lines.join('\n');
}

/** A cloning run of the overrides (after training=cloning scenario=joint), its progress and its summary table. */
export async function runCloningCommand(overrides: string[], options: { quiet: boolean; configDirs: string[] }): Promise<number> {
  const { quiet } = options;
  const config = composeConfig(['training=cloning', 'scenario=joint', ...overrides], { configDirs: options.configDirs });
  if (config.training.mode !== 'cloning') throw new Error(`clone: 'plab clone' runs training=cloning; remove the override training=${config.training.mode}`);
  const runDir = startRunFolder(cloningResultsPath(config), overrides);
  const progress = new ProgressBar(process.stderr, quiet);
  const summary = await runCloning(config, runDir, [
    {
      onStep(event) {
        const base = stepMeans(event, 0);
        const clone = event.results.length > 1 ? stepMeans(event, 1) : null;
        progress.update({
          label: `${event.phase.label} epoch ${event.epoch + 1}`,
          done: event.step,
          total: event.steps,
          detail: `base loss ${base.loss.toFixed(4)} acc ${base.accuracy.toFixed(3)}${clone ? ` | clone loss ${clone.loss.toFixed(4)} acc ${clone.accuracy.toFixed(3)}` : ''}`,
        });
      },
      onTaskEnd(stage) {
        const clone = stage.clone ? `; clone (${stage.width}x) ${stage.clone.final.test_accuracy.mean.toFixed(3)}, similarity ${stage.clone.final.similarity.map((s) => s.mean.toFixed(4)).join(' ')}` : '';
        progress.done(`stage ${stage.stage} done in ${stage.seconds.toFixed(1)} s: base test accuracy ${stage.base.test_accuracy.mean.toFixed(3)}${clone}`);
      },
    },
  ]);
  if (!quiet) {
    console.log(formatCloningSummary(summary));
    console.log(`\nwall time ${summary.seconds.toFixed(1)} s\nresults: ${resolve(runDir)}`);
  }
  return 0;
}

export interface CheckArguments {
  /** Model overrides: model=NAME and model.KEY=VALUE. */
  overrides: string[];
  factor: number;
  noise: number;
  members: number;
  input: number[] | null;
  classes: number;
  tolerance: number;
  seed: number;
}

/** Builds, clones and checks the model the arguments describe. */
export function symmetryCheck(args: CheckArguments, configDirs: string[] = []): SymmetryReport {
  const model = modelConfigOf(composeConfig(args.overrides, { configDirs }).model);
  const inputShape = args.input ?? (model.name === 'mlp' || model.name === 'cnn' ? [1, 28, 28] : [3, 32, 32]);
  return runSymmetryCheck(model, { factor: args.factor, inputShape, numClasses: args.classes, members: args.members, seed: args.seed, noise: args.noise, tolerance: args.tolerance });
}

function worst(entries: Discrepancy[]): string {
  return entries.map((entry) => `    ${entry.name.padEnd(32)}${entry.maxError.toExponential(2)}`).join('\n');
}

export function formatSymmetryReport(report: SymmetryReport): string {
  const verdict = (error: number) => (error <= report.tolerance ? 'pass' : 'FAIL');
  return [
    `symmetry check: ${report.model} cloned with k=${report.factor}${report.noise > 0 ? `, weight noise ${report.noise}` : ''}; tolerance ${report.tolerance}`,
    `  forward   max error ${report.forward.maxError.toExponential(2)}  ${verdict(report.forward.maxError)}`,
    `    ${'logits'.padEnd(32)}${report.forward.logits.toExponential(2)}`,
    worst(report.forward.hidden),
    `  backward  max error ${report.backward.maxError.toExponential(2)}  ${verdict(report.backward.maxError)}`,
    worst(report.backward.parameters),
    report.passed ? 'PASSED' : 'FAILED',
  ].join('\n');
}

/** plab clone check: prints the report; exit status 1 when an error exceeds the tolerance. */
export function checkCommand(args: CheckArguments, configDirs: string[] = []): number {
  const report = symmetryCheck(args, configDirs);
  console.log(formatSymmetryReport(report));
  return report.passed ? 0 : 1;
}
