// End to end in headless Chromium (Debian's package, driven by playwright-core): the static report
// opens without console errors, and the dashboard lists runs, opens one, overlays two, compares
// them, answers links to a run, a figure and a comparison, and follows a running run. With
// PLAB_SCREENSHOTS=DIR the comparison view is saved there as PNG.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LOCK_FILE } from '../../src/io/run-lock.js';
import { welchTest } from '../../src/metrics/welch.js';
import { startServer, writeReport } from '../../src/report/index.js';
import { CHROMIUM_ARGS, ensureChromium, smallRun } from './helpers.js';

const chromiumFound = ensureChromium();
const skip = 'skip' in chromiumFound ? chromiumFound.skip : false;
if (skip) console.log(`# ${skip}`);

let work: string;
let browser: Browser | undefined;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'plab-browser-'));
  if ('path' in chromiumFound) browser = await chromium.launch({ executablePath: chromiumFound.path, args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

/** A page that collects console errors and uncaught exceptions. */
async function watchedPage(): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()}`));
  return { page, errors };
}

test('the report opens in Chromium without console errors, every figure loaded', { skip }, async () => {
  const run = smallRun(join(work, 'report-run'));
  const report = await writeReport(run, { latentMethod: 'pca' });
  const { page, errors } = await watchedPage();
  await page.goto(pathToFileURL(report.index).href);
  await page.waitForLoadState('load');
  const images = await page.$$eval('figure img', (elements) => elements.map((e) => ({ src: (e as HTMLImageElement).getAttribute('src'), width: (e as HTMLImageElement).naturalWidth })));
  assert.equal(images.length, report.figures.length / 2);
  for (const image of images) assert.ok(image.width > 150, `${image.src} did not load (width ${image.width})`);
  assert.equal(await page.locator('h2#summary + table tr').count() > 3, true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the dashboard lists runs, opens one, and overlays two', { skip }, async () => {
  const root = join(work, 'results');
  const small = { latentMethod: 'pca' as const };
  smallRun(join(root, 'mnist', 'SL_3', 'optimizer.lr=0.1'), { retention: 0.05 });
  smallRun(join(root, 'mnist', 'SL_3', 'optimizer.lr=0.01'), { retention: 0.5, seed: 2 });
  smallRun(join(root, 'mnist', 'EWC_3'), { seed: 3 });
  const server = await startServer({ root, port: 0, figureOptions: small });
  try {
    const { page, errors } = await watchedPage();
    await page.goto(server.url);
    await page.waitForSelector('#runs li[data-run]');
    const listed = await page.$$eval('#runs li[data-run]', (items) => items.map((item) => (item as HTMLElement).dataset.run));
    assert.deepEqual([...listed].sort(), ['mnist/EWC_3', 'mnist/SL_3/optimizer.lr=0.01', 'mnist/SL_3/optimizer.lr=0.1']);
    assert.equal(await page.locator('li.sweep[data-sweep="mnist/SL_3"] li[data-run]').count(), 2);

    await page.click('li[data-run="mnist/EWC_3"] a.open');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('figures of mnist/EWC_3'));
    assert.equal(await page.textContent('#run-title'), 'mnist/EWC_3');
    const shown = await page.$$eval('figure.figure', (figures) => figures.map((f) => (f as HTMLElement).dataset.id));
    assert.ok(shown.includes('forgetting_curves') && shown.includes('latent_task_002') && shown.includes('gradients_task_000'), shown.join(', '));
    for (const id of shown) assert.ok((await page.locator(`figure[data-id="${id}"] svg`).count()) > 0, `${id} was not drawn`);
    // Curves are interactive: hovering a point of the forgetting curves gives a tooltip.
    assert.ok((await page.locator('figure[data-id="forgetting_curves"] svg path[aria-roledescription="point"]').count()) > 0);

    // Before two runs are ticked the series list says what fills it rather than showing empty.
    assert.deepEqual(await page.$$eval('#series option', (options) => options.map((o) => o.textContent)), ['tick two or more runs to overlay a series']);
    assert.equal(await page.$eval('#series', (select) => (select as HTMLSelectElement).disabled), true);
    await page.click('li.sweep[data-sweep="mnist/SL_3"] button.select-sweep');
    await page.waitForFunction(() => !(document.querySelector('#overlay') as HTMLButtonElement).disabled && (document.querySelector('#series') as HTMLSelectElement).options.length > 0);
    const series = await page.$$eval('#series option', (options) => options.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(series.slice(0, 3), ['average accuracy (seen tasks)', 'average loss (seen tasks)', 'accuracy on task 1']);
    assert.ok(series.includes('dead_fraction/layer1'));
    await page.click('#overlay');
    await page.waitForSelector('figure[data-id="overlay"] svg');
    const legend = await page.$$eval('figure[data-id="overlay"] svg .role-legend-label text', (texts) => texts.map((t) => t.textContent));
    assert.deepEqual([...legend].sort(), ['mnist/SL_3/optimizer.lr=0.01', 'mnist/SL_3/optimizer.lr=0.1']);
    // Two lines, one per run.
    assert.equal(await page.locator('figure[data-id="overlay"] svg path[aria-roledescription="line mark"]').count(), 2);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await server.close();
  }
});

test('the dashboard compares runs, links to runs, figures and comparisons, and follows a running run', { skip }, async () => {
  const root = join(work, 'compare-results');
  const a = smallRun(join(root, 'mnist', 'SL_3', 'lr=0.1'), { retention: 0.05, members: 5 });
  const b = smallRun(join(root, 'mnist', 'SL_3', 'lr=0.01'), { retention: 0.5, seed: 2, members: 5 });
  // A run still being written: no summary yet, its lock held by this (live) process.
  const live = join(root, 'mnist', 'SL_3', 'live');
  smallRun(live, { seed: 4 });
  rmSync(join(live, 'summary.json'));
  writeFileSync(join(live, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }));
  const server = await startServer({ root, port: 0, figureOptions: { latentMethod: 'pca' } });
  try {
    const { page, errors } = await watchedPage();
    // A comparison's address opens it directly.
    const ids = ['mnist/SL_3/lr=0.1', 'mnist/SL_3/lr=0.01'];
    await page.goto(`${server.url}?poll=300#${ids.map((id) => `compare=${encodeURIComponent(id)}`).join('&')}`);
    await page.waitForSelector('figure[data-id="comparison-chart"] svg');
    const header = await page.$$eval('#comparison thead th', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(header, ['metric', 'mnist/SL_3/lr=0.1 (baseline)', 'mnist/SL_3/lr=0.01']);
    const summaries = [a, b].map((dir) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { metrics: Record<string, { per_member: number[]; mean: number; std: number }> });
    const acc = summaries.map((summary) => summary.metrics.average_accuracy);
    const p = welchTest(acc[1].per_member, acc[0].per_member)!.p;
    const row = await page.$$eval('#comparison tr[data-metric="average_accuracy"] td', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(row, ['average_accuracy', `${acc[0].mean.toFixed(4)} ± ${acc[0].std.toFixed(4)}`, `${acc[1].mean.toFixed(4)} ± ${acc[1].std.toFixed(4)} p ${p < 1e-6 ? '< 1e-6' : p.toPrecision(3)}`]);
    // Every member's value is a point of the chart: 5 members x 2 runs x 4 metrics.
    assert.equal(await page.locator('figure[data-id="comparison-chart"] svg path[aria-roledescription="point"]').count(), 5 * 2 * 4);
    if (process.env.PLAB_SCREENSHOTS) {
      mkdirSync(process.env.PLAB_SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(process.env.PLAB_SCREENSHOTS, 'dashboard-comparison.png'), fullPage: true });
    }
    // Ticking runs and pressing 'compare selected' gives the same address.
    await page.goto(`${server.url}?poll=300`);
    await page.waitForSelector('#runs li[data-run]');
    for (const id of ids) await page.check(`li[data-run="${id}"] input.select`);
    await page.click('#compare');
    await page.waitForSelector('#comparison');
    assert.equal(decodeURIComponent(new URL(page.url()).hash), `#${ids.map((id) => `compare=${id}`).join('&')}`);

    // A figure's link opens its run scrolled to it, marked.
    const figureLink = `${server.url}#run=${encodeURIComponent(ids[0])}&figure=forgetting_curves`;
    await page.goto(figureLink);
    await page.waitForSelector('figure.linked[data-id="forgetting_curves"] svg');
    assert.equal(await page.textContent('#run-title'), ids[0]);
    assert.equal(await page.getAttribute('figure[data-id="forgetting_curves"] a.permalink', 'href'), `#run=${encodeURIComponent(ids[0])}&figure=forgetting_curves`.replace('%2F', '%2F'));

    // The running run is listed as running, and its view follows new tasks as they are written.
    await page.goto(`${server.url}?poll=300#run=${encodeURIComponent('mnist/SL_3/live')}`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('(running: refreshed as it writes)'));
    assert.equal(await page.getAttribute('li[data-run="mnist/SL_3/live"] .info', 'data-status'), 'running');
    assert.equal(await page.locator('figure[data-id="latent_task_003"]').count(), 0);
    smallRun(live, { seed: 4, tasks: 4, classes: [[0, 1], [2, 3], [4, 5], [6, 7]] });
    rmSync(join(live, 'summary.json'));
    await page.waitForSelector('figure[data-id="latent_task_003"] svg', { timeout: 30_000 });
    assert.match((await page.textContent('li[data-run="mnist/SL_3/live"] .info')) ?? '', /running · 4\/4 tasks/);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await server.close();
  }
});
