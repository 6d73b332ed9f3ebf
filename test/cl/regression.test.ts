// Training on the slowly-changing regression: the squared-error step against a direct computation,
// the He initialisation of Dohare et al.'s learner, and a run interrupted after a bin that resumes
// to the same bytes (continual backprop's state and the stream rebuilt from the seeds).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Learner } from '../../src/cl/learner.js';
import { runExperiment } from '../../src/cl/runner.js';
import type { ExperimentObserver } from '../../src/cl/experiment.js';
import type { RunSummary } from '../../src/cl/summary.js';
import { composeConfig } from '../../src/config/index.js';
import { MLP } from '../../src/nn/models/mlp.js';
import { initializeMembers } from '../../src/nn/module.js';
import { SGD } from '../../src/optim/index.js';
import { Generator, scope, tensor } from '../../src/tensor/index.js';

test('a squared-error step of a linear learner is w ← w − α·2(ŷ − y)·x per member, and reports (ŷ − y)² with no accuracy', () => {
  const model = new MLP({ inputShape: [3], hidden: [], numClasses: 1, members: 2 });
  initializeMembers(model, [new Generator(1), new Generator(2)]);
  const before = model.parameters().map((parameter) => Array.from(parameter.data() as Float32Array));
  const learner = new Learner(model, new SGD(model.parameters(), { lr: 0.1 }), [], 'member', null, 'mse');
  const x = [
    [1, 0, 1],
    [0, 1, 1],
  ];
  const y = [2, -1];
  const result = learner.trainStep({ inputs: tensor(x.flat(), { shape: [1, 2, 3] }), targets: tensor(y, { shape: [1, 2] }) });
  const [weights, bias] = before; // [R, 1, 3] and [R, 1]
  const after = model.parameters().map((parameter) => Array.from(parameter.data() as Float32Array));
  for (const member of [0, 1]) {
    const w = weights.slice(member * 3, member * 3 + 3);
    const prediction = w.reduce((sum, value, i) => sum + value * x[member][i], bias[member]);
    const error = prediction - y[member];
    assert.ok(Math.abs(result.loss[member] - error ** 2) < 1e-5, `member ${member}: loss ${result.loss[member]} against ${error ** 2}`);
    assert.ok(Number.isNaN(result.correct[member]), 'a regression has no correct predictions');
    w.forEach((value, i) => assert.ok(Math.abs(after[0][member * 3 + i] - (value - 0.1 * 2 * error * x[member][i])) < 1e-6, `member ${member}, weight ${i}`));
    assert.ok(Math.abs(after[1][member] - (bias[member] - 0.1 * 2 * error)) < 1e-6, `member ${member}, bias`);
  }
});

test("model.init=kaiming: hidden weights U(±√2·√(3/fan_in)) for ReLU, head U(±√(3/fan_in)), zero biases (Dohare et al.'s learner)", () => {
  const model = new MLP({ inputShape: [20], hidden: [5], numClasses: 1, members: 64, init: 'kaiming' });
  initializeMembers(model, Array.from({ length: 64 }, (_, member) => new Generator(member)));
  const parameters = new Map(model.namedParameters());
  const extent = (name: string) => scope(() => Array.from(parameters.get(name)!.abs().amax([0, 1, 2]).data() as Float32Array)[0]);
  const hidden = Math.SQRT2 * Math.sqrt(3 / 20);
  const head = Math.sqrt(3 / 5);
  assert.ok(extent('layer1.linear.weight') <= hidden && extent('layer1.linear.weight') > 0.95 * hidden, `hidden weights reach ${extent('layer1.linear.weight')} of ±${hidden}`);
  assert.ok(extent('head.weight') <= head && extent('head.weight') > 0.9 * head, `head weights reach ${extent('head.weight')} of ±${head}`);
  for (const name of ['layer1.linear.bias', 'head.bias']) assert.ok((parameters.get(name)!.data() as Float32Array).every((value) => value === 0), `${name} is zero`);
  const torch = new MLP({ inputShape: [20], hidden: [5], numClasses: 1, members: 1 });
  initializeMembers(torch, [new Generator(0)]);
  assert.ok(Array.from(torch.namedParameters().find(([name]) => name === 'layer1.linear.bias')![1].data() as Float32Array).some((value) => value !== 0), "the default keeps PyTorch's biases");
});

/** Every task's metrics.npz, by task folder. */
function metricBytes(runDir: string): Map<string, Buffer> {
  return new Map(readdirSync(runDir).filter((name) => name.startsWith('task_')).sort().map((task) => [task, readFileSync(join(runDir, task, 'metrics.npz'))]));
}

test('a continual-backprop run on the stream stopped after a bin resumes to the same bytes as an uninterrupted one', { timeout: 120_000 }, async () => {
  const config = composeConfig([
    '+experiment=scr_continual_backprop',
    'scenario.examples=3000',
    'scenario.bin_size=1000',
    'scenario.flip_every=200',
    'training.members=2',
    'logging.log_frequency=500',
    // Frequent replacements, so that the checkpoint must carry the units' utilities, ages and streams.
    'method.continual_backprop.replacement_rate=0.02',
    'method.continual_backprop.maturity_threshold=10',
  ]);
  const base = mkdtempSync(join(tmpdir(), 'plab-scr-resume-'));
  const whole = join(base, 'whole');
  const straight = await runExperiment(config, whole, { resume: false });
  const stopped = join(base, 'stopped');
  class Interrupted extends Error {}
  const interrupt: ExperimentObserver = {
    onTaskEnd({ record }) {
      if (record.task === 0) throw new Interrupted('stopped after the first bin');
    },
  };
  await assert.rejects(runExperiment(config, stopped, { resume: false, observers: [interrupt] }), Interrupted);
  assert.deepEqual([...metricBytes(stopped).keys()], ['task_000'], 'the first bin was written before the stop');
  const resumed: RunSummary = await runExperiment(config, stopped, { resume: true });
  const expected = metricBytes(whole);
  assert.equal(expected.size, 3);
  for (const [task, bytes] of expected) assert.ok(bytes.equals(metricBytes(stopped).get(task)!), `${task}/metrics.npz differs after the resume`);
  assert.deepEqual(resumed.training_loss, straight.training_loss);
  // The accuracies before training are NaN too, and come back from the checkpoint's JSON as NaN.
  assert.deepEqual(resumed.accuracy_at_init, straight.accuracy_at_init);
  assert.deepEqual(resumed.metrics, straight.metrics);
  assert.equal(straight.loss, 'mse');
  // A regression has no accuracy: the continual metrics are undefined (null in summary.json), not 0.
  for (const metric of ['average_accuracy', 'bwt', 'forgetting', 'avalanche_forgetting'] as const) {
    assert.ok(straight.metrics[metric].per_member.every(Number.isNaN), `${metric}: ${straight.metrics[metric].per_member}`);
  }
  const written = JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8')) as { metrics: { average_accuracy: { mean: unknown } } };
  assert.equal(written.metrics.average_accuracy.mean, null);
  assert.ok(straight.training_loss!.by_task.flat().every((value) => Number.isFinite(value) && value > 0), 'a binned error for every member and bin');
});

test("continual backprop keeps the error low where backprop's rises: the paper's protocol cut to 100,000 examples", { timeout: 300_000 }, async () => {
  // Measured at the full protocol on the paper's targets (docs/methods.md, "Measured: slowly-changing
  // regression"): backprop's error climbs from bin 3 on (0.77 in bin 1, 1.12, 1.15 and 1.04 in bins
  // 3-5, mean of 5 members), continual backprop's stays at 0.69-0.85; bins 3-5 are lower with
  // continual backprop for every member (mean gap 0.34). On the released code's targets the gap in
  // bins 3-5 is 0.18, too close to call in a test. Both populations see the same streams and start from the same weights (the method's
  // random numbers come from streams of their own), so the difference is the method's.
  const binned = async (preset: string): Promise<number[][]> => {
    const config = composeConfig([`+experiment=${preset}`, 'scenario.target_threshold=paper', 'scenario.examples=100000', 'logging.measures=[]']);
    const summary = await runExperiment(config, mkdtempSync(join(tmpdir(), 'plab-scr-effect-')), { resume: false });
    return summary.training_loss!.by_task; // [R][bins]
  };
  const backprop = await binned('scr_backprop');
  const continual = await binned('scr_continual_backprop');
  const late = (rows: number[][]) => rows.map((row) => (row[2] + row[3] + row[4]) / 3);
  const [lateBackprop, lateContinual] = [late(backprop), late(continual)];
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const gap = mean(lateBackprop) - mean(lateContinual);
  assert.ok(gap > 0.15, `bins 3-5: backprop ${mean(lateBackprop).toFixed(3)}, continual backprop ${mean(lateContinual).toFixed(3)}; the gap ${gap.toFixed(3)} should exceed 0.15`);
  const lower = lateContinual.filter((value, member) => value < lateBackprop[member]).length;
  assert.ok(lower >= 4, `continual backprop lower for ${lower} of 5 members (${lateContinual.map((v) => v.toFixed(2)).join(' ')} against ${lateBackprop.map((v) => v.toFixed(2)).join(' ')})`);
  // Bin 1 is learned from the same start by both: no plasticity lost yet, so the two stay close.
  assert.ok(Math.abs(mean(backprop.map((row) => row[0])) - mean(continual.map((row) => row[0]))) < 0.15, 'the first bin is alike');
});
