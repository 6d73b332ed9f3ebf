// Memory aware synapses (Aljundi, Babiloni, Elhoseiny, Rohrbach & Tuytelaars, ECCV 2018): a
// parameter matters as much as the learned function is sensitive to it, measured without labels:
//   Ω_t = (1/N) Σ_k | ∂ ‖F(x_k)‖²₂ / ∂θ |
// over N training examples of the task that ended, F the logits (the task's head in a
// task-incremental scenario: units outside it are left out). Importances add up over tasks and
// the penalty is (λ/2)·Σ_t Ω_t (θ − θ*_t)², the separate quadratic penalty of consolidation.ts (the
// paper writes λ·Σ Ω (θ − θ*)² with the Ω summed; λ here is twice the paper's for the same pull).
// Each example's gradient is its own: taken in eval mode, one per example (perExampleGradients).
import { inMode } from '../../nn/mode.js';
import { keep, noGrad, ops, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method, TaskBoundary } from '../method.js';
import { forEachBatch } from './batches.js';
import { QuadraticConsolidation } from './consolidation.js';
import { perExampleGradients } from './per-example-gradients.js';
import { ownEntries } from './state.js';
import { float, int, nullable, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export interface MasOptions {
  lambda: number;
  /** Training examples per member used to estimate the importance; null: the whole task. */
  samples: number | null;
}

export class MemoryAwareSynapses implements Method {
  readonly name = 'mas';
  private readonly penalty: QuadraticConsolidation;

  constructor(readonly options: MasOptions) {
    this.penalty = new QuadraticConsolidation(options.lambda, 'separate');
  }

  lossTerm(state: LearnerState): Tensor | null {
    return this.penalty.penalty(state.model.parameters());
  }

  afterTask(state: LearnerState, boundary: TaskBoundary): void {
    const importance = this.importance(state, boundary);
    this.penalty.consolidate(importance, state.model.parameters(), state.members);
    for (const value of importance) value.dispose();
  }

  /** Ω of the task that ended, per parameter [R, ...]. */
  importance(state: LearnerState, boundary: TaskBoundary): Tensor[] {
    const parameters = state.model.parameters();
    const sums = parameters.map((parameter) => keep(ops.zerosLike(parameter)));
    const limit = this.options.samples ?? Number.POSITIVE_INFINITY;
    let seen = 0;
    inMode(state.model, false, () =>
      forEachBatch(boundary.batches(), (batch) => {
        const take = Math.min(batch.inputs.shape[0], limit - seen);
        const inputs = batch.inputs.narrow(0, 0, take);
        perExampleGradients(
          state.model,
          parameters,
          () => {
            const logits = state.forward(inputs).logits;
            // Masked units are -inf: they are outside the task's head and count as 0.
            return ops.where(ops.isfinite(logits), logits, ops.zerosLike(logits)).square().sum(2);
          },
          (gradients) =>
            noGrad(() =>
              gradients.forEach((gradient, index) => {
                if (gradient) sums[index].add_(gradient.abs().sum(1));
              }),
            ),
        );
        seen += take;
        return seen < limit;
      }),
    );
    noGrad(() => sums.forEach((value) => value.div_(Math.max(1, seen))));
    return sums;
  }

  stateDict(): Map<string, Tensor> {
    return this.penalty.stateDict();
  }

  loadStateDict(state: Map<string, Tensor>): void {
    this.penalty.loadStateDict(ownEntries(state, this.name));
  }

  dispose(): void {
    this.penalty.dispose();
  }
}

export const masMethod = defineMethod({
  key: 'mas',
  help: 'memory aware synapses: a quadratic penalty weighted by the sensitivity of ‖F(x)‖² to each parameter (no labels)',
  algorithm: false,
  spec: optional(
    section(
      {
        lambda: float({ min: 0, default: 1, help: 'weight of the penalty (λ/2)·Σ_t Ω_t (θ − θ*_t)²' }),
        samples: nullable(int({ min: 1, default: 1000, help: 'training examples used to estimate Ω; null = all' })),
      },
      { help: 'memory aware synapses (Aljundi et al. 2018)' },
    ),
  ),
  build: ({ lambda, samples }) => new MemoryAwareSynapses({ lambda, samples }),
});
