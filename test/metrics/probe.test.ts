import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitProbe, forwardTransferProbe, lbfgs } from '../../src/metrics/index.js';
import { Generator, ops, type Tensor, tensor } from '../../src/tensor/index.js';

/** Features [R, N, H] around per-class means, labels n mod classes. */
function clusters(seed: number, members: number, samples: number, units: number, classes: number, noise: number) {
  const g = new Generator(seed);
  const means = ops.randn([members, classes, units], g).mul(3);
  const labels = ops.arange(0, classes, 1, 'int64').repeat(samples / classes);
  const split = () => ({ features: means.indexSelect(1, labels).add(ops.randn([members, samples, units], g).mul(noise)), labels });
  return { train: split(), test: split() };
}

test('well separated classes are probed perfectly, per class too', () => {
  const { train, test: held } = clusters(0, 2, 120, 6, 3, 0.1);
  const result = fitProbe(train, held, [0, 1, 2]);
  assert.deepEqual(result.accuracy.toArray(), [1, 1]);
  assert.deepEqual(result.trainAccuracy.toArray(), [1, 1]);
  assert.deepEqual(result.perClassAccuracy.tolist(), [
    [1, 1, 1],
    [1, 1, 1],
  ]);
  assert.deepEqual(result.weight.shape, [2, 3, 6]);
  assert.deepEqual(result.coefficientNorm.shape, [2, 3]);
});

test('a population fit equals fitting each member alone', () => {
  const { train, test: held } = clusters(1, 3, 90, 5, 3, 2.5);
  const together = fitProbe(train, held, [0, 1, 2]);
  for (let r = 0; r < 3; r++) {
    const member = (split: { features: Tensor; labels: Tensor }) => ({ features: split.features.slice(0, r, r + 1), labels: split.labels });
    const alone = fitProbe(member(train), member(held), [0, 1, 2]);
    assert.equal(alone.accuracy.item(), together.accuracy.select(0, r).item());
    assert.equal(alone.iterations.item(), together.iterations.select(0, r).item());
    const difference = alone.coefficientNorm.select(0, 0).sub(together.coefficientNorm.select(0, r)).abs().max().item();
    assert.ok(difference < 1e-9, `member ${r}: coefficient norms differ by ${difference}`);
  }
});

test('only the listed classes are probed; an absent test class gives NaN', () => {
  const { train, test: held } = clusters(2, 1, 120, 6, 4, 0.1);
  // classes 3 and 1 only: samples of 0 and 2 are left out of fit and score
  const pair = forwardTransferProbe(train, held, [3, 1]);
  assert.deepEqual(pair.accuracy.toArray(), [1]);
  // the binary probe's two coefficient vectors are opposite, so their norms are equal
  const [a, b] = pair.coefficientNorm.select(0, 0).toArray();
  assert.ok(Math.abs(a - b) < 1e-9);
  const heldWithout2 = { features: held.features, labels: held.labels.eq(2).long().mul(-2).add(held.labels) };
  const result = fitProbe(train, heldWithout2, [0, 1, 2]);
  assert.ok(Number.isNaN(result.perClassAccuracy.select(1, 2).item()));
  assert.throws(() => forwardTransferProbe(train, held, [9]), /at least 2 unseen classes/);
  assert.throws(() => fitProbe(train, held, [7, 8]), /no training sample of the probed classes/);
});

test('per-member class lists', () => {
  const { train, test: held } = clusters(3, 2, 120, 6, 4, 0.1);
  const result = fitProbe(train, held, tensor([[0, 1], [2, 3]], { dtype: 'int64' }));
  assert.deepEqual(result.accuracy.toArray(), [1, 1]);
});

test('lbfgs: members with different problems stop independently at their minimum', () => {
  // f_r(x) = Σ_i c_ri (x_i - m_ri)², minimum at m_r; member 2 starts at its minimum
  const c = tensor([[1, 10], [100, 1], [1, 1]], { dtype: 'float64' });
  const m = tensor([[1, -2], [0.5, 3], [0, 0]], { dtype: 'float64' });
  const objective = (x: Tensor) => {
    const d = x.sub(m);
    return { loss: c.mul(d.square()).sum(1), grad: c.mul(d).mul(2) };
  };
  const result = lbfgs(objective, ops.zeros([3, 2], 'float64'), { lineSearch: 'strong_wolfe', maxIter: 50 });
  assert.ok(result.x.sub(m).abs().max().item() < 1e-6);
  const iterations = result.iterations.toArray();
  assert.equal(iterations[2], 0, 'a member already at its optimum does not iterate');
  assert.ok(iterations[0] > 0 && iterations[1] > 0);
  assert.throws(() => lbfgs(objective, ops.zeros([2], 'float64')), /x0 must be \[R, D\]/);
  assert.throws(() => lbfgs(objective, ops.zeros([3, 2], 'float64'), { lineSearch: 'armijo' as 'strong_wolfe' }), /strong_wolfe/);
});

test('a probe standardises a copy: float64 features come back as they were, and fit as their float32 rounding does', () => {
  const { train, test: held } = clusters(3, 2, 60, 5, 3, 1);
  const asDouble = (split: typeof train) => ({ features: split.features.to('float64'), labels: split.labels });
  const [train64, test64] = [asDouble(train), asDouble(held)];
  const before = [train64.features.toArray(), test64.features.toArray()];
  const fromDouble = fitProbe(train64, test64, [0, 1, 2]);
  assert.deepEqual([train64.features.toArray(), test64.features.toArray()], before);
  // The float32 features hold the same values, so the fits are the same to the bit.
  const fromSingle = fitProbe(train, held, [0, 1, 2]);
  assert.deepEqual(fromDouble.weight.toArray(), fromSingle.weight.toArray());
  assert.deepEqual(fromDouble.accuracy.toArray(), fromSingle.accuracy.toArray());
});
