// The penalties, importances and projections of the methods against forgetting, against the papers'
// formulas computed by PyTorch (Debian's /usr/bin/python3) one member at a time on the same tiny
// MLP (6 → 5 → 4 → 3, ReLU): LwF's distillation term and its gradient, MAS's importance, SI's
// path-integral importance over two tasks (the second with SI's own penalty in the loss), and
// A-GEM's projected step.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import type { Batch } from '../../src/cl/method.js';
import { AveragedGem, LearningWithoutForgetting, MemberRandom, MemoryAwareSynapses, SynapticIntelligence } from '../../src/cl/methods/index.js';
import { keep, noGrad, ops, scope, tensor, type Tensor } from '../../src/tensor/index.js';
import { boundaryOf, makeBatches, sgdLearner, tinyMlp } from './helpers.js';

const python = '/usr/bin/python3';
const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const skip = hasTorch ? false : 'no /usr/bin/python3 with torch (python3-torch)';

/** The reference implementation: one small torch network per member, written from the papers. */
const reference = String.raw`
import json, sys, torch
torch.set_default_dtype(torch.float64)
job = json.load(sys.stdin)
T = lambda a: torch.tensor(a, dtype=torch.float64)

def net(params, x):
    w0, b0, w1, b1, w2, b2 = params
    h = torch.relu(x @ w0.T + b0)
    h = torch.relu(h @ w1.T + b1)
    return h @ w2.T + b2

def member(values, r):
    return [T(v)[r].clone().requires_grad_(True) for v in values]

out = {}
R = job["members"]
if "lwf" in job:
    j = job["lwf"]
    loss_total, grads = 0.0, []
    for r in range(R):
        s = member(j["student"], r); t = member(j["teacher"], r)
        x = T(j["inputs"])[:, r]
        past = torch.tensor(j["past"][r], dtype=torch.bool)
        with torch.no_grad():
            target = torch.softmax(net(t, x)[:, past] / j["T"], 1)
        logp = torch.log_softmax(net(s, x)[:, past] / j["T"], 1)
        loss = j["lambda"] * (-(target * logp).sum(1).mean())
        loss.backward()
        loss_total += loss.item()
        grads.append([p.grad.tolist() for p in s])
    out["lwf"] = {"loss": loss_total, "grads": grads}
if "mas" in job:
    j = job["mas"]
    importance = []
    for r in range(R):
        p = member(j["params"], r)
        x = T(j["inputs"])[:, r]
        sums = [torch.zeros_like(q) for q in p]
        for b in range(x.shape[0]):
            g = torch.autograd.grad(net(p, x[b:b+1]).square().sum(), p)
            for k in range(len(p)): sums[k] += g[k].abs()
        importance.append([(s / x.shape[0]).tolist() for s in sums])
    out["mas"] = importance
if "si" in job:
    j = job["si"]
    importance, final = [], []
    for r in range(R):
        p = member(j["params"], r)
        big = [torch.zeros_like(q) for q in p]; anchor = None
        for task in j["tasks"]:
            start = [q.detach().clone() for q in p]
            small = [torch.zeros_like(q) for q in p]
            for batch in task:
                x = T(batch["inputs"])[:, r]; y = torch.tensor(batch["targets"])[:, r]
                task_loss = torch.nn.functional.cross_entropy(net(p, x), y)
                g_task = torch.autograd.grad(task_loss, p, retain_graph=True)
                loss = task_loss
                if anchor is not None:
                    loss = loss + j["c"] * sum((o * (q - a).square()).sum() for o, q, a in zip(big, p, anchor))
                g = torch.autograd.grad(loss, p)
                with torch.no_grad():
                    for k, q in enumerate(p):
                        before = q.clone()
                        q -= j["lr"] * g[k]
                        small[k] -= g_task[k] * (q - before)
            with torch.no_grad():
                for k, q in enumerate(p):
                    big[k] += small[k] / ((q - start[k]).square() + j["xi"])
                anchor = [q.detach().clone() for q in p]
        importance.append([o.tolist() for o in big]); final.append([q.tolist() for q in p])
    out["si"] = {"importance": importance, "params": final}
if "agem" in job:
    j = job["agem"]
    final, dots = [], []
    for r in range(R):
        p = member(j["params"], r)
        x = T(j["inputs"])[:, r]; y = torch.tensor(j["targets"])[:, r]
        xm = T(j["memory_inputs"])[:, r]; ym = torch.tensor(j["memory_targets"])[:, r]
        g = torch.cat([q.flatten() for q in torch.autograd.grad(torch.nn.functional.cross_entropy(net(p, x), y), p)])
        gr = torch.cat([q.flatten() for q in torch.autograd.grad(torch.nn.functional.cross_entropy(net(p, xm), ym), p)])
        dot = (g @ gr).item(); dots.append(dot)
        if dot < 0: g = g - dot / (gr @ gr) * gr
        with torch.no_grad():
            flat = torch.cat([q.flatten() for q in p]) - j["lr"] * g
        final.append(flat.tolist())
    out["agem"] = {"params": final, "dots": dots}
print(json.dumps(out))
`;

function runReference(job: object): Record<string, any> {
  const result = spawnSync(python, ['-c', reference], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const members = 2;
const list = (values: readonly Tensor[]) => values.map((value) => value.to('float64').tolist());
const batchJson = (batch: Batch) => ({ inputs: batch.inputs.tolist(), targets: batch.targets.tolist() });

/** Largest difference between nested arrays of numbers, relative to the largest magnitude. */
function relativeError(actual: unknown, expected: unknown): number {
  const a = (actual as number[]).flat(Infinity as 1) as number[];
  const e = (expected as number[]).flat(Infinity as 1) as number[];
  assert.equal(a.length, e.length);
  const scale = Math.max(1e-12, ...e.map(Math.abs));
  return Math.max(...a.map((value, index) => Math.abs(value - e[index]))) / scale;
}

test('LwF: the distillation term and its gradient are the paper\'s modified cross-entropy over each member\'s past units', { skip }, () => {
  scope(() => {
    const model = tinyMlp(members);
    const lwf = new LearningWithoutForgetting({ lambda: 1.5, temperature: 2 });
    const learner = sgdLearner(model, [lwf], 0.1);
    // Member 0 has seen units 0 and 1, member 1 units 0 and 2.
    const seenBatch: Batch = { inputs: ops.randn([2, members, 6]), targets: tensor([0, 0, 1, 2], { dtype: 'int64', shape: [2, members] }) };
    lwf.lossTerm(learner, learner.forward(seenBatch.inputs), seenBatch);
    lwf.beforeTask(learner);
    const teacher = list(model.parameters());
    noGrad(() => model.parameters().forEach((parameter) => parameter.add_(ops.randn(parameter.shape).mul(0.3))));
    const batch: Batch = { inputs: ops.randn([7, members, 6]), targets: tensor([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], { dtype: 'int64', shape: [7, members] }).transpose(0, 1).contiguous().view(7, members) };
    lwf.prepareBatch(learner, batch);
    const term = lwf.lossTerm(learner, learner.forward(batch.inputs), batch)!;
    model.zeroGrad();
    term.backward();
    const expected = runReference({ members, lwf: { student: list(model.parameters()), teacher, inputs: batch.inputs.tolist(), past: [[true, true, false], [true, false, true]], T: 2, lambda: 1.5 } }).lwf;
    assert.ok(Math.abs(term.item() - expected.loss) < 1e-5 * Math.abs(expected.loss), `loss ${term.item()} against ${expected.loss}`);
    const gradients = model.parameters().map((parameter) => parameter.grad!);
    for (let member = 0; member < members; member += 1) {
      const mine = gradients.map((gradient) => gradient.select(0, member).to('float64').tolist());
      assert.ok(relativeError(mine, expected.grads[member]) < 1e-4, `member ${member} gradients`);
    }
    lwf.dispose();
  });
});

test('MAS: Ω is the mean over examples of |∂‖F(x)‖²/∂θ|, per member', { skip }, () => {
  scope(() => {
    const model = tinyMlp(members);
    const mas = new MemoryAwareSynapses({ lambda: 1, samples: null });
    const learner = sgdLearner(model, [mas], 0.1);
    const batches = makeBatches(members, 2, 5, 3);
    const importance = mas.importance(learner, boundaryOf(0, batches));
    const inputs = ops.cat(batches.map((batch) => batch.inputs), 0);
    const expected = runReference({ members, mas: { params: list(model.parameters()), inputs: inputs.tolist() } }).mas;
    for (let member = 0; member < members; member += 1) {
      assert.ok(relativeError(importance.map((value) => value.select(0, member).to('float64').tolist()), expected[member]) < 1e-4, `member ${member}`);
    }
    for (const value of importance) value.dispose();
  });
});

test('SI: Ω = Σ_tasks ω/(Δ² + ξ) with ω the path integral of the task loss\'s gradient, and the penalty c·Σ Ω(θ − θ*)² in the second task', { skip }, () => {
  scope(() => {
    const model = tinyMlp(members);
    const start = list(model.parameters());
    const si = new SynapticIntelligence({ c: 0.7, xi: 1e-2 });
    const learner = sgdLearner(model, [si], 0.2);
    const tasks = [makeBatches(members, 4, 6, 5), makeBatches(members, 4, 6, 6, [2, 0, 1])];
    tasks.forEach((batches, task) => {
      learner.beginTask(task);
      for (const batch of batches) learner.trainStep(batch);
      learner.endTask(boundaryOf(task, batches));
    });
    const state = si.stateDict();
    const importance = model.parameters().map((_, index) => state.get(`penalty.importance.${index}`)!);
    const expected = runReference({ members, si: { params: start, tasks: tasks.map((batches) => batches.map(batchJson)), lr: 0.2, c: 0.7, xi: 1e-2 } }).si;
    for (let member = 0; member < members; member += 1) {
      assert.ok(relativeError(model.parameters().map((value) => value.select(0, member).to('float64').tolist()), expected.params[member]) < 1e-4, `member ${member} parameters`);
      assert.ok(relativeError(importance.map((value) => value.select(0, member).to('float64').tolist()), expected.importance[member]) < 1e-3, `member ${member} importance`);
    }
    si.dispose();
  });
});

test('A-GEM: a step that would raise the memory\'s loss is projected onto the plane orthogonal to its gradient', { skip }, () => {
  scope(() => {
    const model = tinyMlp(members);
    const agem = new AveragedGem({ bufferSize: 1, sampleSize: 4 }, new MemberRandom([0, 1], 3));
    const learner = sgdLearner(model, [agem], 0.5);
    agem.afterTask(learner, boundaryOf(0, makeBatches(members, 1, 6, 7)));
    const memory = agem.buffer.contents!;
    const memoryInputs = keep(memory.images.narrow(0, 0, 1).expand(4, members, 6).contiguous());
    const memoryTargets = keep(memory.labels.narrow(0, 0, 1).expand(4, members).contiguous());
    const before = list(model.parameters());
    const [batch] = makeBatches(members, 1, 6, 8, [2, 0, 1]);
    learner.trainStep(batch);
    const expected = runReference({ members, agem: { params: before, inputs: batch.inputs.tolist(), targets: batch.targets.tolist(), memory_inputs: memoryInputs.tolist(), memory_targets: memoryTargets.tolist(), lr: 0.5 } }).agem;
    assert.ok(expected.dots.some((dot: number) => dot < 0), `at least one member's step conflicts with its memory (dots ${expected.dots})`);
    for (let member = 0; member < members; member += 1) {
      const flat = ops.cat(model.parameters().map((value) => value.select(0, member).reshape(-1)), 0).to('float64').tolist();
      assert.ok(relativeError(flat, expected.params[member]) < 1e-5, `member ${member}`);
    }
    agem.dispose();
  });
});
