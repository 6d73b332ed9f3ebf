// Optimizers on populations: R members with their own learning rates train exactly like R separate
// networks with scalar learning rates, and members left out by the active mask keep their
// parameters and state (including per-member step counts) bit for bit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropy } from '../../src/nn/loss.js';
import type { MLP } from '../../src/nn/models/mlp.js';
import { Adam, AdamW, type LearningRate, type Optimizer, RMSprop, SGD } from '../../src/optim/index.js';
import { Generator, scope, type Tensor, tensor } from '../../src/tensor/index.js';
import { buildMlp, loadFixture, type ReferenceFixture, sha256, trainingBatches } from '../nn/engine-fixtures.js';

const SEEDS = [3, 5, 8];
const R = SEEDS.length;
const fixture = loadFixture<ReferenceFixture>('mlp.json');
const batches = trainingBatches(fixture, 5);

type MakeOptimizer = (model: MLP, lr: LearningRate) => Optimizer;
const optimizers: Record<string, [MakeOptimizer, number[]]> = {
  'SGD with Nesterov momentum and weight decay': [(m, lr) => new SGD(m.parameters(), { lr, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }), [0.05, 0.01, 0.002]],
  'Adam with weight decay': [(m, lr) => new Adam(m.parameters(), { lr, weightDecay: 1e-3 }), [1e-3, 3e-3, 1e-2]],
  'AdamW with AMSGrad': [(m, lr) => new AdamW(m.parameters(), { lr, amsgrad: true }), [1e-3, 3e-3, 1e-2]],
  'centered RMSprop with momentum': [(m, lr) => new RMSprop(m.parameters(), { lr, centered: true, momentum: 0.5 }), [1e-4, 1e-3, 3e-3]],
  'SGD with a per-member group and a shared group': [
    (m, lr) => new SGD([{ params: m.linears().slice(0, 2).flatMap((layer) => layer.parameters()), lr }, { params: m.head.parameters(), lr: 0.02 }], { momentum: 0.9 }),
    [0.1, 0.03, 0.01],
  ],
};

/** Trains `model` on the given batch indices; `poison` turns a member's gradients into NaN first. */
function train(model: MLP, optimizer: Optimizer, steps: number[], onStep?: (step: number) => { active?: boolean[]; poison?: number }): void {
  for (const step of steps) {
    scope(() => {
      const [inputs, targets] = batches[step];
      optimizer.zeroGrad();
      crossEntropy(model.forward(inputs), targets).total.backward();
      const { active, poison } = onStep?.(step) ?? {};
      if (poison !== undefined) for (const parameter of model.parameters()) parameter.grad!.select(0, poison).fill_(Number.NaN);
      optimizer.step(active ? { active } : {});
    });
  }
}

function memberBytes(model: MLP, member: number): string[] {
  return model.parameters().map((parameter) => sha256(parameter.select(0, member).contiguous().data() as Float32Array));
}

const all = [0, 1, 2, 3, 4];
const population = () => buildMlp(R, SEEDS.map((seed) => new Generator(seed)));
/**
 * "Its own network" is member 0 of a two-member population of that network: a single member runs
 * PyTorch's addmm, which rounds differently from the population's bmm (see Linear), and these tests
 * are about the optimizers' per-member bookkeeping, which must hold bit for bit.
 */
const single = (member: number) => buildMlp(2, [new Generator(SEEDS[member]), new Generator(SEEDS[member])]);

for (const [name, [make, lrs]] of Object.entries(optimizers)) {
  test(`${name}: per-member learning rates train each member exactly like its own network`, () => {
    const model = population();
    train(model, make(model, lrs), all);
    lrs.forEach((lr, member) => {
      const alone = single(member);
      train(alone, make(alone, lr), all);
      assert.deepEqual(memberBytes(model, member), memberBytes(alone, 0), `member ${member} (lr ${lr})`);
    });
  });
}

for (const [name, make] of [
  ['SGD with momentum', (m: MLP) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 })],
  ['Adam', (m: MLP) => new Adam(m.parameters(), { lr: 1e-3 })],
] as const) {
  test(`${name}: an inactive member keeps parameters and state, and resumes where it stopped`, () => {
    const model = population();
    const optimizer = make(model);
    const before: string[][] = [];
    train(model, optimizer, all, (step) => {
      if (step === 1) before.push(memberBytes(model, 1));
      // Member 1's loss "became NaN" at steps 1 and 2: its gradients are poisoned and it is masked.
      return step === 1 || step === 2 ? { active: [true, false, true], poison: 1 } : {};
    });
    const pausedMember = single(1);
    train(pausedMember, make(pausedMember), [0, 3, 4]);
    assert.deepEqual(memberBytes(model, 1), memberBytes(pausedMember, 0), 'member 1 equals a network that skipped steps 1 and 2');
    for (const member of [0, 2]) {
      const alone = single(member);
      train(alone, make(alone), all);
      assert.deepEqual(memberBytes(model, member), memberBytes(alone, 0), `member ${member} is unaffected by the mask`);
    }
    if (optimizer instanceof Adam) {
      const steps = scope(() => optimizer.stateDict().get('state.0.step')!.toArray());
      assert.deepEqual(steps, [5, 3, 5], 'per-member step counts');
    }
  });
}

test('setActiveMembers (a [R] tensor mask): a member stopped before the first step starts with zero state when resumed', () => {
  const model = population();
  const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const initial = memberBytes(model, 0);
  optimizer.setActiveMembers(tensor([0, 1, 1]));
  train(model, optimizer, [0, 1]);
  assert.deepEqual(memberBytes(model, 0), initial, 'stopped member did not move');
  const buffer = scope(() => optimizer.stateDict().get('state.0.momentum_buffer')!.select(0, 0).abs().sum().item());
  assert.equal(buffer, 0, 'its momentum buffer is zero');
  optimizer.setActiveMembers(null);
  train(model, optimizer, [2, 3, 4]);
  const alone = single(0);
  train(alone, new SGD(alone.parameters(), { lr: 0.05, momentum: 0.9 }), [2, 3, 4]);
  assert.deepEqual(memberBytes(model, 0), memberBytes(alone, 0));
});

test('bad per-member input names what is wrong', () => {
  const model = population();
  const optimizer = new SGD(model.parameters(), { lr: [0.1, 0.2] });
  scope(() => crossEntropy(model.forward(batches[0][0]), batches[0][1]).total.backward());
  assert.throws(() => optimizer.step(), /lr has 2 per-member values but the parameter has 3 members/);
  const masked = new Adam(model.parameters());
  assert.throws(() => masked.step({ active: [true, false] }), /active mask has 2 entries but parameter \[3, 120, 784\] has 3 members/);
  const unused: Tensor[] = [];
  assert.throws(() => new SGD(unused, { lr: 0.1 }), /empty parameter list/);
});
