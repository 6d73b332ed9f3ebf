// Shrink and perturb, and continual backprop: exact draws from the methods' own streams, bias-
// corrected utilities, and what a replaced unit looks like afterwards (weights, next bias, optimizer
// state), on the MLP and on the CNN (convolution to convolution, and to a flattened dense layer).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ContinualBackprop, MemberRandom, ShrinkPerturb, unitLayers } from '../../src/cl/methods/index.js';
import { optimizerBuffers } from '../../src/cl/methods/unit-layers.js';
import type { LearnerState } from '../../src/cl/method.js';
import { kaimingUniformBound } from '../../src/nn/init.js';
import { CNN } from '../../src/nn/models/cnn.js';
import { MLP } from '../../src/nn/models/mlp.js';
import type { Model, ModelOutput } from '../../src/nn/models/model.js';
import { initializeMembers, memberGenerators } from '../../src/nn/module.js';
import { Adam } from '../../src/optim/index.js';
import { Generator, ops, scope, type Tensor } from '../../src/tensor/index.js';
import { adamLearner, learnerState, makeBatches, maxDifference, snapshot, tinyMlp } from './helpers.js';

const SEEDS = [10, 11, 12];
const SALT = 99;

test('shrink and perturb (ash_adams): θ ← λθ + σ·θ_fresh, θ_fresh a new network from each member\'s own stream; only at boundaries after the first task', () => {
  const model = tinyMlp(3, { norm: 'batch' });
  const method = new ShrinkPerturb({ shrink: 0.4, noise: 0.1, every: 'task', form: 'ash_adams' }, new MemberRandom(SEEDS, SALT));
  const state = learnerState(model, { active: [true, true, false] });
  const before = snapshot(model);
  const buffers = model.namedBuffers().map(([, value]) => value.clone());
  method.beforeTask(state, 0);
  method.afterStep(state);
  assert.equal(maxDifference(snapshot(model), before), 0, 'nothing before the first task or after steps');
  method.beforeTask(state, 1);
  const fresh = tinyMlp(3, { norm: 'batch' });
  initializeMembers(fresh, memberGenerators(SEEDS.map((seed) => seed + SALT)));
  model.parameters().forEach((parameter, index) =>
    scope(() => {
      const expected = before[index].mul(0.4).add(fresh.parameters()[index], 0.1);
      assert.equal(parameter.detach().narrow(0, 0, 2).sub(expected.narrow(0, 0, 2)).abs().max().item(), 0, `parameter ${index}`);
      assert.equal(parameter.detach().select(0, 2).sub(before[index].select(0, 2)).abs().max().item(), 0, 'a stopped member is left alone');
    }),
  );
  assert.equal(maxDifference(model.namedBuffers().map(([, value]) => value), buffers), 0, 'buffers untouched');
});

test('shrink and perturb (dohare): θ ← λθ + σ·N(0, 1) after every step', () => {
  const model = tinyMlp(3);
  const method = new ShrinkPerturb({ shrink: 0.9, noise: 0.01, every: 'step', form: 'dohare' }, new MemberRandom(SEEDS, SALT));
  const state = learnerState(model);
  const before = snapshot(model);
  method.beforeTask(state, 1);
  assert.equal(maxDifference(snapshot(model), before), 0, 'nothing at boundaries');
  method.afterStep(state);
  const generators = SEEDS.map((seed) => new Generator(seed + SALT));
  model.parameters().forEach((parameter, index) =>
    scope(() => {
      const noise = ops.emptyLike(parameter);
      generators.forEach((generator, member) => ops.normal_(noise.select(0, member), 0, 1, generator));
      assert.equal(parameter.detach().sub(before[index].mul(0.9).add(noise, 0.01)).abs().max().item(), 0, `parameter ${index}`);
    }),
  );
});

function fakeState(model: Model, optimizer: Adam): LearnerState {
  return learnerState(model, { optimizer });
}

test('continual backprop: utilities are bias-corrected running averages of mean|h|·mean|w_out|', () => {
  const model = tinyMlp(2, { hidden: [4, 3] });
  const cbp = new ContinualBackprop({ replacementRate: 0, decayRate: 0.8, maturityThreshold: 0 }, new MemberRandom([0, 1], 1));
  const state = fakeState(model, new Adam(model.parameters()));
  const generator = new Generator(3);
  const hidden = (): [string, Tensor][] => [
    ['layer1', ops.randn([2, 5, 4], generator)],
    ['layer2', ops.randn([2, 5, 3], generator)],
  ];
  const first = hidden();
  const second = hidden();
  const output = (h: [string, Tensor][]): ModelOutput => ({ logits: ops.zeros([2, 5, 3]), hidden: h });
  cbp.afterStep(state, output(first));
  cbp.afterStep(state, output(second));
  const outgoing = [model.child('layer2.linear')!, model.head].map((layer) => (layer as MLP['head']).weight.detach().abs().mean(1)); // [R, U]
  cbp.utilities().forEach((utility, index) =>
    scope(() => {
      const x1 = outgoing[index].mul(first[index][1].abs().mean(1));
      const x2 = outgoing[index].mul(second[index][1].abs().mean(1));
      const expected = x1.mul(0.8 * 0.2).add(x2.mul(0.2)).div(1 - 0.8 ** 2);
      assert.ok(utility.sub(expected).abs().max().item() < 1e-6, `layer ${index}`);
    }),
  );
});

function checkReplacement(model: Model, learner: ReturnType<typeof adamLearner>, cbp: ContinualBackprop, batches: ReturnType<typeof makeBatches>): void {
  const layers = unitLayers(model);
  let replacedAny = false;
  for (const batch of batches) {
    const before = snapshot(model as never);
    const replacedBefore = [...cbp.replaced];
    scope(() => learner.trainStep(batch));
    if (cbp.replaced.every((count, member) => count === replacedBefore[member])) continue;
    replacedAny = true;
    const parameters = model.parameters();
    layers.forEach((layer) =>
      scope(() => {
        const members = model.members;
        const units = layer.incoming.weight.shape[1];
        // A unit was replaced iff its outgoing weights are all zero now and were not before.
        const outgoing = layer.outgoing.weight.detach().reshape(members, layer.outgoing.weight.shape[1], units, -1);
        const outgoingBefore = before[parameters.indexOf(layer.outgoing.weight)].reshape(members, layer.outgoing.weight.shape[1], units, -1);
        const replaced = outgoing.abs().amax([1, 3]).eq(0).mul(outgoingBefore.abs().amax([1, 3]).gt(0)); // [R, U]
        if (replaced.sum().item() === 0) return;
        // Incoming weights: new values within the initialisation's bound; incoming bias 0.
        const fanIn = layer.incoming.weight.numel / (members * units);
        const incoming = layer.incoming.weight.detach().reshape(members, units, -1);
        const chosenRows = incoming.abs().amax(2).mul(replaced);
        assert.ok(chosenRows.max().item() <= kaimingUniformBound(fanIn) + 1e-7, 'fresh weights within the init bound');
        assert.equal(layer.incoming.bias!.detach().mul(replaced).abs().max().item(), 0, 'incoming bias zero');
        // Adam's moments of the replaced rows and columns are zero.
        for (const buffer of optimizerBuffers(learner.optimizer, layer.incoming.weight)) assert.equal(buffer.reshape(members, units, -1).abs().amax(2).mul(replaced).max().item(), 0);
        for (const buffer of optimizerBuffers(learner.optimizer, layer.outgoing.weight)) {
          assert.equal(buffer.reshape(members, layer.outgoing.weight.shape[1], units, -1).abs().amax([1, 3]).mul(replaced).max().item(), 0);
        }
      }),
    );
  }
  assert.ok(replacedAny, 'some units were replaced');
}

test('continual backprop on an MLP with R = 8 and Adam: replaced units get fresh input weights, zero bias, zero output weights and zero optimizer state', () => {
  const model = tinyMlp(8, { hidden: [6, 5] });
  const cbp = new ContinualBackprop({ replacementRate: 0.3, decayRate: 0.9, maturityThreshold: 1 }, new MemberRandom([0, 1, 2, 3, 4, 5, 6, 7], 1));
  const learner = adamLearner(model, [cbp], 0.05);
  checkReplacement(model, learner, cbp, makeBatches(8, 5, 8, 30));
});

test('continual backprop on a CNN: convolution channels feeding a convolution and a flattened dense layer', () => {
  const model = new CNN({ inputShape: [1, 5, 5], numClasses: 3, channels: [3, 4], kernel: 3, pooling: 'none', hidden: [5], members: 4 });
  initializeMembers(model, memberGenerators([0, 1, 2, 3]));
  const layers = unitLayers(model);
  assert.deepEqual(
    layers.map((layer) => [layer.name, layer.span]),
    [
      ['conv1', 1],
      ['conv2', 25],
      ['fc1', 1],
    ],
  );
  const cbp = new ContinualBackprop({ replacementRate: 0.4, decayRate: 0.9, maturityThreshold: 1 }, new MemberRandom([0, 1, 2, 3], 1));
  const learner = adamLearner(model as never, [cbp], 0.02);
  const generator = new Generator(4);
  const batches = Array.from({ length: 4 }, () => ({ inputs: ops.randn([6, 4, 1, 5, 5], generator), targets: ops.randint(0, 3, [6, 4], generator) }));
  checkReplacement(model, learner, cbp, batches);
});

test('continual backprop: the replaced unit\'s mean contribution moves into the next layer\'s bias', () => {
  const model = tinyMlp(1, { hidden: [3] });
  const cbp = new ContinualBackprop({ replacementRate: 0.34, decayRate: 0.5, maturityThreshold: 0 }, new MemberRandom([0], 1));
  const state = fakeState(model, new Adam(model.parameters()));
  // Unit 1 is the least useful (tiny activation); a rate of 0.34 of 3 units replaces one unit, or two.
  const activations = ops.cat([ops.full([1, 4, 1], 2), ops.full([1, 4, 1], 1e-3), ops.full([1, 4, 1], 3)], 2);
  const headBefore = model.head.weight.detach().clone();
  const biasBefore = model.head.bias!.detach().clone();
  cbp.afterStep(state, { logits: ops.zeros([1, 4, 3]), hidden: [['layer1', activations]] });
  scope(() => {
    const chosen = model.head.weight.detach().abs().amax(1).eq(0).to('float32'); // [1, 3]: replaced units
    assert.equal(chosen.select(1, 1).item(), 1, 'the least useful unit was replaced');
    // After one step the bias-corrected mean activation is exactly the batch mean.
    const expected = biasBefore.add(headBefore.mul(activations.mean(1).mul(chosen).unsqueeze(1)).sum(2));
    assert.ok(model.head.bias!.detach().sub(expected).abs().max().item() < 1e-6);
  });
});
