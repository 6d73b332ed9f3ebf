import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPORT_PAGE_WIDTH } from '../../src/report/html.js';
import { writeReport, type FigureRecord, type ReportResult } from '../../src/report/index.js';
import { smallRun } from './helpers.js';

const EVERY_FIGURE = (tasks: string[]) => [
  'accuracy_matrix',
  'forgetting_curves',
  'expert_vs_learner',
  'training_loss',
  ...tasks.map((t) => `probabilities_${t}`),
  ...tasks.map((t) => `latent_${t}`),
  'relative_updates',
  'weight_histograms',
  'bias_histograms',
  ...tasks.map((t) => `features_${t}`),
  ...tasks.map((t) => `gradients_${t}`),
  'probe_accuracy',
  'plasticity_metrics',
];
const TASKS = ['task_000', 'task_001', 'task_002'];

let work: string;
let run: string;
let result: ReportResult;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'plab-report-'));
  run = smallRun(join(work, 'results', 'mnist', 'SL_3'));
  result = await writeReport(run);
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test('a complete run gives every figure as a non-empty SVG and PNG', () => {
  assert.deepEqual(result.missing, []);
  const report = join(run, 'report');
  const expected = EVERY_FIGURE(TASKS);
  assert.deepEqual(result.figures, expected.flatMap((id) => [join(report, `${id}.svg`), join(report, `${id}.png`)]));
  for (const id of expected) {
    const svg = readFileSync(join(report, `${id}.svg`), 'utf8');
    const width = Number(/<svg[^>]* width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
    assert.ok(width > 150, `${id}.svg is ${width} px wide`);
    // Marks: lines and areas are paths, bars and cells are paths or rects, heatmaps are images.
    const marks = (svg.match(/<path|<image|<rect/g) ?? []).length;
    assert.ok(marks >= 5, `${id}.svg draws only ${marks} marks`);
    const [w, h] = pngSize(readFileSync(join(report, `${id}.png`)));
    // Charts are drawn at twice their size; heatmaps, one pixel per cell already, at their own.
    const scale = /^(features|gradients)_/.test(id) ? 1 : 2;
    assert.ok(Math.abs(w - scale * width) <= 2 && h > 150, `${id}.png is ${w}x${h} for an SVG ${width} wide`);
    assert.ok(statSync(join(report, `${id}.png`)).size > 5000, `${id}.png is nearly empty`);
  }
  const figures = JSON.parse(readFileSync(join(report, 'figures.json'), 'utf8')) as FigureRecord[];
  assert.deepEqual(
    figures.map((f) => f.id),
    expected,
  );
  assert.ok(figures.every((f) => typeof f.spec === 'object' && f.caption.length > 20));
});

test('figures carry the saved numbers', () => {
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { accuracy_matrix: number[][][]; metrics: { average_accuracy: { mean: number } } };
  // Cell (after task 3, on task 1): mean ± sample sd over the three members.
  const values = summary.accuracy_matrix.map((m) => m[2][0]);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  const svg = readFileSync(join(run, 'report', 'accuracy_matrix.svg'), 'utf8');
  assert.ok(svg.includes(`${mean.toFixed(2)}±${sd.toFixed(2)}`), `accuracy matrix lacks ${mean.toFixed(2)}±${sd.toFixed(2)}`);
  // The diagonal of the synthetic run is near 0.99, its off-diagonal near the retention (0.05).
  assert.ok(summary.accuracy_matrix[0][1][1] > 0.95 && summary.accuracy_matrix[0][2][0] < 0.2);

  const figures = JSON.parse(readFileSync(join(run, 'report', 'figures.json'), 'utf8')) as FigureRecord[];
  const forgetting = JSON.stringify(figures.find((f) => f.id === 'forgetting_curves')!.spec);
  // Steps are global (3 tasks of 120 steps) and three tasks are plotted, named with their classes.
  assert.ok(forgetting.includes('"x":360') && forgetting.includes('"series":"task 3 [4, 5]"'));
  const latent = readFileSync(join(run, 'report', 'latent_task_002.svg'), 'utf8');
  for (const c of [0, 1, 2, 3, 4, 5]) assert.ok(latent.includes(`>class ${c}<`), `latent space legend lacks class ${c}`);
  assert.ok(!latent.includes('>class 6<'));

  const html = readFileSync(result.index, 'utf8');
  for (const id of EVERY_FIGURE(TASKS)) assert.ok(html.includes(`src="${id}.svg"`), `index.html lacks ${id}`);
  const acc = summary.metrics.average_accuracy.mean;
  assert.ok(html.includes('metrics.average_accuracy') && html.includes(String(Number(acc.toPrecision(4)))), 'summary table lacks ACC');
});

test('every figure of a five-task run fits the report page at full size, the probability panels wrapped', async () => {
  const classes = [[1, 2], [3, 4], [5, 6], [7, 8], [9, 0]];
  const five = smallRun(join(work, 'five'), { tasks: 5, classes, seed: 5 });
  const out = await writeReport(five, { latentMethod: 'pca' });
  const svgs = out.figures.filter((file) => file.endsWith('.svg'));
  assert.ok(svgs.some((file) => file.endsWith('probabilities_task_004.svg')));
  for (const file of svgs) {
    const width = Number(/<svg[^>]* width="(\d+(?:\.\d+)?)"/.exec(readFileSync(file, 'utf8'))?.[1]);
    // Wider than the page's column, index.html shrinks the figure and its text with it.
    assert.ok(width <= REPORT_PAGE_WIDTH, `${file} is ${width} px wide, the page ${REPORT_PAGE_WIDTH}`);
  }
  // The last task's figure still has a panel for each of the five tasks.
  const probabilities = readFileSync(join(five, 'report', 'probabilities_task_004.svg'), 'utf8');
  for (const [t, pair] of classes.entries()) assert.ok(probabilities.includes(`>samples of task ${t + 1} [${pair.join(', ')}]<`), `no panel for task ${t + 1}`);
});

test('missing and corrupt files give a partial report and a list of what is missing', async () => {
  const damaged = smallRun(join(work, 'damaged'), { seed: 7 });
  unlinkSync(join(damaged, 'task_001', 'weights.npz'));
  const metrics = join(damaged, 'task_002', 'metrics.npz');
  truncateSync(metrics, Math.floor(statSync(metrics).size / 2));
  writeFileSync(join(damaged, 'summary.json'), '{"accuracy_matrix": [[[0.9');
  unlinkSync(join(damaged, 'task_000', 'expert_metrics.npz'));
  writeFileSync(join(damaged, 'task_001', 'representations.npy'), 'not an array');

  const partial = await writeReport(damaged);
  const has = (pattern: RegExp) => assert.ok(partial.missing.some((line) => pattern.test(line)), `missing list lacks ${pattern}: ${partial.missing.join(' | ')}`);
  has(/^weight_histograms: task_001\/weights\.npz \(not found\)$/);
  has(/task_002\/metrics\.npz \(unreadable: .*(truncated|end-of-central-directory)/);
  has(/summary\.json \(unreadable: .*JSON/);
  has(/^expert_vs_learner: task_000\/expert_metrics\.npz \(not found\)$/);
  has(/^latent_task_001: task_001\/representations\.npy \(unreadable: not a valid \.npy file/);

  const written = (id: string) => partial.figures.includes(join(damaged, 'report', `${id}.svg`));
  // Drawn from what remains: the matrix from task metrics, curves of tasks 1-2, histograms of tasks 1 and 3.
  for (const id of ['accuracy_matrix', 'forgetting_curves', 'expert_vs_learner', 'weight_histograms', 'latent_task_000', 'latent_task_002', 'gradients_task_002']) {
    assert.ok(written(id), `${id} should still be drawn`);
  }
  for (const id of ['latent_task_001', 'probabilities_task_002']) assert.ok(!written(id), `${id} cannot be drawn`);
  const histograms = readFileSync(join(damaged, 'report', 'weight_histograms.svg'), 'utf8');
  assert.ok(histograms.includes('>task 1 [0, 1]<') && histograms.includes('>task 3 [4, 5]<') && !histograms.includes('>task 2 [2, 3]<'));
  const html = readFileSync(partial.index, 'utf8');
  assert.ok(html.includes('Missing data') && html.includes('task_001/weights.npz (not found)'));
  const listed = JSON.parse(readFileSync(join(damaged, 'report', 'missing.json'), 'utf8')) as { missing: { file: string }[] };
  assert.ok(listed.missing.some((m) => m.file === 'task_002/metrics.npz'));
});

test('a directory without results gives an empty report that says so', async () => {
  const empty = join(work, 'empty');
  mkdirSync(empty);
  const nothing = await writeReport(empty);
  assert.deepEqual(nothing.figures, []);
  assert.ok(nothing.missing.some((line) => line.includes('no task directories')));
  assert.ok(nothing.missing.some((line) => line.endsWith(': summary.json (not found)')));
  assert.ok(existsSync(nothing.index));
  await assert.rejects(writeReport(join(work, 'nowhere')), /is not a directory/);
});

test("figures whose data the run's settings did not record are named with the setting, not listed as missing", async () => {
  const dir = smallRun(join(work, 'unrecorded'), { seed: 5, savedUpdateMetrics: true });
  // What a regression run without baselines, snapshots or probes writes (conf/experiment/scr_*.yaml).
  appendFileSync(join(dir, 'config.yaml'), 'training:\n  expert_baseline: false\nlogging:\n  snapshots: []\n  measures: [plasticity]\n');
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'summary.json'), JSON.stringify({ ...summary, loss: 'mse' }));
  for (const task of TASKS) for (const file of ['expert_metrics.npz', 'representations.npy', 'weights.npz']) rmSync(join(dir, task, file), { force: true });

  const out = await writeReport(dir);
  assert.deepEqual(out.missing, []);
  const regression = 'a regression run (loss mse) has no classes to score';
  assert.deepEqual(out.notRecorded, [
    `accuracy_matrix (${regression})`,
    `forgetting_curves (${regression})`,
    'expert_vs_learner (training.expert_baseline is false)',
    `probabilities (${regression})`,
    'latent (logging.snapshots has no representations)',
    'weight_histograms (logging.snapshots has no weights)',
    'features (logging.snapshots has no representations)',
    `probe_accuracy (${regression})`,
  ]);
  const drawn = out.figures.filter((file) => file.endsWith('.svg')).map((file) => file.slice(join(dir, 'report').length + 1, -4));
  assert.deepEqual(drawn, ['training_loss', 'relative_updates', ...TASKS.map((t) => `gradients_${t}`), 'plasticity_metrics']);
  const html = readFileSync(out.index, 'utf8');
  assert.ok(html.includes('<h2 id="not-recorded">Not recorded</h2>') && html.includes('latent (logging.snapshots has no representations)') && !html.includes('Missing data'));
  const listed = JSON.parse(readFileSync(join(dir, 'report', 'missing.json'), 'utf8')) as { missing: unknown[]; not_recorded: { figure: string }[] };
  assert.deepEqual(listed.missing, []);
  assert.equal(listed.not_recorded.length, 8);
});

test('binary labels are named through the task classes; saved update metrics are drawn as saved', async () => {
  const dir = smallRun(join(work, 'binary'), { labelFile: 'binary_labels', savedUpdateMetrics: true, seed: 3 });
  const out = await writeReport(dir, { latentMethod: 'pca' });
  assert.deepEqual(out.missing, []);
  const latent = readFileSync(join(dir, 'report', 'latent_task_002.svg'), 'utf8');
  for (const c of [0, 1, 2, 3, 4, 5]) assert.ok(latent.includes(`>class ${c}<`), `binary labels not mapped to class ${c}`);
  assert.ok(latent.includes('PCA'));
  const figures = JSON.parse(readFileSync(join(dir, 'report', 'figures.json'), 'utf8')) as FigureRecord[];
  assert.match(figures.find((f) => f.id === 'gradients_task_001')!.caption, /as saved in task_001\/metrics\.npz/);
  assert.match(figures.find((f) => f.id === 'relative_updates')!.caption, /as saved by the experiment/);
});
