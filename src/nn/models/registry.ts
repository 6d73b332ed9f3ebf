// Models by name: a config object (the model's name and its options) plus the task's context
// (members, input shape, classes) builds an initialised population. Also the config of the same
// architecture k times wider, which cloning expands a trained model into.
import type { Generator } from '../../tensor/index.js';
import { activationNames, widthFactor } from '../activation.js';
import { initializeMembers, withDefaultDtype } from '../module.js';
import { CNN, type CNNOptions, cnnDefaults } from './cnn.js';
import { MLP, type MLPOptions } from './mlp.js';
import type { Model } from './model.js';
import { ResNet, type ResNetOptions, resnetDefaults } from './resnet.js';
import { ViT, type ViTOptions, vitDefaults } from './vit.js';

type Context = 'inputShape' | 'numClasses' | 'members';
export type MLPConfig = { name: 'mlp' } & Omit<MLPOptions, Context>;
export type CNNConfig = { name: 'cnn' } & Omit<CNNOptions, Context>;
export type ResNetConfig = { name: 'resnet' } & Omit<ResNetOptions, Context>;
export type ViTConfig = { name: 'vit' } & Omit<ViTOptions, Context>;
export type ModelConfig = MLPConfig | CNNConfig | ResNetConfig | ViTConfig;
export type ModelName = ModelConfig['name'];

export interface ModelContext {
  members: number;
  /** One sample's shape: [features] or [channels, height, width] (an MLP flattens any shape). */
  inputShape: readonly number[];
  numClasses: number;
  /**
   * One generator per member (member r then equals the PyTorch model built after
   * torch.manual_seed(seed_r)); without them the default generator initialises members in order.
   */
  generators?: (Generator | null)[];
  /** The parameters' dtype (default float32); float64 for exact comparisons. */
  dtype?: 'float32' | 'float64';
}

type Check = (value: unknown) => boolean;
const positiveInt: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const positiveInts: Check = (v) => Array.isArray(v) && v.every(positiveInt);
const nonEmptyPositiveInts: Check = (v) => positiveInts(v) && (v as number[]).length > 0;
const probability: Check = (v) => typeof v === 'number' && v >= 0 && v < 1;
const oneOf =
  (names: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && names.includes(v);
/** crelu widens the last dimension, where only the MLP keeps its features. */
const sameWidthActivations = activationNames.filter((name) => widthFactor(name) === 1);

/** Each model's options and what a valid value looks like, for error messages that name the fix. */
const schemas: Record<ModelName, Record<string, [Check, string]>> = {
  mlp: {
    hidden: [positiveInts, 'a list of positive integers'],
    activation: [oneOf(activationNames), `one of ${activationNames.join(', ')}`],
    norm: [oneOf(['none', 'batch', 'layer']), "'none', 'batch' or 'layer'"],
    dropout: [probability, 'a number in [0, 1)'],
    init: [oneOf(['torch', 'kaiming']), "'torch' or 'kaiming'"],
  },
  cnn: {
    channels: [nonEmptyPositiveInts, 'a non-empty list of positive integers'],
    kernel: [positiveInt, 'a positive integer'],
    pooling: [oneOf(['max', 'avg', 'none']), "'max', 'avg' or 'none'"],
    norm: [oneOf(['none', 'batch']), "'none' or 'batch'"],
    hidden: [positiveInts, 'a list of positive integers'],
    activation: [oneOf(sameWidthActivations), `one of ${sameWidthActivations.join(', ')}`],
    dropout: [probability, 'a number in [0, 1)'],
  },
  resnet: {
    channels: [nonEmptyPositiveInts, 'a non-empty list of positive integers'],
    blocks: [nonEmptyPositiveInts, 'a non-empty list of positive integers'],
  },
  vit: {
    patchSize: [positiveInt, 'a positive integer'],
    dim: [positiveInt, 'a positive integer'],
    depth: [positiveInt, 'a positive integer'],
    heads: [positiveInt, 'a positive integer'],
    mlpDim: [positiveInt, 'a positive integer'],
    activation: [oneOf(sameWidthActivations), `one of ${sameWidthActivations.join(', ')}`],
    dropout: [probability, 'a number in [0, 1)'],
  },
};

export const modelNames = Object.keys(schemas) as ModelName[];

/** Throws an error naming the offending key and what it should be. */
export function validateModelConfig(config: ModelConfig): void {
  const schema = schemas[config?.name];
  if (!schema) throw new Error(`unknown model '${config?.name}'; expected one of ${modelNames.join(', ')}`);
  for (const [key, value] of Object.entries(config)) {
    if (key === 'name' || value === undefined) continue;
    const entry = schema[key];
    if (!entry) throw new Error(`model '${config.name}' has no option '${key}'; its options are ${Object.keys(schema).join(', ')}`);
    if (!entry[0](value)) throw new Error(`model '${config.name}': option '${key}' must be ${entry[1]}, got ${JSON.stringify(value)}`);
  }
  if (config.name === 'mlp' && !config.hidden) throw new Error("model 'mlp' needs 'hidden', the list of hidden layer sizes, e.g. [256, 256]");
}

function construct(config: ModelConfig, common: Pick<MLPOptions, Context>): Model {
  switch (config.name) {
    case 'mlp': {
      const { name: _, ...options } = config;
      return new MLP({ ...options, ...common });
    }
    case 'cnn': {
      const { name: _, ...options } = config;
      return new CNN({ ...options, ...common });
    }
    case 'resnet': {
      const { name: _, ...options } = config;
      return new ResNet({ ...options, ...common });
    }
    case 'vit': {
      const { name: _, ...options } = config;
      return new ViT({ ...options, ...common });
    }
  }
}

/** Builds the model `config` names for `context`, initialised as PyTorch would. */
export function buildModel(config: ModelConfig, context: ModelContext): Model {
  validateModelConfig(config);
  const common = { inputShape: context.inputShape, numClasses: context.numClasses, members: context.members };
  const model = withDefaultDtype(context.dtype ?? 'float32', () => construct(config, common));
  initializeMembers(model, context.generators);
  return model;
}

/**
 * The same architecture with every hidden width multiplied by `factor`: MLP hidden sizes; CNN
 * channels and hidden units; ResNet channels; ViT width, heads and MLP width (the head size stays,
 * so a wider ViT has `factor` times as many heads). Defaults are widened too.
 */
export function widenModelConfig(config: ModelConfig, factor: number): ModelConfig {
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`the expansion factor must be a whole number >= 1, got ${factor}`);
  validateModelConfig(config);
  const times = (values: number[]) => values.map((value) => value * factor);
  switch (config.name) {
    case 'mlp':
      return { ...config, hidden: times(config.hidden) };
    case 'cnn':
      return { ...config, channels: times(config.channels ?? cnnDefaults.channels), hidden: times(config.hidden ?? cnnDefaults.hidden) };
    case 'resnet':
      return { ...config, channels: times(config.channels ?? resnetDefaults.channels) };
    case 'vit': {
      const d = vitDefaults;
      return { ...config, dim: (config.dim ?? d.dim) * factor, heads: (config.heads ?? d.heads) * factor, mlpDim: (config.mlpDim ?? d.mlpDim) * factor };
    }
  }
}
