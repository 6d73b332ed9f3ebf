// The learner: a population, its optimizer and its methods, stepping through batches. One step
// trains all R members; a member whose loss turns NaN or infinite stops training, and the others go on.
import { populationLoss, type LossName } from '../nn/loss.js';
import type { Model } from '../nn/models/model.js';
import type { Predictor } from './evaluate.js';
import type { Optimizer } from '../optim/index.js';
import { noGrad, scope, type Tensor } from '../tensor/index.js';
import type { Batch, LearnerOutput, LearnerState, Method, TaskBoundary } from './method.js';

export type NanPolicy = 'member' | 'run';

export interface StepResult {
  /** Each member's loss on the batch (NaN for stopped members). */
  loss: Float32Array;
  /**
   * Each member's number of correct predictions on the batch's own examples (not those a method
   * appends); NaN for a regression loss, where no prediction is correct or wrong.
   */
  correct: Float32Array;
}

export class NonFiniteLossError extends Error {}

export class Learner implements LearnerState {
  task = 0;
  step = 0;
  readonly active: boolean[];
  /** Why each stopped member stopped. */
  readonly stopReasons: (string | null)[];

  constructor(
    readonly model: Model,
    readonly optimizer: Optimizer,
    readonly methods: Method[] = [],
    readonly nanPolicy: NanPolicy = 'member',
    /** Logit offsets [C] (0 or -inf) for task-incremental heads; null: single head. */
    public headMask: Tensor | null = null,
    /** The loss the members train on and report: the cross-entropy, or the squared error of a regression. */
    readonly loss: LossName = 'cross_entropy',
  ) {
    this.active = Array(model.members).fill(true);
    this.stopReasons = Array(model.members).fill(null);
  }

  get members(): number {
    return this.model.members;
  }

  trainStep(batch: Batch): StepResult {
    this.model.train();
    const result = scope(() => {
      let current = batch;
      for (const method of this.methods) if (method.prepareBatch) current = method.prepareBatch(this, current);
      const output = this.forward(current.inputs);
      const targets = current.targets.transpose(0, 1); // [R, B]
      const loss = populationLoss(this.loss, output.logits, targets);
      // The reported loss is always the population's loss; a method may train on another signal.
      const signal = this.methods.find((method) => method.learningSignal);
      let total = signal ? signal.learningSignal!(this, output, current) : loss.total;
      for (const method of this.methods) {
        const term = method.lossTerm?.(this, output, current);
        if (term) total = total.add(term);
      }
      const perMemberLoss = loss.perMember.data() as Float32Array;
      this.stopNonFinite(perMemberLoss);
      this.optimizer.zeroGrad();
      total.backward();
      for (const method of this.methods) method.transformGradients?.(this);
      const handled = this.methods.some((method) => method.update?.(this, current) === true);
      if (!handled) this.optimizer.step();
      for (const method of this.methods) method.afterStep?.(this, output);
      // Correct predictions among the batch's own examples, the first rows of the prepared batch: a
      // method's appended examples (iCaRL's exemplars) are trained on but not counted, so that the
      // accuracy is per example of the task's stream and at most 1.
      const own = batch.inputs.shape[0];
      const correct =
        this.loss === 'mse'
          ? new Float32Array(this.members).fill(Number.NaN)
          : (noGrad(() => output.logits.narrow(1, 0, own).argmax(2).eq(targets.narrow(1, 0, own)).sum(1).float()).data() as Float32Array);
      return { loss: perMemberLoss, correct };
    });
    this.step += 1;
    return result;
  }

  forward(inputs: Tensor): LearnerOutput {
    const output = this.model.run(inputs);
    return { ...output, logits: this.headMask ? output.logits.add(this.headMask) : output.logits, unmaskedLogits: output.logits };
  }

  /** What evaluation scores inputs [n, R, ...] by: a method's prediction (null: the model's logits). */
  readonly predict: Predictor = (inputs) => {
    const method = this.methods.find((candidate) => candidate.predict);
    return method ? method.predict!(this, inputs) : null;
  };

  beginTask(task: number): void {
    this.task = task;
    for (const method of this.methods) method.beforeTask?.(this, task);
  }

  endTask(boundary: TaskBoundary): void {
    for (const method of this.methods) method.afterTask?.(this, boundary);
  }

  /**
   * Frees the population: its methods' tensors, its optimizer's state, parameters and buffers. For
   * the baselines made and dropped every task, whose memory would otherwise wait for garbage
   * collection.
   */
  dispose(): void {
    for (const method of this.methods) method.dispose?.();
    this.optimizer.dispose();
    for (const parameter of this.model.parameters()) parameter.dispose();
    for (const [, buffer] of this.model.namedBuffers()) buffer.dispose();
  }

  private stopNonFinite(perMemberLoss: Float32Array): void {
    let changed = false;
    perMemberLoss.forEach((value, member) => {
      if (this.active[member] && !Number.isFinite(value)) {
        const reason = `loss became ${value} at task ${this.task}, step ${this.step}`;
        if (this.nanPolicy === 'run') {
          throw new NonFiniteLossError(`member ${member}: ${reason}; the run stops (training.nan_policy=run). Lower the learning rate or set training.nan_policy=member to let the other members go on.`);
        }
        this.active[member] = false;
        this.stopReasons[member] = reason;
        changed = true;
      }
    });
    if (changed) this.optimizer.setActiveMembers(this.active);
  }

  /** Throws when no member is left training (nan_policy=member): the run has nothing left to learn. */
  checkSomeActive(): void {
    if (this.active.some(Boolean)) return;
    const reasons = this.stopReasons.map((reason, member) => `member ${member}: ${reason}`).join('; ');
    throw new NonFiniteLossError(`all ${this.members} members stopped (${reasons}); the run stops. Lower optimizer.lr, or check the data and the method's strength.`);
  }
}

