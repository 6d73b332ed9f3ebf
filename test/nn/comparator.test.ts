// The fixture comparator itself: at tolerance 0 it must notice a mere change of summation order
// (what a different BLAS kernel does), and the committed-fixture tolerance must accept exactly that.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Generator, ops, scope } from '../../src/tensor/index.js';
import { type ArrayFixture, assertTensorClose, REORDERING_TOLERANCE } from './engine-fixtures.js';

function fixtureOf(values: Float32Array, shape: number[]): ArrayFixture {
  return { shape, data: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64') };
}

test('the bit-exact comparison catches a change of operation order; the fallback tolerance accepts it', () => {
  scope(() => {
    const generator = new Generator(3);
    const a = ops.randn([64, 784], generator);
    const b = ops.randn([784, 120], generator);
    const c = ops.randn([120, 10], generator);
    // (AB)C and A(BC) are the same product summed in another order.
    const left = ops.mm(ops.mm(a, b), c);
    const right = ops.mm(a, ops.mm(b, c));
    const fixture = fixtureOf(left.contiguous().data() as Float32Array, [64, 10]);
    assert.equal(assertTensorClose(left, fixture, 0, 'same order'), 0);
    assert.throws(() => assertTensorClose(right, fixture, 0, 'reordered'), /reordered: relative error \S+ exceeds 0/);
    const error = assertTensorClose(right, fixture, REORDERING_TOLERANCE, 'reordered');
    assert.ok(error > 0 && error < 1e-5, `reordering moved the product by ${error}`);
    // A real defect (here a dropped term) is far outside that tolerance.
    const defect = ops.mm(a.narrow(1, 0, 783), ops.mm(b.narrow(0, 0, 783), c));
    assert.throws(() => assertTensorClose(defect, fixture, REORDERING_TOLERANCE, 'defect'), /defect: relative error/);
  });
});
