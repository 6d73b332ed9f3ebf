import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deadFraction,
  dormantRatio,
  duplicateFraction,
  effectiveRank,
  featureNorm,
  layerMetrics,
  lopStableRank,
  populationSparsity,
  saturatedFraction,
  snapshot,
  stableRank,
} from '../../src/metrics/index.js';
import { MLP } from '../../src/nn/models/mlp.js';
import { initializeMembers, memberGenerators } from '../../src/nn/module.js';
import { Generator, ops, tensor } from '../../src/tensor/index.js';

test('layerMetrics equals the single-metric functions', () => {
  const g = new Generator(5);
  const base = ops.randn([3, 80, 10], g).relu();
  // a dead unit and a duplicated unit in member 0
  const a = ops.cat([base, ops.zeros([3, 80, 1]), base.slice(2, 0, 1).mul(3)], 2);
  const gradients = ops.randn([3, 80, 12], g).mul(1e-3);
  const all = layerMetrics(a, { gradients });
  const single = {
    dead_fraction: deadFraction(a),
    dup_fraction: duplicateFraction(a),
    eff_rank: effectiveRank(a),
    stable_rank: stableRank(a),
    lop_stable_rank: lopStableRank(a),
    saturated_frac: saturatedFraction(a, gradients),
    dormant_ratio: dormantRatio(a),
    feature_norm: featureNorm(a),
    population_sparsity: populationSparsity(a),
  };
  for (const [name, expected] of Object.entries(single)) {
    const got = all[name as keyof typeof all]!.toArray();
    expected.toArray().forEach((value, r) => assert.ok(Math.abs(got[r] - value) <= 1e-6 * Math.max(1, Math.abs(value)), `${name}[${r}]: ${got[r]} vs ${value}`));
  }
  assert.deepEqual(all.dead_fraction!.toArray(), [1 / 12, 1 / 12, 1 / 12]);
  assert.equal(layerMetrics(a).saturated_frac, undefined);
  assert.throws(() => layerMetrics(a, { gradients: ops.ones([3, 80, 2]) }), /gradients has shape/);
});

test('snapshot: activations and the gradient of each member\'s mean loss with respect to them', () => {
  const model = new MLP({ inputShape: [4], hidden: [5, 3], numClasses: 2, members: 2 });
  initializeMembers(model, memberGenerators([0, 1]));
  const inputs = ops.randn([6, 4], new Generator(2));
  const labels = tensor([0, 1, 1, 0, 1, 0], { dtype: 'int64' });
  const snap = snapshot(model, inputs, labels);
  assert.deepEqual(snap.hidden.map(([name, value]) => [name, value.shape]), [
    ['layer1', [2, 6, 5]],
    ['layer2', [2, 6, 3]],
  ]);
  // last hidden layer: dL/dh = (softmax(logits) - onehot) W_head / N for each member
  const residual = ops.softmax(snap.logits, 2).sub(ops.oneHot(labels, 2).float().unsqueeze(0)).div(6);
  const expected = residual.matmul(model.head.weight.detach());
  const difference = snap.gradients[1][1].sub(expected).abs().max().item();
  assert.ok(difference < 1e-6, `gradient differs by ${difference}`);
  assert.equal(model.head.weight.grad, null, 'parameter gradients are left untouched');
});

test('layerMetrics on a degenerate representation records what the math gives and never raises', () => {
  // Member 0: a dead layer (all zeros). Member 1: every unit the same constant (rank 1).
  // Member 2: a diverged member whose activations hold NaN (the eigensolver fails on such input).
  const [N, H] = [50, 20];
  const data = new Float32Array(3 * N * H);
  data.fill(0.7, N * H, 2 * N * H);
  for (let i = 2 * N * H; i < 3 * N * H; i++) data[i] = i % 7 === 0 ? Number.NaN : (i % 13) / 13;
  const metrics = layerMetrics(tensor(data, { shape: [3, N, H] }));
  const value = (name: keyof typeof metrics) => metrics[name]!.toArray();
  for (const name of ['eff_rank', 'stable_rank', 'lop_stable_rank'] as const) assert.deepEqual(value(name), [0, 1, Number.NaN], name);
  assert.deepEqual(value('dead_fraction'), [1, 0, 0]);
  assert.deepEqual(value('dormant_ratio'), [1, 0, 0]);
  assert.deepEqual(value('feature_norm').map((v) => (Number.isNaN(v) ? v : Math.round(v * 1e6) / 1e6)), [0, Math.round(0.7 * Math.sqrt(H) * 1e6) / 1e6, Number.NaN]);
});
