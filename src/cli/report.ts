// plab report and plab serve: figures from saved results, and the local dashboard.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveRunFolder } from '../io/run-folder.js';
import { startServer, writeReport } from '../report/index.js';

export async function reportCommand(argv: string[]): Promise<number> {
  const [runDir] = argv;
  if (!runDir || runDir === '--help' || runDir === '-h') {
    console.log('usage: plab report <run folder>\n\nWrites <run folder>/report/: PNG and SVG figures and index.html, from the saved arrays. An algorithm\nfolder (results/mnist/SL) means its latest run.');
    return runDir ? 0 : 1;
  }
  const result = await writeReport(resolveRunFolder(runDir, 'report'));
  console.log(`${result.figures.length} figure files in ${result.seconds.toFixed(1)} s`);
  if (result.missing.length) console.log(`missing or unreadable (those figures were skipped):\n${result.missing.map((line) => `  ${line}`).join('\n')}`);
  console.log(`report: ${resolve(result.index)}`);
  return 0;
}

export async function serveCommand(argv: string[]): Promise<number> {
  let root = 'results';
  let port = 8080;
  // Unset: 127.0.0.1, answering loopback Host names only (server.ts).
  let host: string | undefined;
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
      console.log('usage: plab serve [results root] [--port N] [--host ADDRESS]\n\nA local dashboard of the runs under the results root (default: results), on 127.0.0.1 unless --host\nnames another address (0.0.0.0: every interface, so other machines can read your results). Without\n--host it answers requests addressed to localhost, 127.0.0.1 or [::1] only.');
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
