// A custom metric logged by plab's own experiment runner, written outside plab's sources: the
// fraction of each member's hidden ReLU units that never fire on the current task's snapshot
// samples, appended at every log point as 'silent_fraction/{layer}' beside the built-in series (and
// so written to metrics.npz by a ResultsWriter). It is added to the run's settings, not to plab:
// settings.metrics is the registry of built-in metrics, and this one joins the end of the list.
// Its last point of the last task must equal the same measure taken on the trained model.
import assert from 'node:assert/strict';
import { Experiment, config, nn, noGrad, prepareExperiment, scope } from 'plasticity-lab';

/** Per member, the fraction of units in `hidden` [R, B, units] with no positive activation. */
function silentFraction(hidden) {
  return hidden.amax(1).le(0).float().mean([1]);
}

/** Silent fractions [R] of every hidden layer of `model` on `images` [S, R, ...], by layer. */
function measure(model, images) {
  return scope(() => noGrad(() => nn.inMode(model, false, () => model.run(images).hidden.map(([layer, hidden]) => [layer, Float32Array.from(silentFraction(hidden).data())]))));
}

/** @type {import('plasticity-lab').Metric} */
const silentFractionMetric = {
  name: 'silent_fraction',
  help: "silent_fraction/{layer} (R): share of hidden units that never fire on the current task's snapshot samples",
  startTask: ({ model, tracked, task, log }) => ({
    onLogPoint() {
      for (const [layer, values] of measure(model, tracked[task].snapshot.images)) log.append(`silent_fraction/${layer}`, [model.members], values);
    },
  }),
};

const overrides = ['training.members=2', 'training.epochs_per_task=1', 'scenario.num_tasks=2', 'model.hidden=[32, 32]', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.measures=[]', 'logging.snapshots=[]'];
const prepared = prepareExperiment(config.composeConfig(overrides));
const experiment = new Experiment({ ...prepared.settings, metrics: [...prepared.settings.metrics, silentFractionMetric] }, prepared.source);
const records = [];
await experiment.run([{ onTaskEnd: ({ record }) => records.push(record) }]);

assert.equal(records.length, 2);
for (const record of records) {
  const series = record.learner.stacked();
  const points = series.get('step').shape[0];
  assert.ok(points > 1, 'several log points per task');
  for (const layer of ['layer1', 'layer2']) assert.deepEqual(series.get(`silent_fraction/${layer}`).shape, [points, 2], `silent_fraction/${layer}: one value per log point and member`);
}
const final = measure(experiment.model, prepared.source.snapshotSamples(1).images);
for (const [layer, values] of final) {
  const logged = records[1].learner.last(`silent_fraction/${layer}`);
  assert.deepEqual(Array.from(logged), Array.from(values), `${layer}: the last logged point is the trained model's silent fraction`);
  console.log(`${layer}: silent fraction per member ${Array.from(values, (value) => value.toFixed(3)).join(', ')}`);
}
prepared.release();
