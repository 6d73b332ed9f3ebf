// The MLP and the small CNN against PyTorch (tools/make_engine_fixtures.py): initialisation after
// manual_seed(0) bit for bit, the regenerated data, and forward outputs, loss and gradients: the
// MLP's bit for bit against PyTorch on the same machine (a one-member Linear is torch's addmm; see
// SAME_MACHINE for the committed fallback), the CNN's to 1e-5.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropy } from '../../src/nn/loss.js';
import type { Module } from '../../src/nn/module.js';
import { scope } from '../../src/tensor/index.js';
import { assertTensorClose, buildCnn, buildMlp, loadFixture, type ReferenceFixture, SAME_MACHINE, sha256, trainingBatches } from './engine-fixtures.js';

const models: [string, string, () => Module, number][] = [
  ['MLP 784-120-84-10', 'mlp.json', () => buildMlp(), SAME_MACHINE],
  ['small CNN', 'cnn.json', () => buildCnn(), 1e-5],
];

for (const [name, file, build, tolerance] of models) {
  const fixture = loadFixture<ReferenceFixture>(file);

  test(`${name}: manual_seed(0) initialisation equals PyTorch's bit for bit`, () => {
    const parameters = build().namedParameters();
    assert.equal(parameters.length, fixture.initial.length);
    parameters.forEach(([path, parameter], index) => {
      const expected = fixture.initial[index];
      assert.deepEqual(parameter.shape, [1, ...expected.shape], `${path} (torch ${fixture.parameterNames[index]})`);
      assert.equal(sha256(parameter.data() as Float32Array), expected.sha256, `${path} differs from torch's ${fixture.parameterNames[index]}`);
    });
  });

  test(`${name}: the data stream regenerates torch.Generator's numbers`, () => {
    const [[inputs, targets]] = trainingBatches(fixture, 1);
    assert.equal(sha256(inputs.data() as Float32Array), fixture.firstBatch.inputs.sha256);
    assert.deepEqual(targets.toArray(), fixture.firstBatch.targets);
  });

  test(`${name}: forward outputs, loss and gradients match PyTorch ${tolerance === 0 ? 'bit for bit' : `to ${tolerance} relative`}`, () => {
    const model = build();
    const [[inputs, targets]] = trainingBatches(fixture, 1);
    scope(() => {
      const logits = model.forward(inputs);
      assert.deepEqual(logits.shape, [1, fixture.batch, 10]);
      assertTensorClose(logits, fixture.logits, tolerance, 'logits');
      const loss = crossEntropy(logits, targets).total;
      assert.ok(Math.abs(loss.item() - fixture.loss) <= tolerance * fixture.loss, `loss ${loss.item()} vs ${fixture.loss}`);
      loss.backward();
      model.namedParameters().forEach(([path, parameter], index) => {
        assertTensorClose(parameter.grad!, fixture.gradients[index], tolerance, `gradient of ${path}`);
      });
    });
  });
}
