// plab export: a run's metrics as one long table for pandas or R (src/report/export-table.ts).
import { resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { resolveRunFolder } from '../io/run-folder.js';
import { runTableCsv } from '../report/export-table.js';

export const exportUsage = `usage: plab export <run folder> [--format csv] [--out FILE]

Writes every scalar series of the run's task_*/metrics.npz as one long CSV table: columns run,
member, task, eval_task, step, metric, layer, value, then the run's config keys. To standard
output, or to FILE with --out.`;

export function exportCommand(argv: string[]): number {
  let runDir: string | null = null;
  let format = 'csv';
  let out: string | null = null;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(exportUsage);
      return 0;
    } else if (arg === '--format' || arg === '--out') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`export: ${arg} needs a value\n\n${exportUsage}`);
      if (arg === '--format') format = value;
      else out = value;
    } else if (arg.startsWith('-')) throw new Error(`export: unknown option '${arg}'\n\n${exportUsage}`);
    else if (runDir === null) runDir = arg;
    else throw new Error(`export: one results directory at a time, got '${runDir}' and '${arg}'`);
  }
  if (runDir === null) throw new Error(`export: give the run folder (an algorithm folder means its latest run)\n\n${exportUsage}`);
  if (format !== 'csv') throw new Error(`export: --format ${format} is not supported; use --format csv`);
  const csv = runTableCsv(resolveRunFolder(runDir, 'export'), runDir);
  if (out === null) process.stdout.write(csv);
  else {
    writeFileAtomic(out, csv);
    console.error(`export: ${resolve(out)}`);
  }
  return 0;
}
