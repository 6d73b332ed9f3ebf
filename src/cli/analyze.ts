// plab analyze: analyses of a finished run's saved arrays, written next to them.
import { resolve } from 'node:path';
import { analyzeRunManifolds, type ManifoldAnalysisOptions, type TaskAnalysis } from '../cl/manifold-analysis.js';
import type { NdArray } from '../io/npy.js';

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

/** `plab analyze manifolds <run>`. */
export async function manifoldsCommand(runDir: string, options: ManifoldAnalysisOptions): Promise<number> {
  console.log('Mean over members. Separable fraction and simulated capacity with all P classes and the largest M of the grid (n/a: fewer than half');
  console.log('of the dichotomies separate even in all dimensions); mean-field measures with all samples.');
  console.log(`${''.padEnd(34)}${'separable'.padEnd(12)}${'α simulated'.padEnd(12)}${'α mean-field'.padEnd(12)}${'R_M'.padEnd(12)}${'D_M'.padEnd(12)}`);
  await analyzeRunManifolds(runDir, options, (analysis) => console.log(summaryLine(analysis)));
  console.log(`written: ${resolve(runDir)}/task_*/manifolds.npz`);
  return 0;
}
