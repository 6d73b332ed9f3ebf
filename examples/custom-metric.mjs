// A custom metric computed from a model, written outside plab's sources: the fraction of each
// member's hidden ReLU units that never fire on a batch, read from the hidden activations every
// model returns beside its logits. It must agree with the library's dead_fraction taken with a
// threshold that only a never-firing unit passes, and must find every first-layer unit dead in a
// member whose biases were pushed far below zero.
import assert from 'node:assert/strict';
import { Generator, metrics, nn, noGrad, ops, scope } from 'plasticity-lab';

const MEMBERS = 3;
const SAMPLES = 256;

/** Per member, the fraction of units in `hidden` [R, B, units] with no positive activation. */
function silentFraction(hidden) {
  return Array.from(hidden.amax(1).le(0).float().mean([1]).data());
}

scope(() =>
  noGrad(() => {
    const model = new nn.MLP({ inputShape: [10], hidden: [32, 32], numClasses: 4, members: MEMBERS });
    nn.initializeMembers(model, nn.memberGenerators([3, 4, 5]));
    // Member 2's first-layer biases far below zero: none of its units can fire.
    const [, firstBias] = model.parameters();
    firstBias.select(0, 2).fill_(-1e3);
    const inputs = ops.randn([SAMPLES, 10], new Generator(11));
    for (const [layer, hidden] of model.run(inputs).hidden) {
      const silent = silentFraction(hidden);
      const reference = Array.from(metrics.deadFraction(hidden, { threshold: 1 - 0.5 / SAMPLES }).data());
      console.log(`${layer}: silent fraction per member ${silent.map((value) => value.toFixed(3)).join(', ')}`);
      silent.forEach((value, member) => assert.ok(Math.abs(value - reference[member]) < 1e-6, `${layer}, member ${member}: ${value} vs dead_fraction ${reference[member]}`));
    }
    const firstLayer = silentFraction(model.run(inputs).hidden[0][1]);
    assert.equal(firstLayer[2], 1, 'member 2 has every unit of its first layer silent');
    assert.ok(firstLayer[0] < 0.5 && firstLayer[1] < 0.5, 'freshly initialised members have most units alive');
  }),
);
