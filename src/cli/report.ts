// plab report and plab serve: figures from saved results, and the local dashboard.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveRunFolder } from '../io/run-folder.js';
import { startServer, writeReport } from '../report/index.js';

export async function reportCommand(run: string): Promise<number> {
  const result = await writeReport(resolveRunFolder(run, 'report'));
  console.log(`${result.figures.length} figure files in ${result.seconds.toFixed(1)} s`);
  if (result.missing.length) console.log(`missing or unreadable (those figures were skipped):\n${result.missing.map((line) => `  ${line}`).join('\n')}`);
  console.log(`report: ${resolve(result.index)}`);
  return 0;
}

export async function serveCommand(root: string, options: { port: number; host: string }): Promise<number> {
  if (!existsSync(root)) throw new Error(`serve: ${root} does not exist; run an experiment first ('./plab run') or give the results root`);
  const server = await startServer({ root, port: options.port, host: options.host });
  console.log(`dashboard: ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await server.close();
  return 0;
}
