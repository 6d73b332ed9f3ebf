// The joint baseline's training data: every task's samples, in task order, for every member.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareExperiment } from '../../src/cl/from-config.js';
import { composeConfig } from '../../src/config/index.js';
import { ops } from '../../src/tensor/index.js';

test("the joint data hold each task's training data, in task order, for every member", () => {
  const { source } = prepareExperiment(composeConfig(['scenario.num_tasks=3', 'training.members=2']));
  const joint = source.train('joint');
  const parts = [0, 1, 2].map((task) => source.train(task));
  assert.deepEqual(joint.images.shape, [parts.reduce((n, part) => n + part.images.shape[0], 0), 2, 1, 28, 28]);
  assert.ok(ops.equal(joint.images, ops.cat(parts.map((part) => part.images), 0)), 'images differ from the tasks concatenated');
  assert.ok(ops.equal(joint.labels, ops.cat(parts.map((part) => part.labels), 0)), 'labels differ from the tasks concatenated');
  assert.deepEqual([...new Set(joint.labels.select(1, 1).toArray())].sort(), [1, 2, 3, 4, 5, 6]);
});
