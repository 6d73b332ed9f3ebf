// End to end in headless Chromium (Debian's package, driven by playwright-core): the static report
// opens without console errors, and the dashboard lists runs, opens one and overlays two.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
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
