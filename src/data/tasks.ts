// Task tensors: the data of one task for all R members at once, built from a scenario plan when the
// task starts and released when it ends, so that memory does not grow with the number of tasks.
//
// Layouts (docs/architecture.md):
//   canonical  images [N, R, ...], labels int64 [N, R]        samples first, easy to slice
//   batched    images [B_n, B, R, ...], labels [B_n, B, R]     one leading step per optimiser step
// Members may see different classes in the same task (class pairs), so sample selection is done
// for all members together with sort/gather/index_select; JavaScript loops only over members (for
// their private random streams) and over parts of a task, never over samples.
//
// Two ways to size a task (TaskDataOptions.balance):
// - 'classes': every class contributes the same number of samples (by default the smallest class
//   count among the plan's classes, or among all classes for class pairs), so every task, and every
//   member's view of it, has the same size N. Needed where members draw different classes: member
//   r's task must not be larger than member s's because it drew a frequent class.
// - 'none': every sample of the task's classes, the full splits (MNIST's 10,000 test images), as
//   the published Split-MNIST and permuted-MNIST protocols use. Members must then share their
//   classes; tasks may differ in size.
// Member r's selection and shuffles come from generators seeded by its member seed, the task and the
// purpose, so its data does not depend on how many members run beside it.
import { ops, scope, tensor, type Tensor } from '../tensor/index.js';
import type { Dataset } from './dataset.js';
import { MemberStreams, trainingStages, type ScenarioPlan, type TaskPart, type TaskPlan } from './scenarios/plan.js';
import { permutePixels, rotateImages, scaleToUnit } from './transforms.js';

export type Split = 'train' | 'test';

export interface TaskTensors {
  /** [N, R, ...]: sample-major, then members, then the transformed image dimensions. */
  images: Tensor;
  /** int64 [N, R]: each member's targets (original class ids or positions in the task). */
  labels: Tensor;
}

/** 'classes': equal counts per class; 'none': the full splits (members must share their classes). */
export type Balance = 'none' | 'classes';

export interface TaskDataOptions {
  /** How tasks are sized (see the head of this file); default 'classes'. */
  balance?: Balance;
  /**
   * Applied to gathered images [N, R, C, H, W] (after any pixel permutation); default scaleToUnit.
   * Compose normalize / flattenImages here.
   */
  transform?: (images: Tensor) => Tensor;
  /** Samples per class in a training task; default the smallest class count in the training split. */
  trainSamplesPerClass?: number;
  /** Samples per class in a task's test set; default the smallest class count in the test split. */
  testSamplesPerClass?: number;
  /** Where task tensors are placed (default: the dataset's device). */
  device?: string;
}

/** Samples of one split grouped by class: order[starts[c] .. starts[c]+counts[c]) are class c's. */
interface ClassIndex {
  order: Tensor;
  starts: Tensor;
  counts: Tensor;
  countList: number[];
  startList: number[];
  largest: number;
}

function classIndex(labels: Tensor, numClasses: number): ClassIndex {
  return scope(() => {
    const n = labels.shape[0];
    // Sorting label * n + position groups samples by class and keeps file order within a class,
    // whether or not the sort is stable.
    const [, order] = ops.sort(labels.mul(n).add(ops.arange(0, n, 1, 'int64', null, labels.device)), 0);
    const counts = ops.bincount(labels, null, numClasses);
    const starts = ops.cumsum(counts, 0).sub(counts);
    const countList = counts.toArray();
    return { order, starts, counts, countList, startList: starts.toArray(), largest: Math.max(...countList) };
  });
}

export interface EvaluationChunk {
  /** The plan's task indices in this chunk. */
  tasks: number[];
  /** [T_chunk, N, R, ...] */
  images: Tensor;
  /** int64 [T_chunk, N, R] */
  labels: Tensor;
}

/** Test sets of tracked tasks: held resident when they fit the budget, otherwise built chunk by chunk. */
export class EvaluationSets {
  readonly resident: boolean;
  /** Bytes of one task's test set (images and labels). */
  readonly bytesPerTask: number;
  /** Tasks per chunk: all of them when resident. */
  readonly chunkSize: number;
  private held: EvaluationChunk | null = null;

  constructor(
    private readonly data: ScenarioData,
    readonly tasks: number[],
    budgetBytes: number,
  ) {
    if (tasks.length === 0) throw new Error('evaluationSets: no tracked tasks given');
    const first = data.test(tasks[0]);
    this.bytesPerTask = tensorBytes(first.images) + tensorBytes(first.labels);
    first.images.dispose();
    first.labels.dispose();
    this.chunkSize = Math.max(1, Math.min(tasks.length, Math.floor(budgetBytes / this.bytesPerTask)));
    this.resident = this.chunkSize === tasks.length;
    if (this.resident) this.held = data.testStack(tasks);
  }

  /**
   * The chunks in task order. A chunk that is not resident is disposed when the loop moves on (or
   * stops), so hold on to nothing from it beyond the loop body.
   */
  *chunks(): IterableIterator<EvaluationChunk> {
    if (this.held) {
      yield this.held;
      return;
    }
    for (let start = 0; start < this.tasks.length; start += this.chunkSize) {
      const chunk = this.data.testStack(this.tasks.slice(start, start + this.chunkSize));
      try {
        yield chunk;
      } finally {
        chunk.images.dispose();
        chunk.labels.dispose();
      }
    }
  }

  dispose(): void {
    if (this.held) {
      this.held.images.dispose();
      this.held.labels.dispose();
      this.held = null;
    }
  }
}

function tensorBytes(t: Tensor): number {
  const size: Record<string, number> = { float64: 8, int64: 8, float32: 4, int32: 4, float16: 2, bfloat16: 2, int16: 2 };
  return t.numel * (size[t.dtypeName] ?? 1);
}

/** A scenario plan bound to a dataset: builds any task's tensors on request. */
export class ScenarioData {
  readonly trainSamplesPerClass: number;
  readonly testSamplesPerClass: number;
  readonly balance: Balance;
  private readonly index: Record<Split, ClassIndex>;
  private readonly transform: (images: Tensor) => Tensor;
  private readonly device: string;
  private readonly streams: MemberStreams;

  constructor(
    readonly dataset: Dataset,
    readonly plan: ScenarioPlan,
    options: TaskDataOptions = {},
  ) {
    if (plan.datasetClasses !== dataset.classes.length) {
      throw new Error(`task data: the plan was made for ${plan.datasetClasses} classes (${plan.dataset}) but dataset ${dataset.name} has ${dataset.classes.length}`);
    }
    this.streams = new MemberStreams(plan.memberSeeds);
    this.transform = options.transform ?? scaleToUnit;
    this.device = options.device ?? dataset.trainImages.device;
    this.index = { train: classIndex(dataset.trainLabels, plan.datasetClasses), test: classIndex(dataset.testLabels, plan.datasetClasses) };
    this.balance = options.balance ?? 'classes';
    if (this.balance === 'none') {
      const differing = plan.tasks.find((task) => task.parts.some((part) => part.classes.some((classes) => classes.join() !== part.classes[0].join())));
      if (differing) {
        throw new Error(
          `task data: balance 'none' (the full splits) needs every member to share its classes, but members draw different classes in task ${differing.index} (${plan.scenario}); use dataset.balance=classes`,
        );
      }
      if (options.trainSamplesPerClass !== undefined || options.testSamplesPerClass !== undefined) {
        throw new Error("task data: samples per class are set by balance 'classes'; with balance 'none' every sample is used");
      }
    }
    // Class pairs are drawn per member from every class, so the default size comes from all of them:
    // from the drawn ones only, member r's task size would depend on what the other members drew.
    const candidates =
      plan.scenario === 'class_pairs'
        ? new Set(Array.from({ length: plan.datasetClasses }, (_, c) => c))
        : new Set(plan.tasks.flatMap((task) => task.parts.flatMap((part) => part.classes.flat())));
    this.trainSamplesPerClass = this.samplesPerClass('train', candidates, options.trainSamplesPerClass);
    this.testSamplesPerClass = this.samplesPerClass('test', candidates, options.testSamplesPerClass);
  }

  private samplesPerClass(split: Split, candidates: Set<number>, requested: number | undefined): number {
    const counts = this.index[split].countList;
    let smallest = -1;
    for (const c of candidates) if (smallest < 0 || counts[c] < counts[smallest]) smallest = c;
    const available = counts[smallest];
    const name = `class ${smallest} ('${this.dataset.classes[smallest]}')`;
    if (available === 0) {
      throw new Error(`task data: dataset ${this.dataset.name} has no ${split} images of ${name}; every class the scenario can draw needs ${split} images`);
    }
    if (requested === undefined) return available;
    if (!Number.isInteger(requested) || requested < 1) throw new Error(`task data: ${split}SamplesPerClass must be a positive integer, got ${requested}`);
    if (requested > available) {
      throw new Error(`task data: ${split}SamplesPerClass ${requested} exceeds the ${available} ${split} images of ${name} in ${this.dataset.name}; at most ${available}`);
    }
    return requested;
  }

  /** Number of training stages: the plan's tasks, or 1 for a joint plan. */
  get stages(): number {
    return trainingStages(this.plan).length;
  }

  /** Samples N in a stage's training set. */
  trainSize(stage: number): number {
    return this.stageTasks(stage).reduce((n, task) => n + this.taskSize(task, 'train'), 0);
  }

  /** Samples N in a task's test set. */
  testSize(task: number): number {
    return this.taskSize(this.taskPlan(task), 'test');
  }

  private taskSize(task: TaskPlan, split: Split): number {
    return task.parts.reduce((n, part) => n + part.classes[0].reduce((sum, c) => sum + this.classTake(split, c), 0), 0);
  }

  /** Samples of class c in a task's `split` set: the balanced count, or all of them. */
  private classTake(split: Split, c: number): number {
    if (this.balance === 'none') return this.index[split].countList[c];
    return split === 'train' ? this.trainSamplesPerClass : this.testSamplesPerClass;
  }

  private stageTasks(stage: number): TaskPlan[] {
    const stages = trainingStages(this.plan);
    if (!Number.isInteger(stage) || stage < 0 || stage >= stages.length) throw new RangeError(`training stage ${stage} is outside 0..${stages.length - 1}`);
    return stages[stage];
  }

  private taskPlan(task: number): TaskPlan {
    if (!Number.isInteger(task) || task < 0 || task >= this.plan.tasks.length) throw new RangeError(`task ${task} is outside 0..${this.plan.tasks.length - 1}`);
    return this.plan.tasks[task];
  }

  /** Training data of a stage, canonical layout, shuffled per member. The caller disposes it. */
  train(stage: number): TaskTensors {
    return this.materialize(this.stageTasks(stage), 'train', stage);
  }

  /**
   * The training data of several stages, one after another along the samples, each as train(stage)
   * gives it: the joint baseline's data. The stages are gathered in the dataset's own dtype and
   * transformed once, which gives the bytes of transforming each stage (the transform is elementwise)
   * without a float copy of every stage beside the whole. The caller disposes it.
   */
  trainConcatenated(stages: readonly number[]): TaskTensors {
    const sizes = stages.map((stage) => this.trainSize(stage));
    const total = sizes.reduce((a, b) => a + b, 0);
    return scope(() => {
      let whole: TaskTensors | null = null;
      let offset = 0;
      stages.forEach((stage, index) => {
        // Each stage is copied into its place and released before the next is gathered.
        const part = this.gather(this.stageTasks(stage), 'train', stage);
        whole ??= {
          images: ops.empty([total, ...part.images.shape.slice(1)], part.images.dtypeName, null, part.images.device),
          labels: ops.empty([total, ...part.labels.shape.slice(1)], part.labels.dtypeName, null, part.labels.device),
        };
        whole.images.narrow(0, offset, sizes[index]).copy_(part.images);
        whole.labels.narrow(0, offset, sizes[index]).copy_(part.labels);
        part.images.dispose();
        part.labels.dispose();
        offset += sizes[index];
      });
      return this.finish(whole!);
    });
  }

  /** Test set of a task, canonical layout, in a fixed per-member random order. The caller disposes it. */
  test(task: number): TaskTensors {
    return this.materialize([this.taskPlan(task)], 'test', task);
  }

  /**
   * Builds a stage's training data, runs `body` on it and disposes it afterwards, also when `body`
   * returns a promise (disposed once it settles) or throws.
   */
  withTrain<T>(stage: number, body: (data: TaskTensors) => T): T {
    const data = this.train(stage);
    const release = () => {
      data.images.dispose();
      data.labels.dispose();
    };
    let result: T;
    try {
      result = body(data);
    } catch (error) {
      release();
      throw error;
    }
    if (result instanceof Promise) return result.finally(release) as T;
    release();
    return result;
  }

  /**
   * The batched layout [B_n, batchSize, R, ...] of canonical data: epoch 0 is a view of its order;
   * later epochs reshuffle each member's samples with a generator seeded by (member, stage, epoch).
   * The N mod batchSize samples left over (different ones each epoch) are dropped.
   */
  batches(data: TaskTensors, batchSize: number, stage: number, epoch = 0): TaskTensors {
    const [n, members] = data.labels.shape;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > n) throw new RangeError(`batches: batch size ${batchSize} must lie in 1..${n} (the task's samples)`);
    const numBatches = Math.floor(n / batchSize);
    return scope(() => {
      let { images, labels } = data;
      if (epoch > 0) {
        const order = this.memberOrders(n, members, ['epoch', stage, epoch]);
        images = reorderSamples(images, order);
        labels = ops.gather(labels, 0, order.T.to(labels.device));
      }
      const used = numBatches * batchSize;
      return {
        images: images.narrow(0, 0, used).reshape(numBatches, batchSize, ...images.shape.slice(1)),
        labels: labels.narrow(0, 0, used).reshape(numBatches, batchSize, members),
      };
    });
  }

  /** The first S samples of each listed task's test set: images [T, S, R, ...], labels [T, S, R]. */
  snapshots(tasks: number[], samples: number): { images: Tensor; labels: Tensor } {
    return scope(() => {
      const per = tasks.map((task) => {
        const size = this.testSize(task);
        if (!Number.isInteger(samples) || samples < 1 || samples > size) {
          throw new RangeError(`snapshots: ${samples} samples per task, but task ${task}'s test set has ${size}; choose 1..${size}`);
        }
        const { images, labels } = this.test(task);
        return { images: images.narrow(0, 0, samples), labels: labels.narrow(0, 0, samples) };
      });
      return { images: ops.stack(per.map((p) => p.images), 0), labels: ops.stack(per.map((p) => p.labels), 0) };
    });
  }

  /** Test sets of several tasks stacked: [T, N, R, ...]; the tasks must have the same N (always so with balance 'classes'). */
  testStack(tasks: number[]): EvaluationChunk {
    const sizes = tasks.map((task) => this.testSize(task));
    if (sizes.some((size) => size !== sizes[0])) throw new Error(`testStack: tasks ${tasks.join(', ')} have test sets of ${sizes.join(', ')} samples; only equal sizes stack (balance 'classes')`);
    return scope(() => {
      const sets = tasks.map((task) => this.test(task));
      return { tasks: [...tasks], images: ops.stack(sets.map((s) => s.images), 0), labels: ops.stack(sets.map((s) => s.labels), 0) };
    });
  }

  /** Test sets of the tracked tasks, resident when they fit `budgetBytes` (default 1 GiB), else chunked. */
  evaluationSets(tasks: number[], budgetBytes = 2 ** 30): EvaluationSets {
    return new EvaluationSets(this, tasks, budgetBytes);
  }

  /** Releases the class indexes; the dataset stays with its owner. */
  dispose(): void {
    for (const index of Object.values(this.index)) {
      index.order.dispose();
      index.starts.dispose();
      index.counts.dispose();
    }
  }

  /** Per member, a random order of n samples: int64 [R, n]. */
  private memberOrders(n: number, members: number, purpose: (string | number)[]): Tensor {
    return scope(() => ops.stack(Array.from({ length: members }, (_, r) => ops.randperm(n, this.streams.member(r, ...purpose))), 0));
  }

  /**
   * Chooses samplesPerClass random samples of each of the part's classes for every member:
   * sample ids and targets, both int64 [R, k * samplesPerClass].
   */
  private select(part: TaskPart, split: Split, purpose: (string | number)[]): { ids: Tensor; targets: Tensor } {
    if (this.balance === 'none') return this.selectAll(part, split);
    const index = this.index[split];
    const perClass = split === 'train' ? this.trainSamplesPerClass : this.testSamplesPerClass;
    const members = this.plan.members;
    const k = part.classes[0].length;
    // Keys for as many slots as the largest class of the split has, whatever this member's classes:
    // then member r's random numbers do not depend on which classes the other members drew.
    const widest = index.largest;
    const device = index.order.device;
    const classes = tensor(BigInt64Array.from(part.classes.flat(), BigInt), { shape: [members, k], device });
    // Random keys, with the slots beyond each class's count pushed past every real key; the positions
    // of the smallest keys are a uniform sample without replacement from each class.
    const keys = ops.stack(Array.from({ length: members }, (_, r) => ops.rand([k, widest], this.streams.member(r, split, ...purpose))), 0).to(device);
    const counts = index.counts.indexSelect(0, classes.flatten()).reshape(members, k, 1);
    const slots = ops.arange(0, widest, 1, 'int64', null, device).reshape(1, 1, widest);
    const [, ranked] = ops.sort(ops.maskedFill(keys, slots.ge(counts), 2), 2);
    const offsets = ranked.narrow(2, 0, perClass);
    const positions = index.starts.indexSelect(0, classes.flatten()).reshape(members, k, 1).add(offsets);
    const ids = index.order.indexSelect(0, positions.flatten()).reshape(members, k * perClass);
    const targets =
      this.plan.labels === 'class'
        ? classes.unsqueeze(2).expand(members, k, perClass)
        : ops.arange(part.labelOffset, part.labelOffset + k, 1, 'int64', null, device).reshape(1, k, 1).expand(members, k, perClass);
    return { ids, targets: targets.reshape(members, k * perClass) };
  }

  /**
   * Every sample of the part's classes, shared by all members (balance 'none'), in file order within
   * a class; materialize() shuffles them per member. Ids and targets int64 [R, n].
   */
  private selectAll(part: TaskPart, split: Split): { ids: Tensor; targets: Tensor } {
    const index = this.index[split];
    const members = this.plan.members;
    const classes = part.classes[0];
    const device = index.order.device;
    const ids = ops.cat(classes.map((c) => index.order.narrow(0, index.startList[c], index.countList[c])), 0);
    const targets = ops.cat(
      classes.map((c, k) => ops.full([index.countList[c]], this.plan.labels === 'class' ? c : part.labelOffset + k, 'int64', null, device)),
      0,
    );
    return { ids: ids.unsqueeze(0).expand(members, ids.shape[0]).contiguous(), targets: targets.unsqueeze(0).expand(members, targets.shape[0]).contiguous() };
  }

  /** Pixel permutations of a part: null (none), int64 [P] (shared) or [R, P] (per member). */
  private permutation(part: TaskPart): Tensor | null {
    const seeds = part.permutations;
    if (seeds.every((s) => s === null)) return null;
    const pixels = this.dataset.height * this.dataset.width;
    const make = (seed: number | null) => (seed === null ? ops.arange(0, pixels, 1, 'int64') : ops.randperm(pixels, this.streams.seeded(seed)));
    if (seeds.every((s) => s === seeds[0])) return make(seeds[0]);
    return ops.stack(seeds.map(make), 0);
  }

  /**
   * Builds the data of some tasks for every member. A part's selection is seeded by its task and
   * position in the task, so a joint stage holds exactly the samples of the sequential tasks; the
   * final order is seeded by the stage (or, for test sets, the task).
   */
  private materialize(tasks: TaskPlan[], split: Split, position: number): TaskTensors {
    return scope(() => this.finish(this.gather(tasks, split, position)));
  }

  /** Gathered data, transformed and placed on the data's device. */
  private finish({ images, labels }: TaskTensors): TaskTensors {
    const transformed = this.transform(images);
    if (transformed.device !== this.device) return { images: transformed.to(this.device), labels: labels.to(this.device) };
    return { images: transformed, labels };
  }

  /** materialize() before the transform: the images in the dataset's dtype (after pixel permutations and rotations). */
  private gather(tasks: TaskPlan[], split: Split, position: number): TaskTensors {
    return scope(() => {
      const source = split === 'train' ? this.dataset.trainImages : this.dataset.testImages;
      const parts = tasks.flatMap((task) => task.parts.map((part, p) => ({ part, selected: this.select(part, split, [task.index, p]) })));
      const n = parts.reduce((total, { selected }) => total + selected.ids.shape[1], 0);
      const order = this.memberOrders(n, this.plan.members, [split, 'order', position]);
      const targets = ops.gather(ops.cat(parts.map(({ selected }) => selected.targets), 1), 1, order);
      const permutations = parts.map(({ part }) => this.permutation(part));
      let images: Tensor;
      if (permutations.every((p) => p === null) && parts.every(({ part }) => !part.rotation)) {
        // Shuffle the ids, then gather the images once, already in their final order.
        images = gatherRows(source, ops.gather(ops.cat(parts.map(({ selected }) => selected.ids), 1), 1, order));
      } else {
        const blocks = parts.map(({ selected }, p) => {
          const rows = gatherRows(source, selected.ids);
          const permutation = permutations[p];
          const rotation = parts[p].part.rotation;
          const moved = permutation === null ? rows : permutePixels(rows, permutation.to(rows.device));
          return rotation ? rotateImages(moved, rotation) : moved;
        });
        images = reorderSamples(ops.cat(blocks, 0), order);
      }
      return { images, labels: targets.T.contiguous() };
    });
  }
}

/** source [M, ...] gathered by ids [R, n] into [n, R, ...]. */
function gatherRows(source: Tensor, ids: Tensor): Tensor {
  const [members, n] = ids.shape;
  return source.indexSelect(0, ids.T.contiguous().flatten().to(source.device)).reshape(n, members, ...source.shape.slice(1));
}

/** images [n, R, ...] reordered per member: new sample i of member r is old sample order[r][i]. */
function reorderSamples(images: Tensor, order: Tensor): Tensor {
  const [members, n] = order.shape;
  const rows = order.T.mul(members).add(ops.arange(0, members, 1, 'int64').reshape(1, members)).flatten().to(images.device);
  return images.reshape(n * members, ...images.shape.slice(2)).indexSelect(0, rows).reshape(...images.shape);
}
