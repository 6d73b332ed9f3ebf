// Small continual sequences on MNIST for the methods' effect tests: a few hundred training images
// per class, one epoch per task, R members trained as one population; returns each member's
// accuracy averaged over every task after the last one (ACC).
import { EpochBatches } from '../../src/cl/batches.js';
import { evaluate } from '../../src/cl/evaluate.js';
import { Learner } from '../../src/cl/learner.js';
import type { Method } from '../../src/cl/method.js';
import { ScenarioSource } from '../../src/cl/scenario-source.js';
import { flattenImages, loadDataset, permutedPlan, ScenarioData, scaleToUnit, splitPlan, type Dataset } from '../../src/data/index.js';
import { MLP } from '../../src/nn/models/mlp.js';
import { initializeMembers, memberGenerators } from '../../src/nn/module.js';
import { Adam, SGD } from '../../src/optim/index.js';
import { scope } from '../../src/tensor/index.js';

let mnist: Dataset | null = null;

export interface SequenceOptions {
  scenario: 'class_incremental' | 'task_incremental' | 'permuted';
  members: number;
  /** The methods under test, for member seeds 0..R-1 (fresh for each run). */
  methods: (seeds: number[]) => Method[];
  tasks?: number;
  trainPerClass?: number;
  testPerClass?: number;
  optimizer?: 'adam' | 'sgd';
  lr?: number;
  batchSize?: number;
  hidden?: number[];
}

/** Final accuracy of each member, averaged over all tasks. */
export function continualAccuracy(options: SequenceOptions): number[] {
  mnist ??= loadDataset('mnist');
  const members = options.members;
  const context = { dataset: 'mnist', numClasses: 10, members, seed: 0 };
  const plan =
    options.scenario === 'permuted'
      ? permutedPlan(context, { tasks: options.tasks ?? 3 })
      : splitPlan(context, { classesPerTask: 2, mode: options.scenario });
  const taskData = new ScenarioData(mnist, plan, {
    transform: (images) => flattenImages(scaleToUnit(images)),
    trainSamplesPerClass: options.trainPerClass ?? 100,
    testSamplesPerClass: options.testPerClass ?? 200,
  });
  const source = new ScenarioSource(taskData, plan, 0);
  const tasks = Math.min(options.tasks ?? source.numTasks, source.numTasks);
  const seeds = Array.from({ length: members }, (_, member) => member);
  return scope(() => {
    const model = new MLP({ inputShape: [784], hidden: options.hidden ?? [100, 100], numClasses: source.numClasses, members });
    initializeMembers(model, memberGenerators(seeds));
    const lr = options.lr ?? 1e-3;
    const optimizer = options.optimizer === 'sgd' ? new SGD(model.parameters(), { lr }) : new Adam(model.parameters(), { lr });
    const learner = new Learner(model, optimizer, options.methods(seeds));
    const batchSize = options.batchSize ?? 32;
    for (let task = 0; task < tasks; task += 1) {
      const train = source.train(task);
      learner.headMask = source.headMask(task);
      learner.beginTask(task);
      for (const batch of new EpochBatches(train, batchSize, memberGenerators(seeds.map((seed) => 100 * task + seed + 1))).epoch()) learner.trainStep(batch);
      learner.endTask({ task, batches: () => new EpochBatches(train, batchSize, memberGenerators(seeds.map((seed) => 100 * task + seed + 50))).epoch() });
    }
    const sums = new Array<number>(members).fill(0);
    for (let task = 0; task < tasks; task += 1) {
      const accuracy = evaluate(model, source.test(task), { numClasses: source.numClasses, headMask: source.headMask(task), predict: learner.predict }).accuracy;
      accuracy.forEach((value, member) => (sums[member] += value / tasks));
    }
    learner.dispose();
    return sums;
  });
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
