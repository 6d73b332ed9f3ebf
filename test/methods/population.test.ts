// Every method, and each learning rule, runs on a population of R = 8 members in one pass: a tiny
// MLP trains a few steps over two tasks with losses that stay finite, and each method leaves its mark
// on the parameters. The members are independent runs: member r ends where a population led by that
// member alone ends, given its seed and its slice of the data. A checkpoint taken mid-run and loaded
// into fresh objects continues exactly as the original run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMethods, type MethodSection, type MethodsConfig } from '../../src/cl/methods/index.js';
import type { Learner } from '../../src/cl/learner.js';
import type { Batch } from '../../src/cl/method.js';
import { keep, ops, scope, type Tensor } from '../../src/tensor/index.js';
import { adamLearner, boundaryOf, makeBatches, maxDifference, sgdLearner, snapshot, tinyMlp } from './helpers.js';

const R = 8;

const SEED = 3;

function methodsConfig(method: Partial<MethodSection>, optimizer = 'sgd', members = R, seed = SEED): MethodsConfig {
  return { seed, method: { rule: 'SL', ...method }, optimizer: { name: optimizer, lr: 0.05, momentum: 0, weight_decay: 0 }, model: { name: 'mlp', hidden: [5, 4] }, training: { members } };
}

const cases: [string, Partial<MethodSection>, 'sgd' | 'adam'][] = [
  ['l2', { l2: 0.01 }, 'sgd'],
  ['l1', { l1: 0.1 }, 'sgd'],
  ['ogd average_gradient (SGD)', { ogd: { variant: 'average_gradient', memory: 4, eps: 1e-8 } }, 'sgd'],
  ['ogd average_gradient (Adam)', { ogd: { variant: 'average_gradient', memory: 4, eps: 1e-8 } }, 'adam'],
  ['ogd gtl', { ogd: { variant: 'gtl', memory: 6, eps: 1e-8 } }, 'sgd'],
  ['nte', { nte: { inv_temperature: 0.05, z: null, max_delta: 10, gradients: 'current', expansion: 'origin', zero_noise: 1e-3, prune_only: false, prune_rate: null } }, 'sgd'],
  ['nte around init', { nte: { inv_temperature: 0.05, z: 1, max_delta: 10, gradients: 'init', expansion: 'init', zero_noise: 1e-3, prune_only: false, prune_rate: null } }, 'sgd'],
  ['nte pruning', { nte: { inv_temperature: 0.05, z: null, max_delta: 10, gradients: 'current', expansion: 'origin', zero_noise: 1e-3, prune_only: true, prune_rate: 0.05 } }, 'sgd'],
  ['replay reservoir', { replay: { buffer_size: 10, policy: 'reservoir', batch_ratio: 0.5 } }, 'sgd'],
  ['replay class_balanced', { replay: { buffer_size: 10, policy: 'class_balanced', batch_ratio: 0.5 } }, 'sgd'],
  ['shrink_perturb ash_adams per task', { shrink_perturb: { shrink: 0.5, noise: 0.01, every: 'task', form: 'ash_adams' } }, 'sgd'],
  ['shrink_perturb dohare per step', { shrink_perturb: { shrink: 0.99, noise: 0.001, every: 'step', form: 'dohare' } }, 'sgd'],
  ['continual_backprop (Adam)', { continual_backprop: { replacement_rate: 0.2, decay_rate: 0.9, maturity_threshold: 1 } }, 'adam'],
  ['ewc separate', { ewc: { lambda: 10, mode: 'separate', gamma: 1, fisher_samples: 8 } }, 'sgd'],
  ['ewc online', { ewc: { lambda: 10, mode: 'online', gamma: 0.9, fisher_samples: null } }, 'sgd'],
  ['rule=RL', { rule: 'RL' }, 'sgd'],
  ['rule=Bio', { rule: 'Bio' }, 'sgd'],
  ['rule=RL with replay and L2', { rule: 'RL', replay: { buffer_size: 10, policy: 'reservoir', batch_ratio: 0.5 }, l2: 0.01 }, 'sgd'],
  ['rule=Bio with continual_backprop', { rule: 'Bio', continual_backprop: { replacement_rate: 0.2, decay_rate: 0.9, maturity_threshold: 1 } }, 'sgd'],
];

const tasks = [makeBatches(R, 3, 6, 11, [0, 1, 2]), makeBatches(R, 3, 6, 12, [2, 1, 0])];

/**
 * Member r's slice of every batch, twice: what a two-member population whose member 0 is member r
 * alone sees. Two members, not one, because a single member runs PyTorch's addmm, which rounds
 * differently from the population's bmm (see Linear), and RL's sampled labels turn rounding into
 * different runs.
 */
function memberTasks(member: number): Batch[][] {
  const twice = (value: Tensor): Tensor => { const slice = value.narrow(1, member, 1); return ops.cat([slice, slice], 1); };
  return tasks.map((batches) => batches.map((batch) => keep({ inputs: twice(batch.inputs), targets: twice(batch.targets) })));
}

/** Two tasks of three steps; a checkpoint is taken after the first task. */
function run(learner: Learner, from = 0, data = tasks): number[] {
  const losses: number[] = [];
  for (let task = from; task < data.length; task += 1) {
    learner.beginTask(task);
    for (const batch of data[task]) scope(() => losses.push(...learner.trainStep(batch).loss));
    learner.endTask(boundaryOf(task, data[task]));
    if (task === 0 && from === 0) checkpoints.set(learner, checkpoint(learner));
  }
  return losses;
}

interface Saved {
  model: Map<string, Tensor>;
  optimizer: Map<string, Tensor>;
  methods: Map<string, Tensor>;
}

const checkpoints = new Map<Learner, Saved>();

function copies(map: Map<string, Tensor>): Map<string, Tensor> {
  return new Map([...map].map(([key, value]) => [key, keep(value.clone())]));
}

function checkpoint(learner: Learner): Saved {
  const methods = new Map<string, Tensor>();
  for (const method of learner.methods) for (const [key, value] of method.stateDict?.() ?? []) methods.set(`${method.name}.${key}`, keep(value.clone()));
  return { model: copies(learner.model.stateDict()), optimizer: copies(learner.optimizer.stateDict()), methods };
}

for (const [name, method, optimizer] of cases) {
  test(`${name}: runs with R = ${R} members, changes the population, trains each member as alone, and resumes from a checkpoint exactly`, () => {
    const config = methodsConfig(method, optimizer);
    // Member r of a population seeded s is initialised and draws its method streams from s + r.
    const make = (members = R, seed = 0): Learner => {
      const model = tinyMlp(members, { seed });
      const methods = buildMethods(members === R ? config : methodsConfig(method, optimizer, members, SEED + seed));
      return optimizer === 'adam' ? adamLearner(model, methods, 0.05) : sgdLearner(model, methods, 0.05);
    };
    const learner = make();
    const before = snapshot(learner.model as never);
    const losses = run(learner);
    assert.equal(losses.length, R * 6);
    assert.ok(losses.every(Number.isFinite), `losses: ${losses}`);
    assert.ok(maxDifference(snapshot(learner.model as never), before) > 1e-4, 'parameters changed');
    const after = snapshot(learner.model as never);
    for (const member of [0, 5]) {
      const alone = make(2, member);
      run(alone, 0, memberTasks(member));
      const own = after.map((value) => value.narrow(0, member, 1));
      const error = maxDifference(snapshot(alone.model as never).map((value) => value.narrow(0, 0, 1)), own);
      assert.ok(error < 1e-5, `member ${member} differs from its run alone by ${error}`);
      const other = after.map((value) => value.narrow(0, member + 1, 1));
      assert.ok(maxDifference(own, other) > 1e-3, `members ${member} and ${member + 1} ended alike`);
    }
    // Resume: fresh model, optimizer and methods, loaded from the checkpoint after task 0.
    const saved = checkpoints.get(learner)!;
    const resumed = make();
    resumed.model.loadStateDict(saved.model);
    resumed.optimizer.loadStateDict(saved.optimizer);
    for (const m of resumed.methods) m.loadStateDict?.(saved.methods);
    resumed.step = 3;
    const resumedLosses = run(resumed, 1);
    assert.deepEqual(resumedLosses, losses.slice(R * 3), 'losses after resuming');
    assert.equal(maxDifference(snapshot(resumed.model as never), snapshot(learner.model as never)), 0, 'parameters after resuming');
  });
}
