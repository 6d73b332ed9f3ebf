// Agreement with PyTorch / NumPy on the same activations: tools/metric_fixtures.py computes the
// reference values (run with /usr/bin/python3) and this file rebuilds the same activations from the
// same torch.Generator streams, element-wise, then compares.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  continualSummary,
  deadFraction,
  dormantRatio,
  duplicateFraction,
  effectiveRank,
  featureNorm,
  fitProbe,
  layerMetricNames,
  layerMetrics,
  lbfgs,
  lopStableRank,
  populationSparsity,
  saturatedFraction,
  stableRank,
} from '../../src/metrics/index.js';
import { Generator, ops, type Tensor, tensor } from '../../src/tensor/index.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics/reference.json', import.meta.url), 'utf8'));

function close(actual: number[], expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((value, i) => {
    assert.ok(Math.abs(value - expected[i]) <= tolerance, `${what}[${i}]: ${value} vs reference ${expected[i]} (tolerance ${tolerance})`);
  });
}

/** tools/metric_fixtures.py's layer_activations, step for step. */
function layerActivations(seed: number, members: number, samples: number, units: number): Tensor {
  const g = new Generator(seed);
  const u = ops.randn([members, samples, 3], g);
  const v = ops.randn([members, 3, units], g);
  const noise = ops.randn([members, samples, units], g);
  const shift = ops.randn([members, 1, units], g);
  const term = (k: number) => u.slice(2, k, k + 1).mul(v.slice(1, k, k + 1));
  let a = term(0).add(term(1)).add(term(2)).add(noise.mul(0.3));
  a = a.add(shift).relu();
  const unit = ops.arange(0, units, 1, 'int64').view(1, 1, units);
  const member = ops.arange(0, members, 1, 'int64').view(members, 1, 1);
  const and = (x: Tensor, y: Tensor) => ops.logicalAnd(x, y);
  a = ops.where(and(member.eq(1), unit.lt(3)), ops.zeros([], 'float32'), a);
  a = ops.where(and(member.eq(0), unit.eq(5)), a.slice(2, 4, 5).mul(2), a);
  a = ops.where(and(member.eq(0), unit.eq(7)), a.slice(2, 6, 7), a);
  return a;
}

function gradientsFor(seed: number, activations: Tensor): Tensor {
  const g = new Generator(seed);
  const grad = ops.randn(activations.shape as number[], g).mul(0.01);
  const units = activations.shape[2];
  const unit = ops.arange(0, units, 1, 'int64').view(1, 1, units);
  return ops.where(unit.ge(units - 4), grad.mul(1e-9), grad);
}

function probeFeatures(seed: number, members: number, trainSamples: number, testSamples: number, units: number, classes: number) {
  const g = new Generator(seed);
  const means = ops.randn([members, classes, units], g);
  return [trainSamples, testSamples].map((samples) => {
    const noise = ops.randn([members, samples, units], g);
    const labels = ops.arange(0, classes, 1, 'int64').repeat(samples / classes); // n mod classes
    return { features: means.indexSelect(1, labels).add(noise.mul(2.5)).relu(), labels };
  });
}

for (const layer of fixture.layers) {
  const [members, samples, units] = layer.shape;
  test(`layer metrics agree with PyTorch/NumPy on [${layer.shape}] activations`, () => {
    const a = layerActivations(layer.seed, members, samples, units);
    const grad = gradientsFor(layer.seed + 100, a);
    close([a.to('float64').sum().item()], [layer.checksum], 1e-6 * Math.abs(layer.checksum), 'activation checksum');
    close([grad.to('float64').sum().item()], [layer.grad_checksum], 1e-9, 'gradient checksum');
    close(effectiveRank(a).toArray(), layer.eff_rank, 1e-4, 'eff_rank');
    close(stableRank(a).toArray(), layer.stable_rank, 1e-4, 'stable_rank');
    assert.deepEqual(lopStableRank(a).toArray(), layer.lop_stable_rank, 'lop_stable_rank');
    close(duplicateFraction(a).toArray(), layer.dup_fraction, 1e-4, 'dup_fraction');
    close(deadFraction(a).toArray(), layer.dead_fraction, 1e-12, 'dead_fraction');
    close(dormantRatio(a).toArray(), layer.dormant_ratio, 1e-12, 'dormant_ratio');
    close(saturatedFraction(a, grad).toArray(), layer.saturated_frac, 1e-12, 'saturated_frac');
    close(featureNorm(a).toArray(), layer.feature_norm, 1e-6 * Math.max(...layer.feature_norm), 'feature_norm');
    close(populationSparsity(a).toArray(), layer.population_sparsity, 1e-12, 'population_sparsity');
    // all at once, sharing one Gram matrix
    const all = layerMetrics(a, { gradients: grad });
    for (const name of layerMetricNames) {
      const expected: number[] = layer[name];
      const tolerance = name === 'feature_norm' ? 1e-6 * Math.max(...expected) : name === 'eff_rank' || name === 'stable_rank' ? 1e-4 : 1e-12;
      close(all[name]!.toArray(), expected, tolerance, `layerMetrics ${name}`);
    }
  });
}

test('probe accuracy agrees with torch.optim.LBFGS on the same features', () => {
  const probe = fixture.probe;
  const [members, units] = probe.shape;
  const [train, testSplit] = probeFeatures(probe.seed, members, probe.train_samples, probe.test_samples, units, probe.num_classes);
  close([train.features.to('float64').sum().item() + testSplit.features.to('float64').sum().item()], [probe.checksum], 1e-6 * probe.checksum, 'feature checksum');
  for (const key of ['all', 'subset']) {
    const reference = probe[key];
    const result = fitProbe(train, testSplit, reference.classes);
    close(result.accuracy.toArray(), reference.accuracy, 1e-4, `${key}: probe accuracy`);
    close(result.perClassAccuracy.reshape(-1).toArray(), reference.per_class_accuracy.flat(), 1e-4, `${key}: per-class accuracy`);
    close(result.coefficientNorm.reshape(-1).toArray(), reference.coefficient_norm.flat(), 1e-6, `${key}: coefficient norm`);
    assert.deepEqual(result.iterations.toArray(), reference.iterations, `${key}: L-BFGS iterations`);
  }
});

test('lbfgs follows torch.optim.LBFGS on Rosenbrock from four starts, all members in one pass', () => {
  const reference = fixture.lbfgs;
  // f(a, b) = (1 - a)² + 100 (b - a²)², with its gradient, for every member's [a, b] at once
  const rosenbrock = (x: Tensor) => {
    const a = x.select(1, 0);
    const b = x.select(1, 1);
    const inner = b.sub(a.square());
    const loss = a.neg().add(1).square().add(inner.square().mul(100));
    const grad = ops.stack([a.sub(1).mul(2).sub(inner.mul(a).mul(400)), inner.mul(200)], 1);
    return { loss, grad };
  };
  for (const [key, lineSearch] of [['fixed', null], ['strong_wolfe', 'strong_wolfe']] as const) {
    const run = reference[key];
    const result = lbfgs(rosenbrock, tensor(reference.starts, { dtype: 'float64' }), {
      lr: run.lr,
      maxIter: reference.max_iter,
      historySize: reference.history_size,
      lineSearch,
    });
    assert.deepEqual(result.iterations.toArray(), run.n_iter, `${key}: iterations per member`);
    assert.deepEqual(result.evaluations.toArray(), run.func_evals, `${key}: evaluations per member`);
    close(result.x.reshape(-1).toArray(), run.x.flat(), 1e-8 * 5100, `${key}: solution`);
  }
});

test('continual-learning metrics agree with the formulas evaluated member by member in NumPy', () => {
  const reference = fixture.continual;
  const summary = continualSummary(reference.accuracy, { initial: reference.initial, joint: reference.joint });
  for (const key of ['average_accuracy', 'bwt', 'fwt', 'forgetting', 'intransigence', 'avalanche_forgetting'] as const) {
    close(summary[key]!.per_member, reference[key], 1e-12, key);
  }
});
