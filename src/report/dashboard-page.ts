// The dashboard's single page: the list of runs and sweeps, a run's figures drawn by vega in the
// browser (tooltips, zoom on curves), an overlay of a chosen series for the selected runs, and the
// comparison of their final metrics (plab compare's table and Welch p-values, with each member's
// value drawn). Every view has its own address in the URL's fragment (#run=ID, #run=ID&figure=FIG,
// #compare=A&compare=B), so a run, a figure or a comparison can be linked to and reloaded; a
// running run's view is refreshed when its files change (polled, every ?poll=MS, default 5 s).
// vega and vega-lite are served from node_modules by the dashboard server; the page loads nothing
// from elsewhere.
import { REPORT_STYLE } from './html.js';

const SCRIPT = String.raw`
const state = { runs: [], sweeps: [], selected: new Set(), views: [], open: null };
const POLL_MS = Number(new URLSearchParams(location.search).get('poll')) || 5000;
const $ = (selector) => document.querySelector(selector);

async function api(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function status(text) { $('#status').textContent = text; }

function clearViews() {
  for (const view of state.views) view.finalize();
  state.views = [];
}

async function draw(spec, container) {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'svg', container, hover: true });
  state.views.push(view);
  await view.runAsync();
}

function runItem(run) {
  const li = document.createElement('li');
  li.dataset.run = run.id;
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.className = 'select';
  box.checked = state.selected.has(run.id);
  box.addEventListener('change', () => { box.checked ? state.selected.add(run.id) : state.selected.delete(run.id); updateOverlayControls(); });
  const link = document.createElement('a');
  link.href = runLink(run.id);
  link.className = 'open';
  link.textContent = run.id || '.';
  const info = document.createElement('span');
  info.className = 'info';
  const acc = typeof run.averageAccuracy === 'number' ? ' · ACC ' + run.averageAccuracy.toFixed(3) : '';
  const differences = Object.entries(run.differences || {}).map(([key, value]) => key + '=' + value).join(' ');
  info.textContent = ' ' + run.status + ' · ' + run.finished + '/' + run.tasks + ' tasks' + (run.members ? ' · R=' + run.members : '') + acc + (differences ? ' · ' + differences : '');
  info.dataset.status = run.status;
  li.append(box, ' ', link, info);
  return li;
}

function renderList() {
  const list = $('#runs');
  list.replaceChildren();
  const grouped = new Set();
  for (const sweep of state.sweeps) {
    const group = document.createElement('li');
    group.className = 'sweep';
    group.dataset.sweep = sweep.id;
    const title = document.createElement('strong');
    title.textContent = (sweep.id || '(root)') + ' — ' + sweep.runs.length + ' runs ';
    const all = document.createElement('button');
    all.textContent = 'select all';
    all.className = 'select-sweep';
    all.addEventListener('click', () => { sweep.runs.forEach((id) => state.selected.add(id)); renderList(); updateOverlayControls(); });
    const inner = document.createElement('ul');
    for (const id of sweep.runs) {
      grouped.add(id);
      inner.append(runItem(state.runs.find((run) => run.id === id)));
    }
    group.append(title, all, inner);
    list.append(group);
  }
  for (const run of state.runs) if (!grouped.has(run.id)) list.append(runItem(run));
  if (state.runs.length === 0) list.textContent = 'No runs under this root yet: start one with plab run.';
}

async function loadRuns() {
  const body = await api('/api/runs');
  state.runs = body.runs;
  state.sweeps = body.sweeps;
  $('#root').textContent = body.root;
  renderList();
  updateOverlayControls();
}

function runLink(id, figure) {
  const params = new URLSearchParams({ run: id });
  if (figure) params.set('figure', figure);
  return '#' + params.toString();
}

function compareLink(ids) {
  return '#' + ids.map((id) => 'compare=' + encodeURIComponent(id)).join('&');
}

async function openRun(id, figureId) {
  state.open = { kind: 'run', id };
  clearViews();
  const view = $('#view');
  view.replaceChildren();
  status('loading ' + (id || '.') + ' …');
  const body = await api('/api/run?path=' + encodeURIComponent(id));
  const heading = document.createElement('h2');
  heading.textContent = id || '.';
  heading.id = 'run-title';
  view.append(heading);
  let section = '';
  for (const figure of body.figures) {
    if (figure.section !== section) {
      section = figure.section;
      const h = document.createElement('h3');
      h.textContent = section;
      view.append(h);
    }
    const box = document.createElement('figure');
    box.className = 'figure';
    box.dataset.id = figure.id;
    box.id = 'figure-' + figure.id;
    const chart = document.createElement('div');
    const caption = document.createElement('figcaption');
    const permalink = document.createElement('a');
    permalink.className = 'permalink';
    permalink.href = runLink(id, figure.id);
    permalink.textContent = '#';
    permalink.title = 'link to this figure';
    caption.append(permalink, ' ', figure.caption);
    box.append(chart, caption);
    view.append(box);
    await draw(figure.spec, chart);
  }
  if (body.missing.length > 0) {
    const h = document.createElement('h3');
    h.textContent = 'Missing data';
    const ul = document.createElement('ul');
    ul.className = 'missing';
    for (const line of body.missing) { const li = document.createElement('li'); li.textContent = line; ul.append(li); }
    view.append(h, ul);
  }
  const run = state.runs.find((candidate) => candidate.id === id);
  status(body.figures.length + ' figures of ' + (id || '.') + (run && run.status === 'running' ? ' (running: refreshed as it writes)' : ''));
  if (figureId) {
    const target = document.getElementById('figure-' + figureId);
    if (target) { target.classList.add('linked'); target.scrollIntoView(); }
  }
}

const fmt = (value) => (value === null || value === undefined ? 'n/a' : value.toFixed(4));
const formatP = (p) => (p < 1e-6 ? '< 1e-6' : p.toPrecision(3));

async function openComparison(ids) {
  state.open = { kind: 'compare', ids };
  clearViews();
  const view = $('#view');
  view.replaceChildren();
  status('comparing ' + ids.length + ' runs …');
  const body = await api('/api/compare?' + ids.map((id) => 'runs=' + encodeURIComponent(id)).join('&'));
  const heading = document.createElement('h2');
  heading.textContent = 'Comparison of ' + ids.length + ' runs';
  const note = document.createElement('p');
  note.className = 'note';
  note.textContent = "Final metrics, mean ± std over members; p: two-sided Welch's t-test against the first run (the baseline).";
  const table = document.createElement('table');
  table.id = 'comparison';
  const head = table.createTHead().insertRow();
  for (const title of ['metric', ...body.runs.map((run, index) => run + (index === 0 ? ' (baseline)' : ''))]) {
    const th = document.createElement('th');
    th.textContent = title;
    head.append(th);
  }
  const tbody = table.createTBody();
  const points = [];
  for (const metric of body.metrics) {
    const row = tbody.insertRow();
    row.dataset.metric = metric.name;
    row.insertCell().textContent = metric.name;
    metric.columns.forEach((cell, index) => {
      const td = row.insertCell();
      if (!cell) { td.textContent = '-'; return; }
      td.textContent = fmt(cell.mean) + ' ± ' + fmt(cell.std);
      if (index > 0) {
        const p = document.createElement('span');
        p.className = 'p' + (cell.test && cell.test.p < 0.05 ? ' significant' : '');
        p.textContent = ' p ' + (cell.test ? formatP(cell.test.p) : 'n/a');
        td.append(p);
      }
      cell.values.forEach((value, member) => { if (value !== null) points.push({ metric: metric.name, run: body.runs[index], member, value }); });
    });
  }
  const chart = document.createElement('figure');
  chart.className = 'figure';
  chart.dataset.id = 'comparison-chart';
  view.append(heading, note, table, chart);
  const run = { field: 'run', type: 'nominal', sort: body.runs, axis: { labelAngle: -30, labelLimit: 220 } };
  await draw({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values: points },
    facet: { column: { field: 'metric', type: 'nominal', sort: body.metrics.map((metric) => metric.name), title: null } },
    spec: {
      width: 150,
      height: 180,
      layer: [
        { mark: { type: 'point', filled: true, opacity: 0.6 }, encoding: { x: run, y: { field: 'value', type: 'quantitative', scale: { zero: false } }, color: { field: 'run', type: 'nominal', sort: body.runs, legend: null }, tooltip: [{ field: 'run' }, { field: 'member' }, { field: 'value', format: '.4f' }] } },
        { mark: { type: 'errorbar', extent: 'stdev', ticks: true }, encoding: { x: run, y: { field: 'value', type: 'quantitative' } } },
        { mark: { type: 'tick', thickness: 2, color: 'black' }, encoding: { x: run, y: { aggregate: 'mean', field: 'value', type: 'quantitative' } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  }, chart);
  status('comparison of ' + ids.length + ' runs');
}

/** Opens the view that the URL's fragment names. */
async function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  const compared = params.getAll('compare');
  if (compared.length > 0) {
    compared.forEach((id) => state.selected.add(id));
    renderList();
    await openComparison(compared);
  } else if (params.has('run')) await openRun(params.get('run'), params.get('figure'));
}

/** Re-lists the runs; redraws the open run when it was running and its files changed. */
async function poll() {
  const open = state.open;
  const before = open && open.kind === 'run' ? state.runs.find((run) => run.id === open.id) : null;
  await loadRuns();
  if (!before || before.status !== 'running' || state.open !== open) return;
  const now = state.runs.find((run) => run.id === open.id);
  if (now && (now.modified !== before.modified || now.status !== before.status)) {
    const params = new URLSearchParams(location.hash.slice(1));
    await openRun(open.id, params.get('figure'));
  }
}

async function updateOverlayControls() {
  const ids = [...state.selected];
  const select = $('#series');
  $('#selected-count').textContent = ids.length + ' selected';
  $('#overlay').disabled = true;
  $('#compare').disabled = ids.length < 2;
  select.disabled = true;
  if (ids.length < 2) {
    // An empty list reads as broken; say what fills it.
    const hint = document.createElement('option');
    hint.textContent = 'tick two or more runs to overlay a series';
    select.replaceChildren(hint);
    return;
  }
  const body = await api('/api/overlay/options?' + ids.map((id) => 'runs=' + encodeURIComponent(id)).join('&'));
  const current = select.value;
  select.replaceChildren(...body.series.map((name) => { const o = document.createElement('option'); o.value = name; o.textContent = name; return o; }));
  if (body.series.includes(current)) select.value = current;
  select.disabled = false;
  $('#overlay').disabled = false;
}

async function overlay() {
  const ids = [...state.selected];
  clearViews();
  const view = $('#view');
  view.replaceChildren();
  status('overlaying ' + ids.length + ' runs …');
  const series = $('#series').value;
  const body = await api('/api/overlay?series=' + encodeURIComponent(series) + '&' + ids.map((id) => 'runs=' + encodeURIComponent(id)).join('&'));
  const box = document.createElement('figure');
  box.className = 'figure overlay';
  box.dataset.id = 'overlay';
  view.append(box);
  await draw(body.spec, box);
  status('overlay of ' + ids.length + ' runs: ' + series);
}

function report(error) { status('error: ' + error.message); console.error(error); }
$('#overlay').addEventListener('click', () => overlay().catch(report));
$('#compare').addEventListener('click', () => { location.hash = compareLink([...state.selected]); });
$('#refresh').addEventListener('click', () => loadRuns().catch(report));
window.addEventListener('hashchange', () => route().catch(report));
loadRuns().then(route).catch(report);
setInterval(() => poll().catch(report), POLL_MS);
`;

export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plasticity Lab dashboard</title>
<link rel="icon" href="data:,">
<style>${REPORT_STYLE}
body { max-width: none; display: grid; grid-template-columns: 340px 1fr; gap: 1.5rem; margin: 1rem; }
#side ul { list-style: none; padding-left: .5rem; } #side li { margin: .25rem 0; } .info { color: #777; font-size: .85rem; }
.sweep > ul { border-left: 2px solid #ddd; margin: .3rem 0 .6rem; } #status { color: #555; min-height: 1.2em; }
#controls { margin: .8rem 0; display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
#comparison { border-collapse: collapse; margin: .5rem 0 1rem; } #comparison th, #comparison td { border-bottom: 1px solid #ddd; padding: .3rem .8rem; text-align: left; }
#comparison td:not(:first-child) { font-variant-numeric: tabular-nums; } .p { color: #777; } .p.significant { color: #b00; font-weight: 600; }
.permalink { text-decoration: none; color: #999; } figure.linked { outline: 2px solid #f0b400; }</style>
<script src="/static/vega.min.js"></script><script src="/static/vega-lite.min.js"></script></head>
<body><aside id="side"><h1>Runs</h1><p><code id="root"></code></p>
<div id="controls"><button id="refresh">refresh</button><span id="selected-count">0 selected</span>
<select id="series" aria-label="series to overlay"></select><button id="overlay" disabled>overlay selected</button>
<button id="compare" disabled>compare selected</button></div>
<ul id="runs"></ul></aside>
<main><p id="status">Pick a run to see its figures, or select several and overlay them.</p><div id="view"></div></main>
<script>${SCRIPT}</script></body></html>
`;
}
