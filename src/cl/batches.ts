// Per-member shuffled minibatches. Member r draws its own permutation of its samples each epoch from
// its own generator, so members see the same data in different orders, as R separate runs would.
// A stream whose order is its data (TrainData.ordered) is batched in that order, drawing nothing.
import { Generator, ops, scope, keep, type Tensor } from '../tensor/index.js';
import type { Batch } from './method.js';
import type { TrainData } from './task-source.js';

/** Batches of one task's training data, which it owns from construction: dispose() frees them. */
export class EpochBatches {
  private readonly flatImages: Tensor;
  private readonly flatLabels: Tensor;
  readonly samples: number;
  readonly members: number;

  constructor(
    private readonly data: TrainData,
    readonly batchSize: number,
    private readonly generators: Generator[],
  ) {
    [this.samples, this.members] = data.images.shape;
    if (generators.length !== this.members) throw new Error(`EpochBatches: ${generators.length} generators for ${this.members} members`);
    // [N, R, ...] -> [N*R, ...]: sample n of member r is row n*R + r.
    this.flatImages = data.images.reshape(this.samples * this.members, ...data.images.shape.slice(2));
    this.flatLabels = data.labels.reshape(this.samples * this.members);
  }

  /** Batches per epoch; the last, smaller batch is kept, as a DataLoader without drop_last does. */
  get batchesPerEpoch(): number {
    return Math.ceil(this.samples / this.batchSize);
  }

  /** The rows of one epoch's order, [N, R] as flat indices into [N*R, ...]: each member's shuffle, or the stream's own order. */
  epochOrder(): Tensor {
    return scope(() => {
      const orders = this.generators.map((generator) => (this.data.ordered ? ops.arange(0, this.samples, 1, 'int64') : ops.randperm(this.samples, generator)));
      const memberOffsets = ops.arange(0, this.members, 1, 'int64');
      return keep(ops.stack(orders, 1).mul(this.members).add(memberOffsets));
    });
  }

  /** Batch `index` of an epoch whose order came from epochOrder(). */
  batch(order: Tensor, index: number): Batch {
    return scope(() => {
      const start = index * this.batchSize;
      const length = Math.min(this.batchSize, this.samples - start);
      const rows = order.narrow(0, start, length).reshape(length * this.members);
      const inputs = this.flatImages.indexSelect(0, rows);
      return {
        inputs: inputs.view(length, this.members, ...inputs.shape.slice(1)),
        targets: this.flatLabels.indexSelect(0, rows).view(length, this.members),
      };
    });
  }

  /**
   * One epoch's batches. Each batch is released when the next is asked for (or the loop ends), so a
   * training loop holds one batch at a time whatever scopes it opens: a consumer that keeps batch
   * data past its step copies it. Before, batches made outside the step's scope waited for garbage
   * collection, and with a small JavaScript heap that held ~170 MB per task at R = 5.
   */
  *epoch(): Iterable<Batch> {
    const order = this.epochOrder();
    try {
      for (let index = 0; index < this.batchesPerEpoch; index += 1) {
        const batch = this.batch(order, index);
        try {
          yield batch;
        } finally {
          batch.inputs.dispose();
          batch.targets.dispose();
        }
      }
    } finally {
      order.dispose();
    }
  }

  /** Frees the data and the flattened views of it (a view alone keeps the data's memory alive). */
  dispose(): void {
    for (const tensor of [this.flatImages, this.flatLabels, this.data.images, this.data.labels]) tensor.dispose();
  }
}
