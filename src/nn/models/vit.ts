// A small Vision Transformer: non-overlapping patches embedded by a strided convolution, a class
// token and learned positional embeddings, pre-norm transformer blocks (LayerNorm -> multi-head
// self-attention -> residual, LayerNorm -> MLP -> residual), a final LayerNorm and a linear head
// on the class token.
import { type Generator, ops, type Tensor } from '../../tensor/index.js';
import { Activation, type ActivationName } from '../activation.js';
import { MultiHeadSelfAttention } from '../attention.js';
import { Conv2d } from '../conv.js';
import { Dropout } from '../dropout.js';
import { normalMember } from '../init.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import { LayerNorm } from '../normalization.js';
import { stackImages } from '../stacked.js';
import { Model, type ModelOutput } from './model.js';

export interface ViTOptions {
  /** [channels, height, width]; height and width must be multiples of patchSize. */
  inputShape: readonly number[];
  numClasses: number;
  patchSize?: number;
  /** Embedding width D. */
  dim?: number;
  /** Transformer blocks. */
  depth?: number;
  heads?: number;
  /** Hidden units of each block's MLP. */
  mlpDim?: number;
  activation?: ActivationName;
  /** Dropout after the embeddings, the attention projection and each MLP layer. */
  dropout?: number;
  members?: number;
}

export const vitDefaults = {
  patchSize: 4,
  dim: 128,
  depth: 4,
  heads: 4,
  mlpDim: 256,
  activation: 'gelu' as ActivationName,
  dropout: 0,
};

/** The standard deviation of the class token and positional embeddings at initialisation. */
const embeddingStd = 0.02;

/** fc1 -> activation -> dropout -> fc2 -> dropout, on tokens [R, B*N, D]. */
class TokenMLP extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  private readonly activation: Activation;
  private readonly dropout: Dropout | null;

  constructor(dim: number, hidden: number, activation: ActivationName, dropout: number, members: number) {
    super(members);
    this.fc1 = this.registerModule('fc1', new Linear(dim, hidden, { members }));
    this.activation = this.registerModule('activation', new Activation(activation, members));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, dim, { members }));
    this.dropout = dropout > 0 ? this.registerModule('dropout', new Dropout(dropout, members)) : null;
  }

  forward(input: Tensor): Tensor {
    let x = this.activation.forward(this.fc1.forward(input));
    if (this.dropout) x = this.dropout.forward(x);
    x = this.fc2.forward(x);
    return this.dropout ? this.dropout.forward(x) : x;
  }
}

export class TransformerBlock extends Module {
  readonly norm1: LayerNorm;
  readonly attention: MultiHeadSelfAttention;
  readonly norm2: LayerNorm;
  readonly mlp: TokenMLP;
  private readonly dropout: Dropout | null;

  constructor(dim: number, heads: number, mlpDim: number, activation: ActivationName, dropout: number, members: number) {
    super(members);
    this.norm1 = this.registerModule('norm1', new LayerNorm(dim, { members }));
    this.attention = this.registerModule('attention', new MultiHeadSelfAttention(dim, heads, { members }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dim, { members }));
    this.mlp = this.registerModule('mlp', new TokenMLP(dim, mlpDim, activation, dropout, members));
    this.dropout = dropout > 0 ? this.registerModule('dropout', new Dropout(dropout, members)) : null;
  }

  /** [R, B, N, D] -> [R, B, N, D]. */
  forward(input: Tensor): Tensor {
    const [members, batch, tokens, dim] = input.shape;
    let attended = this.attention.forward(this.norm1.forward(input));
    if (this.dropout) attended = this.dropout.forward(attended);
    const x = input.add(attended);
    const mlp = this.mlp.forward(this.norm2.forward(x).reshape(members, batch * tokens, dim));
    return x.add(mlp.reshape(members, batch, tokens, dim));
  }
}

export class ViT extends Model {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly dim: number;
  readonly patchSize: number;
  readonly classToken: Tensor;
  readonly positionEmbedding: Tensor;
  readonly patchEmbedding: Conv2d;
  private readonly embeddingDropout: Dropout | null;
  private readonly blocks: TransformerBlock[] = [];
  readonly norm: LayerNorm;
  readonly head: Linear;

  constructor(options: ViTOptions) {
    super(options.members ?? 1);
    const [channels, height, width] = options.inputShape;
    const patchSize = options.patchSize ?? vitDefaults.patchSize;
    if (options.inputShape.length !== 3 || height % patchSize !== 0 || width % patchSize !== 0) {
      throw new Error(`ViT: inputShape must be [channels, height, width] with height and width multiples of patchSize ${patchSize}, got [${options.inputShape.join(', ')}]`);
    }
    this.inputShape = options.inputShape;
    this.numClasses = options.numClasses;
    this.patchSize = patchSize;
    this.dim = options.dim ?? vitDefaults.dim;
    const members = this.members;
    const dropout = options.dropout ?? vitDefaults.dropout;
    const tokens = (height / patchSize) * (width / patchSize) + 1;
    // The embeddings belong to the model itself, so they are initialised before any child.
    this.classToken = this.registerParameter('class_token', ops.empty([members, 1, this.dim]));
    this.positionEmbedding = this.registerParameter('position_embedding', ops.empty([members, tokens, this.dim]));
    this.patchEmbedding = this.registerModule('patch_embedding', new Conv2d(channels, this.dim, patchSize, { stride: patchSize, members }));
    this.embeddingDropout = dropout > 0 ? this.registerModule('embedding_dropout', new Dropout(dropout, members)) : null;
    const depth = options.depth ?? vitDefaults.depth;
    for (let index = 0; index < depth; index += 1) {
      this.blocks.push(
        this.registerModule(
          `block${index + 1}`,
          new TransformerBlock(this.dim, options.heads ?? vitDefaults.heads, options.mlpDim ?? vitDefaults.mlpDim, options.activation ?? vitDefaults.activation, dropout, members),
        ),
      );
    }
    this.norm = this.registerModule('norm', new LayerNorm(this.dim, { members }));
    this.head = this.registerModule('head', new Linear(this.dim, options.numClasses, { members }));
  }

  override resetMember(member: number, generator: Generator | null): void {
    normalMember(this.classToken, member, embeddingStd, generator);
    normalMember(this.positionEmbedding, member, embeddingStd, generator);
  }

  /**
   * Hidden activations: each block's output averaged over tokens (class token included), then
   * the normalised class token that the head reads, all [R, B, D].
   */
  run(input: Tensor): ModelOutput {
    const members = this.members;
    const batch = input.shape[0];
    const patches = this.patchEmbedding.forward(stackImages(input, members, this.perMember(input)));
    // [B, R*D, h, w] -> [R, B, h*w, D]
    const embedded = patches.reshape(batch, members, this.dim, -1).permute(1, 0, 3, 2);
    const classTokens = this.classToken.unsqueeze(1).expand(members, batch, 1, this.dim);
    let x = ops.cat([classTokens, embedded], 2).add(this.positionEmbedding.unsqueeze(1));
    if (this.embeddingDropout) x = this.embeddingDropout.forward(x);
    const hidden: [string, Tensor][] = [];
    this.blocks.forEach((block, index) => {
      x = block.forward(x);
      hidden.push([`block${index + 1}`, x.mean(2)]);
    });
    const features = this.norm.forward(x.select(2, 0));
    hidden.push(['features', features]);
    return { logits: this.head.forward(features), hidden };
  }
}
