// The methods that keep plasticity (docs/methods.md, "Methods that keep plasticity"): ReDo, L2 Init,
// head and layer resets, spectral regularisation and CReLU. For each, an effect test that fails when
// the method is off, the exact state it leaves behind, a checkpoint round trip, and where the math is
// not trivial a comparison with PyTorch (tools/make_plasticity_fixtures.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { augmentedMatrix, estimateTopSingularValue, L2Init, LayerReset, MemberRandom, Redo, SpectralRegularization, validateMethods, type MethodsConfig } from '../../src/cl/methods/index.js';
import { optimizerBuffers } from '../../src/cl/methods/unit-layers.js';
import type { Method } from '../../src/cl/method.js';
import { dormantRatio } from '../../src/metrics/units.js';
import { Linear } from '../../src/nn/linear.js';
import { MLP } from '../../src/nn/models/mlp.js';
import { crossEntropy } from '../../src/nn/loss.js';
import { initializeMembers, memberGenerators } from '../../src/nn/module.js';
import { noGrad, ops, scope, tensor, type Tensor } from '../../src/tensor/index.js';
import { adamLearner, CLASSES, FEATURES, learnerState, makeBatches, maxDifference, sgdLearner, snapshot, tinyMlp } from './helpers.js';

interface Fixture {
  spectral: { parameters: Record<string, number[]>; cases: Record<string, { penalty: number[]; gradients: Record<string, number[]> }>; sigma: Record<string, number[]> };
  crelu: { parameters: Record<string, number[]>; inputs: number[]; targets: number[]; logits: number[]; gradients: Record<string, number[]> };
  rotations: { images: number[]; rotated: Record<string, number[]> };
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/methods/plasticity.json', import.meta.url), 'utf8')) as Fixture;

/** Loads fixture values into the model's parameters of the same names. */
function loadParameters(model: MLP, values: Record<string, number[]>): void {
  noGrad(() => {
    for (const [name, parameter] of model.namedParameters()) {
      const stored = values[name];
      assert.ok(stored, `fixture has ${name}`);
      parameter.copy_(tensor(stored, { shape: parameter.shape }));
    }
  });
}

/** Largest |a − b| relative to max |b|. */
function relativeError(actual: Tensor, expected: number[]): number {
  const values = Array.from(actual.detach().reshape(-1).toArray() as number[]);
  const scale = Math.max(...expected.map(Math.abs), 1e-12);
  return Math.max(...values.map((value, index) => Math.abs(value - expected[index]))) / scale;
}

// ---------------------------------------------------------------- spectral regularisation

/** Exact σ_max of each member's [W | b], [R]. */
function exactTopSingularValue(layer: Linear): Tensor {
  return ops.svdvals(augmentedMatrix(layer)).select(1, 0);
}

/** A unit-norm start vector per member, [R, out], fixed so that the estimate's path is the same each run. */
function startVector(members: number, outputs: number): Tensor {
  const u = tensor(Array.from({ length: members * outputs }, (_, index) => 1 + ((index * 7) % 5) / 5), { shape: [members, outputs] });
  return u.div(u.norm(2, 1, true));
}

test('spectral: the power-iteration estimate of σ_max never exceeds torch.linalg.matrix_norm(ord=2) and converges to it, one round per step', () => {
  scope(() => {
    const model = tinyMlp(2, { hidden: [5] });
    loadParameters(model, fixture.spectral.parameters);
    for (const [name, layer] of [['layer1.linear', model.child('layer1.linear')], ['head', model.child('head')]] as const) {
      const exact = fixture.spectral.sigma[name];
      const u = startVector(2, (layer as Linear).outFeatures);
      const errors: number[] = [];
      for (let step = 0; step < 60; step += 1) {
        const estimate = noGrad(() => estimateTopSingularValue(augmentedMatrix(layer as Linear), u, 1)).toArray() as number[];
        estimate.forEach((value, member) => assert.ok(value <= exact[member] * (1 + 1e-6), `${name}, member ${member}, step ${step}: estimate ${value} above σ_max ${exact[member]}`));
        errors.push(Math.max(...estimate.map((value, member) => Math.abs(value - exact[member]) / exact[member])));
      }
      assert.ok(errors[0] > 1e-3, `${name}: the first estimate is already exact (${errors[0]}), so the test shows no convergence`);
      assert.ok(errors[59] < 1e-6, `${name}: relative error after 60 steps ${errors[59]}`);
      assert.ok(relativeError(exactTopSingularValue(layer as Linear), exact) < 1e-6, `${name}: svdvals agrees with matrix_norm`);
    }
  });
});

test('spectral penalty Σ(σ_max([W | b])^k − 1)² and its gradient equal PyTorch (float64 reference, exact SVD) once the estimate has converged, k = 2 and 3', () => {
  for (const [power, expected] of Object.entries(fixture.spectral.cases)) {
    scope(() => {
      const model = tinyMlp(2, { hidden: [5] });
      loadParameters(model, fixture.spectral.parameters);
      const method = new SpectralRegularization({ lambda: 0.5, power: Number(power), iterations: 100 }, new MemberRandom([0, 1], 5));
      model.zeroGrad();
      const term = method.lossTerm(learnerState(model))!;
      const total = expected.penalty.reduce((a, b) => a + b) * 0.5;
      assert.ok(Math.abs(term.item() - total) < 1e-5 * total, `k = ${power}: λ·Σ penalty ${term.item()} vs ${total}`);
      term.backward();
      for (const [name, parameter] of model.namedParameters()) {
        assert.ok(relativeError(parameter.grad!.div(0.5), expected.gradients[name]) < 1e-4, `k = ${power}: gradient of ${name}`);
      }
    });
  }
});

test('spectral regularisation: training with it keeps σ_max nearer 1 than without', () => {
  const sigmaGap = (lambda: number | null): number =>
    scope(() => {
      const model = tinyMlp(3, { hidden: [8] });
      noGrad(() => model.parameters().forEach((parameter) => parameter.mul_(4))); // start far from σ = 1
      const methods: Method[] = lambda === null ? [] : [new SpectralRegularization({ lambda, power: 2, iterations: 1 }, new MemberRandom([0, 1, 2], 5))];
      const learner = sgdLearner(model, methods, 0.01);
      for (const batch of makeBatches(3, 30, 16, 5)) scope(() => learner.trainStep(batch));
      return Math.max(...model.linears().map((layer) => exactTopSingularValue(layer).sub(1).abs().max().item()));
    });
  const plain = sigmaGap(null);
  const regularised = sigmaGap(0.2);
  assert.ok(regularised < plain * 0.5, `|σ_max − 1|: ${regularised} with the penalty, ${plain} without`);
});

test('spectral: the singular vectors are per member and in the checkpoint; a resumed run without them diverges from the straight one', () => {
  const make = (): SpectralRegularization => new SpectralRegularization({ lambda: 0.05, power: 2, iterations: 1 }, new MemberRandom([0, 1], 13));
  const tasks = [makeBatches(2, 6, 8, 40), makeBatches(2, 6, 8, 41)];
  const train = (learner: ReturnType<typeof sgdLearner>, task: number) => {
    learner.beginTask(task);
    for (const batch of tasks[task]) scope(() => learner.trainStep(batch));
  };
  const straight = sgdLearner(tinyMlp(2), [make()]);
  train(straight, 0);
  train(straight, 1);
  const first = sgdLearner(tinyMlp(2), [make()]);
  train(first, 0);
  const saved = new Map([...first.methods[0].stateDict!()].map(([key, value]) => [`spectral.${key}`, value.clone()]));
  assert.deepEqual([...saved.keys()], ['spectral.u.0', 'spectral.u.1', 'spectral.u.2']);
  assert.deepEqual(saved.get('spectral.u.0')!.shape, [2, 5]);
  const resume = (load: boolean): MLP => {
    const model = tinyMlp(2, { seed: 50 });
    model.loadStateDict(first.model.stateDict());
    const learner = sgdLearner(model, [make()]);
    learner.step = first.step;
    if (load) learner.methods[0].loadStateDict!(saved);
    train(learner, 1);
    return model;
  };
  assert.equal(maxDifference(snapshot(resume(true)), snapshot(straight.model as MLP)), 0);
  assert.ok(maxDifference(snapshot(resume(false)), snapshot(straight.model as MLP)) > 0, 'fresh vectors give other updates, so the state matters');
});

// ---------------------------------------------------------------- CReLU

test('CReLU MLP: logits and gradients equal PyTorch member by member, and each hidden layer doubles the width the next reads', () => {
  const model = new MLP({ inputShape: [FEATURES], hidden: [4, 3], numClasses: CLASSES, activation: 'crelu', members: 2 });
  assert.deepEqual(
    model.linears().map((layer) => layer.inFeatures),
    [6, 8, 6],
  );
  loadParameters(model, fixture.crelu.parameters);
  const inputs = tensor(fixture.crelu.inputs, { shape: [5, 2, FEATURES] });
  const targets = tensor(fixture.crelu.targets, { shape: [5, 2], dtype: 'int64' });
  const output = model.run(inputs);
  assert.deepEqual(output.hidden.map(([name, h]) => [name, h.shape]), [
    ['layer1', [2, 5, 8]],
    ['layer2', [2, 5, 6]],
  ]);
  assert.ok(relativeError(output.logits, fixture.crelu.logits) < 1e-6, 'logits');
  crossEntropy(output.logits, targets.transpose(0, 1)).total.backward();
  for (const [name, parameter] of model.namedParameters()) assert.ok(relativeError(parameter.grad!, fixture.crelu.gradients[name]) < 1e-5, `gradient of ${name}`);
});

test('CReLU MLP initialisation: each layer after a CReLU draws from U(±1/√fan_in) with fan_in twice the units, as torch.nn.Linear(2·units, out) does', () => {
  scope(() => {
    const model = new MLP({ inputShape: [784], hidden: [100, 100], numClasses: 10, activation: 'crelu', members: 2 });
    initializeMembers(model, memberGenerators([0, 1]));
    for (const [layer, fanIn] of [[model.linears()[1], 200], [model.linears()[2], 200]] as const) {
      assert.equal(layer.inFeatures, fanIn);
      const bound = 1 / Math.sqrt(fanIn);
      const weight = layer.weight;
      assert.ok(weight.abs().max().item() <= bound, `max |w| ${weight.abs().max().item()} within ${bound}`);
      assert.ok(weight.abs().max().item() > 0.98 * bound, 'the draw fills its interval');
      const std = weight.std().item();
      assert.ok(Math.abs(std / (bound / Math.sqrt(3)) - 1) < 0.03, `std ${std} against U(±${bound})'s ${bound / Math.sqrt(3)}`);
    }
  });
});

test('CReLU effect: with every pre-activation pushed below zero a ReLU network cannot learn, a CReLU network can', () => {
  const finalLoss = (activation: 'relu' | 'crelu'): number =>
    scope(() => {
      const model = new MLP({ inputShape: [FEATURES], hidden: [16], numClasses: CLASSES, activation, members: 2 });
      initializeMembers(model, memberGenerators([0, 1]));
      noGrad(() => model.child('layer1.linear')!.parameters()[1].fill_(-4)); // nearly every hidden unit silent for ReLU
      const learner = sgdLearner(model, [], 0.05);
      const losses = makeBatches(2, 100, 16, 3).map((batch) => scope(() => Array.from(learner.trainStep(batch).loss).reduce((a, b) => a + b) / 2));
      return losses.slice(-20).reduce((a, b) => a + b) / 20;
    });
  const relu = finalLoss('relu');
  const crelu = finalLoss('crelu');
  assert.ok(crelu < relu - 0.15, `mean loss of the last 20 steps ${crelu} with crelu, ${relu} with relu`);
});

test('crelu is refused where units are replaced and by models whose features are not last', () => {
  const config = (method: MethodsConfig['method']): MethodsConfig => ({ seed: 0, method, optimizer: { name: 'sgd', lr: 0.1 }, model: { name: 'mlp', hidden: [4], activation: 'crelu' }, training: { members: 1 } });
  assert.throws(() => validateMethods(config({ rule: 'SL', redo: { tau: 0.1, every: 10 } })), /model.activation=crelu/);
  assert.throws(() => validateMethods(config({ rule: 'SL', continual_backprop: { replacement_rate: 0.1, decay_rate: 0.9, maturity_threshold: 1 } })), /model.activation=crelu/);
});

// ---------------------------------------------------------------- ReDo

/** A tiny MLP whose first hidden units 0..3 never fire: their bias is far below any input. */
function partlyDeadMlp(count: number): MLP {
  const model = tinyMlp(count, { hidden: [12] });
  noGrad(() => model.child('layer1.linear')!.parameters()[1].narrow(1, 0, 4).fill_(-50));
  return model;
}

function meanDormant(model: MLP, layer: string): number {
  return scope(() =>
    noGrad(() => {
      const inputs = makeBatches(model.members, 1, 256, 77)[0].inputs;
      const hidden = new Map(model.run(inputs).hidden).get(layer)!;
      return dormantRatio(hidden, 0.1).mean().item();
    }),
  );
}

test('ReDo effect: dead units are recycled, so the dormant fraction falls below that of plain training', () => {
  const run = (redo: boolean): number =>
    scope(() => {
      const model = partlyDeadMlp(3);
      const methods = redo ? [new Redo({ tau: 0.1, every: 5 }, new MemberRandom([0, 1, 2], 7))] : [];
      const learner = sgdLearner(model, methods, 0.05);
      for (const batch of makeBatches(3, 20, 16, 4)) scope(() => learner.trainStep(batch));
      return meanDormant(model, 'layer1');
    });
  const plain = run(false);
  const recycled = run(true);
  assert.ok(plain >= 4 / 12, `plain training keeps its 4 dead units: ${plain}`);
  assert.ok(recycled < plain - 0.2, `dormant fraction ${recycled} with ReDo, ${plain} without`);
});

test('ReDo: only every `every` steps, only τ-dormant units, fresh incoming weights, zero outgoing weights and optimizer state; stopped members untouched', () => {
  const model = partlyDeadMlp(3);
  const redo = new Redo({ tau: 0.1, every: 4 }, new MemberRandom([0, 1, 2], 7));
  const learner = adamLearner(model, [redo], 0.01);
  learner.active[2] = false;
  learner.optimizer.setActiveMembers(learner.active);
  const batches = makeBatches(3, 4, 16, 4);
  for (const batch of batches.slice(0, 3)) scope(() => learner.trainStep(batch));
  assert.deepEqual(redo.recycled, [0, 0, 0], 'nothing before step 4');
  const layer1 = model.child('layer1.linear') as Linear;
  const head = model.head;
  const before = snapshot(model);
  scope(() => learner.trainStep(batches[3]));
  assert.ok(redo.recycled[0] >= 4 && redo.recycled[1] >= 4, `the 4 dead units of members 0 and 1 recycled: ${redo.recycled}`);
  assert.equal(redo.recycled[2], 0, 'a stopped member keeps its units');
  scope(() => {
    const bias = layer1.bias!.detach();
    assert.equal(bias.narrow(0, 0, 2).narrow(1, 0, 4).abs().max().item(), 0, 'incoming bias zero');
    assert.equal(head.weight.detach().narrow(0, 0, 2).narrow(2, 0, 4).abs().max().item(), 0, 'outgoing weights zero');
    for (const buffer of optimizerBuffers(learner.optimizer, head.weight)) assert.equal(buffer.narrow(0, 0, 2).narrow(2, 0, 4).abs().max().item(), 0, 'outgoing optimizer state zero');
    const parameters = model.parameters();
    const index = parameters.indexOf(layer1.weight);
    assert.ok(layer1.weight.detach().narrow(0, 0, 2).narrow(1, 0, 4).sub(before[index].narrow(0, 0, 2).narrow(1, 0, 4)).abs().max().item() > 0, 'incoming weights redrawn');
    assert.equal(bias.select(0, 2).narrow(0, 0, 4).add(50).abs().max().item(), 0, 'member 2 untouched');
  });
});

// ---------------------------------------------------------------- L2 Init

test('L2 Init: the loss term is λ/2·‖θ − θ₀‖² with θ₀ taken at the first task; it keeps the weights nearer their initialisation than plain training', () => {
  const model = tinyMlp(2);
  const method = new L2Init(0.3);
  const learner = sgdLearner(model, [method], 0.1);
  learner.beginTask(0);
  noGrad(() => model.parameters().forEach((parameter) => parameter.add_(0.5)));
  const expected = model.parameters().reduce((total, parameter) => total + parameter.numel * 0.25, 0) * 0.15;
  assert.ok(Math.abs(method.lossTerm(learner)!.item() - expected) < 1e-4 * expected, 'value');
  const distance = (withMethod: boolean): number =>
    scope(() => {
      const fresh = tinyMlp(2);
      const start = snapshot(fresh);
      const trainer = sgdLearner(fresh, withMethod ? [new L2Init(1.0)] : [], 0.1);
      trainer.beginTask(0);
      for (const batch of makeBatches(2, 40, 16, 8)) scope(() => trainer.trainStep(batch));
      trainer.beginTask(1);
      for (const batch of makeBatches(2, 40, 16, 9)) scope(() => trainer.trainStep(batch));
      return Math.sqrt(fresh.parameters().reduce((total, parameter, index) => total + parameter.detach().sub(start[index]).square().sum().item(), 0));
    });
  const plain = distance(false);
  const anchored = distance(true);
  assert.ok(anchored < plain * 0.7, `‖θ − θ₀‖ ${anchored} with L2 Init, ${plain} without`);
});

// ---------------------------------------------------------------- resets

test('head reset: before every task but the first, the head is drawn afresh from each member\'s own stream and its optimizer state is zeroed; other layers and stopped members keep theirs', () => {
  const model = tinyMlp(3);
  const reset = new LayerReset(['head'], new MemberRandom([0, 1, 2], 5));
  const learner = adamLearner(model, [reset], 0.05);
  learner.beginTask(0);
  for (const batch of makeBatches(3, 5, 8, 2)) scope(() => learner.trainStep(batch));
  learner.active[2] = false;
  const before = snapshot(model);
  learner.beginTask(1);
  const expected = new Linear(4, CLASSES, { members: 3 });
  initializeMembers(expected, memberGenerators([0, 1, 2].map((seed) => seed + 5)));
  const checked: string[] = [];
  model.namedParameters().forEach(([name, parameter], index) =>
    scope(() => {
      const now = parameter.detach();
      if (!name.startsWith('head.')) return assert.equal(now.sub(before[index]).abs().max().item(), 0, `${name} kept`);
      checked.push(name);
      const fresh = name === 'head.weight' ? expected.weight : expected.bias!;
      assert.equal(now.narrow(0, 0, 2).sub(fresh.narrow(0, 0, 2)).abs().max().item(), 0, `${name} redrawn`);
      assert.equal(now.select(0, 2).sub(before[index].select(0, 2)).abs().max().item(), 0, `${name}: member 2 kept`);
      for (const buffer of optimizerBuffers(learner.optimizer, parameter)) assert.equal(buffer.narrow(0, 0, 2).abs().max().item(), 0, `${name} optimizer state`);
    }),
  );
  assert.deepEqual(checked, ['head.weight', 'head.bias']);
});

test('layer reset effect: resetting [layer2, head] at a boundary restores trainability a saturated network lost; a misnamed layer fails before training', () => {
  // Saturate layer2 and the head by scaling them up, train one task, then compare how well the next task is learned.
  const secondTaskLoss = (layers: string[] | null): number =>
    scope(() => {
      const model = tinyMlp(2, { hidden: [8, 8] });
      noGrad(() => {
        for (const name of ['layer2.linear', 'head']) for (const parameter of model.child(name)!.parameters()) parameter.mul_(30);
      });
      const learner = sgdLearner(model, layers ? [new LayerReset(layers, new MemberRandom([0, 1], 3))] : [], 0.01);
      learner.beginTask(0);
      learner.beginTask(1);
      let total = 0;
      const batches = makeBatches(2, 80, 16, 6);
      batches.forEach((batch, step) =>
        scope(() => {
          const loss = learner.trainStep(batch).loss;
          if (step >= 60) total += (loss[0] + loss[1]) / 2;
        }),
      );
      return total / 20;
    });
  const plain = secondTaskLoss(null);
  const reset = secondTaskLoss(['layer2', 'head']);
  assert.ok(reset < plain * 0.5, `late loss on the second task: ${reset} with the reset, ${plain} without`);
  assert.throws(() => new LayerReset(['layer9'], new MemberRandom([0], 1)).beforeTask(adamLearner(tinyMlp(1), []), 0), /no layer 'layer9'; its layers are layer1, layer2, head/);
});

// ---------------------------------------------------------------- checkpoints

test('ReDo, L2 Init, resets and spectral regularisation resume exactly from their state dicts', () => {
  const make = (): Method[] => [
    new L2Init(0.1),
    new SpectralRegularization({ lambda: 0.01, power: 2, iterations: 1 }, new MemberRandom([0, 1], 13)),
    new Redo({ tau: 0.5, every: 3 }, new MemberRandom([0, 1], 11)),
    new LayerReset(['head'], new MemberRandom([0, 1], 12)),
  ];
  const tasks = [makeBatches(2, 6, 8, 40), makeBatches(2, 6, 8, 41), makeBatches(2, 6, 8, 42)];
  const train = (learner: ReturnType<typeof adamLearner>, task: number) => {
    learner.beginTask(task);
    for (const batch of tasks[task]) scope(() => learner.trainStep(batch));
  };
  const straight = adamLearner(tinyMlp(2), make());
  for (const task of [0, 1, 2]) train(straight, task);

  const first = adamLearner(tinyMlp(2), make());
  train(first, 0);
  train(first, 1);
  const methodState = new Map<string, Tensor>();
  for (const method of first.methods) for (const [key, value] of method.stateDict?.() ?? []) methodState.set(`${method.name}.${key}`, value.clone());
  // A new process: the model built from another seed, then everything loaded from the checkpoint.
  const resumedModel = tinyMlp(2, { seed: 50 });
  resumedModel.loadStateDict(first.model.stateDict());
  const resumed = adamLearner(resumedModel, make());
  resumed.optimizer.loadStateDict(first.optimizer.stateDict());
  resumed.step = first.step;
  for (const method of resumed.methods) method.loadStateDict?.(methodState);
  train(resumed, 2);
  assert.equal(maxDifference(snapshot(resumedModel), snapshot(straight.model as MLP)), 0);
  assert.ok((straight.methods[2] as Redo).recycled.some((count) => count > 0), 'ReDo acted in this run');
});

test('the method config rejects reset layers an MLP does not have, naming the ones it has', () => {
  const config: MethodsConfig = { seed: 0, method: { rule: 'SL', reset: { layers: ['head', 'layer3'] } }, optimizer: { name: 'adam', lr: 0.1 }, model: { name: 'mlp', hidden: [4, 4] }, training: { members: 1 } };
  assert.throws(() => validateMethods(config), /'layer3', which model=mlp with 2 hidden layers does not have; its layers are layer1, layer2, head/);
});
