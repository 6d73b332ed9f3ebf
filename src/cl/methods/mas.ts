// Memory aware synapses (Aljundi, Babiloni, Elhoseiny, Rohrbach & Tuytelaars, ECCV 2018): a
// parameter matters as much as the learned function is sensitive to it, measured without labels:
//   Ω_t = (1/N) Σ_k | ∂ ‖F(x_k)‖²₂ / ∂θ |
// over N training examples of the task that ended, F the logits (the task's head in a
// task-incremental scenario: units outside it are left out). Importances add up over tasks and
// the penalty is (λ/2)·Σ_t Ω_t (θ − θ*_t)², the separate quadratic penalty of consolidation.ts (the
// paper writes λ·Σ Ω (θ − θ*)² with the Ω summed; λ here is twice the paper's for the same pull).
// Each example's gradient is its own: taken in eval mode, one per example (perExampleGradients).
import { ops, type Tensor } from '../../tensor/index.js';
import type { LearnerState, TaskBoundary } from '../method.js';
import { ImportanceConsolidation, QuadraticConsolidation } from './consolidation.js';
import { meanOverExamples } from './example-mean.js';
import { float, int, nullable, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export interface MasOptions {
  lambda: number;
  /** Training examples per member used to estimate the importance; null: the whole task. */
  samples: number | null;
}

export class MemoryAwareSynapses extends ImportanceConsolidation {
  readonly name = 'mas';

  constructor(readonly options: MasOptions) {
    super(new QuadraticConsolidation(options.lambda, 'separate'));
  }

  /** Ω of the task that ended, per parameter [R, ...]. */
  importance(state: LearnerState, boundary: TaskBoundary): Tensor[] {
    return meanOverExamples(state, boundary, this.options.samples, {
      scalars: (batch) => {
        const logits = state.forward(batch.inputs).logits;
        // Masked units are -inf: they are outside the task's head and count as 0.
        return ops.where(ops.isfinite(logits), logits, ops.zerosLike(logits)).square().sum(2);
      },
      sum: (gradients) => gradients.abs().sum(1),
    });
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
