// `plab report <results dir>`: every figure of a run as SVG and PNG, an index.html, figures.json
// (the interactive vega-lite specs, which the dashboard serves) and missing.json. Data that is absent or
// corrupt leaves the figures that need it out and is listed, never failing the whole report; figures
// whose data the run's settings did not record are named with the setting (recorded.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Figure, FigureOptions } from './figure.js';
import { startFigures } from './figures/index.js';
import { missingLines, notRecordedLines, reportHtml } from './html.js';
import { renderSvg, staticSpec, svgToPng, toVega } from './render.js';
import { MissingData, RunReader } from './run-data.js';
import { summaryRows, type SummaryRow } from './summary-table.js';

export interface ReportOptions extends Partial<FigureOptions> {
  /** Where to write; default <runDir>/report. */
  outDir?: string;
  /** PNG scale factor of charts (default 2); heatmaps, drawn one pixel per cell, stay at 1. */
  pngScale?: number;
}

export interface ReportResult {
  /** Paths of the figure files written (SVG and PNG). */
  figures: string[];
  /** One line per absent or unreadable file: 'figure: file (reason)'. */
  missing: string[];
  /** One line per family the run did not record: 'figure (setting)'. */
  notRecorded: string[];
  outDir: string;
  index: string;
  seconds: number;
}

/** One entry of figures.json: what the dashboard needs to draw a figure (it compiles the spec). */
export interface FigureRecord {
  id: string;
  section: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<ReportResult> {
  const started = performance.now();
  const dir = resolve(runDir);
  const run = new RunReader(dir);
  const outDir = resolve(options.outDir ?? join(dir, 'report'));
  mkdirSync(outDir, { recursive: true });

  const { families, missing, notRecorded } = startFigures(run, options);
  const rendered = new Map<string, { svg: string; png: string; record: FigureRecord }>();
  const rasterising: Promise<void>[] = [];
  const render = async (figure: Figure) => {
    const svg = await renderSvg(toVega(staticSpec(figure.spec)));
    const svgPath = join(outDir, `${figure.id}.svg`);
    const pngPath = join(outDir, `${figure.id}.png`);
    writeFileSync(svgPath, svg);
    // Heatmap images are drawn one pixel per cell already; magnifying them only costs time.
    rasterising.push(svgToPng(svg, figure.raster ? 1 : (options.pngScale ?? 2)).then((png) => writeFileSync(pngPath, png)));
    rendered.set(figure.id, { svg: svgPath, png: pngPath, record: { id: figure.id, section: figure.section, title: figure.title, caption: figure.caption, spec: figure.spec } });
  };
  // Draw what is ready while the latent-space embeddings run in worker threads, then the rest.
  for (const family of families) if (Array.isArray(family.figures)) for (const figure of family.figures) await render(figure);
  const figures: Figure[] = [];
  const absent: string[] = [];
  for (const family of families) {
    const built = await family.figures;
    if (!Array.isArray(family.figures)) for (const figure of built) await render(figure);
    if (built.length === 0) absent.push(family.name);
    figures.push(...built);
  }
  await Promise.all(rasterising);
  let summary: SummaryRow[] = [];
  try {
    summary = summaryRows(run.json('summary.json'));
  } catch (error) {
    if (!(error instanceof MissingData)) throw error;
    if (!missing.some((m) => m.file === error.file)) missing.push({ figure: 'summary table', file: error.file, reason: error.reason });
  }
  const written = figures.flatMap((f) => [rendered.get(f.id)!.svg, rendered.get(f.id)!.png]);
  const records = figures.map((f) => rendered.get(f.id)!.record);
  const lines = missingLines(missing);
  writeFileSync(join(outDir, 'figures.json'), JSON.stringify(records));
  writeFileSync(join(outDir, 'missing.json'), JSON.stringify({ missing, absent, not_recorded: notRecorded }, null, 2));
  const seconds = (performance.now() - started) / 1000;
  const index = join(outDir, 'index.html');
  writeFileSync(index, reportHtml({ runDir: dir, figures, summary, missing, absent, notRecorded, elapsedSeconds: seconds }));
  return { figures: written, missing: lines, notRecorded: notRecordedLines(notRecorded), outDir, index, seconds };
}
