import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Generator, grad, manualSeed, native, noGrad, ops, scope, tensor } from '../../src/tensor/index.js';

test('manualSeed(0) then randn gives PyTorch numbers', () => {
  manualSeed(0);
  // torch.manual_seed(0); torch.randn(3)
  const expected = [1.5409960746765137, -0.293428897857666, -2.1787893772125244];
  assert.deepEqual(ops.randn([3]).toArray(), expected);
});

test('a private generator gives the same stream as torch.Generator().manual_seed', () => {
  const generator = new Generator(0);
  assert.deepEqual(ops.randn([3], generator).toArray(), [1.5409960746765137, -0.293428897857666, -2.1787893772125244]);
});

test('backward fills .grad with d(sum(2x))/dx', () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  x.mul(2).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[2, 2], [2, 2]]);
});

test('functional grad with createGraph gives a second derivative', () => {
  const x = tensor([3], { requiresGrad: true, dtype: 'float64' });
  const [first] = grad(x.pow(3).sum(), [x], { createGraph: true });
  assert.deepEqual(first!.toArray(), [27]);
  const [second] = grad(first!.sum(), [x]);
  assert.deepEqual(second!.toArray(), [18]);
});

test('noGrad records no graph', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = noGrad(() => x.mul(3));
  assert.equal(y.requiresGrad, false);
});

test('scope disposes temporaries and keeps the result', () => {
  let inner: ReturnType<typeof ops.ones> | undefined;
  const result = scope(() => {
    inner = ops.ones([2]);
    return inner.add(1);
  });
  assert.equal(inner!.disposed, true);
  assert.equal(result.disposed, false);
  assert.deepEqual(result.toArray(), [2, 2]);
});

test('a shape mismatch names the operator and the shapes', () => {
  const a = ops.ones([2, 3]);
  const b = ops.ones([2, 3]);
  assert.throws(() => a.matmul(b), /aten::matmul\(Float\[2, 3\], Float\[2, 3\]\).*cannot be multiplied/);
});

test('use after dispose is a clear error, not a crash', () => {
  const a = ops.ones([2]);
  a.dispose();
  assert.throws(() => a.sum(), /used after dispose/);
});

test('a wrong argument type names the argument', () => {
  const a = ops.ones([2]);
  assert.throws(() => ops.add(a, 3 as never), /argument 'other' expects a tensor, got number/);
});

test("the addon counts the time spent inside libtorch's calls, and none of JavaScript's own", () => {
  const a = ops.randn([384, 384]);
  const before = native.insideSeconds();
  let started = performance.now();
  while (performance.now() - started < 150) scope(() => a.matmul(a).sum());
  const products = (performance.now() - started) / 1000;
  const inside = native.insideSeconds() - before;
  // Everything in that loop but the loop itself is a libtorch call.
  assert.ok(inside > 0.8 * products && inside <= products, `${inside} s inside of ${products} s of products`);
  const between = native.insideSeconds();
  started = performance.now();
  let spin = 0;
  while (performance.now() - started < 150) spin += Math.sqrt(spin + 1);
  assert.ok(spin > 0);
  assert.ok(native.insideSeconds() - between < 0.005, 'a JavaScript loop adds no time inside libtorch');
});
