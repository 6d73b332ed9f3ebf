import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeNpy, encodeNpy, fromNdArray, ndarray, readNpy, toNdArray, type NdArray } from '../../src/io/npy.js';
import { decodeNpz, encodeNpz, readNpz } from '../../src/io/npz.js';
import { ops, tensor } from '../../src/tensor/index.js';

// Fixtures written by numpy 1.24 through tools/make-npy-fixtures.py.
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'io');
const fixture = (name: string) => join(fixtures, name);

test('decodes every supported dtype written by numpy', () => {
  const f4 = readNpy(fixture('float32_2x3.npy'));
  assert.equal(f4.dtype, 'float32');
  assert.deepEqual(f4.shape, [2, 3]);
  assert.deepEqual(Array.from(f4.data as Float32Array), [0, 0.25, 0.5, 0.75, 1, 1.25]);

  const f8 = readNpy(fixture('float64_special.npy'));
  assert.equal(f8.dtype, 'float64');
  assert.deepEqual(Array.from(f8.data as Float64Array), [0, -1.5, Infinity, -Infinity, NaN, 1e300]);

  const i8 = readNpy(fixture('int64.npy'));
  assert.equal(i8.dtype, 'int64');
  assert.deepEqual(Array.from(i8.data as BigInt64Array), [-(2n ** 62n), -1n, 0n, 2n ** 40n + 3n]);

  const i4 = readNpy(fixture('int32_2x2.npy'));
  assert.deepEqual([i4.dtype, i4.shape, Array.from(i4.data as Int32Array)], ['int32', [2, 2], [-7, 0, 2 ** 31 - 1, -(2 ** 31)]]);

  const u1 = readNpy(fixture('uint8_2x2x2.npy'));
  assert.deepEqual([u1.dtype, u1.shape, Array.from(u1.data as Uint8Array)], ['uint8', [2, 2, 2], [0, 1, 127, 128, 200, 254, 255, 3]]);

  const b1 = readNpy(fixture('bool.npy'));
  assert.deepEqual([b1.dtype, b1.shape, Array.from(b1.data as Uint8Array)], ['bool', [3], [1, 0, 1]]);
});

test('decodes scalars, empty arrays and version 2.0 headers', () => {
  const scalar = readNpy(fixture('scalar.npy'));
  assert.deepEqual([scalar.shape, Array.from(scalar.data as Float32Array)], [[], [2.5]]);
  const empty = readNpy(fixture('empty_0x4.npy'));
  assert.deepEqual([empty.shape, empty.data.length], [[0, 4], 0]);
  const v2 = readNpy(fixture('version2.npy'));
  assert.deepEqual([v2.dtype, v2.shape, Array.from(v2.data as Int32Array)], ['int32', [5], [0, 1, 2, 3, 4]]);
});

test('encodes byte for byte what np.save writes', () => {
  for (const name of ['float32_2x3.npy', 'float64_special.npy', 'int64.npy', 'int32_2x2.npy', 'uint8_2x2x2.npy', 'bool.npy', 'scalar.npy', 'empty_0x4.npy']) {
    const bytes = readFileSync(fixture(name));
    assert.deepEqual(Buffer.from(encodeNpy(decodeNpy(bytes, name))), bytes, name);
  }
});

test('rejects Fortran order, big-endian data, bad magic and truncation, naming the file', () => {
  assert.throws(() => readNpy(fixture('fortran.npy')), /fortran\.npy: .*Fortran \(column-major\) order.*np\.ascontiguousarray/);
  assert.throws(() => readNpy(fixture('bigendian.npy')), /bigendian\.npy: .*'>f4'.*big-endian/);
  const good = readFileSync(fixture('float32_2x3.npy'));
  const badMagic = Uint8Array.from(good);
  badMagic[1] = 0x41;
  assert.throws(() => decodeNpy(badMagic, 'weights.npy'), /^Error: weights\.npy: not a valid \.npy file: it does not start with the magic string/);
  assert.throws(() => decodeNpy(good.subarray(0, good.length - 3), 'cut.npy'), /cut\.npy: truncated \.npy file: shape \[2, 3\] of float32 needs 24 bytes of data, the file has 21/);
  assert.throws(() => decodeNpy(good.subarray(0, 40), 'head.npy'), /head\.npy: .*header claims 118 bytes/);
});

test('decodes np.savez and np.savez_compressed archives', () => {
  for (const name of ['stored.npz', 'deflated.npz']) {
    const arrays = readNpz(fixture(name));
    assert.deepEqual([...arrays.keys()], ['images', 'labels', 'weights'], name);
    const images = arrays.get('images')!;
    assert.deepEqual([images.dtype, images.shape], ['uint8', [2, 1, 3, 3]]);
    assert.deepEqual(Array.from(images.data as Uint8Array), Array.from({ length: 18 }, (_, i) => i));
    assert.deepEqual(Array.from(arrays.get('labels')!.data as BigInt64Array), [4n, 9n]);
    assert.deepEqual(Array.from(arrays.get('weights')!.data as Float32Array), [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]);
  }
});

test('npz round trip, stored and deflated, and damaged archives are named', () => {
  const arrays: Record<string, NdArray> = {
    a: ndarray('float64', [2, 2], Float64Array.from([1, 2, 3, 4])),
    'dense1/weight': ndarray('float32', [3], Float32Array.from([0.5, -1, 2])),
    mask: ndarray('bool', [2], Uint8Array.from([0, 1])),
  };
  for (const compress of [false, true]) {
    const bytes = encodeNpz(arrays, { compress });
    const back = decodeNpz(bytes, 'x.npz');
    assert.deepEqual([...back.keys()], ['a', 'dense1/weight', 'mask']);
    for (const [key, value] of Object.entries(arrays)) assert.deepEqual(back.get(key), value);
    assert.throws(() => decodeNpz(bytes.subarray(0, bytes.length - 30), 'cut.npz'), /cut\.npz: .*(truncated|missing)/);
  }
  const zeros = new Float32Array(4096);
  assert.ok(encodeNpz({ z: ndarray('float32', [4096], zeros) }, { compress: true }).length < 1000, 'deflate shrinks zeros');
  const corrupt = encodeNpz(arrays);
  corrupt[30 + 5 + 128 + 4] ^= 0xff; // an element of a, after its local header and .npy header
  assert.throws(() => decodeNpz(corrupt, 'bad.npz'), /bad\.npz\[a\.npy\]: the CRC-32 check failed/);
  assert.throws(() => decodeNpz(new Uint8Array(100), 'zeros.npz'), /zeros\.npz: not a valid \.npz \(zip\) file: it does not start with the zip magic/);
});

test('tensors convert to and from NdArray with dtype and shape', () => {
  const t = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'int64' }).T;
  const a = toNdArray(t);
  assert.deepEqual([a.dtype, a.shape, Array.from(a.data as BigInt64Array)], ['int64', [3, 2], [1n, 4n, 2n, 5n, 3n, 6n]]);
  const back = fromNdArray(readNpy(fixture('uint8_2x2x2.npy')));
  assert.deepEqual([back.dtypeName, back.shape], ['uint8', [2, 2, 2]]);
  assert.equal(back.sum().item(), 968);
  const mask = fromNdArray(readNpy(fixture('bool.npy')));
  assert.equal(mask.dtypeName, 'bool');
  assert.throws(() => toNdArray(ops.zeros([2], 'float16')), /float16 tensor cannot be stored in \.npy/);
});

const python = '/usr/bin/python3';
const hasNumpy = existsSync(python) && spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

test('numpy.load reads what encodeNpy and encodeNpz write', { skip: hasNumpy ? false : 'no /usr/bin/python3 with numpy' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'plab-npy-'));
  try {
    writeFileSync(join(dir, 'a.npy'), encodeNpy(ndarray('float32', [2, 2], Float32Array.from([0.5, 1, -2, 3]))));
    const both = { x: ndarray('int64', [3], BigInt64Array.from([1n, -2n, 3n])), y: ndarray('uint8', [1, 2], Uint8Array.from([7, 255])) };
    writeFileSync(join(dir, 'stored.npz'), encodeNpz(both));
    writeFileSync(join(dir, 'deflated.npz'), encodeNpz(both, { compress: true }));
    const script = [
      'import numpy as np, sys, zipfile',
      'd = sys.argv[1]',
      'a = np.load(d + "/a.npy"); print(a.dtype, a.tolist())',
      'for n in ("stored", "deflated"):',
      '    assert zipfile.ZipFile(d + "/" + n + ".npz").testzip() is None',
      '    z = np.load(d + "/" + n + ".npz"); print(n, z["x"].dtype, z["x"].tolist(), z["y"].dtype, z["y"].tolist())',
    ].join('\n');
    const run = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      'float32 [[0.5, 1.0], [-2.0, 3.0]]\nstored int64 [1, -2, 3] uint8 [[7, 255]]\ndeflated int64 [1, -2, 3] uint8 [[7, 255]]\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The archive's bytes before ZIP64 support: archives that need no ZIP64 must not change.
const PLAIN_ZIP_SHA256 = {
  stored: '4c7b9562f37d3bbed492ded82fe38afe8b10e99f06b8df851653fe3452bd699f',
  deflated: '557cd0d2dddd12cecdb6ad49efc4d870a686f93ba81f2fa52108764ded0b56e9',
};

test('npz switches to ZIP64 only past the 32-bit limit; numpy reads both layouts', () => {
  const arrays = { a: ndarray('float64', [2, 2], Float64Array.from([1, 2, 3, 4])), 'dense1/weight': ndarray('float32', [3], Float32Array.from([0.5, -1, 2])) };
  for (const compress of [false, true]) {
    const digest = createHash('sha256').update(encodeNpz(arrays, { compress })).digest('hex');
    assert.equal(digest, PLAIN_ZIP_SHA256[compress ? 'deflated' : 'stored']);
  }
  // A 100-byte limit puts the second member's offset and the central directory past it.
  const big = ndarray('float32', [64], Float32Array.from({ length: 64 }, (_, i) => i / 8 - 3));
  const small = { first: ndarray('int64', [2], BigInt64Array.from([5n, -6n])), big, last: ndarray('uint8', [3], Uint8Array.from([1, 2, 250])) };
  for (const compress of [false, true]) {
    const bytes = encodeNpz(small, { compress, zip64Above: 100 });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.equal(view.getUint32(bytes.length - 22 - 20, true), 0x07064b50, 'ZIP64 locator before the end record');
    assert.equal(view.getUint32(bytes.length - 6, true), 0xffffffff, 'the end record points to ZIP64');
    const back = decodeNpz(bytes, 'zip64.npz');
    assert.deepEqual([...back.keys()], ['first', 'big', 'last']);
    for (const [key, value] of Object.entries(small)) assert.deepEqual(back.get(key), value);
  }
  if (!hasNumpy) return;
  const dir = mkdtempSync(join(tmpdir(), 'plab-zip64-'));
  try {
    writeFileSync(join(dir, 'stored.npz'), encodeNpz(small, { zip64Above: 100 }));
    writeFileSync(join(dir, 'deflated.npz'), encodeNpz(small, { compress: true, zip64Above: 100 }));
    const script = [
      'import numpy as np, sys, zipfile',
      'for n in ("stored", "deflated"):',
      '    f = sys.argv[1] + "/" + n + ".npz"',
      '    z = zipfile.ZipFile(f); assert z.testzip() is None',
      '    print(n, [i.extra != b"" for i in z.infolist()])',
      '    a = np.load(f); print(a["first"].tolist(), a["big"].dtype, a["big"].tolist() == [i / 8 - 3 for i in range(64)], a["last"].tolist())',
    ].join('\n');
    const run = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    // Every member passes the limit: 'first' by its 144-byte .npy, the others by their offsets too.
    assert.equal(run.stdout, 'stored [True, True, True]\n[5, -6] float32 True [1, 2, 250]\ndeflated [True, True, True]\n[5, -6] float32 True [1, 2, 250]\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
