// Elastic weight consolidation (Kirkpatrick et al. 2017): after each task, estimate how much each
// parameter mattered to it (the diagonal of the Fisher information) and from then on pull the
// parameters back towards their end-of-task values with a spring of that stiffness:
//   separate: (λ/2)·Σ_t Σ_i F_{t,i}·(θ_i − θ*_{t,i})²,  one Fisher and anchor per past task;
//   online (Schwarz et al. 2018): (λ/2)·Σ_i F_i·(θ_i − θ*_i)², with F ← γ·F + F_t and θ* the latest.
// The separate sum is kept in closed form, Σ_t F_t(θ − θ*_t)² = A(θ − m)² + c with A = Σ_t F_t and
// m = Σ_t F_t θ*_t / A, so its memory does not grow with the number of tasks.
// F_t is the empirical Fisher: per-example squared gradients of log p(y | x) at the true labels,
// averaged over `fisher_samples` training examples of the task, taken in eval mode (no dropout,
// BatchNorm's running statistics) so that each example's gradient is its own.
import { keep, noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method, TaskBoundary } from '../method.js';
import { forEachBatch } from './batches.js';
import { exampleLosses, memberTargets } from './learner-access.js';
import { inMode } from '../../nn/mode.js';
import { perExampleGradients, powerSum } from './per-example-gradients.js';
import { ownEntries } from './state.js';
import { choice, float, int, nullable, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export interface EwcOptions {
  lambda: number;
  mode: 'separate' | 'online';
  /** online: decay of the running Fisher at each task boundary. */
  gamma: number;
  /** Training examples per member used to estimate the Fisher; null: the whole task. */
  fisherSamples: number | null;
}

export class ElasticWeightConsolidation implements Method {
  readonly name = 'ewc';
  /** A: the summed (or running) Fisher per parameter. */
  private importance: Tensor[] | null = null;
  /** m: the anchor per parameter. */
  private anchor: Tensor[] = [];
  /** c: the constant of the closed form per member, [R] (0 for online). */
  private constant: Tensor | null = null;

  constructor(readonly options: EwcOptions) {}

  lossTerm(state: LearnerState): Tensor | null {
    if (!this.importance || this.options.lambda === 0) return null;
    const parameters = state.model.parameters();
    let total = this.constant!.sum();
    parameters.forEach((parameter, index) => {
      total = total.add(this.importance![index].mul(parameter.sub(this.anchor[index]).square()).sum());
    });
    return total.mul(this.options.lambda / 2);
  }

  afterTask(state: LearnerState, boundary: TaskBoundary): void {
    const fisher = this.fisher(state, boundary);
    const parameters = state.model.parameters();
    noGrad(() => {
      const members = state.members;
      const perMember = (values: Tensor[]): Tensor => ops.stack(values.map((value) => value.reshape(members, -1).sum(1)), 1).sum(1);
      const next = scope(() => {
        const ends = parameters.map((parameter) => parameter.detach());
        if (!this.importance) return keep({ importance: fisher.map((value) => value.clone()), anchor: ends.map((value) => value.clone()), constant: ops.zeros([members], ends[0].dtypeName, null, ends[0].device) });
        if (this.options.mode === 'online') {
          return keep({
            importance: this.importance.map((value, index) => value.mul(this.options.gamma).add(fisher[index])),
            anchor: ends.map((value) => value.clone()),
            constant: ops.zerosLike(this.constant!),
          });
        }
        const importance = this.importance.map((value, index) => value.add(fisher[index]));
        const anchor = importance.map((total, index) => {
          const weighted = this.importance![index].mul(this.anchor[index]).add(fisher[index].mul(ends[index]));
          return ops.where(total.gt(0), weighted.div(total), ends[index]);
        });
        // c' = c + Σ [F θ*² + A m² − A' m'²], per member.
        const change = perMember(fisher.map((value, index) => value.mul(ends[index].square()).add(this.importance![index].mul(this.anchor[index].square())).sub(importance[index].mul(anchor[index].square()))));
        return keep({ importance, anchor, constant: this.constant!.add(change) });
      });
      this.dispose();
      this.importance = next.importance;
      this.anchor = next.anchor;
      this.constant = next.constant;
    });
    for (const value of fisher) value.dispose();
  }

  /** The empirical Fisher diagonal of the task that ended, per parameter [R, ...]. */
  fisher(state: LearnerState, boundary: TaskBoundary): Tensor[] {
    const parameters = state.model.parameters();
    const sums = parameters.map((parameter) => keep(ops.zerosLike(parameter)));
    const limit = this.options.fisherSamples ?? Number.POSITIVE_INFINITY;
    let seen = 0;
    inMode(state.model, false, () =>
      forEachBatch(boundary.batches(), (batch) => {
        const take = Math.min(batch.inputs.shape[0], limit - seen);
        const inputs = batch.inputs.narrow(0, 0, take);
        const targets = memberTargets({ inputs, targets: batch.targets.narrow(0, 0, take) });
        perExampleGradients(
          state.model,
          parameters,
          () => exampleLosses(state.forward(inputs).logits, targets),
          (gradients) =>
            noGrad(() =>
              gradients.forEach((gradient, index) => {
                if (gradient) sums[index].add_(gradient.square().sum(1));
              }),
            ),
          {
            reduceFactored: (index, factors) => {
              noGrad(() => sums[index].add_(powerSum(factors, 2)));
              return true;
            },
          },
        );
        seen += take;
        return seen < limit;
      }),
    );
    noGrad(() => sums.forEach((value) => value.div_(Math.max(1, seen))));
    return sums;
  }

  stateDict(): Map<string, Tensor> {
    const result = new Map<string, Tensor>();
    if (!this.importance) return result;
    this.importance.forEach((value, index) => result.set(`importance.${index}`, value));
    this.anchor.forEach((value, index) => result.set(`anchor.${index}`, value));
    result.set('constant', this.constant!);
    return result;
  }

  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    this.dispose();
    if (!own.has('constant')) return;
    const count = [...own.keys()].filter((key) => key.startsWith('importance.')).length;
    this.importance = Array.from({ length: count }, (_, index) => keep(own.get(`importance.${index}`)!.clone()));
    this.anchor = Array.from({ length: count }, (_, index) => keep(own.get(`anchor.${index}`)!.clone()));
    this.constant = keep(own.get('constant')!.clone());
  }

  dispose(): void {
    for (const value of [...(this.importance ?? []), ...this.anchor, ...(this.constant ? [this.constant] : [])]) value.dispose();
    this.importance = null;
    this.anchor = [];
    this.constant = null;
  }
}

export const ewcMethod = defineMethod({
  key: 'ewc',
  help: 'elastic weight consolidation: a quadratic penalty weighted by Fisher information',
  algorithm: false,
  spec: optional(
    section(
      {
        lambda: float({ min: 0, default: 100, help: 'weight of the quadratic penalty' }),
        mode: choice(['separate', 'online'] as const, { default: 'separate', help: 'separate: one Fisher and anchor per task; online: one running Fisher' }),
        gamma: float({ min: 0, max: 1, default: 1.0, help: 'online: decay of the running Fisher at each task boundary' }),
        fisher_samples: nullable(int({ min: 1, default: 1000, help: 'training examples used to estimate the Fisher; null = all' })),
      },
      { help: 'elastic weight consolidation (Kirkpatrick et al. 2017)' },
    ),
  ),
  build: ({ lambda, mode, gamma, fisher_samples: fisherSamples }) => new ElasticWeightConsolidation({ lambda, mode, gamma, fisherSamples }),
});
