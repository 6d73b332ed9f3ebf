// The rotated scenario (domain-incremental rotated MNIST): the rotation against PyTorch's
// affine_grid + grid_sample (tools/make_plasticity_fixtures.py), the plan, and the task data it makes;
// the online permuted scenario's config.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { prepareExperiment } from '../../src/cl/from-config.js';
import { composeConfig } from '../../src/config/index.js';
import { makeDataset, parsePlan, planScenario, rotatedPlan, rotateImages, ScenarioData, type ScenarioPlan } from '../../src/data/index.js';
import { Generator, ops, scope, tensor, type Tensor } from '../../src/tensor/index.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/methods/plasticity.json', import.meta.url), 'utf8')) as { rotations: { images: number[]; rotated: Record<string, number[]> } };

test('rotateImages equals PyTorch grid_sample (nearest, zeros, align_corners=False) exactly, at right and oblique angles', () => {
  const images = tensor(Uint8Array.from(fixture.rotations.images), { shape: [2, 1, 28, 28] });
  for (const [degrees, expected] of Object.entries(fixture.rotations.rotated)) {
    const rotated = rotateImages(images, Number(degrees));
    assert.equal(rotated.dtypeName, 'uint8');
    assert.deepEqual(Array.from(rotated.reshape(-1).toArray() as number[]), expected, `${degrees}°`);
  }
  // A task tensor [N, R, C, H, W] turns the same way.
  const stacked = images.reshape(1, 2, 1, 28, 28);
  assert.deepEqual(Array.from(rotateImages(stacked, 45).reshape(-1).toArray() as number[]), fixture.rotations.rotated['45']);
});

test('rotated plan: every class in every task, one head, task t rotated by t·angle_step; a saved plan reads back', () => {
  const plan = planScenario({ kind: 'rotated', tasks: 4, angleStep: 15 }, { dataset: 'mnist', numClasses: 10, members: 3, seed: 0 });
  assert.equal(plan.scenario, 'rotated');
  assert.equal(plan.outputs, 10);
  assert.equal(plan.multiHead, false);
  assert.deepEqual(plan.tasks.map((task) => task.parts[0].rotation), [0, 15, 30, 45]);
  for (const task of plan.tasks) assert.deepEqual(task.parts[0].classes, Array.from({ length: 3 }, () => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  assert.deepEqual(parsePlan(JSON.parse(JSON.stringify(plan))), plan);
  assert.throws(() => rotatedPlan({ dataset: 'mnist', numClasses: 10, members: 1, seed: 0 }, { tasks: 2, angles: [0] }), /angles must list 2 numbers/);
});

test('rotated task data: a task holds the samples it would hold upright, rotated by its angle', () => {
  const generator = new Generator(3);
  const images = ops.randint(0, 256, [60, 1, 6, 6], generator).to('uint8');
  const labels = tensor(BigInt64Array.from({ length: 60 }, (_, i) => BigInt(i % 3)), { dtype: 'int64' });
  const dataset = makeDataset({ name: 'synthetic', trainImages: images, trainLabels: labels, testImages: images.clone(), testLabels: labels.clone(), classes: ['a', 'b', 'c'] });
  const context = { dataset: 'synthetic', numClasses: 3, members: 2, seed: 4 };
  const raw = { transform: (x: Tensor) => x };
  const rotated = new ScenarioData(dataset, rotatedPlan(context, { tasks: 2, angles: [0, 30] }), raw);
  const upright = new ScenarioData(dataset, rotatedPlan(context, { tasks: 2, angles: [0, 0] }), raw);
  for (const split of ['train', 'test'] as const) {
    const turned = rotated[split](1);
    const plain = upright[split](1);
    assert.deepEqual(turned.labels.toArray(), plain.labels.toArray(), `${split}: same samples`);
    assert.equal(turned.images.sub(rotateImages(plain.images, 30)).abs().max().item(), 0, `${split}: rotated by 30°`);
    assert.ok(turned.images.ne(plain.images).sum().item() > 0, `${split}: the rotation changed the images`);
  }
});

test('scenario=online_permuted and scenario=rotated compose into plans; scenario.train/test_samples_per_class set the task sizes', () => {
  const online = prepareExperiment(composeConfig(['scenario=online_permuted', 'scenario.num_tasks=3', 'scenario.train_samples_per_class=20', 'scenario.test_samples_per_class=5', 'training.members=2']));
  try {
    assert.equal(online.plan.scenario, 'permuted');
    assert.ok((online.plan as ScenarioPlan).tasks.every((task) => task.parts[0].permutations.every((seed) => seed !== null)), 'every task permuted, the first included');
    const sizes = scope(() => [online.source.train(0).labels.shape[0], online.source.test(2).labels.shape[0]]);
    assert.deepEqual(sizes, [200, 50]);
  } finally {
    online.release();
  }
  const rotated = prepareExperiment(composeConfig(['scenario=rotated', 'scenario.angle_step=30', '+scenario.train_samples_per_class=10', 'training.members=1']));
  try {
    assert.deepEqual((rotated.plan as ScenarioPlan).tasks.map((task) => task.parts[0].rotation), [0, 30, 60, 90, 120]);
    assert.equal(scope(() => rotated.source.train(1).labels.shape[0]), 100);
  } finally {
    rotated.release();
  }
});
