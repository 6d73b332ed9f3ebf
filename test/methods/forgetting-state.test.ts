// Every method against forgetting resumes exactly: a population whose method state was saved after two
// tasks (stateDict) and loaded into fresh objects (loadStateDict) trains the third task to the same
// bits as the population that never stopped; and each method's state carries the member axis.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Method } from '../../src/cl/method.js';
import {
  AveragedGem,
  DarkExperienceReplay,
  ElasticWeightConsolidation,
  ExperienceReplayAce,
  GreedySamplerDumbLearner,
  IncrementalClassifierRepresentation,
  LearningWithoutForgetting,
  MemberRandom,
  MemoryAwareSynapses,
  SynapticIntelligence,
} from '../../src/cl/methods/index.js';
import { scope, type Tensor } from '../../src/tensor/index.js';
import { boundaryOf, makeBatches, maxDifference, sgdLearner, snapshot, tinyMlp } from './helpers.js';

const members = 3;
const seeds = [0, 1, 2];
const makers: [string, () => Method][] = [
  ['lwf', () => new LearningWithoutForgetting({ lambda: 1, temperature: 2 })],
  ['si', () => new SynapticIntelligence({ c: 0.5, xi: 1e-3 })],
  ['mas', () => new MemoryAwareSynapses({ lambda: 1, samples: 20 })],
  ['ewc', () => new ElasticWeightConsolidation({ lambda: 10, mode: 'online', gamma: 0.9, fisherSamples: 20 })],
  ['der', () => new DarkExperienceReplay({ bufferSize: 12, alpha: 0.5, beta: 0.5 }, new MemberRandom(seeds, 5))],
  ['er_ace', () => new ExperienceReplayAce({ bufferSize: 12 }, new MemberRandom(seeds, 6))],
  ['agem', () => new AveragedGem({ bufferSize: 12, sampleSize: 5 }, new MemberRandom(seeds, 7))],
  ['gdumb', () => new GreedySamplerDumbLearner({ bufferSize: 12, epochs: 2, batchSize: 4, lr: 0.05 }, new MemberRandom(seeds, 8))],
  ['icarl', () => new IncrementalClassifierRepresentation({ memorySize: 12, batchRatio: 0.5 }, new MemberRandom(seeds, 9))],
];

for (const [name, make] of makers) {
  test(`${name}: state saved after two tasks and loaded into a fresh population continues bit for bit`, () => {
    scope(() => {
      const tasks = [0, 1, 2].map((task) => makeBatches(members, 4, 8, 10 + task, task === 1 ? [2, 1, 0] : [0, 1, 2]));
      const model = tinyMlp(members);
      const method = make();
      const learner = sgdLearner(model, [method], 0.1);
      const runTask = (target: typeof learner, task: number) => {
        target.beginTask(task);
        for (const batch of tasks[task]) target.trainStep(batch);
        target.endTask(boundaryOf(task, tasks[task]));
      };
      runTask(learner, 0);
      runTask(learner, 1);
      const saved = new Map<string, Tensor>([...method.stateDict!()].map(([key, value]) => [`${method.name}.${key}`, value.clone()]));
      assert.ok(saved.size > 0, 'the method has state after two tasks');
      for (const [key, value] of saved) {
        if (!/rng\./.test(key) && key !== `${name}.filled` && value.ndim > 0) assert.equal(value.shape[key.endsWith('images') || key.endsWith('labels') || key.endsWith('extra') || key.endsWith('priorities') ? 1 : 0], members, `${key} [${value.shape}] carries the member axis`);
      }
      const resumedModel = tinyMlp(members, { seed: 99 });
      resumedModel.loadStateDict(model.stateDict());
      const resumedMethod = make();
      resumedMethod.loadStateDict!(saved);
      const resumed = sgdLearner(resumedModel, [resumedMethod], 0.1);
      resumed.task = learner.task;
      resumed.step = learner.step;
      runTask(learner, 2);
      runTask(resumed, 2);
      assert.equal(maxDifference(snapshot(model), snapshot(resumedModel)), 0);
      const after = method.stateDict!();
      const resumedAfter = resumedMethod.stateDict!();
      assert.deepEqual([...resumedAfter.keys()], [...after.keys()]);
      for (const [key, value] of after) assert.equal(value.sub(resumedAfter.get(key)!).abs().max().item(), 0, key);
      method.dispose?.();
      resumedMethod.dispose?.();
    });
  });
}
