// A population of R members equals R separately built networks: initialisation with per-member
// generators, forward outputs (shared and per-member inputs) and gradients, for the MLP and the CNN.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropy } from '../../src/nn/loss.js';
import type { Module } from '../../src/nn/module.js';
import { Generator, ops, scope, type Tensor } from '../../src/tensor/index.js';
import { buildCnn, buildMlp, loadFixture, type ReferenceFixture, relativeError, sha256 } from './engine-fixtures.js';

const SEEDS = [0, 7, 42];
const R = SEEDS.length;
const generators = () => SEEDS.map((seed) => new Generator(seed));

// A population's Linear computes yᵀ = W xᵀ through bmm while a single network is PyTorch's addmm,
// and the grouped convolution sums in another order than a plain one: BLAS rounds differently, so
// members agree with single networks to rounding (~3e-7 for the MLP), not bit for bit.
const models: [string, string, (members: number, generators: Generator[]) => Module, number[], number][] = [
  ['MLP', 'mlp.json', buildMlp, [784], 1e-6],
  ['small CNN', 'cnn.json', buildCnn, [1, 12, 12], 1e-5],
];

for (const [name, file, build, sampleShape, tolerance] of models) {
  const assertClose = (actual: Tensor, expected: Tensor, what: string): void => {
    assert.deepEqual(actual.shape, expected.shape, `${what}: shapes`);
    const error = relativeError(actual.contiguous().data() as Float32Array, expected.contiguous().data() as Float32Array);
    assert.ok(error <= tolerance, `${what}: relative error ${error.toExponential(2)} exceeds ${tolerance}`);
  };

  const fixture = loadFixture<ReferenceFixture>(file);

  test(`${name}: member r of a population initialises like torch.manual_seed(seed_r); Net()`, () => {
    const population = build(R, generators());
    SEEDS.forEach((seed, member) => {
      const single = build(1, [new Generator(seed)]);
      population.namedParameters().forEach(([path, parameter], index) => {
        const own = parameter.select(0, member).contiguous().data() as Float32Array;
        assert.equal(sha256(own), sha256(single.parameters()[index].data() as Float32Array), `${path} of member ${member}`);
        if (seed === 0) assert.equal(sha256(own), fixture.initial[index].sha256, `${path} of member ${member} vs torch.manual_seed(0)`);
      });
    });
  });

  for (const layout of ['shared', 'per-member'] as const) {
    test(`${name}: forward and gradients of a population equal R separate networks (${layout} input${tolerance === 0 ? ', bit for bit' : ''})`, () => {
      const generator = new Generator(99);
      const inputs = layout === 'shared' ? ops.randn([8, ...sampleShape], generator) : ops.randn([8, R, ...sampleShape], generator);
      const targets = ops.randint(0, 10, [R, 8], generator);
      const population = build(R, generators());
      scope(() => {
        const logits = population.forward(inputs);
        assert.deepEqual(logits.shape, [R, 8, 10]);
        crossEntropy(logits, targets).total.backward();
        SEEDS.forEach((seed, member) => {
          const single = build(1, [new Generator(seed)]);
          const own = layout === 'shared' ? inputs : inputs.select(1, member);
          const singleLogits = single.forward(own);
          assertClose(logits.select(0, member), singleLogits.select(0, 0), `logits of member ${member}`);
          crossEntropy(singleLogits, targets.select(0, member)).total.backward();
          population.namedParameters().forEach(([path, parameter], index) => {
            assertClose(parameter.grad!.select(0, member), single.parameters()[index].grad!.select(0, 0), `gradient of ${path}, member ${member}`);
          });
        });
      });
    });
  }
}
