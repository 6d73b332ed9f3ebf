// plab analyze: analyses of a finished run's saved arrays, written next to them.
import { resolve } from 'node:path';
import { analyzeRunManifolds, type ManifoldAnalysisOptions, type TaskAnalysis } from '../cl/manifold-analysis.js';
import type { NdArray } from '../io/npy.js';

const usage = `usage: plab analyze manifolds <results dir> [--dichotomies T] [--gaussians n] [--kappa K]
                                          [--classes P1,P2,...] [--samples M1,M2,...] [--seed S]

Class-manifold geometry (Chung, Lee & Sompolinsky 2018; docs/metrics.md) of the saved last-hidden-layer representations
at the end of every finished task: one manifold per label of each tracked task's snapshot samples.
Writes task_{t}/manifolds.npz: the fraction of T random dichotomies of the manifolds that are
linearly separable with the first P classes and M samples of each (default T = 100, five steps of
P up to all, M = 1, 2, 4, 8), the simulated capacity P/N_c on the same grid, and the mean-field
capacity, radius and dimension of every manifold with all its samples (Chung, Lee & Sompolinsky
2018; n Gaussian vectors per manifold, default 200, margin K, default 0). The simulation's cost
grows quickly with M: about a minute per task for two members at M = 8, three at M = 16.
Definitions: docs/metrics.md. The run needs logging.snapshots to include representations.`;

function list(text: string | undefined, option: string): number[] {
  const values = (text ?? '').split(',').map(Number);
  if (!text || values.some((value) => !Number.isInteger(value) || value < 1)) throw new Error(`analyze: ${option} takes whole numbers >= 1 separated by commas, got '${text}'`);
  return values;
}

function number(text: string | undefined, option: string): number {
  const value = Number(text);
  if (text === undefined || !Number.isFinite(value)) throw new Error(`analyze: ${option} takes a number, got '${text}'`);
  return value;
}

/** Mean over members of an [R] array, or of the last entry of [R, ...]; NaN members are left out. */
function memberMean(array: NdArray | undefined): string {
  if (!array) return '-';
  const width = array.shape.slice(1).reduce((a, b) => a * b, 1);
  const values = Array.from({ length: array.shape[0] }, (_, r) => Number(array.data[r * width + width - 1])).filter((value) => !Number.isNaN(value));
  return values.length === 0 ? 'n/a' : (values.reduce((a, b) => a + b, 0) / values.length).toFixed(3);
}

function summaryLine(analysis: TaskAnalysis): string {
  const { arrays } = analysis;
  const [, count] = arrays.get('manifold_task')!.shape;
  const largest = Math.max(...Array.from(arrays.get('sample_counts')!.data as Int32Array));
  const samples = `${largest}/${arrays.get('samples_per_class')!.data[0]}`;
  const cell = (key: string) => memberMean(arrays.get(key)).padEnd(12);
  return (
    `task ${String(analysis.task).padEnd(4)}step ${String(analysis.step).padEnd(8)}P=${String(count).padEnd(4)}M=${samples.padEnd(7)}` +
    `${cell('separable_fraction')}${cell('simulated_capacity')}${cell('mean_field_capacity')}${cell('mean_field_radius')}${cell('mean_field_dimension')}` +
    `${analysis.seconds.toFixed(1)} s`
  );
}

export async function analyzeCommand(argv: string[]): Promise<number> {
  const [sub, runDir, ...rest] = argv;
  const help = argv.includes('--help') || argv.includes('-h');
  if (help || sub !== 'manifolds' || !runDir) {
    console.log(usage);
    return help ? 0 : 1;
  }
  const options: ManifoldAnalysisOptions = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [option, value] = [rest[i], rest[i + 1]];
    if (option === '--dichotomies') options.dichotomies = number(value, option);
    else if (option === '--gaussians') options.gaussians = number(value, option);
    else if (option === '--kappa') options.kappa = number(value, option);
    else if (option === '--classes') options.classCounts = list(value, option);
    else if (option === '--samples') options.sampleCounts = list(value, option);
    else if (option === '--seed') options.seed = number(value, option);
    else throw new Error(`analyze manifolds: unknown option '${option}'\n\n${usage}`);
  }
  console.log('Mean over members. Separable fraction and simulated capacity with all P classes and the largest M of the grid (n/a: fewer than half');
  console.log('of the dichotomies separate even in all dimensions); mean-field measures with all samples.');
  console.log(`${''.padEnd(34)}${'separable'.padEnd(12)}${'α simulated'.padEnd(12)}${'α mean-field'.padEnd(12)}${'R_M'.padEnd(12)}${'D_M'.padEnd(12)}`);
  await analyzeRunManifolds(runDir, options, (analysis) => console.log(summaryLine(analysis)));
  console.log(`written: ${resolve(runDir)}/task_*/manifolds.npz`);
  return 0;
}
