// index.html of a report: the summary table, every figure by section with its caption, and the list
// of data that was missing. Static and script-free, so it opens from disk anywhere.
import type { Figure, MissingEntry } from './figure.js';
import type { NotRecorded } from './recorded.js';
import type { SummaryRow } from './summary-table.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The width of index.html's column in CSS pixels: a wider figure is scaled down, and its text with it. */
export const REPORT_PAGE_WIDTH = 1200;

export const REPORT_STYLE = `
body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; margin: 2rem auto; max-width: ${REPORT_PAGE_WIDTH}px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .9rem; color: #555; max-width: 900px; margin-top: .4rem; }
table { border-collapse: collapse; font-size: .9rem; } td, th { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; }
th { background: #f6f6f6; } .missing li { margin: .2rem 0; } code { background: #f3f3f3; padding: 0 .2rem; }
nav a { margin-right: 1rem; }`;

export interface ReportPage {
  runDir: string;
  figures: Figure[];
  summary: SummaryRow[];
  missing: MissingEntry[];
  /** Families without any figure. */
  absent: string[];
  /** Families the run's settings did not record. */
  notRecorded: NotRecorded[];
  elapsedSeconds: number;
}

function anchor(section: string): string {
  return section.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export function missingLines(missing: MissingEntry[]): string[] {
  return missing.map((m) => `${m.figure}: ${m.file} (${m.reason})`);
}

export function notRecordedLines(notRecorded: NotRecorded[]): string[] {
  return notRecorded.map((n) => `${n.figure} (${n.reason})`);
}

function lineList(lines: string[]): string {
  return `<ul class="missing">${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`;
}

export function reportHtml(page: ReportPage): string {
  const sections = new Map<string, Figure[]>();
  for (const figure of page.figures) {
    const list = sections.get(figure.section) ?? [];
    list.push(figure);
    sections.set(figure.section, list);
  }
  const nav = ['Summary', ...sections.keys(), ...(page.notRecorded.length > 0 ? ['Not recorded'] : []), ...(page.missing.length > 0 ? ['Missing data'] : [])]
    .map((s) => `<a href="#${anchor(s)}">${escapeHtml(s)}</a>`)
    .join('');
  const summary =
    page.summary.length > 0
      ? `<table><thead><tr><th>metric</th><th>value</th></tr></thead><tbody>${page.summary
          .map((r) => `<tr><td><code>${escapeHtml(r.metric)}</code></td><td>${escapeHtml(r.value)}</td></tr>`)
          .join('')}</tbody></table>`
      : '<p>No summary.json in this run (see Missing data).</p>';
  const body = [...sections]
    .map(
      ([section, figures]) =>
        `<h2 id="${anchor(section)}">${escapeHtml(section)}</h2>` +
        figures
          .map(
            (f) =>
              `<figure id="${escapeHtml(f.id)}"><a href="${escapeHtml(f.id)}.png"><img src="${escapeHtml(f.id)}.svg" alt="${escapeHtml(f.title)}"></a>` +
              `<figcaption><strong>${escapeHtml(f.title)}.</strong> ${escapeHtml(f.caption)}</figcaption></figure>`,
          )
          .join('\n'),
    )
    .join('\n');
  const missing =
    page.missing.length > 0
      ? `<h2 id="missing-data">Missing data</h2><p>These files were absent or unreadable; the figures that needed them are drawn from what remains or left out${
          page.absent.length > 0 ? ` (left out: ${escapeHtml(page.absent.join(', '))})` : ''
        }.</p>${lineList(missingLines(page.missing))}`
      : '';
  const notRecorded =
    page.notRecorded.length > 0
      ? `<h2 id="not-recorded">Not recorded</h2><p>This run's settings saved no data for these figures:</p>${lineList(notRecordedLines(page.notRecorded))}`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Report: ${escapeHtml(page.runDir)}</title>
<link rel="icon" href="data:,"><style>${REPORT_STYLE}</style></head>
<body><h1>Plasticity Lab report</h1><p><code>${escapeHtml(page.runDir)}</code> · ${page.figures.length} figures · generated in ${page.elapsedSeconds.toFixed(1)} s</p>
<nav>${nav}</nav>
<h2 id="summary">Summary</h2>${summary}
${body}
${notRecorded}
${missing}
</body></html>
`;
}
