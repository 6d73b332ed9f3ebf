// Known answers for the pieces figures are made of: statistics over members, histograms, PCA,
// block pooling, the colour scheme, the timeline of task-local steps, the summary table.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNpz } from '../../src/io/npz.js';
import { histogram } from '../../src/report/arrays.js';
import { pca2 } from '../../src/report/embedding.js';
import { curvePoint } from '../../src/report/figure.js';
import { colorTable, pooled } from '../../src/report/heatmap.js';
import { RunReader } from '../../src/report/run-data.js';
import { summaryRows } from '../../src/report/summary-table.js';
import { timelineOf } from '../../src/report/timeline.js';

test('curve points are the mean and sample sd over members, NaN members ignored, band clipped', () => {
  assert.deepEqual(curvePoint(5, 'a', [1, 2, 3]), { x: 5, series: 'a', mean: 2, lo: 1, hi: 3 });
  const clipped = curvePoint(0, 'a', [0.9, NaN, 1.0, 1.1], [0, 1])!;
  assert.ok(Math.abs(clipped.mean - 1) < 1e-12 && Math.abs(clipped.lo - 0.9) < 1e-12 && clipped.hi === 1);
  assert.deepEqual(curvePoint(0, 'a', [0.5]), { x: 0, series: 'a', mean: 0.5, lo: 0.5, hi: 0.5 });
  assert.equal(curvePoint(0, 'a', [NaN, NaN]), undefined);
});

test('histograms count finite values in equal bins, the last one closed', () => {
  assert.deepEqual(
    histogram([0, 0.25, 0.5, 1, 1, NaN, Infinity], 0, 1, 2).map((b) => [b.start, b.end, b.count]),
    [
      [0, 0.5, 2],
      [0.5, 1, 3],
    ],
  );
  // All values equal: one visible bin around them.
  assert.deepEqual(histogram([2, 2], 2, 2, 1)[0], { start: 1.5, end: 2.5, count: 2 });
});

test('PCA projects points on their principal axes', () => {
  // Points on the line y = 2x, moved off it along (-2, 1)/sqrt(5) by 0.1, -0.2, 0.1 at t = -1, 0, 1:
  // the offsets have zero mean and no correlation with t, so the axes stay exactly those directions.
  const ts = [-2, -1, 0, 1, 2];
  const off = [0, 0.1, -0.2, 0.1, 0];
  const points = new Float64Array(ts.flatMap((t, i) => [t + (-2 * off[i]) / Math.sqrt(5), 2 * t + off[i] / Math.sqrt(5)]));
  const coords = pca2(points, 5, 2);
  const sign1 = Math.sign(coords[8]);
  const sign2 = Math.sign(coords[3]);
  ts.forEach((t, i) => {
    assert.ok(Math.abs(sign1 * coords[2 * i] - t * Math.sqrt(5)) < 1e-9, `PC1 of point ${i}: ${coords[2 * i]}`);
    assert.ok(Math.abs(sign2 * coords[2 * i + 1] - off[i]) < 1e-9, `PC2 of point ${i}: ${coords[2 * i + 1]}`);
  });
});

test('large heatmaps are block-averaged; colours are vega\u2019s viridis', () => {
  const matrix = { rows: 4, cols: 4, values: Float64Array.from({ length: 16 }, (_, i) => i) };
  assert.deepEqual(pooled(matrix, 2, 2), { rows: 2, cols: 2, values: Float64Array.from([2.5, 4.5, 10.5, 12.5]) });
  assert.equal(pooled(matrix, 4, 4), matrix);
  const table = colorTable('viridis');
  assert.deepEqual([...table.subarray(0, 3)], [0x44, 0x01, 0x54]);
  assert.deepEqual([...table.subarray(255 * 3)], [0xfd, 0xe7, 0x25]);
  assert.throws(() => colorTable('no-such-scheme'), /not a continuous vega colour scheme/);
});

test('task-local step counters are laid end to end; boundaries mark the task starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plab-timeline-'));
  try {
    for (const task of [0, 1]) {
      mkdirSync(join(dir, `task_00${task}`));
      const metrics = encodeNpz({
        step: { dtype: 'int32', shape: [2], data: Int32Array.from([50, 100]) },
        accuracy: { dtype: 'float32', shape: [2, 1, 2], data: new Float32Array(4) },
      });
      writeFileSync(join(dir, `task_00${task}`, 'metrics.npz'), metrics);
    }
    const timeline = timelineOf(new RunReader(dir));
    assert.deepEqual(timeline.spans.get(0)!.steps, [50, 100]);
    assert.deepEqual(timeline.spans.get(1)!.steps, [150, 200]);
    assert.deepEqual(timeline.boundaries, [{ task: 1, step: 100 }]);
    assert.equal(timeline.axisTitle, 'training step');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the summary table reads per-member stats, mean/std pairs, per-task lists and plain values', () => {
  const rows = summaryRows({
    tasks: 5,
    accuracy_matrix: [[[1]]],
    metrics: { average_accuracy: { per_member: [0.2, 0.22, 0.18], mean: 0.2, std: 0.02, min: 0.18, max: 0.22 }, bwt: [-0.8, -0.7] },
    stopped_members: [null, null],
    joint_accuracy: null,
    analysis: { probe_seen_accuracy_by_task: [0.997, 0.9431, null], population_sparsity_by_task: { hidden1: [0.5, 0.75] } },
  });
  assert.deepEqual(rows, [
    { metric: 'tasks', value: '5' },
    { metric: 'metrics.average_accuracy', value: '0.2 ± 0.02' },
    { metric: 'metrics.bwt', value: '-0.75 ± 0.07071 (2 members)' },
    { metric: 'analysis.probe_seen_accuracy_by_task', value: '0.997, 0.9431, n/a (task 1 → 3)' },
    { metric: 'analysis.population_sparsity_by_task.hidden1', value: '0.5, 0.75 (task 1 → 2)' },
  ]);
});
