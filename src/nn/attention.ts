// Multi-head self-attention for a population, on token activations [R, B, N, D]. Query, key,
// value and output projections are separate Linear layers with per-member weights; heads split D
// into contiguous slices of headDim = D / heads, so head h owns features h*headDim .. (h+1)*headDim-1.
import { ops, type Tensor } from '../tensor/index.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

export interface AttentionOptions {
  members?: number;
  /** Dropout on the attention weights. */
  dropout?: number;
}

export class MultiHeadSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly output: Linear;
  readonly headDim: number;
  private readonly attentionDropout: Dropout | null;

  constructor(
    readonly dim: number,
    readonly heads: number,
    options: AttentionOptions = {},
  ) {
    super(options.members ?? 1);
    if (!Number.isInteger(heads) || heads < 1 || dim % heads !== 0) {
      throw new Error(`MultiHeadSelfAttention: dim ${dim} must be a multiple of the number of heads (${heads})`);
    }
    this.headDim = dim / heads;
    const members = this.members;
    this.query = this.registerModule('query', new Linear(dim, dim, { members }));
    this.key = this.registerModule('key', new Linear(dim, dim, { members }));
    this.value = this.registerModule('value', new Linear(dim, dim, { members }));
    this.output = this.registerModule('output', new Linear(dim, dim, { members }));
    this.attentionDropout = options.dropout ? this.registerModule('dropout', new Dropout(options.dropout, members)) : null;
  }

  /** [R, B, N, D] -> [R, B, N, D]. */
  forward(input: Tensor): Tensor {
    const [members, batch, tokens, dim] = input.shape;
    if (input.ndim !== 4 || members !== this.members || dim !== this.dim) {
      throw new Error(`MultiHeadSelfAttention(${this.dim}) with ${this.members} members expects [${this.members}, B, N, ${this.dim}], got [${input.shape.join(', ')}]`);
    }
    const flat = input.reshape(members, batch * tokens, dim);
    // [R, B*N, D] -> [R, B, heads, N, headDim]
    const split = (x: Tensor) => x.reshape(members, batch, tokens, this.heads, this.headDim).transpose(2, 3);
    const q = split(this.query.forward(flat));
    const k = split(this.key.forward(flat));
    const v = split(this.value.forward(flat));
    let weights = ops.softmax(q.matmul(k.transpose(3, 4)).mul(this.headDim ** -0.5), -1);
    if (this.attentionDropout) weights = this.attentionDropout.forward(weights);
    const mixed = weights.matmul(v).transpose(2, 3).reshape(members, batch * tokens, dim);
    return this.output.forward(mixed).reshape(members, batch, tokens, dim);
  }
}
