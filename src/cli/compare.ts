// plab compare: final metrics of runs side by side, with Welch's t-test against the first.
import { resolveRunFolder } from '../io/run-folder.js';
import { compareRuns, formatComparison } from '../report/compare.js';

export function compareCommand(runs: string[], metrics: string[]): number {
  const comparison = compareRuns(runs.map((name) => ({ name, dir: resolveRunFolder(name, 'compare') })), metrics);
  console.log(formatComparison(comparison));
  return 0;
}
