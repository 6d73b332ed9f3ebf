// plab report and plab serve: figures from saved results, and the local dashboard.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { resolveRunFolder } from '../io/run-folder.js';
import { startServer, writeReport } from '../report/index.js';

export async function reportCommand(argv: string[]): Promise<number> {
  const [runDir] = argv;
  if (!runDir || runDir === '--help') {
    console.log('usage: plab report <run folder>\n\nWrites <run folder>/report/: PNG and SVG figures and index.html, from the saved arrays. An algorithm\nfolder (results/mnist/SL) means its latest run.');
    return runDir ? 0 : 1;
  }
  const result = await writeReport(resolveRunFolder(runDir, 'plab report'));
  console.log(`${result.figures.length} figure files in ${result.seconds.toFixed(1)} s`);
  if (result.missing.length) console.log(`missing or unreadable (those figures were skipped):\n${result.missing.map((line) => `  ${line}`).join('\n')}`);
  console.log(`report: ${resolve(result.index)}`);
  return 0;
}

export async function serveCommand(argv: string[]): Promise<number> {
  let root = 'results';
  let port = 8080;
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--port') port = Number(argv[++i]);
    else if (argv[i] === '--help') {
      console.log('usage: plab serve [results root] [--port N]\n\nA local dashboard of the runs under the results root (default: results).');
      return 0;
    } else root = argv[i];
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`plab serve: --port must be a port number, got ${port}`);
  if (!existsSync(root)) throw new Error(`plab serve: ${root} does not exist; run an experiment first ('./plab run') or give the results root`);
  const server = await startServer({ root, port, host: '127.0.0.1' });
  console.log(`dashboard: ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await server.close();
  return 0;
}
