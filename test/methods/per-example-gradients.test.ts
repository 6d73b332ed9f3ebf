// Per-example gradients against one backward pass per example and member, on the fast path (an MLP's
// Linear layers) and the general path (LayerNorm parameters, and everything under BatchNorm).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exampleLosses } from '../../src/cl/methods/learner-access.js';
import { largestMagnitude, perExampleGradients, powerSum } from '../../src/cl/methods/per-example-gradients.js';
import { crossEntropy } from '../../src/nn/loss.js';
import { grad, ops, scope, type Tensor } from '../../src/tensor/index.js';
import { makeBatches, tinyMlp } from './helpers.js';

const R = 3;

function perExampleReference(model: ReturnType<typeof tinyMlp>, inputs: Tensor, targets: Tensor): Tensor[][] {
  // [example][parameter] -> [R, ...]: each example alone through the network, all members at once.
  const examples = inputs.shape[0];
  return Array.from({ length: examples }, (_, example) => {
    const loss = crossEntropy(model.run(inputs.narrow(0, example, 1)).logits, targets.narrow(0, example, 1).transpose(0, 1)).total;
    return grad(loss, model.parameters()).map((value) => value!);
  });
}

for (const [name, norm, chunk] of [
  ['Linear layers (fast path), whole batch', 'none', 2 ** 26],
  ['Linear layers (fast path), chunks of 2 examples', 'none', 0],
  ['LayerNorm parameters (general path)', 'layer', 2 ** 26],
] as const) {
  test(`per-example gradients equal one backward pass per example: ${name}`, () => {
    scope(() => {
      const model = tinyMlp(R, { norm });
      const [batch] = makeBatches(R, 1, 5);
      const parameters = model.parameters();
      const perExample = parameters.reduce((total, parameter) => total + parameter.numel, 0);
      const reference = perExampleReference(model, batch.inputs, batch.targets);
      let visited = 0;
      perExampleGradients(
        model,
        parameters,
        () => exampleLosses(model.run(batch.inputs).logits, batch.targets.transpose(0, 1)),
        (gradients, start, count) => {
          if (chunk === 0) assert.ok(count <= 2, `chunk of ${count} examples`);
          gradients.forEach((gradient, index) => {
            assert.ok(gradient, `parameter ${index} visited`);
            assert.deepEqual(gradient.shape, [R, count, ...parameters[index].shape.slice(1)]);
            for (let offset = 0; offset < count; offset += 1) {
              const expected = reference[start + offset][index];
              const error = gradient.select(1, offset).sub(expected).abs().max().item();
              assert.ok(error < 1e-6, `parameter ${index}, example ${start + offset}: error ${error}`);
            }
          });
          visited += count;
        },
        { maxElements: chunk === 0 ? 2 * perExample : chunk },
      );
      assert.equal(visited, 5);
    });
  });
}

test('per-example gradients under BatchNorm in training mode are each example loss gradient through the batch statistics', () => {
  scope(() => {
    const model = tinyMlp(R, { norm: 'batch' });
    const [batch] = makeBatches(R, 1, 4);
    const parameters = model.parameters();
    const losses = exampleLosses(model.run(batch.inputs).logits, batch.targets.transpose(0, 1));
    const reference = Array.from({ length: 4 }, (_, example) => grad(losses.select(1, example).sum(), parameters, { retainGraph: true }).map((value) => value!));
    perExampleGradients(
      model,
      parameters,
      () => exampleLosses(model.run(batch.inputs).logits, batch.targets.transpose(0, 1)),
      (gradients) =>
        gradients.forEach((gradient, index) => {
          for (let example = 0; example < 4; example += 1) {
            const error = gradient!.select(1, example).sub(reference[example][index]).abs().max().item();
            assert.ok(error < 1e-5, `parameter ${index}, example ${example}: error ${error}`);
          }
        }),
    );
    // The summed per-example gradients are the batch gradient.
    const total = grad(losses.sum(), parameters, { retainGraph: true });
    const summed = reference.reduce((sum, row) => sum.map((value, index) => value.add(row[index])), parameters.map((parameter) => ops.zerosLike(parameter)));
    summed.forEach((value, index) => assert.ok(value.sub(total[index]!).abs().max().item() < 1e-5));
  });
});

for (const shared of [false, true]) {
  test(`sums over examples of powers of the gradients, from a Linear layer's factors, equal Σ_b g_b^k (${shared ? 'input shared by the members' : 'an input per member'})`, () => {
    scope(() => {
      const model = tinyMlp(R, { norm: 'layer' });
      const [batch] = makeBatches(R, 1, 5);
      const inputs = shared ? batch.inputs.select(1, 0) : batch.inputs;
      const parameters = model.parameters();
      const firstLinear = [model.linears()[0].weight, model.linears()[0].bias!].map((parameter) => parameters.indexOf(parameter));
      const examples = Array.from({ length: 5 }, (_, example) => {
        const loss = crossEntropy(model.run(inputs.narrow(0, example, 1)).logits, batch.targets.narrow(0, example, 1).transpose(0, 1)).total;
        return grad(loss, parameters).map((value) => value!);
      });
      const taken: number[] = [];
      let visitedExamples = 0;
      perExampleGradients(
        model,
        parameters,
        () => exampleLosses(model.run(inputs).logits, batch.targets.transpose(0, 1)),
        (gradients, _start, count) => {
          gradients.forEach((gradient, index) => assert.equal(gradient === undefined, taken.includes(index), `parameter ${index} visited once`));
          visitedExamples += count;
        },
        {
          reduceFactored: (index, factors) => {
            taken.push(index);
            for (const power of [1, 2, 3]) {
              const expected = examples.map((row) => row[index].pow(power)).reduce((a, b) => a.add(b));
              const error = powerSum(factors, power).sub(expected).abs().max().item() / expected.abs().max().item();
              assert.ok(error < 1e-5, `parameter ${index}, power ${power}: relative error ${error}`);
            }
            const largest = Math.max(...examples.map((row) => row[index].abs().max().item()));
            assert.ok(largestMagnitude(factors) >= largest * (1 - 1e-6), `bound ${largestMagnitude(factors)} under the largest |g| ${largest}`);
            return true;
          },
        },
      );
      // The first layer's weight and bias are on the fast path; LayerNorm's parameters are not.
      assert.ok(firstLinear.every((index) => taken.includes(index)), `fast parameters offered: ${taken}`);
      assert.ok(taken.length < parameters.length, 'LayerNorm parameters still go through the chunks');
      assert.equal(visitedExamples, 5);
    });
  });
}
