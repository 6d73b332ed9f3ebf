// A run as one long table, the shape pandas and R expect: a row per value of every scalar series
// of every task's metrics.npz (run, member, task, eval_task, step, metric, layer, value) with the
// run's config, flattened to dotted keys, as constant columns. 'metric' and 'layer' split the
// array name at its first '/': 'dead_fraction/layer1' is dead_fraction of layer1; 'eval_task' is
// the evaluated task of accuracy and loss, empty for the other series.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { flattenConfig } from '../config/flatten.js';
import { readNpz } from '../io/npz.js';
import { completedTasks, taskDirectoryName } from '../io/results.js';
import { forEachScalar, logSteps } from '../metrics/scalar-series.js';

const COLUMNS = ['run', 'member', 'task', 'eval_task', 'step', 'metric', 'layer', 'value'];

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
function csvField(value: string | number | boolean): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The shortest decimal that reads back as this float32, as NumPy prints it: any CSV reader then
 * gets the float32 exactly, where the double's 17 digits need a round-trip parser (pandas' default
 * one is off by an ulp).
 */
function float32Text(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(Number(value.toPrecision(9)));
}

/** The CSV text of the run in `runDir`, named `run` in its first column. */
export function runTableCsv(runDir: string, run: string): string {
  const tasks = completedTasks(runDir);
  if (tasks.length === 0) throw new Error(`${runDir}: no finished task (task_000/metadata.json) to export; give a run's results directory such as results/mnist/SL`);
  const configPath = join(runDir, 'config.yaml');
  let config: Record<string, string | number | boolean> = {};
  try {
    config = flattenConfig(parseYaml(readFileSync(configPath, 'utf8')));
  } catch (error) {
    throw new Error(`${configPath}: cannot read the run's config (${(error as Error).message})`);
  }
  const configKeys = Object.keys(config).filter((key) => !COLUMNS.includes(key));
  const constant = configKeys.map((key) => csvField(config[key])).join(',');
  const lines = [[...COLUMNS, ...configKeys].map(csvField).join(',')];
  const runField = csvField(run);
  for (const task of tasks) {
    const file = join(runDir, taskDirectoryName(task), 'metrics.npz');
    const arrays = readNpz(file);
    forEachScalar(arrays, logSteps(arrays, file), ({ name, evalTask, step, member, value, float32 }) => {
      const slash = name.indexOf('/');
      const metric = slash < 0 ? name : name.slice(0, slash);
      const layer = slash < 0 ? '' : name.slice(slash + 1);
      // NaN (a member stopped, a task not evaluated) is written as an empty field, pandas' NaN.
      const cell = Number.isFinite(value) ? (float32 ? float32Text(value) : String(value)) : Number.isNaN(value) ? '' : String(value).replace('Infinity', 'inf');
      lines.push(`${runField},${member},${task},${evalTask ?? ''},${step},${csvField(metric)},${csvField(layer)},${cell}${configKeys.length ? `,${constant}` : ''}`);
    });
  }
  return `${lines.join('\n')}\n`;
}
