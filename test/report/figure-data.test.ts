// Every checked figure plots the array it names: its drawn values are recomputed here straight from
// the synthetic run's metrics.npz and compared, ranges included (accuracies and probabilities in [0, 1]).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { NdArray } from '../../src/io/npy.js';
import { readNpz } from '../../src/io/npz.js';
import type { Figure } from '../../src/report/figure.js';
import { buildFigures } from '../../src/report/figures/index.js';
import { RunReader } from '../../src/report/run-data.js';
import { smallRun } from './helpers.js';

interface Drawn {
  x: number;
  series: string;
  mean: number;
  lo: number;
  hi: number;
}

const dir = mkdtempSync(join(tmpdir(), 'plab-figure-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const run = smallRun(join(dir, 'run'));
const figures = buildFigures(new RunReader(run), { latentMethod: 'pca' }).then((set) => set.figures);
const metrics = (task: number): Map<string, NdArray> => readNpz(join(run, `task_${String(task).padStart(3, '0')}`, 'metrics.npz'));

/** Mean over members of the finite values at `index(r)`; NaN when none is finite. */
function memberMean(array: NdArray, index: (r: number) => number): number {
  const values = Array.from({ length: array.shape[1] }, (_, r) => Number(array.data[index(r)])).filter(Number.isFinite);
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

function drawn(spec: unknown): Drawn[] {
  return (spec as { data: { values: Drawn[] } }).data.values;
}

function inUnitRange(points: Drawn[], what: string): void {
  for (const p of points) assert.ok(p.mean >= 0 && p.mean <= 1 && p.lo >= 0 && p.hi <= 1, `${what}: ${p.series} at ${p.x} is ${p.mean} [${p.lo}, ${p.hi}], outside [0, 1]`);
}

function find(all: Figure[], id: string): Figure {
  const figure = all.find((f) => f.id === id);
  assert.ok(figure, `no figure ${id} among ${all.map((f) => f.id).join(', ')}`);
  return figure;
}

test('the probe figure plots probe_class_accuracy per class, not coefficient norms', async () => {
  const figure = find(await figures, 'probe_accuracy');
  assert.deepEqual(figure.arrays, ['probe_class_accuracy', 'probe_accuracy_seen', 'accuracy']);
  const points = drawn(figure.spec);
  inUnitRange(points, figure.id);
  let checked = 0;
  for (let task = 0; task < 3; task++) {
    const arrays = metrics(task);
    const perClass = arrays.get('probe_class_accuracy')!;
    const norms = arrays.get('probe_class_coefficient_norm')!;
    const [L, R, C] = perClass.shape;
    for (let c = 0; c < C; c++) {
      const expected = memberMean(perClass, (r) => ((L - 1) * R + r) * C + c);
      const point = points.find((p) => p.x === task + 1 && p.series === `class ${c}`);
      if (Number.isNaN(expected)) {
        assert.equal(point, undefined, `class ${c} was not probed after task ${task + 1} but is drawn`);
        continue;
      }
      assert.ok(point, `class ${c} after task ${task + 1} is not drawn`);
      assert.ok(Math.abs(point.mean - expected) < 1e-6, `class ${c} after task ${task + 1}: drawn ${point.mean}, probe_class_accuracy gives ${expected}`);
      // The norms differ from the accuracies, so drawing them would fail above; make sure they do.
      assert.notEqual(Math.abs(memberMean(norms, (r) => ((L - 1) * R + r) * C + c) - expected) < 1e-6, true);
      checked++;
    }
    const overall = arrays.get('probe_accuracy_seen')!;
    const point = points.find((p) => p.x === task + 1 && p.series === 'probe, all classes')!;
    assert.ok(Math.abs(point.mean - memberMean(overall, (r) => (overall.shape[0] - 1) * R + r)) < 1e-6);
  }
  assert.ok(checked >= 6, `only ${checked} per-class points checked`);
  // A readable size: one chart, not a tower of duplicated series.
  const spec = figure.spec as { width: number; height: number };
  assert.ok(spec.width <= 640 && spec.height <= 400, `probe chart is ${spec.width}x${spec.height}`);
  // One tick per task, labelled with its classes (a free quantitative axis printed '1 2 2 3 3').
  const axis = (spec as unknown as { layer: { encoding: { x: { axis: { values: number[]; labelExpr: string } } } }[] }).layer[1].encoding.x.axis;
  assert.deepEqual(axis.values, [1, 2, 3]);
  assert.match(axis.labelExpr, /datum\.value == 1 \? "task 1 \[0, 1\]"/);
});

test('each probability panel plots, per class, the probability its own samples give it (true_class_probability)', async () => {
  const all = await figures;
  for (let task = 0; task < 3; task++) {
    const figure = find(all, `probabilities_task_${String(task).padStart(3, '0')}`);
    assert.deepEqual(figure.arrays, ['true_class_probability']);
    const probability = metrics(task).get('true_class_probability')!;
    const [L, R, T, C] = probability.shape;
    const panels = (figure.spec as unknown as { concat: unknown[] }).concat;
    assert.equal(panels.length, Math.min(task + 1, T));
    panels.forEach((panel, j) => {
      const all = drawn(panel);
      inUnitRange(all, `${figure.id} panel ${j + 1}`);
      const steps = [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
      // After the first task, each panel starts where the task starts: the previous task's last log
      // point, from its own file. The task just learnt falls from there (the synthetic run keeps 5 %).
      const starts = task > 0 ? 1 : 0;
      assert.equal(steps.length, L + starts);
      if (task > 0) {
        const previousSteps = metrics(task - 1).get('step')!;
        assert.equal(steps[0], Number(previousSteps.data[previousSteps.shape[0] - 1]));
        const previous = metrics(task - 1).get('true_class_probability')!;
        const last = previous.shape[0] - 1;
        const start = all.filter((p) => p.x === steps[0]);
        assert.ok(start.length > 0, `${figure.id} panel ${j + 1} has no start point`);
        for (const p of start) {
          const c = Number(p.series.replace('class ', ''));
          const expected = memberMean(previous, (r) => ((last * R + r) * T + j) * C + c);
          assert.ok(Math.abs(p.mean - expected) < 1e-6, `${figure.id} panel ${j + 1}, ${p.series} at the start: drawn ${p.mean}, the previous task's last point gives ${expected}`);
          const end = all.find((q) => q.x === steps[steps.length - 1] && q.series === p.series)!;
          if (j === task - 1) assert.ok(p.mean > 0.9 && end.mean < 0.2, `${figure.id} panel ${j + 1}, ${p.series}: ${p.mean} at the start, ${end.mean} at the end`);
        }
        steps.shift();
      }
      const points = all.filter((p) => p.x >= steps[0]);
      let varies = false;
      for (let l = 0; l < L; l++) {
        for (let c = 0; c < C; c++) {
          const expected = memberMean(probability, (r) => ((l * R + r) * T + j) * C + c);
          const point = points.find((p) => p.x === steps[l] && p.series === `class ${c}`);
          if (Number.isNaN(expected)) {
            assert.equal(point, undefined, `${figure.id} panel ${j + 1}: class ${c} has no samples there but is drawn`);
            continue;
          }
          assert.ok(point, `${figure.id} panel ${j + 1}, class ${c}, point ${l} is not drawn`);
          assert.ok(Math.abs(point.mean - expected) < 1e-6, `${figure.id} panel ${j + 1}, class ${c}, point ${l}: drawn ${point.mean}, class_probability gives ${expected}`);
          if (Math.abs(point.mean - 0.5) > 0.05) varies = true;
        }
      }
      assert.ok(varies, `${figure.id} panel ${j + 1} is flat at 0.5`);
    });
  }
});

test('a saved per-unit gradient map is drawn as one line per member over the units, values as saved', async () => {
  const saved = smallRun(join(dir, 'saved'), { savedUpdateMetrics: true });
  const all = (await buildFigures(new RunReader(saved), { latentMethod: 'pca' })).figures;
  const figure = find(all, 'gradients_task_001');
  const arrays = readNpz(join(saved, 'task_001', 'metrics.npz'));
  const keys = [...arrays.keys()].filter((k) => k.startsWith('gradient_map/'));
  assert.ok(keys.length > 0);
  assert.deepEqual([...(figure.arrays ?? [])].sort(), keys.sort());
  const panels = (figure.spec as unknown as { vconcat: { title: string; mark: { type: string }; data: { values: { unit: number; value: number; member: string }[] } }[] }).vconcat;
  for (const key of keys) {
    const panel = panels.find((p) => p.title === key.slice('gradient_map/'.length))!;
    assert.equal(panel.mark.type, 'line');
    const grid = arrays.get(key)!;
    const [L, R, H] = grid.shape;
    assert.equal(panel.data.values.length, R * H, `${key}: every member's every unit`);
    for (const { unit, value, member } of panel.data.values) {
      const r = Number(member.replace('member ', ''));
      assert.ok(Math.abs(value - Number(grid.data[((L - 1) * R + r) * H + unit])) < 1e-5, `${key} member ${r} unit ${unit}`);
    }
  }
});

test('histograms title their axes', async () => {
  const histogram = find(await figures, 'weight_histograms').spec as unknown as { spec: { encoding: { x: { title: string }; y: { title: string } } } };
  assert.equal(histogram.spec.encoding.x.title, 'weight value');
  assert.equal(histogram.spec.encoding.y.title, 'count');
});
