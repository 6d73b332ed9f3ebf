// Member health at the end of a run: stopped, collapsed (dead layer, chance accuracy) or ok, and the
// printed summary names each member that is not ok.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogBuffer } from '../../src/cl/log-buffer.js';
import { deadLayers, memberHealth } from '../../src/cl/member-health.js';
import { formatSummary, type RunSummary } from '../../src/cl/summary.js';

test('deadLayers reads the last log point of each layer: a layer is dead only where every unit is', () => {
  const log = new LogBuffer();
  log.append('dead_fraction/hidden1', [3], Float32Array.of(1, 0.5, 1));
  log.append('dead_fraction/hidden2', [3], Float32Array.of(0, 0, 1));
  log.append('dead_fraction/hidden1', [3], Float32Array.of(0.9, 1, 1)); // the last point counts
  log.append('eff_rank/hidden1', [3], Float32Array.of(0, 0, 0));
  assert.deepEqual(deadLayers(log, 3), [[], ['hidden1'], ['hidden1', 'hidden2']]);
  assert.deepEqual(deadLayers(new LogBuffer(), 2), [[], []]);
});

test('memberHealth: a non-finite loss stops, a dead layer or chance accuracy on the task just trained collapses', () => {
  const health = memberHealth({
    task: 2,
    classes: [[4, 5], [4, 5], [4, 5], [1, 7]],
    accuracy_after: [
      [0.9, 0.8, 0.97],
      [0.5, 0.5, 0.5],
      [0.9, 0.8, 0.99],
      [0.6, 0.7, 0.549],
    ],
    stopped_members: [null, 'loss became NaN at task 1, step 40', null, null],
    dead_layers: [[], [], ['hidden1'], []],
  });
  assert.deepEqual(health, [
    { status: 'ok', reason: null },
    { status: 'stopped', reason: 'loss became NaN at task 1, step 40' },
    { status: 'collapsed', reason: 'every unit of hidden1 dead' },
    { status: 'collapsed', reason: 'accuracy 0.549 on task 3, just trained, is at chance (0.500)' },
  ]);
  // Runs written before dead layers were recorded still get a status.
  assert.deepEqual(memberHealth({ task: 0, classes: [[0, 1]], accuracy_after: [[0.98]], stopped_members: [null] }), [{ status: 'ok', reason: null }]);
});

test('the printed summary lists the members that are not ok', () => {
  const summary = {
    tasks: 1,
    members: 3,
    accuracy_matrix_mean: [[0.7]],
    accuracy_matrix_std: [[0.2]],
    metrics: {},
    seen_accuracy: { by_task: [[0.9, 0.5, 0.7]], final: { mean: 0.7, std: 0.2 } },
    epochs: [[5, 5, 5]],
    joint_accuracy: null,
    expert_accuracy: null,
    analysis: { population_sparsity_by_task: {}, probe_seen_accuracy_by_task: [null], network_seen_accuracy_by_task: [null], probe_unseen_accuracy_by_task: [null] },
    stopped_members: [null, 'loss became NaN at task 0, step 3', null],
    member_status: [
      { status: 'ok', reason: null },
      { status: 'stopped', reason: 'loss became NaN at task 0, step 3' },
      { status: 'collapsed', reason: 'every unit of hidden1 dead' },
    ],
  } as unknown as RunSummary;
  const printed = formatSummary(summary).split('\n');
  assert.deepEqual(printed.slice(-3), [
    'members not ok (2 of 3; their figures are in the means above):',
    '  member 1: STOPPED, loss became NaN at task 0, step 3',
    '  member 2: COLLAPSED, every unit of hidden1 dead',
  ]);
});
