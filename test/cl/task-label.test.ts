// Tasks read the same everywhere a person sees them: from 1, with their classes when shared.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSummary, type RunSummary } from '../../src/cl/summary.js';
import { taskLabel, taskTag } from '../../src/cl/task-label.js';

test('a task is labelled from 1 with its classes when every member shares them', () => {
  assert.equal(taskLabel(0, [[1, 2], [1, 2]]), 'task 1 [1, 2]');
  assert.equal(taskLabel(4, [[9, 0]]), 'task 5 [9, 0]');
  // Class pairs drawn per member: no single list to show.
  assert.equal(taskLabel(1, [[3, 7], [2, 5]]), 'task 2');
  assert.equal(taskLabel(2), 'task 3');
  assert.equal(taskTag(0), 'task_1');
});

test('the printed accuracy table labels rows and columns as the progress lines do', () => {
  const summary = { tasks: 2, members: 2, accuracy_matrix_mean: [[0.99, 0], [0.1, 0.98]], accuracy_matrix_std: [[0, 0], [0.01, 0]], metrics: {}, seen_accuracy: { by_task: [[0.99, 0.54], [0.99, 0.53]], final: { mean: 0.535, std: 0.007 } }, epochs: [[5, 5], [5, 5]], joint_accuracy: null, expert_accuracy: null, analysis: { population_sparsity_by_task: {}, probe_seen_accuracy_by_task: [], network_seen_accuracy_by_task: [], probe_unseen_accuracy_by_task: [] }, stopped_members: [], member_status: [] } as unknown as RunSummary;
  const lines = formatSummary(summary, [[[1, 2], [1, 2]], [[3, 4], [3, 4]]]).split('\n');
  assert.match(lines[1], /^after\s+task 1 \[1, 2\]\s+task 2 \[3, 4\]/);
  assert.match(lines[2], /^task 1 \[1, 2\]\s+0\.990 ± 0\.000\s+0\.000 ± 0\.000/);
  assert.match(lines[3], /^task 2 \[3, 4\]\s+0\.100 ± 0\.010\s+0\.980 ± 0\.000/);
  assert.ok(!/task 0/.test(lines.join('\n')));
  assert.ok(lines.some((line) => /^seen-class accuracy\s+0\.535 ± 0\.007$/.test(line)), 'the pooled seen-class accuracy is printed');
  assert.ok(!lines.some((line) => line.startsWith('epochs, member')), 'epochs are listed only when members differ');
});
