// The expert and joint baselines learn by the learner's algorithm (seed 004: the expert is trained
// with the same learning algorithm, on the current task alone): its rule's error signal (RL, Bio)
// and NTE's update in place of the optimizer's, without the remedies. Each baseline's accuracy must
// equal a population rebuilt by hand from its seeds with those methods alone, trained on the same
// batches; and it must differ from the same population trained by plain supervised backprop, which
// is what the baselines did before they followed the algorithm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EpochBatches } from '../../src/cl/batches.js';
import { evaluate } from '../../src/cl/evaluate.js';
import { EXPERT_SEED_STRIDE, Experiment } from '../../src/cl/experiment.js';
import { prepareExperiment, type PreparedExperiment } from '../../src/cl/from-config.js';
import { Learner } from '../../src/cl/learner.js';
import { buildMethods } from '../../src/cl/methods/index.js';
import { composeConfig, type ExperimentConfig } from '../../src/config/index.js';
import { Generator, scope } from '../../src/tensor/index.js';

const overrides = [
  'scenario=class_pairs',
  'scenario.num_tasks=1',
  'model.hidden=[16]',
  'optimizer=sgd',
  'optimizer.lr=0.05',
  'training.members=2',
  'training.epochs_per_task=1',
  'training.batch_size=128',
  'training.expert_baseline=true',
  'training.joint_baseline=true',
  'logging.measures=[]',
  'logging.snapshots=[]',
  'logging.log_frequency=1000',
];

/**
 * Trains a fresh population from `seeds` on task 0's (or every task's) batches, by the algorithm of
 * `config` without remedies (or by plain backprop); its accuracy on task 0.
 */
function rebuilt(prepared: PreparedExperiment, config: ExperimentConfig, algorithm: 'own' | 'plain', seeds: number[], data: 0 | 'joint', orderSeeds: number[]): number[] {
  const { settings, source } = prepared;
  const model = settings.buildModel(seeds.map((seed) => new Generator(seed)));
  const methods = algorithm === 'own' ? buildMethods(config, { seeds, remedies: false }) : [];
  const learner = new Learner(model, settings.buildOptimizer(model), methods);
  learner.beginTask(0);
  const batches = new EpochBatches(source.train(data), settings.batchSize, orderSeeds.map((seed) => new Generator(seed)));
  for (const batch of batches.epoch()) scope(() => learner.trainStep(batch));
  return scope(() => Array.from(evaluate(model, source.test(0), { numClasses: source.numClasses, headMask: source.headMask(0) }).accuracy));
}

// Each with a remedy the baselines must leave out (with NTE, replay: its buffer would be empty
// during a baseline's single task anyway, so NTE's case checks the update alone).
// The learner's methods, then the baselines' alone.
const algorithms: [string, string[], string[], string[]][] = [
  ['method.rule=RL', ['method.rule=RL', '+method.l2=0.01'], ['reinforce', 'l2'], ['reinforce']],
  [
    'method.rule=Bio',
    ['method.rule=Bio', '+method.shrink_perturb.shrink=0.999', 'method.shrink_perturb.noise=0.001', 'method.shrink_perturb.every=step'],
    ['feedback_alignment', 'shrink_perturb'],
    ['feedback_alignment'],
  ],
  ['method.nte', ['+method.nte.inv_temperature=0.02', 'optimizer.lr=1', 'method.nte.max_delta=0.5', '+method.replay.buffer_size=100'], ['replay', 'nte'], ['nte']],
];

for (const [name, algorithm, learnerMethods, baselineMethods] of algorithms) {
  test(`${name}: the expert and joint baselines train by the learner's algorithm, without its remedies`, { timeout: 300_000 }, async () => {
    const config = composeConfig([...overrides, ...algorithm]);
    assert.deepEqual(buildMethods(config).map((method) => method.name), learnerMethods);
    assert.deepEqual(buildMethods(config, { remedies: false }).map((method) => method.name), baselineMethods);
    const prepared = prepareExperiment(config);
    try {
      const { settings } = prepared;
      const experiment = new Experiment(settings, prepared.source);
      let expert: number[] | null = null;
      await experiment.run([{ onTaskEnd: ({ record }) => (expert = record.expertAccuracy) }]);
      const joint = (await experiment.runJoint()).map((perTask) => perTask[0]);

      const expertSeeds = settings.seeds.map((seed) => seed + EXPERT_SEED_STRIDE);
      const learnerOrder = settings.seeds.map((seed) => seed + 1);
      assert.deepEqual(expert, rebuilt(prepared, config, 'own', expertSeeds, 0, learnerOrder), 'expert');
      assert.notDeepEqual(expert, rebuilt(prepared, config, 'plain', expertSeeds, 0, learnerOrder), 'the expert would have the same accuracy by plain backprop');
      const jointOrder = settings.seeds.map((seed) => seed + 2);
      assert.deepEqual(joint, rebuilt(prepared, config, 'own', settings.seeds, 'joint', jointOrder), 'joint');
      assert.notDeepEqual(joint, rebuilt(prepared, config, 'plain', settings.seeds, 'joint', jointOrder), 'the joint baseline would have the same accuracy by plain backprop');
      // The algorithm learns: better than chance on the pair, for both members.
      for (const accuracy of [...expert!, ...joint]) assert.ok(accuracy > 0.7, `accuracy ${accuracy}`);
    } finally {
      prepared.release();
    }
  });
}
