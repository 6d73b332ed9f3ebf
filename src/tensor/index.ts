// The tensor layer: everything above imports tensors from here.
export * from './autograd.js';
export * from './device.js';
export * from './dtype.js';
export * from './memory.js';
export { native } from './native.js';
export * as ops from './operators.generated.js';
export * from './random.js';
export * from './scope.js';
export * from './tensor.js';
export * from './threads.js';
