import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveRank, lopStableRank, singularValues, stableRank } from '../../src/metrics/index.js';
import { Generator, ops, type Tensor, tensor } from '../../src/tensor/index.js';

function close(actual: number[], expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((value, i) => assert.ok(Math.abs(value - expected[i]) <= tolerance, `${what}[${i}]: ${value} vs ${expected[i]}`));
}

const identity = ops.eye(4, 'float32').unsqueeze(0);
const rankOne = tensor([[[1], [2], [3], [4]]]).matmul(tensor([[[0.5, -1, 2, 0]]])); // u vᵀ, [1, 4, 4]
const zero = ops.zeros([1, 4, 4]);

/** A [N, H] matrix with singular values `s`, rotated on both sides by random orthogonal matrices. */
function withSingularValues(s: number[], samples: number, seed: number): Tensor {
  const g = new Generator(seed);
  const [u] = ops.qr(ops.randn([samples, s.length], g, 'float64'), 'reduced');
  const [v] = ops.qr(ops.randn([s.length, s.length], g, 'float64'), 'reduced');
  return u.mul(tensor(s, { dtype: 'float64' })).matmul(v.T).unsqueeze(0).float();
}

test('identity: every measure equals the number of units', () => {
  close(singularValues(identity).reshape(-1).toArray(), [1, 1, 1, 1], 1e-12, 'σ');
  close(effectiveRank(identity).toArray(), [4], 1e-12, 'eff_rank');
  close(stableRank(identity).toArray(), [4], 1e-12, 'stable_rank');
  assert.deepEqual(lopStableRank(identity).toArray(), [4]);
  // cumulative shares 0.25, 0.5, 0.75, 1: 50% is reached at k = 2
  assert.deepEqual(lopStableRank(identity, 0.5).toArray(), [2]);
});

test('rank-1 activations: every measure is 1', () => {
  close(effectiveRank(rankOne).toArray(), [1], 1e-9, 'eff_rank');
  close(stableRank(rankOne).toArray(), [1], 1e-9, 'stable_rank');
  assert.deepEqual(lopStableRank(rankOne).toArray(), [1]);
});

test('known singular values 3, 2, 1', () => {
  const a = withSingularValues([3, 2, 1], 6, 0);
  close(singularValues(a).reshape(-1).toArray(), [3, 2, 1], 1e-6, 'σ');
  const p = [3 / 6, 2 / 6, 1 / 6];
  close(effectiveRank(a).toArray(), [Math.exp(-p.reduce((sum, q) => sum + q * Math.log(q), 0))], 1e-6, 'eff_rank');
  close(stableRank(a).toArray(), [14 / 9], 1e-6, 'stable_rank');
  // cumulative shares 1/2, 5/6, 1
  assert.deepEqual(lopStableRank(a).toArray(), [3]);
  assert.deepEqual(lopStableRank(a, 0.8).toArray(), [2]);
  assert.deepEqual(lopStableRank(a, 0.4).toArray(), [1]);
});

test('duplicated and all-zero columns add no rank', () => {
  const g = new Generator(3);
  const base = ops.randn([1, 50, 3], g);
  const copied = ops.cat([base, base.slice(2, 0, 1).mul(2)], 2); // 4 units, rank 3
  const padded = ops.cat([copied, ops.zeros([1, 50, 2])], 2); // 6 units, rank 3
  assert.deepEqual(singularValues(copied).reshape(-1).toArray().slice(3), [0]);
  assert.deepEqual(singularValues(padded).reshape(-1).toArray().slice(3), [0, 0, 0]);
  close(effectiveRank(padded).toArray(), effectiveRank(copied).toArray(), 1e-9, 'eff_rank');
  close(stableRank(padded).toArray(), stableRank(copied).toArray(), 1e-9, 'stable_rank');
  assert.deepEqual(lopStableRank(padded).toArray(), lopStableRank(copied).toArray());
  assert.ok(lopStableRank(padded).item() <= 3);
  assert.ok(effectiveRank(padded).item() < 3);
});

test('a zero matrix has rank 0 on every measure', () => {
  assert.deepEqual(effectiveRank(zero).toArray(), [0]);
  assert.deepEqual(stableRank(zero).toArray(), [0]);
  assert.deepEqual(lopStableRank(zero).toArray(), [0]);
});

test('members are measured independently in one call', () => {
  const population = ops.cat([identity, rankOne, zero], 0);
  close(effectiveRank(population).toArray(), [4, 1, 0], 1e-9, 'eff_rank');
  close(stableRank(population).toArray(), [4, 1, 0], 1e-9, 'stable_rank');
  assert.deepEqual(lopStableRank(population).toArray(), [4, 1, 0]);
});

test('fewer inputs than units: min(N, H) singular values', () => {
  assert.deepEqual(singularValues(ops.ones([2, 3, 8])).shape, [2, 3]);
  assert.throws(() => singularValues(ops.ones([3, 8])), /\[R, N, H\]/);
});

test('a member whose activations are not finite gets NaN singular values; the others are computed as alone', () => {
  const good = tensor([3, 0, 0, 2, 0, 0], { shape: [1, 3, 2] });
  const diverged = tensor([Number.NaN, 1, 1, Number.POSITIVE_INFINITY, 0, 0], { shape: [1, 3, 2] });
  const both = singularValues(ops.cat([good, diverged], 0));
  assert.deepEqual(both.select(0, 0).toArray(), singularValues(good).select(0, 0).toArray());
  const lost = both.select(0, 1).toArray() as number[];
  assert.ok(lost.length === 2 && lost.every(Number.isNaN), `${lost}`);
});
