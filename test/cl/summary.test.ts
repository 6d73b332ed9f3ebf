import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResultsWriter, type TaskMetadata } from '../../src/cl/results-writer.js';
import { summarize } from '../../src/cl/summary.js';
import { writeTask } from '../../src/io/results.js';

// Three members on two tasks; member 1's loss became NaN during task 1 (training.nan_policy=member),
// so its training loss there is NaN, which metadata.json holds as null.
function task(index: number, trainLoss: number[], stopped: (string | null)[]): TaskMetadata {
  return {
    task: index,
    classes: [[2 * index, 2 * index + 1], [2 * index, 2 * index + 1], [2 * index, 2 * index + 1]],
    seeds: [0, 1, 2],
    accuracy_after: [[0.9, index ? 0.8 : 0.1], [0.7, index ? 0.6 : 0.1], [0.5, index ? 0.4 : 0.1]],
    expert_accuracy: null,
    seconds: 1,
    steps: 10,
    epochs: [1, 1, 1],
    train_loss: trainLoss,
    test_samples: 100,
    samples_per_second: 640,
    stopped_members: stopped,
    dead_layers: [[], [], []],
    population_sparsity: { layer1: [0.25, Number.NaN, 0.75] },
    probe_seen_accuracy: null,
    network_seen_accuracy: null,
    probe_unseen_accuracy: null,
    versions: { plab: '0', torch: '0', node: '0' },
  };
}

function stoppedRun(): ResultsWriter {
  const root = mkdtempSync(join(tmpdir(), 'plab-summary-'));
  writeTask(root, 0, {}, task(0, [0.5, 0.7, 0.3], [null, null, null]));
  writeTask(root, 1, {}, task(1, [0.2, Number.NaN, 0.4], [null, 'loss became NaN at task 1, step 4', null]));
  return new ResultsWriter(root);
}

test("a finished task's metadata reads back its NaN measures as NaN and its absent ones as null", () => {
  const metadata = stoppedRun().readTaskMetadata(1);
  assert.deepEqual(metadata.train_loss, [0.2, Number.NaN, 0.4]);
  assert.deepEqual(metadata.population_sparsity, { layer1: [0.25, Number.NaN, 0.75] });
  assert.deepEqual(metadata.stopped_members, [null, 'loss became NaN at task 1, step 4', null]);
  assert.equal(metadata.probe_seen_accuracy, null);
  assert.equal(metadata.expert_accuracy, null);
});

test("a stopped member's NaN training loss is left out of the population's figures, not counted as 0", () => {
  const summary = summarize(stoppedRun(), 2, [[0.1, 0.1], [0.1, 0.1], [0.1, 0.1]], null);
  const last = summary.training_loss!.last;
  assert.deepEqual(last.per_member, [0.2, Number.NaN, 0.4]);
  assert.ok(Math.abs(last.mean - 0.3) < 1e-12, `mean ${last.mean}`);
  assert.equal(last.min, 0.2);
  assert.equal(summary.training_loss!.first.mean, 0.5);
  assert.equal(summary.analysis.population_sparsity_by_task.layer1[1], Number.NaN);
  assert.equal(summary.member_status[1].status, 'stopped');
});
