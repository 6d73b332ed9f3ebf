// Experience replay from one buffer shared by the whole population (a central buffer, docs/methods.md).
//
// Members train on different classes, so a stored example is only meaningful to the member that
// saw it, with that member's label. The buffer is therefore one set of tensors in the task tensors'
// layout, images [M, R, ...] and labels [M, R]: slot m of member r holds an example of member r's
// past tasks. All members' slots are chosen and filled in the same vectorised operations.
//
// Policies, applied per member:
// - reservoir: a uniform random sample of every example seen so far. Each example gets a random
//   priority u ~ U(0, 1) when it arrives and the buffer keeps the M smallest; that is the same
//   distribution as Vitter's reservoir sampling, and lets a whole batch be merged at once.
// - class_balanced: the same priorities, but the M slots are shared equally between the classes seen
//   so far; a class with fewer examples than its share keeps them all and leaves its unused slots
//   to the others (water-filling), so the buffer stays full. A class keeps its smallest-priority
//   examples. Shares only shrink as examples and classes arrive, so an example dropped once would
//   never have been kept later: merging batch by batch chooses as if from all examples at once (up
//   to which classes get the slots left over when M does not divide evenly).
// The buffer is filled from each task's training data when the task ends; replayed examples are
// drawn uniformly from it and appended to every batch of the following tasks.
import { keep, noGrad, ops, scope, tensor, type Tensor } from '../../tensor/index.js';
import type { Batch, LearnerState, Method, TaskBoundary } from '../method.js';
import { forEachBatch } from './batches.js';
import type { MemberRandom } from './random.js';
import { ownEntries } from './state.js';
import { choice, float, int, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export type ReplayPolicy = 'reservoir' | 'class_balanced';

interface Stored {
  images: Tensor;
  labels: Tensor;
  priorities: Tensor;
  /** Something recorded with each example, [rows, R, ...] (DER's logits); null when nothing is. */
  extra: Tensor | null;
}

/** Examples drawn from the buffer, with what was recorded beside them. */
export interface ReplayedBatch extends Batch {
  extra: Tensor | null;
}

export class ReplayBuffer {
  private stored: Stored | null = null;
  /** Valid slots of each member (the first filled[r] rows). */
  filled: number[];

  constructor(
    readonly capacity: number,
    readonly policy: ReplayPolicy,
    private readonly random: MemberRandom,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ReplayBuffer: capacity must be a whole number >= 1, got ${capacity}`);
    this.filled = new Array<number>(random.members).fill(0);
  }

  get members(): number {
    return this.random.members;
  }

  /** Stored images [rows, R, ...], labels [rows, R] (extra [rows, R, ...]); rows beyond filled[r] are unused for member r. */
  get contents(): { images: Tensor; labels: Tensor; extra: Tensor | null } | null {
    return this.stored;
  }

  /**
   * Merges new examples, images [N, R, ...] and labels [N, R], into the buffer; `extra` [N, R, ...]
   * is kept beside each example (give it with every call or with none).
   */
  add(images: Tensor, labels: Tensor, extra: Tensor | null = null): void {
    const members = this.members;
    if (images.shape[1] !== members || labels.shape[1] !== members) {
      throw new Error(`ReplayBuffer.add: expected images [N, ${members}, ...] and labels [N, ${members}], got [${images.shape}] and [${labels.shape}]`);
    }
    const next = noGrad(() =>
      scope(() => {
        const arriving = images.shape[0];
        const priorities = this.random.uniform_(ops.empty([members, arriving], 'float64', null, images.device), 0, 1).transpose(0, 1);
        const old = this.stored;
        const rows = old ? old.images.shape[0] : 0;
        const candidates = {
          images: old ? ops.cat([old.images, images], 0) : images,
          labels: old ? ops.cat([old.labels, labels.to('int64')], 0) : labels.to('int64'),
          priorities: old ? ops.cat([old.priorities, priorities], 0) : priorities,
          extra: extra ? (old?.extra ? ops.cat([old.extra, extra.detach()], 0) : extra.detach()) : null,
        };
        const total = rows + arriving;
        const filled = tensor(Float64Array.from(this.filled), { device: images.device });
        const slot = ops.arange(0, total, 1, 'float64', null, images.device).unsqueeze(1); // [T, 1]
        // Old rows past a member's fill count and every new row: is the candidate a real example?
        const valid = ops.logicalOr(slot.lt(filled.unsqueeze(0)), slot.ge(rows));
        const selected = this.select(candidates.labels, candidates.priorities, valid); // [T, R]
        const counts = Array.from(selected.sum(0).data() as ArrayLike<number | bigint>, Number);
        const keepRows = Math.min(this.capacity, Math.max(...counts));
        // Chosen candidates first (in candidate order); the first keepRows rows are the new buffer.
        const packKey = ops.where(selected, slot.expand(total, members), ops.fullLike(slot.expand(total, members), Number.POSITIVE_INFINITY));
        const [, order] = ops.sort(packKey, 0);
        const chosen = order.narrow(0, 0, keepRows); // [keepRows, R] candidate indices
        const flat = chosen.mul(members).add(ops.arange(0, members, 1, 'int64', null, images.device)).reshape(-1);
        const gather = (value: Tensor): Tensor => value.reshape(total * members, ...value.shape.slice(2)).indexSelect(0, flat).view(keepRows, members, ...value.shape.slice(2));
        const stored = { images: gather(candidates.images), labels: gather(candidates.labels), priorities: gather(candidates.priorities), extra: candidates.extra ? gather(candidates.extra) : null };
        return { stored: keep(stored), counts };
      }),
    );
    this.dispose();
    this.stored = next.stored;
    this.filled = next.counts.map((count) => Math.min(count, this.capacity));
  }

  /** `count` stored examples per member, drawn uniformly with replacement; null while any member has none. */
  sample(count: number): ReplayedBatch | null {
    const stored = this.stored;
    if (!stored || Math.min(...this.filled) === 0) return null;
    const members = this.members;
    const device = stored.images.device;
    const u = this.random.uniform_(ops.empty([members, count], 'float64', null, device), 0, 1).transpose(0, 1);
    const limits = tensor(Float64Array.from(this.filled), { device }).unsqueeze(0);
    const rows = stored.images.shape[0];
    const slots = ops.clamp(ops.floor(u.mul(limits)), 0, rows - 1).to('int64');
    const flat = slots.mul(members).add(ops.arange(0, members, 1, 'int64', null, device)).reshape(-1);
    const pick = (value: Tensor): Tensor => value.reshape(rows * members, ...value.shape.slice(2)).indexSelect(0, flat).view(count, members, ...value.shape.slice(2));
    return { inputs: pick(stored.images), targets: pick(stored.labels), extra: stored.extra ? pick(stored.extra) : null };
  }

  stateDict(): Map<string, Tensor> {
    const result = new Map<string, Tensor>(this.random.stateDict());
    if (this.stored) {
      result.set('images', this.stored.images);
      result.set('labels', this.stored.labels);
      result.set('priorities', this.stored.priorities);
      if (this.stored.extra) result.set('extra', this.stored.extra);
      result.set('filled', tensor(Float64Array.from(this.filled)));
    }
    return result;
  }

  loadStateDict(state: Map<string, Tensor>): void {
    this.random.loadStateDict(state);
    const images = state.get('images');
    this.dispose();
    if (!images) {
      this.filled = new Array<number>(this.members).fill(0);
      return;
    }
    const extra = state.get('extra');
    this.stored = keep({ images: images.clone(), labels: state.get('labels')!.clone(), priorities: state.get('priorities')!.clone(), extra: extra ? extra.clone() : null });
    this.filled = state.get('filled')!.toArray();
  }

  dispose(): void {
    if (!this.stored) return;
    this.stored.images.dispose();
    this.stored.labels.dispose();
    this.stored.priorities.dispose();
    this.stored.extra?.dispose();
    this.stored = null;
  }

  /**
   * Which candidates the policy keeps, [T, R]: within each group (one group for reservoir, one per
   * class for class_balanced) the valid candidates with the smallest priorities, up to the group's
   * share of the capacity.
   */
  private select(labels: Tensor, priorities: Tensor, valid: Tensor): Tensor {
    const total = labels.shape[0];
    const groups = this.policy === 'class_balanced' ? ops.where(valid, labels, ops.zerosLike(labels)) : ops.zerosLike(labels);
    const groupCount = this.policy === 'class_balanced' ? Number(groups.max().item()) + 1 : 1;
    // Sort by (group, priority); invalid candidates last.
    const composite = ops.where(valid, groups.to('float64').mul(2).add(priorities), ops.fullLike(priorities, Number.POSITIVE_INFINITY));
    const [, order] = ops.sort(composite, 0);
    const sortedGroups = groups.gather(0, order);
    const sortedValid = valid.gather(0, order);
    // Valid candidates per member and group, [R, G], and where each group starts in sorted order.
    const counts = ops.oneHot(groups, groupCount).mul(valid.unsqueeze(2).to('int64')).sum(0);
    const starts = ops.cumsum(counts, 1).sub(counts);
    const position = ops.arange(0, total, 1, 'int64', null, labels.device).unsqueeze(1);
    const rank = position.sub(starts.gather(1, sortedGroups.transpose(0, 1)).transpose(0, 1));
    const shares = this.policy === 'class_balanced' ? waterFill(counts, this.capacity) : ops.clamp(counts, null, this.capacity);
    const sortedShares = shares.gather(1, sortedGroups.transpose(0, 1)).transpose(0, 1);
    const chosenSorted = ops.logicalAnd(sortedValid, rank.lt(sortedShares));
    // Back to candidate order.
    return ops.scatter_(ops.zerosLike(chosenSorted), 0, order, chosenSorted);
  }
}

/**
 * A method built around one replay buffer (experience replay, DER, ER-ACE, A-GEM, GDumb): the
 * buffer's checkpoint entries under the method's name, its release, and storing a whole task.
 */
export abstract class BufferedMethod implements Method {
  abstract readonly name: string;
  readonly buffer: ReplayBuffer;

  constructor(capacity: number, policy: ReplayPolicy, random: MemberRandom) {
    this.buffer = new ReplayBuffer(capacity, policy, random);
  }

  /** Merges every training example of the task that ended into the buffer. */
  protected storeTask(boundary: TaskBoundary): void {
    forEachBatch(boundary.batches(), (batch) => this.buffer.add(batch.inputs, batch.targets));
  }

  stateDict(): Map<string, Tensor> {
    return this.buffer.stateDict();
  }

  loadStateDict(state: Map<string, Tensor>): void {
    this.buffer.loadStateDict(ownEntries(state, this.name));
  }

  dispose(): void {
    this.buffer.dispose();
  }
}

export interface ReplayOptions {
  bufferSize: number;
  policy: ReplayPolicy;
  /** Replayed examples per batch, as a fraction of the batch's size. */
  batchRatio: number;
}

export class ExperienceReplay extends BufferedMethod {
  readonly name = 'replay';

  constructor(
    readonly options: ReplayOptions,
    random: MemberRandom,
  ) {
    super(options.bufferSize, options.policy, random);
  }

  prepareBatch(_state: LearnerState, batch: Batch): Batch {
    const count = Math.max(1, Math.round(this.options.batchRatio * batch.inputs.shape[0]));
    const replayed = this.buffer.sample(count);
    if (!replayed) return batch;
    return {
      inputs: ops.cat([batch.inputs, replayed.inputs.to(batch.inputs.dtypeName)], 0),
      targets: ops.cat([batch.targets, replayed.targets.to(batch.targets.dtypeName)], 0),
    };
  }

  afterTask(_state: LearnerState, boundary: TaskBoundary): void {
    this.storeTask(boundary);
  }
}

/**
 * Slots per class, [R, G], for class sizes counts [R, G] and M slots: every class gets
 * min(size, t) with the level t as high as M allows, and the slots left when M does not divide
 * evenly go one each to the classes cut at t, lowest label first.
 */
export function waterFill(counts: Tensor, capacity: number): Tensor {
  const groups = counts.shape[1];
  const [sorted] = ops.sort(counts, 1);
  const before = ops.cumsum(sorted, 1).sub(sorted).to('float64'); // sizes of the smaller classes
  const left = ops.arange(groups, 0, -1, 'float64', null, counts.device).unsqueeze(0); // classes from here on
  // If every smaller class is kept whole, the level the others share.
  const level = ops.floor(ops.full([], capacity, 'float64', null, counts.device).sub(before).div(left));
  const cut = sorted.to('float64').gt(level);
  const first = cut.to('int64').argmax(1, true);
  const threshold = ops.where(cut.sum(1, true).gt(0), level.gather(1, first), ops.full([], capacity, 'float64', null, counts.device));
  const base = ops.minimum(counts.to('float64'), threshold);
  const over = counts.to('float64').gt(threshold);
  const spare = ops.full([], capacity, 'float64', null, counts.device).sub(base.sum(1, true));
  const bonus = ops.logicalAnd(over, ops.cumsum(over.to('float64'), 1).sub(1).lt(spare));
  return base.add(bonus.to('float64')).to('int64');
}

/** Salt of the members' buffer-sampling streams. */
const SALT = 1_000_000_007;

export const replayMethod = defineMethod({
  key: 'replay',
  help: "experience replay: a buffer of past tasks' examples mixed into each batch",
  algorithm: false,
  spec: optional(
    section(
      {
        buffer_size: int({ min: 1, default: 1000, help: 'examples in the buffer shared by all members' }),
        policy: choice(['reservoir', 'class_balanced'] as const, { default: 'reservoir', help: 'which examples the buffer keeps' }),
        batch_ratio: float({ above: 0, default: 1.0, help: 'replayed examples per batch, as a fraction of batch_size' }),
      },
      { help: "experience replay from a buffer of past tasks' examples; part of the algorithm directory name" },
    ),
  ),
  build: (replay, context) => new ExperienceReplay({ bufferSize: replay.buffer_size, policy: replay.policy, batchRatio: replay.batch_ratio }, context.random(SALT)),
});
