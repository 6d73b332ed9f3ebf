// Methods are small hooks on the one training loop (docs/architecture.md, principle 3). Each hook is called
// once per step or per task boundary for the whole population; a method implements only the
// hooks it needs.
import type { ModelOutput } from '../nn/models/model.js';
import type { Model } from '../nn/models/model.js';
import type { Optimizer } from '../optim/index.js';
import type { Tensor } from '../tensor/index.js';

/** One training batch for the population, in the task tensors' layout: inputs [B, R, ...sample], targets [B, R]. */
export interface Batch {
  inputs: Tensor;
  targets: Tensor;
}

/**
 * The learner's forward pass: the logits the loss sees (with the task's head mask in task-incremental
 * scenarios) and the same logits without the mask, for methods that read other tasks' heads (LwF's
 * old heads, DER's stored logits, the loss of replayed examples from past tasks).
 */
export interface LearnerOutput extends ModelOutput {
  unmaskedLogits: Tensor;
}

/** What the learner exposes to methods. */
export interface LearnerState {
  readonly model: Model;
  /** Continual backprop resets the state of the units it replaces. */
  readonly optimizer: Optimizer;
  readonly members: number;
  readonly task: number;
  readonly step: number;
  /** Members still training (false after a NaN loss). */
  readonly active: boolean[];
  /** The model's forward pass with the task's head mask: the logits the loss sees. */
  forward(inputs: Tensor): LearnerOutput;
}

/** The data of the task that just ended, for methods that store something at a boundary. */
export interface TaskBoundary {
  task: number;
  /** The task's training batches, in training order. */
  batches: () => Iterable<Batch>;
}

export interface Method {
  readonly name: string;
  /**
   * Changes the batch before the forward pass (iCaRL appends stored exemplars). The batch's own
   * examples stay its first rows: the training accuracy counts those alone.
   */
  prepareBatch?(state: LearnerState, batch: Batch): Batch;
  /**
   * Replaces the supervised cross-entropy as the learning signal (the RL and Bio rules, docs/methods.md):
   * a scalar whose gradient trains every member, the sum over members. At most one method has it.
   */
  learningSignal?(state: LearnerState, output: LearnerOutput, batch: Batch): Tensor;
  /** A term added to the loss: a scalar, the sum over members of each member's penalty. */
  lossTerm?(state: LearnerState, output: LearnerOutput, batch: Batch): Tensor | null;
  /** Changes the gradients after backward, before the update (OGD's projection). */
  transformGradients?(state: LearnerState): void;
  /** Replaces the optimizer's update; returns true when it did (NTE). */
  update?(state: LearnerState, batch: Batch): boolean;
  /**
   * Replaces the model's logits at evaluation (iCaRL's nearest-mean-of-exemplars classifier): scores
   * [R, n, C] for inputs [n, R, ...] whose argmax is the prediction and whose softmax the reported
   * probabilities; null keeps the logits. Called in eval mode without gradients. At most one method has it.
   */
  predict?(state: LearnerState, inputs: Tensor): Tensor | null;
  /** Runs after the update (shrink and perturb, continual backprop). */
  afterStep?(state: LearnerState, output: LearnerOutput): void;
  beforeTask?(state: LearnerState, task: number): void;
  /** Runs when a task ends (store OGD basis, Fisher information, replay samples). */
  afterTask?(state: LearnerState, boundary: TaskBoundary): void;
  /**
   * Frees the method's tensors when its population is dropped (the expert after each task, the
   * joint baseline at the end). Needed by the rules a baseline also learns by (RL, Bio, NTE).
   */
  dispose?(): void;
  /** Tensors to save in a checkpoint so that a resumed run continues identically. */
  stateDict?(): Map<string, Tensor>;
  loadStateDict?(state: Map<string, Tensor>): void;
}
