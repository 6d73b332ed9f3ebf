// Learning without forgetting (Li & Hoiem, "Learning without forgetting", ECCV 2016 / TPAMI 2018):
// when a task begins, the network as it is becomes a frozen teacher; while the new task trains, the
// outputs the teacher gave on the new task's own inputs for the units of past tasks are kept as soft
// targets, so no old data is stored. Per member, with T the temperature and O the units (classes or
// task-incremental head outputs) of its past tasks:
//   λ · mean_b [ −Σ_{o∈O} softmax(t_b/T)_o · log softmax(s_b/T)_o ]
// where t and s are the teacher's and the student's logits restricted to O (the paper's "modified
// cross-entropy", λ_o = 1 and T = 2 there). The past units are distilled through one softmax; the
// paper keeps one softmax per old head, which is the same when there is one past task.
// The teacher's logits are taken before the student's forward pass (prepareBatch), with the
// teacher's weights put into the model in place, in eval mode (no dropout, no BatchNorm update).
import { inMode } from '../../nn/mode.js';
import { keep, noGrad, ops, type Tensor } from '../../tensor/index.js';
import type { Batch, LearnerOutput, LearnerState, Method } from '../method.js';
import { cloneAll, withParameterValues } from './parameters.js';
import { ownEntries } from './state.js';
import { float, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export interface LwfOptions {
  /** λ, the weight of the distillation term. */
  lambda: number;
  /** T, the temperature of both softmaxes. */
  temperature: number;
}

export class LearningWithoutForgetting implements Method {
  readonly name = 'lwf';
  /** The parameters at the start of the current task, [R, ...] each; null during the first task. */
  private teacher: Tensor[] | null = null;
  /** Units each member has been trained on so far, [R, C] as 0/1. */
  private seen: Tensor | null = null;
  /** Units of each member's past tasks when the teacher was taken, [R, C] as 0/1. */
  private past: Tensor | null = null;
  /** The teacher's logits on the batch being trained, [R, B, C]. */
  private teacherLogits: Tensor | null = null;

  constructor(readonly options: LwfOptions) {}

  beforeTask(state: LearnerState): void {
    if (!this.seen) return;
    this.dropTeacher();
    this.teacher = keep(cloneAll(state.model.parameters()));
    this.past = keep(this.seen.clone());
  }

  prepareBatch(state: LearnerState, batch: Batch): Batch {
    this.teacherLogits?.dispose();
    this.teacherLogits = null;
    if (this.teacher) {
      const parameters = state.model.parameters();
      this.teacherLogits = keep(withParameterValues(parameters, this.teacher, () => inMode(state.model, false, () => noGrad(() => state.model.run(batch.inputs).logits))));
    }
    return batch;
  }

  lossTerm(_state: LearnerState, output: LearnerOutput, batch: Batch): Tensor | null {
    const logits = output.unmaskedLogits;
    const [members, , classes] = logits.shape;
    noGrad(() => {
      const units = ops.oneHot(batch.targets.transpose(0, 1).to('int64'), classes).amax([1]).to(logits.dtypeName); // [R, C]
      const next = keep(this.seen ? ops.maximum(this.seen, units) : units.clone());
      this.seen?.dispose();
      this.seen = next;
    });
    if (!this.teacherLogits || !this.past || this.options.lambda === 0) return null;
    if (this.teacherLogits.shape[1] !== logits.shape[1]) throw new Error(`lwf: the teacher saw ${this.teacherLogits.shape[1]} examples but the loss ${logits.shape[1]}; a method changed the batch after LwF's prepareBatch`);
    const offset = noGrad(() => ops.where(this.past!.gt(0), ops.zerosLike(this.past!), ops.fullLike(this.past!, Number.NEGATIVE_INFINITY)).unsqueeze(1)); // [R, 1, C]
    const t = this.options.temperature;
    const targets = ops.softmax(this.teacherLogits.div(t).add(offset), 2);
    // Units outside O have target probability 0; their -inf log-probabilities must not make 0·(−∞).
    const logProbabilities = ops.logSoftmax(logits.div(t).add(offset), 2);
    const finite = ops.where(this.past.gt(0).unsqueeze(1).expand(members, logits.shape[1], classes), logProbabilities, ops.zerosLike(logProbabilities));
    return targets.mul(finite).sum(2).mean(1).sum().neg().mul(this.options.lambda);
  }

  stateDict(): Map<string, Tensor> {
    const result = new Map<string, Tensor>();
    if (this.seen) result.set('seen', this.seen);
    if (this.past) result.set('past', this.past);
    this.teacher?.forEach((value, index) => result.set(`teacher.${index}`, value));
    return result;
  }

  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    this.dispose();
    const seen = own.get('seen');
    const past = own.get('past');
    if (seen) this.seen = keep(seen.clone());
    if (past) this.past = keep(past.clone());
    const count = [...own.keys()].filter((key) => key.startsWith('teacher.')).length;
    if (count > 0) this.teacher = Array.from({ length: count }, (_, index) => keep(own.get(`teacher.${index}`)!.clone()));
  }

  dispose(): void {
    this.dropTeacher();
    this.seen?.dispose();
    this.seen = null;
  }

  private dropTeacher(): void {
    for (const value of [...(this.teacher ?? []), ...(this.past ? [this.past] : []), ...(this.teacherLogits ? [this.teacherLogits] : [])]) value.dispose();
    this.teacher = null;
    this.past = null;
    this.teacherLogits = null;
  }
}

export const lwfMethod = defineMethod({
  key: 'lwf',
  help: "learning without forgetting: distil the network of the task's start on past tasks' units",
  algorithm: false,
  spec: optional(
    section(
      {
        lambda: float({ min: 0, default: 1, help: 'weight of the distillation term (λ_o of the paper)' }),
        temperature: float({ above: 0, default: 2, help: "T of the teacher's and the student's softmax" }),
      },
      { help: 'learning without forgetting (Li & Hoiem 2016)' },
    ),
  ),
  build: ({ lambda, temperature }) => new LearningWithoutForgetting({ lambda, temperature }),
});
