// The dashboard's HTTP API, without a browser: run discovery, figures from an up-to-date report,
// overlays with the runs' own numbers, and refusal of paths outside the results root.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readNpz } from '../../src/io/npz.js';
import { startServer, writeReport, type DashboardServer, type FigureRecord } from '../../src/report/index.js';
import { smallRun } from './helpers.js';

let work: string;
let root: string;
let server: DashboardServer;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'plab-serve-'));
  root = join(work, 'results');
  smallRun(join(root, 'mnist', 'SL_3', 'lr=0.1'), { seed: 1 });
  smallRun(join(root, 'mnist', 'SL_3', 'lr=0.01'), { seed: 2, retention: 0.5 });
  const reported = smallRun(join(root, 'fashion', 'OGD_3'), { seed: 3 });
  await writeReport(reported, { latentMethod: 'pca' });
  server = await startServer({ root, port: 0, figureOptions: { latentMethod: 'pca' } });
});
after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await fetch(new URL(path, server.url));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

test('lists runs and groups the jobs of a sweep', async () => {
  const { status, body } = await get('/api/runs');
  assert.equal(status, 200);
  const runs = body.runs as { id: string; tasks: number; finished: number; members: number; hasReport: boolean; averageAccuracy: number }[];
  assert.deepEqual(runs.map((r) => r.id), ['fashion/OGD_3', 'mnist/SL_3/lr=0.01', 'mnist/SL_3/lr=0.1']);
  assert.ok(runs.every((r) => r.tasks === 3 && r.finished === 3 && r.members === 3));
  assert.deepEqual(runs.map((r) => r.hasReport), [true, false, false]);
  const summary = JSON.parse(readFileSync(join(root, 'mnist', 'SL_3', 'lr=0.1', 'summary.json'), 'utf8')) as { metrics: { average_accuracy: { mean: number } } };
  assert.equal(runs[2].averageAccuracy, summary.metrics.average_accuracy.mean);
  assert.deepEqual(body.sweeps, [{ id: 'mnist/SL_3', runs: ['mnist/SL_3/lr=0.01', 'mnist/SL_3/lr=0.1'] }]);
});

test('serves an up-to-date report\u2019s figures.json, and builds figures for runs without one', async () => {
  const figuresFile = join(root, 'fashion', 'OGD_3', 'report', 'figures.json');
  const saved = JSON.parse(readFileSync(figuresFile, 'utf8')) as FigureRecord[];
  saved[0].caption = 'from figures.json';
  writeFileSync(figuresFile, JSON.stringify(saved));
  const later = new Date(Date.now() + 5000);
  utimesSync(figuresFile, later, later);
  const reported = await get('/api/run?path=fashion/OGD_3');
  assert.equal(reported.status, 200);
  const figures = reported.body.figures as FigureRecord[];
  assert.equal(figures[0].caption, 'from figures.json');
  assert.equal(figures.length, saved.length);

  const built = await get('/api/run?path=' + encodeURIComponent('mnist/SL_3/lr=0.1'));
  const ids = (built.body.figures as FigureRecord[]).map((f) => f.id);
  assert.deepEqual(ids, saved.map((f) => f.id));
  assert.deepEqual(built.body.missing, []);
});

test('overlays a series of two runs with their own numbers', async () => {
  const runs = ['mnist/SL_3/lr=0.1', 'mnist/SL_3/lr=0.01'];
  const query = runs.map((r) => 'runs=' + encodeURIComponent(r)).join('&');
  const options = await get('/api/overlay/options?' + query);
  assert.ok((options.body.series as string[]).includes('dead_fraction/layer2'));
  const overlay = await get(`/api/overlay?series=${encodeURIComponent('average accuracy (seen tasks)')}&${query}`);
  assert.equal(overlay.status, 200);
  const values = (overlay.body.spec as { data: { values: { x: number; series: string; mean: number }[] } }).data.values;
  for (const run of runs) {
    // After task 2's first log point: mean over members of the average accuracy on tasks 1 and 2.
    const accuracy = readNpz(join(root, ...run.split('/'), 'task_001', 'metrics.npz')).get('accuracy')!;
    const [, R, T] = accuracy.shape;
    const data = accuracy.data as Float32Array;
    let expected = 0;
    for (let r = 0; r < R; r++) expected += (data[r * T] + data[r * T + 1]) / 2 / R;
    const point = values.find((v) => v.series === run && v.x === 120 + 15)!;
    assert.ok(Math.abs(point.mean - expected) < 1e-6, `${run}: ${point.mean} vs ${expected}`);
  }
  const missingSeries = await get(`/api/overlay?${query}`);
  assert.equal(missingSeries.status, 400);
});

test('refuses paths outside the root and unknown runs', async () => {
  const outside = await get('/api/run?path=' + encodeURIComponent('../..'));
  assert.equal(outside.status, 400);
  assert.match(String(outside.body.error), /outside the results root/);
  const unknown = await get('/api/run?path=nothing/here');
  assert.equal(unknown.status, 400);
  assert.match(String(unknown.body.error), /no run at 'nothing\/here'/);
  const script = await fetch(new URL('/static/vega-lite.min.js', server.url));
  assert.equal(script.status, 200);
  assert.match(await script.text(), /vegaLite/);
  assert.equal((await fetch(new URL('/static/secret.js', server.url))).status, 404);
  await assert.rejects(startServer({ root: join(work, 'absent') }), /is not a directory/);
});

test('serves nothing through links out of the root, answers loopback Host names only, and hides the root path', async () => {
  const { mkdirSync, symlinkSync } = await import('node:fs');
  const outside = join(work, 'elsewhere');
  smallRun(outside, { seed: 4 });
  symlinkSync(outside, join(root, 'linked-run'));
  const linked = await get('/api/run?path=linked-run');
  assert.equal(linked.status, 400);
  assert.equal(linked.body.error, "run path 'linked-run' links outside the results root");
  // A run inside the root whose file is a link out: the file is not read.
  const inside = join(root, 'mnist', 'SL_3', 'linked-file');
  mkdirSync(inside);
  for (const name of ['config.yaml', 'plan.json']) writeFileSync(join(inside, name), readFileSync(join(root, 'mnist', 'SL_3', 'lr=0.1', name)));
  symlinkSync(join(outside, 'summary.json'), join(inside, 'summary.json'));
  const served = await get('/api/run?path=' + encodeURIComponent('mnist/SL_3/linked-file'));
  assert.equal(served.status, 200);
  assert.ok((served.body.missing as string[]).some((line) => line.includes('summary.json') && line.includes('outside the results root')), JSON.stringify(served.body.missing));

  const runs = await get('/api/runs');
  assert.equal(runs.body.root, 'results');
  assert.ok(!JSON.stringify(runs.body).includes(work), 'an absolute path was served');
  // fetch sets Host itself; node:http sends the header given.
  const { request } = await import('node:http');
  const withHost = (url: string, host: string) =>
    new Promise<number>((done, fail) => {
      request({ host: '127.0.0.1', port: new URL(url).port, path: '/api/runs', headers: { host } }, (response) => {
        response.resume();
        done(response.statusCode!);
      })
        .on('error', fail)
        .end();
    });
  const port = new URL(server.url).port;
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) assert.equal(await withHost(server.url, host), 200, host);
  for (const host of [`attacker.example:${port}`, 'localhost.attacker.example', '10.0.0.1']) assert.equal(await withHost(server.url, host), 403, host);
  const open = await startServer({ root, port: 0, host: '127.0.0.1' });
  try {
    assert.equal(await withHost(open.url, 'results.lab.example'), 200, 'with --host, any Host name is answered');
  } finally {
    await open.close();
  }
});
