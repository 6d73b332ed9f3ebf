// Elastic weight consolidation (Kirkpatrick et al. 2017): after each task, estimate how much each
// parameter mattered to it (the diagonal of the Fisher information) and from then on pull the
// parameters back towards their end-of-task values with a spring of that stiffness (the quadratic
// penalty of consolidation.ts, one Fisher and anchor per task); mode online is online EWC (Schwarz
// et al. 2018), one running Fisher F ← γ·F + F_t anchored at the latest task's end.
// F_t is the empirical Fisher: per-example squared gradients of log p(y | x) at the true labels,
// averaged over `fisher_samples` training examples of the task, taken in eval mode (no dropout,
// BatchNorm's running statistics) so that each example's gradient is its own.
import type { Tensor } from '../../tensor/index.js';
import { ImportanceConsolidation, QuadraticConsolidation } from './consolidation.js';
import type { LearnerState, TaskBoundary } from '../method.js';
import { meanOverExamples } from './example-mean.js';
import { exampleLosses, memberTargets } from './learner-access.js';
import { powerSum } from './per-example-gradients.js';
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

export class ElasticWeightConsolidation extends ImportanceConsolidation {
  readonly name = 'ewc';

  constructor(readonly options: EwcOptions) {
    super(new QuadraticConsolidation(options.lambda, options.mode, options.gamma));
  }

  importance(state: LearnerState, boundary: TaskBoundary): Tensor[] {
    return this.fisher(state, boundary);
  }

  /** The empirical Fisher diagonal of the task that ended, per parameter [R, ...]. */
  fisher(state: LearnerState, boundary: TaskBoundary): Tensor[] {
    return meanOverExamples(state, boundary, this.options.fisherSamples, {
      scalars: (batch) => exampleLosses(state.forward(batch.inputs).logits, memberTargets(batch)),
      sum: (gradients) => gradients.square().sum(1),
      sumFactored: (factors) => powerSum(factors, 2),
    });
  }
}

export const ewcMethod = defineMethod({
  key: 'ewc',
  help: 'elastic weight consolidation: a quadratic penalty weighted by Fisher information; mode=online is online EWC (Schwarz et al. 2018)',
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
