// A hand-written training loop over Split-MNIST (five tasks of two digits, class-incremental):
// the dataset, the scenario plan and its task tensors come from plab's data layer, the population
// steps through a Learner, and the loop, its order and what it measures are the script's own.
// After each task, every task seen so far is evaluated; the last task learnt must be nearly
// solved and the first one forgotten, the catastrophic forgetting the scenario exists to show.
import assert from 'node:assert/strict';
import { EpochBatches, Learner, data, evaluate, nn, optim, scope } from 'plasticity-lab';

const MEMBERS = 2;
const SEED = 0;
const TASKS = 3; // the first three of the five tasks keep the example short

const dataset = data.loadDataset('mnist');
const plan = data.splitPlan({ dataset: 'mnist', numClasses: 10, members: MEMBERS, seed: SEED }, { classesPerTask: 2 });
const tasks = new data.ScenarioData(dataset, plan, { transform: (images) => data.flattenImages(data.scaleToUnit(images)), trainSamplesPerClass: 1000, testSamplesPerClass: 500 });

const model = new nn.MLP({ inputShape: [784], hidden: [100], numClasses: plan.outputs, members: MEMBERS });
nn.initializeMembers(model, nn.memberGenerators([SEED, SEED + 1]));
const learner = new Learner(model, new optim.SGD(model.parameters(), { lr: 0.05 }));
const shuffles = nn.memberGenerators([SEED + 100, SEED + 101]);

/** accuracy[t][j]: each member's accuracy on task j after training on task t. */
const accuracy = [];
for (let task = 0; task < TASKS; task += 1) {
  learner.beginTask(task);
  const batches = new EpochBatches(tasks.train(task), 32, shuffles);
  for (const batch of batches.epoch()) learner.trainStep(batch);
  batches.dispose();
  accuracy.push(
    Array.from({ length: task + 1 }, (_, seen) => scope(() => Array.from(evaluate(model, tasks.test(seen), { numClasses: plan.outputs }).accuracy))),
  );
  console.log(`after task ${task}: ${accuracy[task].map((perMember, seen) => `task ${seen} ${perMember.map((value) => value.toFixed(3)).join('/')}`).join(', ')}`);
}
tasks.dispose();

for (let member = 0; member < MEMBERS; member += 1) {
  assert.ok(accuracy[0][0][member] > 0.95, `member ${member} learns task 0 (${accuracy[0][0][member]})`);
  assert.ok(accuracy[TASKS - 1][TASKS - 1][member] > 0.9, `member ${member} learns the last task`);
  assert.ok(accuracy[TASKS - 1][0][member] < 0.5, `member ${member} forgets task 0 in the class-incremental setting (${accuracy[TASKS - 1][0][member]})`);
}
