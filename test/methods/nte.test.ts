// The Neural Tangent Ensemble update: one step against a direct computation from per-example
// gradients taken one example at a time; over many steps with R = 8, weights never change sign and
// the L1 norm of Δ stays at z (or under max_delta's clip, no |Δ| exceeds it); zero entries are
// seeded with noise; stopped members are left alone; the loss goes down.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemberRandom, NeuralTangentEnsemble, type NteOptions } from '../../src/cl/methods/index.js';
import { seriesTerms } from '../../src/cl/methods/nte.js';
import { crossEntropy } from '../../src/nn/loss.js';
import { grad, noGrad, ops, scope, type Tensor } from '../../src/tensor/index.js';
import { makeBatches, sgdLearner, snapshot, tinyMlp } from './helpers.js';

const base: NteOptions = { invTemperature: 0.05, eta: 1, z: null, maxDelta: 100, gradients: 'current', expansion: 'origin', zeroNoise: 1e-3 };

function nte(members: number, options: Partial<NteOptions> = {}): NeuralTangentEnsemble {
  return new NeuralTangentEnsemble({ ...base, ...options }, new MemberRandom(Array.from({ length: members }, (_, m) => m), 77));
}

/** Per member, Σ|Δ| over every parameter, for Δ = w − w0. */
function l1(parameters: Tensor[], origin: Tensor[] | null): number[] {
  return scope(() => l1Norm(parameters.map((parameter, index) => (origin ? parameter.detach().sub(origin[index]) : parameter.detach()))).toArray());
}

/**
 * The update the rule prescribes from `before` (Δ around the origin), given each example's gradient:
 * log|Δ| + η Σ_b log(1 − β s g_b), renormalised to L1 norm `norm` per member, clipped at maxDelta.
 */
function expectedUpdate(before: Tensor[], gradients: Tensor[][], norm: Tensor, { invTemperature, eta, maxDelta }: NteOptions): Tensor[] {
  const members = before[0].shape[0];
  const updated = before.map((value, index) => {
    const logLikelihood = gradients.map((example) => ops.log1p(example[index].mul(value.sign()).mul(-invTemperature))).reduce((a, b) => a.add(b));
    return value.abs().log().add(logLikelihood.mul(eta));
  });
  const logNorm = ops.logsumexp(ops.stack(updated.map((value) => ops.logsumexp(value.reshape(members, -1), 1)), 1), 1);
  return updated.map((value, index) => {
    const shift = norm.log().sub(logNorm).reshape(members, ...new Array(value.ndim - 1).fill(1));
    return ops.clamp(value.add(shift), null, Math.log(maxDelta)).exp().mul(before[index].sign());
  });
}

/** Per member, Σ|w| over every parameter: [R]. */
function l1Norm(values: Tensor[]): Tensor {
  const members = values[0].shape[0];
  return ops.stack(values.map((value) => value.abs().reshape(members, -1).sum(1)), 1).sum(1);
}

// At β = 0.1 every |β·g| is under the series limit and the Linear layers' sums are power series of
// matrix products; at β = 0.6 some exceed it and those parameters take log1p of each example.
for (const invTemperature of [0.1, 0.6]) {
  test(`NTE: one update equals the multiplicative rule computed from per-example gradients one example at a time (β = ${invTemperature})`, () => {
    const members = 2;
    const options = { ...base, invTemperature, eta: 0.7, maxDelta: 0.3 };
    const model = tinyMlp(members, { seed: 4 });
    const learner = sgdLearner(model, [nte(members, options)]);
    const [batch] = makeBatches(members, 1, 5, 8);
    const before = snapshot(model);
    assert.ok(before.every((value) => scope(() => value.eq(0).sum().item()) === 0), 'no exact zeros to seed');
    const expected = scope(() => {
      const parameters = model.parameters();
      const gradients = Array.from({ length: 5 }, (_, example) => {
        const loss = crossEntropy(model.run(batch.inputs.narrow(0, example, 1)).logits, batch.targets.narrow(0, example, 1).transpose(0, 1)).total;
        return grad(loss, parameters).map((gradient) => gradient!);
      });
      const largest = Math.max(...gradients.flatMap((row) => row.map((gradient) => gradient.abs().max().item())));
      assert.equal(seriesTerms(invTemperature * largest) === null, invTemperature > 0.5, `β·max|g| = ${invTemperature * largest}`);
      return expectedUpdate(before, gradients, l1Norm(before), options);
    });
    scope(() => learner.trainStep(batch));
    model.parameters().forEach((parameter, index) => {
      const error = scope(() => parameter.detach().sub(expected[index]).abs().max().item());
      assert.ok(error < 1e-6, `parameter ${index}: error ${error}`);
    });
  });
}

test("NTE with gradients at the initialisation: the current network's error, p − y, goes through the initial tangents", () => {
  const members = 2;
  const options = { ...base, invTemperature: 0.1, eta: 0.7, maxDelta: 0.3, gradients: 'init' as const };
  const model = tinyMlp(members, { seed: 5 });
  const learner = sgdLearner(model, [nte(members, options)]);
  const batches = makeBatches(members, 3, 5, 9);
  const initial = snapshot(model);
  scope(() => learner.trainStep(batches[0]));
  scope(() => learner.trainStep(batches[1]));
  const before = snapshot(model);
  const batch = batches[2];
  const expected = scope(() => {
    const parameters = model.parameters();
    // The current network's error per example, then the gradient of Σ_c error_c · f_c at w0.
    const errors = noGrad(() => {
      const logits = model.run(batch.inputs).logits;
      return ops.softmax(logits, -1).sub(ops.oneHot(batch.targets.transpose(0, 1), logits.shape[2]).float());
    });
    noGrad(() => parameters.forEach((parameter, index) => parameter.copy_(initial[index])));
    const gradients = Array.from({ length: 5 }, (_, example) => {
      const surrogate = model.run(batch.inputs.narrow(0, example, 1)).logits.mul(errors.narrow(1, example, 1)).sum();
      return grad(surrogate, parameters).map((gradient) => gradient!);
    });
    noGrad(() => parameters.forEach((parameter, index) => parameter.copy_(before[index])));
    return expectedUpdate(before, gradients, l1Norm(initial), options);
  });
  scope(() => learner.trainStep(batch));
  model.parameters().forEach((parameter, index) => {
    const error = scope(() => parameter.detach().sub(expected[index]).abs().max().item());
    assert.ok(error < 1e-6, `parameter ${index}: error ${error}`);
  });
  const moved = scope(() => Math.max(...before.map((value, index) => value.sub(initial[index]).abs().max().item())));
  assert.ok(moved > 1e-3, `the weights moved away from w0 before the checked step (${moved})`);
});

for (const expansion of ['origin', 'init'] as const) {
  test(`NTE around the ${expansion === 'origin' ? 'origin' : 'initialisation'}: with R = 8 over 20 steps, Δ never changes sign, ‖Δ‖₁ stays at z and the loss falls`, () => {
    const members = 8;
    const model = tinyMlp(members, { seed: 1 });
    const z = expansion === 'origin' ? null : 2;
    const method = nte(members, { expansion, z, zeroNoise: 1e-2, invTemperature: 0.2 });
    const learner = sgdLearner(model, [method]);
    const batches = makeBatches(members, 4, 16, 9);
    const losses: number[] = [];
    let initialSigns: Tensor[] = [];
    let zs: number[] = [];
    for (let step = 0; step < 20; step += 1) {
      const result = scope(() => learner.trainStep(batches[step % 4]));
      losses.push(result.loss.reduce((a, b) => a + b) / members);
      const tangents = method.tangents!;
      if (step === 0) {
        initialSigns = snapshot(model).map((value, index) => (tangents.origin ? value.sub(tangents.origin[index]) : value).sign());
        zs = z === null ? l1(tangents.initial, null) : new Array(members).fill(z);
      }
      const norms = l1(model.parameters(), tangents.origin);
      norms.forEach((norm, member) => assert.ok(Math.abs(norm - zs[member]) < 1e-5 * zs[member], `step ${step}, member ${member}: ‖Δ‖₁ = ${norm}, z = ${zs[member]}`));
      model.parameters().forEach((parameter, index) =>
        scope(() => {
          const delta = tangents.origin ? parameter.detach().sub(tangents.origin[index]) : parameter.detach();
          assert.equal(delta.sign().mul(initialSigns[index]).lt(0).sum().item(), 0, `step ${step}: a sign flipped in parameter ${index}`);
          assert.equal(delta.sign().ne(tangents.signs[index]).sum().item(), 0, `step ${step}: Δ's signs are the stored ones`);
        }),
      );
    }
    const early = (losses[0] + losses[1] + losses[2] + losses[3]) / 4;
    const late = (losses[16] + losses[17] + losses[18] + losses[19]) / 4;
    assert.ok(late < early, `loss ${early} -> ${late}`);
  });
}

test('NTE: max_delta clips every |Δ|; exactly zero weights are seeded with noise; stopped members are left alone', () => {
  const members = 3;
  const model = tinyMlp(members, { seed: 2 });
  noGrad(() => model.head.bias!.zero_());
  const method = nte(members, { maxDelta: 0.05, zeroNoise: 1e-3, invTemperature: 0.3 });
  const learner = sgdLearner(model, [method]);
  learner.active[2] = false;
  const batches = makeBatches(members, 2, 8, 10);
  scope(() => learner.trainStep(batches[0]));
  const seeded = scope(() => method.tangents!.signs[model.parameters().indexOf(model.head.bias!)].abs().min().item());
  assert.equal(seeded, 1, 'every zero bias got a sign');
  const before = snapshot(model);
  scope(() => learner.trainStep(batches[1]));
  model.parameters().forEach((parameter, index) =>
    scope(() => {
      assert.ok(parameter.detach().select(0, 0).abs().max().item() <= 0.05 * (1 + 1e-6), `parameter ${index} exceeds max_delta`);
      assert.equal(parameter.detach().select(0, 2).sub(before[index].select(0, 2)).abs().max().item(), 0, `stopped member changed in parameter ${index}`);
    }),
  );
  const moved = scope(() => Math.max(...model.parameters().map((parameter, index) => parameter.detach().select(0, 1).sub(before[index].select(0, 1)).abs().max().item())));
  assert.ok(moved > 0, 'member 1 changed');
});
