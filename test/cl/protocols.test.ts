// The protocol keys at work in the experiment: members that stop by their own training accuracy
// (training.stopping_by=member) end as if they had trained exactly their epochs, BatchNorm
// statistics included; logging.track_tasks=seen measures only the tasks trained so far; probes fit
// on the training features (logging.probe_fit=train) or on test halves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Experiment, type TaskRecord } from '../../src/cl/experiment.js';
import { prepareExperiment } from '../../src/cl/from-config.js';
import type { ExperimentSettings } from '../../src/cl/settings.js';
import { composeConfig } from '../../src/config/index.js';
import type { Model } from '../../src/nn/models/model.js';
import { SGD } from '../../src/optim/index.js';
import { ops, type Tensor } from '../../src/tensor/index.js';

const base = ['training.members=3', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.measures=[]', 'logging.snapshots=[]', 'logging.log_frequency=100000', 'model.hidden=[32]'];

/** Runs the experiment of `overrides` with `change` applied to its settings; the records and the final state by name. */
async function run(overrides: string[], change: (settings: ExperimentSettings) => Partial<ExperimentSettings>): Promise<{ records: TaskRecord[]; state: Map<string, Tensor> }> {
  const prepared = prepareExperiment(composeConfig([...base, ...overrides]));
  try {
    const experiment = new Experiment({ ...prepared.settings, ...change(prepared.settings) }, prepared.source);
    const records: TaskRecord[] = [];
    await experiment.run([{ onTaskEnd: ({ record }) => records.push(record) }]);
    return { records, state: new Map([...experiment.model.namedParameters(), ...experiment.model.namedBuffers()].map(([name, tensor]) => [name, tensor.clone()])) };
  } finally {
    prepared.release();
  }
}

// Member 1 learns a million times slower than members 0 and 2, so it never reaches the target.
const optimizer = { buildOptimizer: (model: Model) => new SGD(model.parameters(), { lr: [0.05, 5e-8, 0.05] }) };

test('stopping_by=member: a member that reached the target stops where it would have ended after its epochs, BatchNorm statistics included', { timeout: 600_000 }, async () => {
  const overrides = ['scenario.num_tasks=1', 'model.norm=batch'];
  const byMember = await run(overrides, () => ({ ...optimizer, stopping: { kind: 'accuracy', threshold: 0.985, maxEpochs: 3, by: 'member' } }));
  const epochs = byMember.records[0].epochs;
  assert.equal(epochs[1], 3, 'the slow member trains every epoch allowed');
  assert.ok(epochs[0] < 3 && epochs[2] < 3, `the fast members stop early (epochs ${epochs.join(', ')})`);
  for (const member of [0, 2]) {
    const alone = await run(overrides, () => ({ ...optimizer, stopping: { kind: 'epochs', epochs: epochs[member] } }));
    for (const [name, value] of alone.state) {
      assert.ok(ops.equal(byMember.state.get(name)!.select(0, member), value.select(0, member)), `member ${member}'s ${name} differs from ${epochs[member]} epochs of training`);
    }
  }
  // By the mean, the slow member holds everyone to the cap.
  const byMean = await run(overrides, () => ({ ...optimizer, stopping: { kind: 'accuracy', threshold: 0.985, maxEpochs: 3, by: 'mean' } }));
  assert.deepEqual(byMean.records[0].epochs, [3, 3, 3]);
});

test('track_tasks=seen measures the tasks trained so far; the accuracy matrix still covers every task', { timeout: 300_000 }, async () => {
  const { records } = await run(['scenario.num_tasks=2', 'training.epochs_per_task=1', 'logging.track_tasks=seen', 'logging.measures=[plasticity]'], () => ({}));
  const shapes = records.map((record) => record.learner.stacked().get('accuracy')!.shape.slice(1));
  assert.deepEqual(shapes, [[3, 1], [3, 2]]);
  for (const record of records) assert.equal(record.accuracyAfter[0].length, 2);
  // Sparsity is pooled over the snapshot samples of the measured tasks: on task 1's samples alone it differs from both tasks'.
  const all = await run(['scenario.num_tasks=2', 'training.epochs_per_task=1', 'logging.track_tasks=all', 'logging.measures=[plasticity]'], () => ({}));
  const sparsity = (r: TaskRecord) => Array.from(r.learner.last('population_sparsity/layer1') as Float32Array);
  assert.notDeepEqual(sparsity(records[0]), sparsity(all.records[0]));
  assert.deepEqual(sparsity(records[1]), sparsity(all.records[1]), 'after the last task both measure the same tasks');
});

test('probes fit on the training features by default, on test halves when asked; both score within [0, 1]', { timeout: 300_000 }, async () => {
  const overrides = ['scenario.num_tasks=2', 'training.epochs_per_task=1', 'logging.measures=[probes]'];
  const train = await run(overrides, () => ({}));
  const halves = await run([...overrides, 'logging.probe_fit=test_half'], () => ({}));
  const seen = (records: TaskRecord[]) => records[1].analysis.probe!.seenAccuracy;
  for (const value of [...seen(train.records), ...seen(halves.records)]) assert.ok(value > 0.5 && value <= 1, `probe accuracy ${value}`);
  assert.notDeepEqual(seen(train.records), seen(halves.records));
  // The training set has ten times the test half's samples: the probe fitted on it scores at least as well on average.
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  assert.ok(mean(seen(train.records)) >= mean(seen(halves.records)) - 0.01, `${seen(train.records)} vs ${seen(halves.records)}`);
});
