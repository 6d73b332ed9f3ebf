// The dashboard's single page: the list of runs and sweeps, a run's figures drawn by vega in the
// browser (tooltips, zoom on curves), and an overlay of a chosen series for the selected runs.
// vega and vega-lite are served from node_modules by the dashboard server; the page loads nothing
// from elsewhere.
import { REPORT_STYLE } from './html.js';

const SCRIPT = String.raw`
const state = { runs: [], sweeps: [], selected: new Set(), views: [] };
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
  link.href = '#';
  link.className = 'open';
  link.textContent = run.id || '.';
  link.addEventListener('click', (event) => { event.preventDefault(); openRun(run.id); });
  const info = document.createElement('span');
  info.className = 'info';
  const acc = typeof run.averageAccuracy === 'number' ? ' · ACC ' + run.averageAccuracy.toFixed(3) : '';
  info.textContent = ' ' + run.finished + '/' + run.tasks + ' tasks' + (run.members ? ' · R=' + run.members : '') + acc;
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

async function openRun(id) {
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
    const chart = document.createElement('div');
    const caption = document.createElement('figcaption');
    caption.textContent = figure.caption;
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
  status(body.figures.length + ' figures of ' + (id || '.'));
}

async function updateOverlayControls() {
  const ids = [...state.selected];
  const select = $('#series');
  $('#selected-count').textContent = ids.length + ' selected';
  $('#overlay').disabled = true;
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
$('#refresh').addEventListener('click', () => loadRuns().catch(report));
loadRuns().catch(report);
`;

export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Plasticity Lab dashboard</title>
<link rel="icon" href="data:,">
<style>${REPORT_STYLE}
body { max-width: none; display: grid; grid-template-columns: 340px 1fr; gap: 1.5rem; margin: 1rem; }
#side ul { list-style: none; padding-left: .5rem; } #side li { margin: .25rem 0; } .info { color: #777; font-size: .85rem; }
.sweep > ul { border-left: 2px solid #ddd; margin: .3rem 0 .6rem; } #status { color: #555; min-height: 1.2em; }
#controls { margin: .8rem 0; display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }</style>
<script src="/static/vega.min.js"></script><script src="/static/vega-lite.min.js"></script></head>
<body><aside id="side"><h1>Runs</h1><p><code id="root"></code></p>
<div id="controls"><button id="refresh">refresh</button><span id="selected-count">0 selected</span>
<select id="series" aria-label="series to overlay"></select><button id="overlay" disabled>overlay selected</button></div>
<ul id="runs"></ul></aside>
<main><p id="status">Pick a run to see its figures, or select several and overlay them.</p><div id="view"></div></main>
<script>${SCRIPT}</script></body></html>
`;
}
