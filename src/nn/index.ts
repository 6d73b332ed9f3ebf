// The neural-network layer: population modules (every parameter has a leading member dim R), the
// models built from them and the population loss.
export * from './activation.js';
export * from './attention.js';
export * from './conv.js';
export * from './dropout.js';
export * from './init.js';
export * from './jacobian.js';
export * from './linear.js';
export * from './loss.js';
export * from './mode.js';
export * from './module.js';
export * from './normalization.js';
export * from './pooling.js';
export * from './sequential.js';
export * from './stacked.js';
export * from './models/model.js';
export * from './models/mlp.js';
export * from './models/cnn.js';
export * from './models/resnet.js';
export * from './models/vit.js';
export * from './models/registry.js';
