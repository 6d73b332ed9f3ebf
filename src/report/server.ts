// `plab serve`: a local dashboard on an embedded fastify server. It lists the runs and sweeps under
// a results root, draws a run's figures in the browser (the report's own vega-lite specs: those of
// report/figures.json when the report is up to date, built on the fly otherwise), and overlays a
// series of several runs on one chart. vega and vega-lite come from node_modules; nothing is
// fetched from outside the machine.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import Fastify, { type FastifyReply } from 'fastify';
import { compareRuns } from './compare.js';
import { dashboardHtml } from './dashboard-page.js';
import type { FigureOptions } from './figure.js';
import { buildFigures } from './figures/index.js';
import { missingLines } from './html.js';
import { overlayChart, overlaySeries } from './overlay.js';
import type { FigureRecord } from './report.js';
import { ResultsError } from '../io/results.js';
import { RunReader } from './run-data.js';
import { discoverRuns } from './runs.js';

export interface ServerOptions {
  /** The results root to list runs under. */
  root: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  figureOptions?: Partial<FigureOptions>;
}

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

interface RunPayload {
  figures: FigureRecord[];
  missing: string[];
}

/** Latest modification time of anything in a run that figures read. */
function runSignature(dir: string): number {
  let latest = 0;
  const visit = (path: string, depth: number) => {
    for (const name of readdirSync(path)) {
      if (name === 'report' || name === 'checkpoint') continue;
      const child = join(path, name);
      const stat = statSync(child);
      latest = Math.max(latest, stat.mtimeMs);
      if (stat.isDirectory() && depth < 1) visit(child, depth + 1);
    }
  };
  visit(dir, 0);
  return latest;
}

class BadRequest extends Error {}

export async function startServer(options: ServerOptions): Promise<DashboardServer> {
  const root = resolve(options.root);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(`plab serve: ${root} is not a directory; pass the results root (e.g. plab serve results)`);
  }
  const resolveModule = createRequire(import.meta.url).resolve;
  const scripts = new Map([
    ['vega.min.js', readFileSync(resolveModule('vega/build/vega.min.js'))],
    ['vega-lite.min.js', readFileSync(resolveModule('vega-lite/build/vega-lite.min.js'))],
  ]);
  const cache = new Map<string, { signature: number; payload: RunPayload }>();
  const readers = new Map<string, { signature: number; reader: RunReader }>();

  /** The run directory of an id from the page, refusing anything outside the root. */
  const runDir = (id: unknown): string => {
    if (typeof id !== 'string') throw new BadRequest('missing run path');
    const dir = resolve(root, id);
    const rel = relative(root, dir);
    if (rel.startsWith('..') || rel.split(sep).includes('..') || resolve(root, rel) !== dir) throw new BadRequest(`run path '${id}' is outside the results root`);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BadRequest(`no run at '${id}'`);
    return dir;
  };

  const reader = (dir: string): RunReader => {
    const signature = runSignature(dir);
    const cached = readers.get(dir);
    if (cached && cached.signature === signature) return cached.reader;
    const fresh = new RunReader(dir);
    readers.set(dir, { signature, reader: fresh });
    return fresh;
  };

  const runPayload = async (dir: string): Promise<RunPayload> => {
    const signature = runSignature(dir);
    const cached = cache.get(dir);
    if (cached && cached.signature === signature) return cached.payload;
    let payload: RunPayload | undefined;
    // A report written after the run's last change already holds the compiled specs.
    const figuresFile = join(dir, 'report', 'figures.json');
    if (existsSync(figuresFile) && statSync(figuresFile).mtimeMs >= signature) {
      try {
        const missing = JSON.parse(readFileSync(join(dir, 'report', 'missing.json'), 'utf8')) as { missing: Parameters<typeof missingLines>[0] };
        payload = { figures: JSON.parse(readFileSync(figuresFile, 'utf8')) as FigureRecord[], missing: missingLines(missing.missing) };
      } catch {
        payload = undefined; // an unreadable report is rebuilt below
      }
    }
    if (!payload) {
      const built = await buildFigures(reader(dir), options.figureOptions);
      payload = {
        figures: built.figures.map((f) => ({ id: f.id, section: f.section, title: f.title, caption: f.caption, spec: f.spec })),
        missing: missingLines(built.missing),
      };
    }
    cache.set(dir, { signature, payload });
    return payload;
  };

  const runIds = (query: unknown): string[] => {
    const value = (query as { runs?: unknown }).runs;
    const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
    if (list.length === 0) throw new BadRequest('no runs given (runs=<path>&runs=<path>)');
    return list.map(String);
  };

  const app = Fastify({ logger: false });
  const fail = (reply: FastifyReply, error: unknown) => {
    if (error instanceof BadRequest) return reply.code(400).send({ error: error.message });
    return reply.code(500).send({ error: error instanceof Error ? error.message : String(error) });
  };

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(dashboardHtml()));
  app.get('/static/:file', async (request, reply) => {
    const script = scripts.get((request.params as { file: string }).file);
    if (!script) return reply.code(404).send({ error: 'not found' });
    return reply.type('application/javascript; charset=utf-8').header('cache-control', 'max-age=3600').send(script);
  });
  app.get('/api/runs', async (_request, reply) => {
    try {
      return { root, ...discoverRuns(root) };
    } catch (error) {
      return fail(reply, error);
    }
  });
  app.get('/api/run', async (request, reply) => {
    try {
      return await runPayload(runDir((request.query as { path?: unknown }).path));
    } catch (error) {
      return fail(reply, error);
    }
  });
  app.get('/api/compare', async (request, reply) => {
    try {
      const metric = (request.query as { metric?: unknown }).metric;
      const metrics = metric === undefined ? undefined : (Array.isArray(metric) ? metric : [metric]).map(String);
      return compareRuns(runIds(request.query).map((id) => ({ name: id || '.', dir: runDir(id) })), metrics);
    } catch (error) {
      return fail(reply, error instanceof ResultsError ? new BadRequest(error.message) : error);
    }
  });
  app.get('/api/overlay/options', async (request, reply) => {
    try {
      const names = new Set<string>();
      for (const id of runIds(request.query)) for (const name of overlaySeries(reader(runDir(id)))) names.add(name);
      return { series: [...names] };
    } catch (error) {
      return fail(reply, error);
    }
  });
  app.get('/api/overlay', async (request, reply) => {
    try {
      const series = (request.query as { series?: unknown }).series;
      if (typeof series !== 'string' || series.length === 0) throw new BadRequest('no series given (series=<name>)');
      const runs = new Map(runIds(request.query).map((id) => [id || '.', reader(runDir(id))]));
      return { spec: overlayChart(runs, series) };
    } catch (error) {
      return fail(reply, error);
    }
  });

  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    throw new Error(`plab serve: cannot listen on ${host}:${options.port ?? 0}: ${(error as Error).message}; pick another port with --port`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://${host}:${port}/`, close: () => app.close() };
}
