// plab export: a run's metrics as one long table for pandas or R (src/report/export-table.ts).
import { resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { resolveRunFolder } from '../io/run-folder.js';
import { runTableCsv } from '../report/export-table.js';

export function exportCommand(run: string, out: string | null): number {
  const csv = runTableCsv(resolveRunFolder(run, 'export'), run);
  if (out === null) process.stdout.write(csv);
  else {
    writeFileAtomic(out, csv);
    console.error(`export: ${resolve(out)}`);
  }
  return 0;
}
