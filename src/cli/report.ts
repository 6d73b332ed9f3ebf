// plab report and plab serve: figures from saved results, and the local dashboard.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { resolveRunFolder } from '../io/run-folder.js';
import { startServer, writeReport } from '../report/index.js';

/** `member`: the member of the one-network figures (latent spaces, features, weight maps), checked against the run's members. */
export async function reportCommand(run: string, member = 0): Promise<number> {
  const folder = resolveRunFolder(run, 'report');
  const members = runMembers(folder);
  if (members !== null && member >= members) throw new Error(`report: --member ${member}, but the run has ${members} members (0..${members - 1})`);
  const result = await writeReport(folder, { member });
  console.log(`${result.figures.length} figure files in ${result.seconds.toFixed(1)} s`);
  if (result.notRecorded.length) console.log(`not recorded by this run's settings (those figures were not drawn):\n${result.notRecorded.map((line) => `  ${line}`).join('\n')}`);
  if (result.missing.length) console.log(`missing or unreadable (those figures were skipped):\n${result.missing.map((line) => `  ${line}`).join('\n')}`);
  console.log(`report: ${resolve(result.index)}`);
  return 0;
}

/** training.members of a run's config.yaml, or null when it cannot be read (the report then says what is missing). */
function runMembers(folder: string): number | null {
  try {
    const config = parseYaml(readFileSync(join(folder, 'config.yaml'), 'utf8')) as { training?: { members?: unknown } };
    return typeof config.training?.members === 'number' ? config.training.members : null;
  } catch {
    return null;
  }
}

export async function serveCommand(root: string, options: { port: number; host?: string }): Promise<number> {
  if (!existsSync(root)) throw new Error(`serve: ${root} does not exist; run an experiment first ('./plab run') or give the results root`);
  const server = await startServer({ root, port: options.port, host: options.host });
  console.log(`dashboard: ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await server.close();
  return 0;
}
