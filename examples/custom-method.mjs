// A custom method: a penalty pulling each member's weights back to where they stood when the task
// began (the quadratic anchor EWC weights by Fisher information, here unweighted), plugged into the
// Learner through the Method hooks without touching plab's sources. Two populations learn the same
// second task, one with the anchor; the anchored one must end closer to its starting weights.
import assert from 'node:assert/strict';
import { Generator, Learner, keep, nn, noGrad, ops, optim, scope } from 'plasticity-lab';

const MEMBERS = 2;
const FEATURES = 8;
const CLASSES = 3;

/** @implements {import('plasticity-lab').Method} */
class StartAnchor {
  name = 'start-anchor';
  /** @type {import('plasticity-lab').Tensor[]} */
  anchors = [];
  constructor(strength) {
    this.strength = strength;
  }
  beforeTask(state) {
    for (const anchor of this.anchors) anchor.dispose();
    this.anchors = state.model.parameters().map((parameter) => keep(parameter.detach().clone()));
  }
  // A scalar: the sum over members of each member's penalty, as the Learner expects of a loss term.
  lossTerm(state) {
    return state.model
      .parameters()
      .map((parameter, index) => parameter.sub(this.anchors[index]).square().sum())
      .reduce((total, term) => total.add(term))
      .mul(this.strength / 2);
  }
}

/** Batches [B, R, features] whose labels come from a random linear map: a learnable task. */
function taskBatches(seed, count = 40, size = 32) {
  const generator = new Generator(seed);
  const map = ops.randn([FEATURES, CLASSES], generator);
  return Array.from({ length: count }, () => {
    const inputs = ops.randn([size, MEMBERS, FEATURES], generator);
    return keep({ inputs, targets: inputs.matmul(map).argmax(2) });
  });
}

function distanceFromStart(methods) {
  return scope(() => {
    const model = new nn.MLP({ inputShape: [FEATURES], hidden: [16], numClasses: CLASSES, members: MEMBERS });
    nn.initializeMembers(model, nn.memberGenerators([0, 1]));
    const learner = new Learner(model, new optim.SGD(model.parameters(), { lr: 0.1 }), methods);
    const start = model.parameters().map((parameter) => parameter.detach().clone());
    learner.beginTask(0);
    for (const batch of taskBatches(7)) learner.trainStep(batch);
    return noGrad(() => model.parameters().reduce((total, parameter, index) => total + parameter.sub(start[index]).square().sum().item(), 0));
  });
}

const free = distanceFromStart([]);
const anchored = distanceFromStart([new StartAnchor(5)]);
console.log(`squared distance travelled: free ${free.toFixed(4)}, anchored ${anchored.toFixed(4)}`);
assert.ok(free > 0, 'training moved the weights');
assert.ok(anchored < 0.5 * free, `the anchor should at least halve the distance (free ${free}, anchored ${anchored})`);
