// The multi-layer perceptron: Linear -> [norm] -> activation -> [dropout], repeated, then a Linear head.
import type { Tensor } from '../../tensor/index.js';
import { Activation, widthFactor, type ActivationName } from '../activation.js';
import { Dropout } from '../dropout.js';
import { activationGain, heUniformBound } from '../init.js';
import { Linear } from '../linear.js';
import { BatchNorm1d, LayerNorm } from '../normalization.js';
import type { Module } from '../module.js';
import { Model, type ModelOutput } from './model.js';

export type NormKind = 'none' | 'batch' | 'layer';

/**
 * torch: PyTorch's default, U(±1/√fan_in) for weights and biases. kaiming: He initialisation,
 * U(±gain·√(3/fan_in)) with the activation's gain for hidden layers and gain 1 for the head, zero
 * biases: the learner of Dohare et al.'s slowly-changing regression (their lop/nets/ffnn.py).
 */
export type MLPInit = 'torch' | 'kaiming';

export interface MLPOptions {
  inputShape: readonly number[];
  hidden: number[];
  numClasses: number;
  activation?: ActivationName;
  norm?: NormKind;
  dropout?: number;
  members?: number;
  init?: MLPInit;
}

interface HiddenBlock {
  name: string;
  linear: Linear;
  norm: Module | null;
  activation: Activation;
  dropout: Dropout | null;
}

export class MLP extends Model {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  private readonly blocks: HiddenBlock[] = [];
  readonly head: Linear;
  /** The hidden nonlinearity; crelu doubles each hidden layer's width as the next layer reads it. */
  readonly activation: ActivationName;

  constructor(options: MLPOptions) {
    super(options.members ?? 1);
    this.inputShape = options.inputShape;
    this.numClasses = options.numClasses;
    const members = this.members;
    this.activation = options.activation ?? 'relu';
    let width = options.inputShape.reduce((a, b) => a * b, 1);
    const he = options.init === 'kaiming';
    options.hidden.forEach((units, index) => {
      const name = `layer${index + 1}`;
      const weightBound = he ? heUniformBound(width, activationGain(this.activation)) : undefined;
      const linear = this.registerModule(`${name}.linear`, new Linear(width, units, { members, weightBound }));
      const norm =
        options.norm === 'batch'
          ? this.registerModule(`${name}.norm`, new BatchNorm1d(units, { members }))
          : options.norm === 'layer'
            ? this.registerModule(`${name}.norm`, new LayerNorm(units, { members }))
            : null;
      const activation = this.registerModule(`${name}.activation`, new Activation(this.activation, members));
      const dropout = options.dropout ? this.registerModule(`${name}.dropout`, new Dropout(options.dropout, members)) : null;
      this.blocks.push({ name, linear, norm, activation, dropout });
      width = units * widthFactor(this.activation);
    });
    this.head = this.registerModule('head', new Linear(width, options.numClasses, { members, weightBound: he ? heUniformBound(width, 1) : undefined }));
  }

  /** The Linear layers in depth order, head last. */
  linears(): Linear[] {
    return [...this.blocks.map((block) => block.linear), this.head];
  }

  run(input: Tensor): ModelOutput {
    const perMember = this.perMember(input);
    const batch = input.shape[0];
    const features = this.inputShape.reduce((a, b) => a * b, 1);
    // [B, R, F] -> [R, B, F]: a strided view that the batched matmul reads without a copy.
    let x = perMember ? input.reshape(batch, this.members, features).transpose(0, 1) : input.reshape(batch, features);
    const hidden: [string, Tensor][] = [];
    for (const block of this.blocks) {
      x = block.linear.forward(x);
      if (block.norm) x = block.norm.forward(x);
      x = block.activation.forward(x);
      hidden.push([block.name, x]);
      if (block.dropout) x = block.dropout.forward(x);
    }
    return { logits: this.head.forward(x), hidden };
  }
}
