// plab report and plab serve: figures from saved results, and the local dashboard.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { resolveRunFolder } from '../io/run-folder.js';
import { startServer, writeReport } from '../report/index.js';

export async function reportCommand(argv: string[]): Promise<number> {
  const [runDir, ...options] = argv;
  if (!runDir || runDir === '--help' || runDir === '-h') {
    console.log(
      'usage: plab report <run folder> [--member R]\n\nWrites <run folder>/report/: PNG and SVG figures and index.html, from the saved arrays. An algorithm\nfolder (results/mnist/SL) means its latest run. Curves show the mean ± sd over members; the figures\nof one network (latent spaces, feature activations, weight maps) show member R (default 0).',
    );
    return runDir ? 0 : 1;
  }
  let member = 0;
  for (let i = 0; i < options.length; i += 1) {
    if (options[i] !== '--member') throw new Error(`report: unknown option '${options[i]}'; options: --member R, --help`);
    const text = options[++i];
    member = Number(text);
    if (text === undefined || !Number.isInteger(member) || member < 0) throw new Error(`report: --member needs a member index 0, 1, ..., got ${text === undefined ? 'nothing' : `'${text}'`}`);
  }
  const folder = resolveRunFolder(runDir, 'report');
  const members = runMembers(folder);
  if (members !== null && member >= members) throw new Error(`report: --member ${member}, but the run has ${members} members (0..${members - 1})`);
  const result = await writeReport(folder, { member });
  console.log(`${result.figures.length} figure files in ${result.seconds.toFixed(1)} s`);
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

export async function serveCommand(argv: string[]): Promise<number> {
  let root = 'results';
  let port = 8080;
  let host = '127.0.0.1';
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--port') {
      const text = argv[++i];
      port = text === undefined || text.trim() === '' ? NaN : Number(text);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`serve: --port needs a port number from 0 to 65535, got ${text === undefined ? 'nothing' : `'${text}'`}`);
    } else if (argv[i] === '--host') {
      const text = argv[++i];
      if (text === undefined || text.trim() === '' || text.startsWith('-')) throw new Error(`serve: --host needs an address to listen on, e.g. --host 0.0.0.0, got ${text === undefined ? 'nothing' : `'${text}'`}`);
      host = text;
    } else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log('usage: plab serve [results root] [--port N] [--host ADDRESS]\n\nA local dashboard of the runs under the results root (default: results), on 127.0.0.1 unless --host\nnames another address (0.0.0.0: every interface, so other machines can read your results).');
      return 0;
    } else if (argv[i].startsWith('-')) {
      throw new Error(`serve: unknown option '${argv[i]}'; options: --port N, --host ADDRESS, --help`);
    } else root = argv[i];
  }
  if (!existsSync(root)) throw new Error(`serve: ${root} does not exist; run an experiment first ('./plab run') or give the results root`);
  const server = await startServer({ root, port, host });
  console.log(`dashboard: ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await server.close();
  return 0;
}
