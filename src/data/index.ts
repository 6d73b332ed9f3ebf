// The data layer: dataset readers, transforms, scenario plans and task tensors.
export * from './dataset.js';
export * from './prepare.js';
export * from './readers/cifar.js';
export * from './readers/idx.js';
export * from './readers/image.js';
export * from './readers/image-folder.js';
export * from './readers/numpy.js';
export * from './registry.js';
export * from './scenarios/index.js';
export * from './tasks.js';
export * from './transforms.js';
export * from './streams/slowly-changing-regression.js';
