// iCaRL's herding and nearest-mean-of-exemplars classifier against the paper's algorithms
// (Rebuffi et al. 2017, Algorithms 4 and 1) written directly in NumPy-style PyTorch, one member and
// one class at a time, by Debian's /usr/bin/python3 on a tiny feature set.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { herd, IncrementalClassifierRepresentation, MemberRandom } from '../../src/cl/methods/index.js';
import { Generator, ops, scope, type Tensor } from '../../src/tensor/index.js';
import { boundaryOf, makeBatches, sgdLearner, tinyMlp } from './helpers.js';

const python = '/usr/bin/python3';
const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const skip = hasTorch ? false : 'no /usr/bin/python3 with torch (python3-torch)';

const reference = String.raw`
import json, sys, torch
job = json.load(sys.stdin)
phi = torch.tensor(job["features"], dtype=torch.float64).reshape(job["shape"])  # [R, N, D]
N = job["shape"][1]
labels = [job["labels"][r * N:(r + 1) * N] for r in range(job["shape"][0])]
out = []
for r in range(phi.shape[0]):
    x = phi[r][torch.tensor([l == job["label"] for l in labels[r]])]
    index = [n for n, l in enumerate(labels[r]) if l == job["label"]]
    mu = x.mean(0)
    chosen, total = [], torch.zeros(x.shape[1], dtype=torch.float64)
    for k in range(1, job["count"] + 1):
        best, best_d = None, float("inf")
        for i in range(x.shape[0]):
            if i in chosen: continue
            d = torch.linalg.norm(mu - (total + x[i]) / k).item()
            if d < best_d: best, best_d = i, d
        chosen.append(best); total = total + x[best]
    out.append([index[i] for i in chosen])
print(json.dumps(out))
`;

test('herding picks, per member, the exemplars whose running mean best approximates the class mean', { skip }, () => {
  scope(() => {
    const members = 2;
    const generator = new Generator(4);
    const raw = ops.randn([members, 24, 5], generator);
    const features = raw.div(ops.norm(raw, 2, [2], true));
    const labels = ops.randint(0, 3, [members, 24], generator);
    const label = 1;
    const count = Math.min(...(labels.eq(label).sum(1).to('float64').toArray() as number[]));
    assert.ok(count >= 3, `the feature set has ${count} examples of class ${label} per member`);
    const picks = herd(features, labels.eq(label), count); // [count, R]
    const job = { features: features.to('float64').contiguous().toArray(), shape: features.shape, labels: labels.to('float64').contiguous().toArray(), label, count };
    const result = spawnSync(python, ['-c', reference], { input: JSON.stringify(job), encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const expected = JSON.parse(result.stdout) as number[][];
    const got = Array.from({ length: members }, (_, member) => (picks.select(1, member).to('float64').toArray() as number[]));
    assert.deepEqual(got, expected);
  });
});

test('the nearest-mean classifier scores −‖φ(x) − μ_y‖² with μ_y the normalised mean of the exemplars of y', () => {
  scope(() => {
    const members = 3;
    const seeds = [0, 1, 2];
    const batches = makeBatches(members, 4, 8, 3, [0, 1, 2]);
    // Wide enough that no example's last hidden layer is all zeros (a zero feature has no direction).
    const model = tinyMlp(members, { hidden: [32, 32] });
    const method = new IncrementalClassifierRepresentation({ memorySize: 6, batchRatio: 1 }, new MemberRandom(seeds, 3));
    const learner = sgdLearner(model, [method], 0.1);
    const inputs = batches[0].inputs;
    assert.equal(learner.predict(inputs), null, 'no prediction before any exemplar');
    learner.beginTask(0);
    for (const batch of batches) learner.trainStep(batch);
    learner.endTask(boundaryOf(0, batches));
    model.eval();
    const scores = learner.predict(inputs)!;
    const memory = method.stateDict();
    const exemplarLabels = memory.get('labels')!; // [M, R]
    const { hidden: exemplarHidden } = model.run(memory.get('images')!);
    const { hidden } = model.run(inputs);
    for (let member = 0; member < members; member += 1) {
      const phi = (value: Tensor) => value.div(ops.norm(value, 2, [1], true));
      const own = phi(exemplarHidden[exemplarHidden.length - 1][1].select(0, member));
      const x = phi(hidden[hidden.length - 1][1].select(0, member));
      for (let label = 0; label < 3; label += 1) {
        const rows = exemplarLabels.select(1, member).eq(label);
        if (Number(rows.sum().item()) === 0) continue;
        const mean = own.mul(rows.unsqueeze(1).to('float32')).sum(0);
        const mu = mean.div(ops.norm(mean, 2, [0], true));
        const expected = x.sub(mu).pow(2).sum(1).neg();
        assert.ok(expected.toArray().every(Number.isFinite), 'every feature has a direction');
        const got = scores.select(0, member).select(1, label);
        assert.ok(Number(got.sub(expected).abs().max().item()) < 1e-5, `member ${member}, class ${label}: ${got.toArray()} against ${expected.toArray()}`);
      }
    }
    method.dispose();
  });
});

test('a step with exemplars appended counts correct predictions among the batch\'s own examples only, so the training accuracy stays at most 1', () => {
  scope(() => {
    const members = 2;
    const batches = makeBatches(members, 6, 8, 4, [0, 1, 2]);
    const model = tinyMlp(members, { hidden: [32, 32] });
    const method = new IncrementalClassifierRepresentation({ memorySize: 6, batchRatio: 1 }, new MemberRandom([0, 1], 3));
    const learner = sgdLearner(model, [method], 0.1);
    learner.beginTask(0);
    for (const batch of batches) learner.trainStep(batch);
    learner.endTask(boundaryOf(0, batches));
    learner.beginTask(1);
    const memory = method.stateDict();
    const rightOnExemplars = model.run(memory.get('images')!).logits.argmax(2).eq(memory.get('labels')!.transpose(0, 1)).sum().item();
    assert.ok(rightOnExemplars > 0, 'some exemplar is predicted right, so counting the appended rows would change the count');
    for (const batch of batches) {
      const expected = Array.from(model.run(batch.inputs).logits.argmax(2).eq(batch.targets.transpose(0, 1)).sum(1).toArray() as number[]);
      const { correct } = learner.trainStep(batch);
      assert.deepEqual(Array.from(correct), expected);
      for (const count of correct) assert.ok(count <= batch.inputs.shape[0]);
    }
    method.dispose();
  });
});
