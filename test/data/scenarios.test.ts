import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  classPairsPlan,
  deriveSeed,
  jointPlan,
  memberClasses,
  parsePlan,
  permutedPlan,
  planScenario,
  splitPlan,
  taskUnits,
  trainingStages,
} from '../../src/data/index.js';

// Recomputed in Python with torch by tools/make-scenario-fixtures.py.
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'data', 'scenarios.json'), 'utf8'));
const mnist = { dataset: 'mnist', numClasses: 10, seed: 0 };

test('seeds derive as in the Python re-implementation', () => {
  assert.deepEqual([0, 1, 2].map((r) => deriveSeed(0, 'member', r)), fixture.memberSeeds);
  assert.equal(deriveSeed(7, 'permutation', 1), fixture.permutationSeed);
});

test('class pairs: each member cuts its own torch.randperm of the classes into pairs', () => {
  const plan = classPairsPlan({ ...mnist, members: 3 }, { tasks: 5 });
  assert.deepEqual(plan.memberSeeds, fixture.memberSeeds);
  for (let r = 0; r < 3; r++) assert.deepEqual(memberClasses(plan, r), fixture.classPairs[r]);
  assert.deepEqual([plan.labels, plan.outputs, plan.multiHead], ['task', 2, false]);
  assert.deepEqual(taskUnits(plan, 3), [0, 1]);
  // Within a member, no class appears twice across its tasks.
  for (let r = 0; r < 3; r++) assert.equal(new Set(memberClasses(plan, r).flat()).size, 10);
  // Members differ.
  assert.notDeepEqual(memberClasses(plan, 0), memberClasses(plan, 1));
});

test('class pairs: reproducible from the seed, different under another seed, member r independent of R', () => {
  const a = classPairsPlan({ ...mnist, members: 4 }, { tasks: 5 });
  const b = classPairsPlan({ ...mnist, members: 4 }, { tasks: 5 });
  assert.deepEqual(a, b);
  const other = classPairsPlan({ ...mnist, seed: 1, members: 4 }, { tasks: 5 });
  assert.notDeepEqual(memberClasses(other, 0), memberClasses(a, 0));
  const single = classPairsPlan({ ...mnist, members: 1 }, { tasks: 5 });
  assert.deepEqual(memberClasses(single, 0), memberClasses(a, 0));
});

test('class pairs: too many tasks names the maximum; with replacement draws fresh pairs per task', () => {
  assert.throws(() => classPairsPlan({ ...mnist, members: 2 }, { tasks: 6 }), {
    message: 'class_pairs: 6 tasks need 12 distinct classes per member but mnist has 10; at most 5 tasks without replacement (set replacement: true for more)',
  });
  const plan = classPairsPlan({ dataset: 'tiny', numClasses: 4, seed: 0, members: 3 }, { tasks: 7, replacement: true });
  for (let r = 0; r < 3; r++) {
    const pairs = memberClasses(plan, r);
    assert.deepEqual(pairs, fixture.classPairsWithReplacement[r]);
    for (const [a, b] of pairs) assert.notEqual(a, b);
  }
});

test('split: Split-MNIST in a given order, class- and task-incremental', () => {
  const classIL = splitPlan({ ...mnist, members: 2 }, { order: [1, 2, 3, 4, 5, 6, 7, 8, 9, 0] });
  assert.deepEqual(memberClasses(classIL, 1), [[1, 2], [3, 4], [5, 6], [7, 8], [9, 0]]);
  assert.deepEqual([classIL.labels, classIL.outputs, classIL.multiHead], ['class', 10, false]);
  assert.deepEqual(taskUnits(classIL, 2), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  const taskIL = splitPlan({ ...mnist, members: 1 }, { classesPerTask: 5, mode: 'task_incremental' });
  assert.deepEqual(memberClasses(taskIL, 0), [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
  assert.deepEqual([taskIL.labels, taskIL.outputs, taskIL.multiHead], ['task', 10, true]);
  assert.deepEqual(taskUnits(taskIL, 1), [5, 6, 7, 8, 9]);
  assert.equal(taskIL.tasks[1].parts[0].labelOffset, 5);

  assert.throws(() => splitPlan({ ...mnist, members: 1 }, { classesPerTask: 3 }), /10 classes cannot be cut into equal tasks of 3 classes/);
  assert.throws(() => splitPlan({ ...mnist, members: 1 }, { order: [1, 1] }), /class 1 appears twice in order/);
  assert.throws(() => splitPlan({ ...mnist, members: 1 }, { order: [0, 10] }), /class 10 in order is outside 0\.\.9/);
});

test('split: a random order is shared by all members, or drawn per member', () => {
  const shared = splitPlan({ ...mnist, members: 2 }, { order: 'random', tasks: 5 });
  assert.deepEqual(memberClasses(shared, 0).flat(), fixture.splitRandomOrder);
  assert.deepEqual(memberClasses(shared, 1).flat(), fixture.splitRandomOrder);
  const own = splitPlan({ ...mnist, members: 2 }, { order: 'random', perMember: true });
  assert.notDeepEqual(memberClasses(own, 0), memberClasses(own, 1));
  assert.deepEqual(new Set(memberClasses(own, 1).flat()).size, 10);
});

test('permuted: every class in every task, identity first task unless asked, seeds per task or member', () => {
  const plan = permutedPlan({ ...mnist, seed: 7, members: 2 }, { tasks: 3 });
  assert.deepEqual(plan.tasks[0].parts[0].permutations, [null, null]);
  assert.deepEqual(plan.tasks[1].parts[0].permutations, [fixture.permutationSeed, fixture.permutationSeed]);
  assert.deepEqual(plan.tasks[2].parts[0].classes[1], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const allPermuted = permutedPlan({ ...mnist, members: 2 }, { tasks: 2, firstTaskIdentity: false, perMember: true });
  const [a, b] = allPermuted.tasks[0].parts[0].permutations;
  assert.ok(a !== null && b !== null && a !== b);
});

test('joint: the same tasks in one training stage', () => {
  const base = splitPlan({ ...mnist, members: 1 }, {});
  const joint = jointPlan(base);
  assert.equal(joint.scenario, 'joint');
  assert.deepEqual(joint.tasks, base.tasks);
  assert.equal(trainingStages(base).length, 5);
  assert.deepEqual(trainingStages(joint).map((stage) => stage.length), [5]);
  assert.deepEqual(planScenario({ kind: 'joint', of: { kind: 'split' } }, { ...mnist, members: 1 }), joint);
});

test('plans survive JSON and parsePlan rejects damaged ones', () => {
  const plan = planScenario({ kind: 'class_pairs', tasks: 5 }, { ...mnist, members: 3 });
  const back = parsePlan(JSON.parse(JSON.stringify(plan)), 'plan.json');
  assert.deepEqual(back, plan);
  const damaged = JSON.parse(JSON.stringify(plan));
  damaged.tasks[2].parts[0].classes[1] = [3, 12];
  assert.throws(() => parsePlan(damaged, 'plan.json'), { message: 'plan.json: not a valid scenario plan: task 2: class 12 is outside 0..9' });
  assert.throws(() => planScenario({ kind: 'spiral' } as never, { ...mnist, members: 1 }), /unknown scenario 'spiral'/);
});
