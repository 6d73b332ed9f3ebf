// The metric registry: what each log point writes comes from the metrics in ExperimentSettings, in
// registry order, each only when the settings ask for it; a metric from outside plab joins the same
// calls (onStep per step, onLogPoint per log point, onTaskEnd and dispose once per task).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Experiment, type TaskRecord } from '../../src/cl/experiment.js';
import { prepareExperiment } from '../../src/cl/from-config.js';
import type { Metric } from '../../src/cl/metric.js';
import { metricRegistry } from '../../src/cl/metrics/registry.js';
import { composeConfig } from '../../src/config/index.js';

const small = ['training.members=2', 'training.epochs_per_task=1', 'scenario.num_tasks=2', 'model.hidden=[16]', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.log_frequency=80', 'logging.representation_samples=8'];

async function run(overrides: string[], extra: Metric[] = []): Promise<TaskRecord[]> {
  const prepared = prepareExperiment(composeConfig([...small, ...overrides]));
  try {
    const records: TaskRecord[] = [];
    await new Experiment({ ...prepared.settings, metrics: [...prepared.settings.metrics, ...extra] }, prepared.source).run([{ onTaskEnd: ({ record }) => records.push(record) }]);
    return records;
  } finally {
    prepared.release();
  }
}

/** The first series each metric writes, in registry order. */
const firstSeries: Record<string, string> = {
  evaluation: 'step',
  representations: 'representations',
  weights: 'weights/',
  layer_plasticity: 'dead_fraction/',
  parameter_statistics: 'weight_magnitude/mean_abs',
  training_window: 'train_loss',
  probes: 'probe_class_accuracy',
};

test('every log point writes the enabled metrics in registry order; logging.measures and logging.snapshots switch them', async () => {
  assert.deepEqual(metricRegistry.map((metric) => metric.name), Object.keys(firstSeries));
  const [full] = await run([]);
  const names = full.learner.names();
  const positions = Object.values(firstSeries).map((prefix) => names.findIndex((name) => name.startsWith(prefix)));
  assert.ok(positions.every((at) => at >= 0), `${positions}`);
  assert.deepEqual([...positions].sort((a, b) => a - b), positions);
  assert.ok(full.analysis.probe !== null && Object.keys(full.analysis.populationSparsity).length === 1);

  const [bare] = await run(['logging.measures=[]', 'logging.snapshots=[]']);
  assert.deepEqual(bare.learner.names(), ['step', 'accuracy', 'loss', 'per_class_accuracy', 'class_probability', 'train_loss', 'train_acc']);
  assert.deepEqual(bare.analysis, { populationSparsity: {}, probe: null });
});

test("a script's own metric is called once per step and log point and at each task's end, and logs beside the built-in series", async () => {
  const calls: string[] = [];
  const counting: Metric = {
    name: 'counting',
    help: 'steps since the task began, at each log point',
    startTask: ({ task, log }) => {
      calls.push(`start ${task}`);
      let steps = 0;
      return {
        onStep: () => void (steps += 1),
        onLogPoint: ({ learnerStep }) => {
          log.append('steps_in_task', [], Int32Array.of(steps));
          calls.push(`log ${learnerStep}`);
        },
        onTaskEnd: () => void calls.push(`end ${task}`),
        dispose: () => void calls.push(`dispose ${task}`),
      };
    },
  };
  const records = await run(['logging.measures=[]', 'logging.snapshots=[]'], [counting]);
  for (const record of records) {
    const series = record.learner.stacked();
    const steps = Array.from(series.get('steps_in_task')!.data as Int32Array);
    const atStep = Array.from(series.get('step')!.data as Int32Array);
    assert.equal(steps.at(-1), record.steps, 'onStep once per step');
    const first = record.task === 0 ? 0 : records[0].steps;
    assert.deepEqual(steps, atStep.map((step) => step - first), 'one point per log point, after that many steps');
  }
  const logs = (task: number) => records[task].learner.stacked().get('step')!.data as Int32Array;
  assert.deepEqual(calls, ['start 0', ...Array.from(logs(0), (step) => `log ${step}`), 'end 0', 'dispose 0', 'start 1', ...Array.from(logs(1), (step) => `log ${step}`), 'end 1', 'dispose 1']);
});
