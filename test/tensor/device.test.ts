// A device this build cannot use is refused up front, with what to do instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkDevice, cudaDeviceCount } from '../../src/tensor/index.js';

test('cpu is always usable; cuda only where libtorch sees a GPU, else the error says how to get one', () => {
  checkDevice('cpu');
  const gpus = cudaDeviceCount();
  if (gpus === 0) {
    assert.throws(() => checkDevice('cuda'), /device=cuda: this build of plab has no GPU .*Use device=cpu, or rebuild the addon against a CUDA libtorch/);
  } else {
    checkDevice('cuda');
    checkDevice(`cuda:${gpus - 1}`);
  }
  assert.throws(() => checkDevice(`cuda:${gpus}`), new RegExp(`device=cuda:${gpus}: `));
});
