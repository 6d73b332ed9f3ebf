// Seed 004's error signals other than supervised. RL: REINFORCE with a running-mean baseline, whose
// signal has the gradient −(1/B)·Σ_b (r_b − b̄)(onehot(a_b) − p_b) with respect to the logits.
// Bio: feedback alignment, whose layers keep their output and their weight gradient δᵀx but send
// δ·B, not δ·W, to their input. Both learn a separable task, are reproducible and resume exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Learner } from '../../src/cl/learner.js';
import type { Method } from '../../src/cl/method.js';
import { buildMethods, FeedbackAlignment, feedbackLayers, routeThroughFeedback, MemberRandom, MethodConfigError, type MethodsConfig, Reinforce, sampleLabels, validateMethods } from '../../src/cl/methods/index.js';
import { kaimingUniformBound } from '../../src/nn/init.js';
import { Linear } from '../../src/nn/linear.js';
import type { MLP } from '../../src/nn/models/mlp.js';
import { Model, type ModelOutput } from '../../src/nn/models/model.js';
import { initializeMembers, memberGenerators, withDefaultDtype } from '../../src/nn/module.js';
import { Generator, grad, keep, noGrad, ops, scope, tensor, type Tensor } from '../../src/tensor/index.js';
import { learnerState, makeBatches, sgdLearner, snapshot, tinyMlp } from './helpers.js';

const R = 4;
const SEEDS = [0, 1, 2, 3];
const SALT = 17;

// ---------------------------------------------------------------- RL: REINFORCE with a baseline

test('sampleLabels: draws follow softmax(logits), never a masked class, and member r draws the same in any population', () => {
  scope(() => {
    const probabilities = [0.5, 0.3, 0.2, 0];
    const logits = tensor(probabilities.map(Math.log), { dtype: 'float32' }).reshape(1, 1, 4).expand(2, 20000, 4).contiguous();
    const labels = sampleLabels(logits, new MemberRandom([5, 6], SALT));
    for (let member = 0; member < 2; member += 1) {
      const drawn = labels.select(0, member);
      probabilities.forEach((p, label) => {
        const frequency = drawn.eq(label).float().mean().item();
        // 20000 draws: sd ≤ 0.0036.
        assert.ok(Math.abs(frequency - p) < 0.015, `member ${member}, label ${label}: frequency ${frequency}, p ${p}`);
      });
      assert.equal(drawn.eq(3).sum().item(), 0, 'a class with logit −∞ was drawn');
    }
    const alone = sampleLabels(logits.narrow(0, 1, 1), new MemberRandom([6], SALT));
    assert.deepEqual(alone.select(0, 0).toArray(), labels.select(0, 1).toArray());
  });
});

test('reinforce: the signal\'s gradient is −(1/B)(r − b̄)(onehot(a) − p), with b̄ the bias-corrected running mean reward', () => {
  scope(() => {
    const [members, batch, classes] = [2, 5, 3];
    const decay = 0.9;
    const method = new Reinforce(new MemberRandom([3, 4], SALT), { baselineDecay: decay });
    const twin = new MemberRandom([3, 4], SALT);
    const generator = new Generator(1);
    const targets = ops.randint(0, classes, [batch, members], generator);
    const state = learnerState(tinyMlp(members));
    let average: number[] = [0, 0];
    for (let step = 1; step <= 3; step += 1) {
      const logits = ops.randn([members, batch, classes], generator).to('float64');
      logits.requiresGrad = true;
      const labels = sampleLabels(logits, twin).tolist() as number[][];
      const expectedBaseline = step === 1 ? [0, 0] : average.map((value) => value / (1 - decay ** (step - 1)));
      assert.deepEqual(method.baseline(members).toArray().map((value) => +value.toFixed(12)), expectedBaseline.map((value) => +value.toFixed(12)));
      method.learningSignal(state, { logits, hidden: [] }, { inputs: ops.zeros([batch, members, 1]), targets }).backward();
      const p = ops.softmax(logits.detach(), 2).tolist() as number[][][];
      const target = targets.transpose(0, 1).tolist() as number[][];
      const gradient = logits.grad!.tolist() as number[][][];
      for (let r = 0; r < members; r += 1) {
        const rewards = labels[r].map((label, b): number => (label === target[r][b] ? 1 : 0));
        for (let b = 0; b < batch; b += 1) {
          for (let c = 0; c < classes; c += 1) {
            const expected = -((rewards[b] - expectedBaseline[r]) * ((c === labels[r][b] ? 1 : 0) - p[r][b][c])) / batch;
            assert.ok(Math.abs(gradient[r][b][c] - expected) < 1e-12, `step ${step}, member ${r}, example ${b}, class ${c}: ${gradient[r][b][c]} vs ${expected}`);
          }
        }
        const meanReward = rewards.reduce((a, b) => a + b, 0) / batch;
        average[r] = decay * average[r] + (1 - decay) * meanReward;
      }
      average = [...average];
    }
  });
});

/** Accuracy of each member on `batches`, in eval mode. */
function accuracy(model: MLP, batches: { inputs: Tensor; targets: Tensor }[]): number[] {
  return noGrad(() =>
    scope(() => {
      model.eval();
      const correct = new Float64Array(model.members);
      let seen = 0;
      for (const { inputs, targets } of batches) {
        const hits = model.run(inputs).logits.argmax(2).eq(targets.transpose(0, 1)).sum(1).toArray();
        hits.forEach((value, member) => (correct[member] += value));
        seen += inputs.shape[0];
      }
      model.train();
      return Array.from(correct, (value) => value / seen);
    }),
  );
}

/** The most frequent class's share of the labels, per member (what a constant guess scores). */
function majorityShare(batches: { targets: Tensor }[]): number[] {
  return scope(() => {
    const targets = ops.cat(batches.map((batch) => batch.targets), 0);
    return Array.from({ length: targets.shape[1] }, (_, member) => Math.max(...[0, 1, 2].map((label) => targets.select(1, member).eq(label).float().mean().item())));
  });
}

const data = makeBatches(R, 320, 32, 7);
const train = data.slice(0, 300);
const heldOut = data.slice(300);

function trainRun(method: () => Method, steps: number, lr: number, resumeAt?: number): { model: MLP; learner: Learner } {
  let model = tinyMlp(R, { hidden: [16, 16] });
  let learner = sgdLearner(model, [method()], lr);
  learner.beginTask(0);
  for (let step = 0; step < steps; step += 1) {
    if (step === resumeAt) {
      // A checkpoint (as the experiment writes it: methods under '{name}.{key}') loaded into fresh objects.
      const methods = new Map<string, Tensor>();
      for (const own of learner.methods) for (const [key, value] of own.stateDict?.() ?? []) methods.set(`${own.name}.${key}`, keep(value.clone()));
      const modelState = new Map([...model.stateDict()].map(([key, value]) => [key, keep(value.detach().clone())]));
      const optimizerState = learner.optimizer.stateDict();
      model = tinyMlp(R, { hidden: [16, 16], seed: 99 });
      model.loadStateDict(modelState);
      learner = sgdLearner(model, [method()], lr);
      learner.optimizer.loadStateDict(optimizerState);
      for (const own of learner.methods) own.loadStateDict?.(methods);
      learner.step = step;
      learner.beginTask(0);
    }
    scope(() => learner.trainStep(train[step % train.length]));
  }
  return { model, learner };
}

const reinforce = (salt = SALT) => () => new Reinforce(new MemberRandom(SEEDS, salt));

test('reinforce: four members learn a separable 3-class task from reward alone in 300 steps', () => {
  const { model } = trainRun(reinforce(), 300, 0.3);
  const scores = accuracy(model, heldOut);
  const majority = majorityShare(heldOut);
  scores.forEach((score, member) => assert.ok(score > 0.85 && score > majority[member] + 0.3, `member ${member}: accuracy ${score}, majority class ${majority[member]}`));
});

test('reinforce: the same seeds give the same run; other streams give another', () => {
  const a = snapshot(trainRun(reinforce(), 20, 0.3).model);
  const b = snapshot(trainRun(reinforce(), 20, 0.3).model);
  const c = snapshot(trainRun(reinforce(SALT + 1), 20, 0.3).model);
  a.forEach((value, index) => assert.ok(ops.equal(value, b[index]), `parameter ${index} differs between identical runs`));
  assert.ok(a.some((value, index) => !ops.equal(value, c[index])), 'other sampling streams left the run unchanged');
});

test('reinforce: a run resumed from its stateDict continues bit for bit', () => {
  const whole = snapshot(trainRun(reinforce(), 30, 0.3).model);
  const resumed = snapshot(trainRun(reinforce(), 30, 0.3, 17).model);
  whole.forEach((value, index) => assert.ok(ops.equal(value, resumed[index]), `parameter ${index} differs after resuming`));
});

// ---------------------------------------------------------------- Bio: feedback alignment

/** A float64 Linear layer, 4 → 3, its members initialised from seeds 0, 1, …. */
function float64Linear(members: number): Linear {
  const linear = withDefaultDtype('float64', () => new Linear(4, 3, { members }));
  initializeMembers(linear, memberGenerators(Array.from({ length: members }, (_, member) => member)));
  return linear;
}

// A single network and a population: both route through B.
for (const members of [1, 3]) {
  test(`feedback alignment: a Linear layer of ${members} member(s) keeps its output and local weight gradient, and sends δ·B (not δ·W) to its input`, () => {
    scope(() => {
      const linear = float64Linear(members);
      const generator = new Generator(5);
      const feedback = ops.randn([members, 3, 4], generator).to('float64');
      const x = ops.randn([members, 6, 4], generator).to('float64');
      const delta = ops.randn([members, 6, 3], generator).to('float64');
      const plain = x.clone();
      plain.requiresGrad = true;
      const plainOutput = linear.forward(plain);
      plainOutput.mul(delta).sum().backward();
      const [plainWeight, plainBias] = [linear.weight.grad!.clone(), linear.bias!.grad!.clone()];
      linear.zeroGrad();

      routeThroughFeedback(linear, feedback);
      const routed = x.clone();
      routed.requiresGrad = true;
      const output = linear.forward(routed);
      assert.ok(ops.equal(output.detach(), plainOutput.detach()), 'the output changed');
      output.mul(delta).sum().backward();
      const local = ops.bmm(delta.transpose(1, 2), x);
      assert.ok(linear.weight.grad!.sub(local).abs().max().item() < 1e-12, 'weight gradient is not δᵀx');
      assert.ok(ops.equal(linear.weight.grad!, plainWeight) && ops.equal(linear.bias!.grad!, plainBias), 'weight or bias gradient differs from plain backprop');
      const throughB = ops.bmm(delta, feedback);
      const throughW = ops.bmm(delta, linear.weight.detach());
      assert.ok(routed.grad!.sub(throughB).abs().max().item() < 1e-12, 'input gradient is not δ·B');
      assert.ok(plain.grad!.sub(throughW).abs().max().item() < 1e-12, 'plain input gradient is not δ·W');
      assert.ok(routed.grad!.sub(throughW).abs().max().item() > 0.1, 'input gradient still follows W');

      // In eval mode (measurements) the layer is plain backprop again.
      linear.eval();
      const measured = x.clone();
      measured.requiresGrad = true;
      linear.forward(measured).mul(delta).sum().backward();
      assert.ok(measured.grad!.sub(throughW).abs().max().item() < 1e-12, 'eval mode still routes through B');
      // Unwrapped (the method disposed), the layer trains by plain backprop again.
      linear.train();
      routeThroughFeedback(linear, null);
      const unwrapped = x.clone();
      unwrapped.requiresGrad = true;
      linear.forward(unwrapped).mul(delta).sum().backward();
      assert.ok(unwrapped.grad!.sub(throughW).abs().max().item() < 1e-12, 'the unwrapped layer still routes through B');
      assert.throws(() => routeThroughFeedback(linear, ops.zeros([members, 4, 3], 'float64')), /feedback matrix has shape \[\d, 4, 3\], expected the weight's \[\d, 3, 4\]/);
    });
  });
}

test('feedback alignment: B on every layer above the input, with the layer\'s initial scale, drawn once from each member\'s own stream', () => {
  scope(() => {
    const model = tinyMlp(3, { hidden: [40, 30] });
    const method = new FeedbackAlignment(new MemberRandom([7, 8, 9], SALT));
    method.beforeTask(learnerState(model));
    const layers = feedbackLayers(model);
    assert.deepEqual(layers.map(([path]) => path), ['layer2.linear', 'head']);
    for (const [path, linear] of layers) {
      const matrix = method.feedback(path)!;
      assert.deepEqual(matrix.shape, linear.weight.shape);
      const bound = kaimingUniformBound(linear.inFeatures);
      assert.ok(matrix.abs().max().item() <= bound, `${path}: |B| beyond U(±${bound})`);
      // U(±a) has sd a/√3; 90 or 1200 draws per member.
      const sd = matrix.reshape(3, -1).std(1, 1).toArray();
      sd.forEach((value) => assert.ok(Math.abs(value / (bound / Math.sqrt(3)) - 1) < 0.25, `${path}: sd ${value} for bound ${bound}`));
    }
    const head = method.feedback('head')!.clone();
    method.beforeTask(learnerState(model));
    assert.ok(ops.equal(method.feedback('head')!, head), 'B was drawn again at the next task');
    const single = new FeedbackAlignment(new MemberRandom([8], SALT));
    single.beforeTask(learnerState(tinyMlp(1, { hidden: [40, 30] })));
    assert.ok(ops.equal(single.feedback('head')!.select(0, 0), head.select(0, 1)), 'member 1\'s B depends on the population');
  });
});

test('feedback alignment: the MLP\'s forward output equals the plain forward exactly; only the hidden error changes', () => {
  scope(() => {
    const model = tinyMlp(R, { hidden: [16, 16] });
    const { inputs, targets } = train[0];
    const hiddenError = () => {
      const output = model.run(inputs);
      const loss = ops.crossEntropy(output.logits.reshape(-1, 3), targets.transpose(0, 1).reshape(-1));
      const [error, headGradient] = grad(loss, [output.hidden[0][1], model.head.weight]) as Tensor[];
      return { logits: output.logits.detach(), error, headGradient };
    };
    const plain = hiddenError();
    new FeedbackAlignment(new MemberRandom(SEEDS, SALT)).beforeTask(learnerState(model));
    const aligned = hiddenError();
    assert.ok(ops.equal(aligned.logits, plain.logits), 'feedback matrices changed the logits');
    assert.ok(ops.equal(aligned.headGradient, plain.headGradient), 'the head\'s own gradient changed');
    assert.ok(aligned.error.sub(plain.error).abs().max().item() > 1e-4, 'the hidden error did not change');
  });
});

const alignment = (salt = SALT) => () => new FeedbackAlignment(new MemberRandom(SEEDS, salt));

test('feedback alignment: four members learn a separable 3-class task in 300 steps, and their hidden errors align with backprop\'s', () => {
  const { model } = trainRun(alignment(), 300, 0.3);
  const scores = accuracy(model, heldOut);
  const majority = majorityShare(heldOut);
  scores.forEach((score, member) => assert.ok(score > 0.85 && score > majority[member] + 0.3, `member ${member}: accuracy ${score}, majority class ${majority[member]}`));
  // Lillicrap et al.'s finding: W comes to align with Bᵀ, so the error B carries points the way
  // backprop's does: cosine about 0.7 after training here, between −0.2 and 0.1 at initialisation.
  scope(() => {
    const errorAt = (training: boolean) => {
      model.train(training);
      const output = model.run(heldOut[0].inputs);
      const loss = ops.crossEntropy(output.logits.reshape(-1, 3), heldOut[0].targets.transpose(0, 1).reshape(-1));
      return grad(loss, [output.hidden[1][1]])[0]!.reshape(R, -1);
    };
    const aligned = errorAt(true);
    const backprop = errorAt(false);
    model.train();
    const cosine = aligned.mul(backprop).sum(1).div(aligned.norm(2, 1).mul(backprop.norm(2, 1))).toArray();
    cosine.forEach((value, member) => assert.ok(value > 0.4, `member ${member}: cosine ${value} between the feedback and backprop errors`));
  });
});

test('feedback alignment: the same seeds give the same run, and a run resumed from its stateDict continues bit for bit', () => {
  const whole = snapshot(trainRun(alignment(), 30, 0.3).model);
  const again = snapshot(trainRun(alignment(), 30, 0.3).model);
  // The resumed method has other streams: it must take B from the checkpoint, not draw it.
  const resumed = snapshot(trainRun(alignment(), 30, 0.3, 17).model);
  let made = 0;
  const resumedOther = snapshot(trainRun(() => (made++ === 0 ? alignment()() : alignment(SALT + 1)()), 30, 0.3, 17).model);
  whole.forEach((value, index) => {
    assert.ok(ops.equal(value, again[index]), `parameter ${index} differs between identical runs`);
    assert.ok(ops.equal(value, resumed[index]), `parameter ${index} differs after resuming`);
    assert.ok(ops.equal(value, resumedOther[index]), `parameter ${index}: the resumed run drew its own B`);
  });
  const other = snapshot(trainRun(alignment(SALT + 1), 30, 0.3).model);
  assert.ok(whole.some((value, index) => !ops.equal(value, other[index])), 'other feedback matrices left the run unchanged');
});

// ---------------------------------------------------------------- configuration

/** A model that is not an MLP: its logits are a learned bias. */
class Bias extends Model {
  readonly inputShape = [2];
  readonly numClasses = 2;
  private readonly bias = this.registerParameter('bias', ops.zeros([1, 2]));

  constructor() {
    super(1);
  }

  run(input: Tensor): ModelOutput {
    return { logits: this.bias.unsqueeze(1).expand(1, input.shape[0], 2), hidden: [] };
  }
}

function config(rule: MethodsConfig['method']['rule'], model = 'mlp', extra: Partial<MethodsConfig['method']> = {}): MethodsConfig {
  return { seed: 0, method: { rule, ...extra }, optimizer: { name: 'sgd', lr: 0.1, momentum: 0, weight_decay: 0 }, model: { name: model, hidden: [8] }, training: { members: 2 } };
}

test('method.rule builds its method first; Bio refuses models other than the MLP and RL refuses NTE', () => {
  assert.deepEqual(buildMethods(config('RL', 'mlp', { l2: 0.01 })).map((method) => method.name), ['reinforce', 'l2']);
  assert.deepEqual(buildMethods(config('Bio')).map((method) => method.name), ['feedback_alignment']);
  assert.deepEqual(buildMethods(config('SL')), []);
  for (const model of ['cnn', 'resnet', 'vit']) {
    assert.throws(
      () => validateMethods(config('Bio', model)),
      (error: unknown) => error instanceof MethodConfigError && /method\.rule=Bio/.test(error.message) && error.message.includes(`model=${model}`) && error.keys.includes('method.rule'),
    );
  }
  const nte = { inv_temperature: 1, z: null, max_delta: 1, gradients: 'current', expansion: 'origin', zero_noise: 1e-6, prune_only: false, prune_rate: null } as const;
  assert.throws(() => validateMethods(config('RL', 'mlp', { nte })), /method\.rule=RL .* method\.nte/);
  validateMethods(config('Bio', 'mlp', { nte }));
  // The method itself names a model it cannot serve.
  assert.throws(() => new FeedbackAlignment(new MemberRandom([0], SALT)).beforeTask(learnerState(new Bias())), /method\.rule=Bio.*Bias is not one/);
});
