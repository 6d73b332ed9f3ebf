// iCaRL (Rebuffi, Kolesnikov, Sperl & Lampert, "iCaRL: incremental classifier and representation
// learning", CVPR 2017). Per member:
// - a memory of at most K exemplars shared equally by the classes seen so far, m = ⌊K / classes⌋
//   each; when a task ends, every old class keeps the first m of its exemplars and every new class
//   gets m chosen by herding (the paper's Algorithm 4): with φ the L2-normalised features of the
//   network's last hidden layer and μ their class mean, the k-th exemplar is the example, not yet
//   chosen, that brings the running mean (φ(p_1) + … + φ(p_k)) / k closest to μ. Exemplars are kept
//   in that order, so cutting a class's list to its first m keeps the best m.
// - training on the new data together with exemplars (the paper's Algorithm 3): each batch gets
//   `batch_ratio` × its size exemplars appended, drawn uniformly from the memory (the paper trains on
//   the union of both sets; the ratio fixes the mixture instead of the sets' sizes), and the
//   loss is the paper's binary cross-entropy over every output, with targets the one-hot label for
//   the classes not yet in memory and, for the classes in memory, the sigmoid of the outputs of the
//   network as it was when the task began (distillation).
// - the nearest-mean-of-exemplars classifier at evaluation (Algorithm 1): y* = argmin_y ‖φ(x) − μ_y‖
//   with μ_y the normalised mean of class y's exemplars' features under the current network
//   (the paper also averages over flipped images; not done here). The scores given in place of the
//   logits are −‖φ(x) − μ_y‖²; classes without exemplars get −5, below any possible score since
//   φ(x) and μ_y are unit vectors (distance at most 2), so the reported loss stays finite.
// Members may see different classes: the memory is slots by order of arrival, one class per member
// in each slot, rows [k·m, (k+1)·m) for slot k; a row a member has no exemplar for has label −1.
import { inMode } from '../../nn/mode.js';
import type { Model } from '../../nn/models/model.js';
import { keep, noGrad, ops, scope, tensor, type Tensor } from '../../tensor/index.js';
import type { Batch, LearnerOutput, LearnerState, Method, TaskBoundary } from '../method.js';
import { forEachBatch } from './batches.js';
import { cloneAll, withParameterValues } from './parameters.js';
import type { MemberRandom } from './random.js';
import { ownEntries } from './state.js';
import { float, int, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export interface IcarlOptions {
  /** K, the exemplars each member keeps over all classes. */
  memorySize: number;
  /** Exemplars appended to each batch, as a fraction of its size. */
  batchRatio: number;
}

/** The score of a class with no exemplars: below −‖a − b‖² for any unit vectors a and b. */
const ABSENT_SCORE = -5;

/** L2-normalised features of the model's last hidden layer, [R, n, D]. */
export function normalisedFeatures(model: Model, inputs: Tensor): Tensor {
  const { hidden } = model.run(inputs);
  if (hidden.length === 0) throw new Error('method.icarl: the model has no hidden layer to take features from; use a model with one (model.hidden)');
  const features = hidden[hidden.length - 1][1];
  const flat = features.reshape(features.shape[0], features.shape[1], -1);
  return flat.div(ops.clamp(ops.norm(flat, 2, [2], true), 1e-12, null));
}

/**
 * Herding (Rebuffi et al. 2017, Algorithm 4) for every member at once: features [R, N, D], mask
 * [R, N] (true for the class's examples). Returns the chosen indices [count, R] in order; pick i of
 * member r is meaningful only when i < that member's number of class examples.
 */
export function herd(features: Tensor, mask: Tensor, count: number): Tensor {
  return scope(() => {
    const phi = features.to('float64');
    const [members, , width] = phi.shape;
    const weight = mask.to('float64').unsqueeze(2);
    const mean = phi.mul(weight).sum(1).div(ops.clamp(weight.sum(1), 1, null)); // [R, D]
    const squaredNorms = phi.pow(2).sum(2); // [R, N]
    const running = ops.zeros([members, width], 'float64', null, phi.device);
    const available = mask.to('float64').clone();
    const picks: Tensor[] = [];
    for (let k = 1; k <= count; k += 1) {
      // Each step's temporaries are [R, N]; released here, or a long herd would hold them all.
      const pick = scope(() => {
        // ‖μ − (S + φ_n)/k‖² = ‖a‖² − (2/k)·a·φ_n + ‖φ_n‖²/k² with a = μ − S/k; ‖a‖² is the same for every n.
        const a = mean.sub(running.div(k));
        const distance = squaredNorms.div(k * k).sub(ops.matmul(phi, a.unsqueeze(2)).squeeze(2).mul(2 / k));
        const chosen = ops.argmin(ops.where(available.gt(0), distance, ops.fullLike(distance, Number.POSITIVE_INFINITY)), 1); // [R]
        running.add_(phi.gather(1, chosen.view(members, 1, 1).expand(members, 1, width)).squeeze(1));
        ops.scatter_(available, 1, chosen.unsqueeze(1), ops.zeros([members, 1], 'float64', null, phi.device));
        return keep(chosen);
      });
      picks.push(pick);
    }
    const result = ops.stack(picks, 0);
    for (const pick of picks) pick.dispose();
    return result;
  });
}

export class IncrementalClassifierRepresentation implements Method {
  readonly name = 'icarl';
  /** Exemplars [M, R, ...] and their labels [M, R] (−1: no exemplar), slot by slot. */
  private images: Tensor | null = null;
  private labels: Tensor | null = null;
  /** Classes per member the memory is shared by (slots of ⌊K / slots⌋ rows). */
  private slots = 0;
  /** The parameters when the current task began; null before the first exemplars. */
  private teacher: Tensor[] | null = null;
  /** The teacher's logits on the batch being trained, [R, B, C]. */
  private teacherLogits: Tensor | null = null;

  constructor(
    readonly options: IcarlOptions,
    private readonly random: MemberRandom,
  ) {
    if (!Number.isInteger(options.memorySize) || options.memorySize < 1) throw new Error(`method.icarl.memory_size must be a whole number >= 1, got ${options.memorySize}`);
  }

  beforeTask(state: LearnerState): void {
    if (!this.labels) return;
    this.dropTeacher();
    this.teacher = keep(cloneAll(state.model.parameters()));
  }

  prepareBatch(state: LearnerState, batch: Batch): Batch {
    this.teacherLogits?.dispose();
    this.teacherLogits = null;
    if (!this.images || !this.labels) return batch;
    const combined = this.withExemplars(batch);
    if (this.teacher) {
      const model = state.model;
      this.teacherLogits = keep(withParameterValues(model.parameters(), this.teacher, () => inMode(model, false, () => noGrad(() => model.run(combined.inputs).logits))));
    }
    return combined;
  }

  /** The paper's loss: binary cross-entropy on every output, distilled targets for the classes in memory. */
  learningSignal(_state: LearnerState, output: LearnerOutput, batch: Batch): Tensor {
    const logits = output.unmaskedLogits;
    const classes = logits.shape[2];
    const targets = noGrad(() => {
      const labels = ops.oneHot(batch.targets.transpose(0, 1).to('int64'), classes).to(logits.dtypeName); // [R, B, C]
      if (!this.teacherLogits || !this.labels) return labels;
      if (this.teacherLogits.shape[1] !== logits.shape[1]) throw new Error(`icarl: the teacher saw ${this.teacherLogits.shape[1]} examples but the loss ${logits.shape[1]}; a method changed the batch after iCaRL's prepareBatch`);
      return ops.where(this.classesInMemory(classes).unsqueeze(1), ops.sigmoid(this.teacherLogits), labels);
    });
    // reduction 0: none.
    return ops.binaryCrossEntropyWithLogits(logits, targets, null, null, 0).sum(2).mean(1).sum();
  }

  /** Nearest mean of exemplars: −‖φ(x) − μ_y‖², [R, n, C]; null before the first exemplars. */
  predict(state: LearnerState, inputs: Tensor): Tensor | null {
    if (!this.images || !this.labels) return null;
    const model = state.model;
    const classes = model.numClasses;
    const exemplars = normalisedFeatures(model, this.images); // [R, M, D]
    const membership = this.membership(classes); // [R, M, C]
    const counts = membership.sum(1); // [R, C]
    const sums = ops.matmul(membership.transpose(1, 2), exemplars.to('float64')); // [R, C, D]
    const means = sums.div(ops.clamp(ops.norm(sums, 2, [2], true), 1e-12, null));
    const features = normalisedFeatures(model, inputs).to('float64'); // [R, n, D]
    const distance = features.unsqueeze(2).sub(means.unsqueeze(1)).pow(2).sum(3); // [R, n, C]
    const present = counts.gt(0).unsqueeze(1).expand(distance.shape[0], distance.shape[1], classes);
    return ops.where(present, distance.neg(), ops.fullLike(distance, ABSENT_SCORE)).to('float32');
  }

  afterTask(state: LearnerState, boundary: TaskBoundary): void {
    const model = state.model;
    const members = model.members;
    const next = inMode(model, false, () =>
      noGrad(() =>
        scope(() => {
          const images: Tensor[] = [];
          const labels: Tensor[] = [];
          const features: Tensor[] = [];
          forEachBatch(boundary.batches(), (batch) => {
            images.push(keep(batch.inputs.clone()));
            labels.push(keep(batch.targets.to('int64')));
            features.push(keep(normalisedFeatures(model, batch.inputs)));
          });
          const taskImages = ops.cat(images, 0); // [N, R, ...]
          const taskLabels = ops.cat(labels, 0); // [N, R]
          const taskFeatures = ops.cat(features, 1); // [R, N, D]
          for (const value of [...images, ...labels, ...features]) value.dispose();
          const total = taskLabels.shape[0];
          const known = this.knownClasses();
          const labelRows = taskLabels.transpose(0, 1).to('float64').contiguous().toArray();
          const fresh = Array.from({ length: members }, (_, member) => [...new Set(labelRows.slice(member * total, (member + 1) * total))].filter((label) => !known[member].has(label)).sort((a, b) => a - b));
          const newSlots = Math.max(...fresh.map((list) => list.length));
          const oldSlots = this.slots;
          if (newSlots === 0) return null;
          const slots = oldSlots + newSlots;
          const oldPerClass = oldSlots > 0 ? Math.floor(this.options.memorySize / oldSlots) : 0;
          const perClass = Math.floor(this.options.memorySize / slots);
          if (perClass < 1) throw new Error(`method.icarl.memory_size ${this.options.memorySize} is smaller than the ${slots} classes seen; raise it to at least ${slots}`);
          const keptImages: Tensor[] = [];
          const keptLabels: Tensor[] = [];
          if (this.images && this.labels) {
            const sample = this.images.shape.slice(2);
            keptImages.push(this.images.view(oldSlots, oldPerClass, members, ...sample).narrow(1, 0, perClass).reshape(oldSlots * perClass, members, ...sample));
            keptLabels.push(this.labels.view(oldSlots, oldPerClass, members).narrow(1, 0, perClass).reshape(oldSlots * perClass, members));
          }
          const sample = taskImages.shape.slice(2);
          const memberIndex = ops.arange(0, members, 1, 'int64', null, taskImages.device);
          for (let slot = 0; slot < newSlots; slot += 1) {
            const label = tensor(fresh.map((list) => list[slot] ?? -1), { dtype: 'int64', device: taskImages.device }); // [R]
            const mask = taskLabels.transpose(0, 1).eq(label.unsqueeze(1)); // [R, N]
            const picks = herd(taskFeatures, mask, perClass); // [m, R]
            const available = mask.sum(1); // [R]
            const valid = ops.arange(0, perClass, 1, 'int64', null, taskImages.device).unsqueeze(1).lt(available.unsqueeze(0)); // [m, R]
            const flat = picks.mul(members).add(memberIndex).reshape(-1);
            keptImages.push(taskImages.reshape(total * members, ...sample).indexSelect(0, flat).view(perClass, members, ...sample));
            keptLabels.push(ops.where(valid, label.unsqueeze(0).expand(perClass, members), ops.fullLike(picks, -1)));
          }
          return { slots, ...keep({ images: ops.cat(keptImages, 0), labels: ops.cat(keptLabels, 0) }) };
        }),
      ),
    );
    if (!next) return;
    this.dropMemory();
    this.images = next.images;
    this.labels = next.labels;
    this.slots = next.slots;
  }

  stateDict(): Map<string, Tensor> {
    const result = new Map<string, Tensor>(this.random.stateDict());
    if (this.images && this.labels) {
      result.set('images', this.images);
      result.set('labels', this.labels);
      result.set('slots', ops.full([], this.slots, 'int64'));
    }
    this.teacher?.forEach((value, index) => result.set(`teacher.${index}`, value));
    return result;
  }

  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    this.dispose();
    this.random.loadStateDict(own);
    const images = own.get('images');
    const labels = own.get('labels');
    if (images && labels) {
      this.images = keep(images.clone());
      this.labels = keep(labels.clone());
      this.slots = Number(own.get('slots')!.item());
    }
    const count = [...own.keys()].filter((key) => key.startsWith('teacher.')).length;
    if (count > 0) this.teacher = Array.from({ length: count }, (_, index) => keep(own.get(`teacher.${index}`)!.clone()));
  }

  dispose(): void {
    this.dropTeacher();
    this.dropMemory();
  }

  /** The batch with exemplars appended, drawn uniformly from each member's filled rows. */
  private withExemplars(batch: Batch): Batch {
    const images = this.images!;
    const labels = this.labels!;
    const [rows, members] = labels.shape;
    const device = images.device;
    const valid = labels.ge(0);
    const filled = valid.sum(0).to('float64'); // [R]
    if (Number(filled.min().item()) === 0) return batch;
    const count = Math.max(1, Math.round(this.options.batchRatio * batch.inputs.shape[0]));
    // Each member's filled rows first, in row order; a uniform draw among the first filled[r].
    const slot = ops.arange(0, rows, 1, 'float64', null, device).unsqueeze(1).expand(rows, members);
    const [, order] = ops.sort(ops.where(valid, slot, ops.fullLike(slot, Number.POSITIVE_INFINITY)), 0);
    const u = this.random.uniform_(ops.empty([members, count], 'float64', null, device), 0, 1).transpose(0, 1);
    const position = ops.clamp(ops.floor(u.mul(filled.unsqueeze(0))), 0, rows - 1).to('int64');
    const chosen = order.gather(0, position); // [count, R]
    const flat = chosen.mul(members).add(ops.arange(0, members, 1, 'int64', null, device)).reshape(-1);
    const sample = images.shape.slice(2);
    return {
      inputs: ops.cat([batch.inputs, images.reshape(rows * members, ...sample).indexSelect(0, flat).view(count, members, ...sample).to(batch.inputs.dtypeName)], 0),
      targets: ops.cat([batch.targets, labels.reshape(-1).indexSelect(0, flat).view(count, members).to(batch.targets.dtypeName)], 0),
    };
  }

  /** Which exemplar row belongs to which class, [R, M, C] as 0/1 (rows without an exemplar: all 0). */
  private membership(classes: number): Tensor {
    const labels = this.labels!.transpose(0, 1);
    return ops.oneHot(ops.clamp(labels, 0, null), classes).to('float64').mul(labels.ge(0).unsqueeze(2).to('float64'));
  }

  /** The classes with exemplars, per member, [R, C] as booleans. */
  private classesInMemory(classes: number): Tensor {
    return this.membership(classes).amax([1]).gt(0);
  }

  /** The classes each member has exemplars of. */
  private knownClasses(): Set<number>[] {
    const members = this.random.members;
    if (!this.labels) return Array.from({ length: members }, () => new Set<number>());
    const rows = this.labels.shape[0];
    const values = this.labels.transpose(0, 1).to('float64').contiguous().toArray();
    return Array.from({ length: members }, (_, member) => new Set(values.slice(member * rows, (member + 1) * rows).filter((label) => label >= 0)));
  }

  private dropMemory(): void {
    this.images?.dispose();
    this.labels?.dispose();
    this.images = null;
    this.labels = null;
    this.slots = 0;
  }

  private dropTeacher(): void {
    for (const value of [...(this.teacher ?? []), ...(this.teacherLogits ? [this.teacherLogits] : [])]) value.dispose();
    this.teacher = null;
    this.teacherLogits = null;
  }
}

/** Salt of the members' exemplar-sampling streams. */
const SALT = 1_000_000_087;

export const icarlMethod = defineMethod({
  key: 'icarl',
  help: 'iCaRL: herding exemplars, distillation on old classes, nearest-mean-of-exemplars classifier at evaluation',
  algorithm: false,
  spec: optional(
    section(
      {
        memory_size: int({ min: 1, default: 2000, help: 'K: exemplars per member over all classes, m = K / classes seen for each' }),
        batch_ratio: float({ above: 0, default: 1.0, help: 'exemplars appended to each batch, as a fraction of batch_size' }),
      },
      { help: 'iCaRL (Rebuffi, Kolesnikov, Sperl & Lampert 2017)' },
    ),
  ),
  check(_value, config, problem) {
    // ER-ACE replaces the loss as iCaRL does; GDumb never learns from the stream iCaRL trains on.
    for (const key of ['er_ace', 'gdumb']) if (config.method[key] !== undefined) problem(`method.${key}`, `method.icarl trains by its own loss on the stream and exemplars, which method.${key} replaces; remove one of them`);
  },
  build: ({ memory_size: memorySize, batch_ratio: batchRatio }, context) => new IncrementalClassifierRepresentation({ memorySize, batchRatio }, context.random(SALT)),
});
