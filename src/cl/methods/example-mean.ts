// The walk EWC's Fisher and MAS's importance share: over the first `samples` training examples of
// the task that ended, in eval mode (no dropout, BatchNorm's running statistics, so that each
// example's gradient is its own), the mean over examples of a function of each example's gradient,
// per parameter [R, ...].
import { inMode } from '../../nn/mode.js';
import { keep, noGrad, ops, type Tensor } from '../../tensor/index.js';
import type { Batch, LearnerState, TaskBoundary } from '../method.js';
import { forEachBatch } from './batches.js';
import { perExampleGradients, type OuterProductFactors } from './per-example-gradients.js';

export interface ExampleStatistic {
  /** Each example's scalar, [R, n], for the first n examples of a batch. */
  scalars(batch: Batch): Tensor;
  /** Per-example gradients [R, n, ...] to their sum over examples, [R, ...]. */
  sum(gradients: Tensor): Tensor;
  /** The same sum from a Linear layer's factors, when it has a closed form (powerSum). */
  sumFactored?(factors: OuterProductFactors): Tensor;
}

/** The statistic's mean over `samples` examples per member (null: the whole task), per parameter. */
export function meanOverExamples(state: LearnerState, boundary: TaskBoundary, samples: number | null, statistic: ExampleStatistic): Tensor[] {
  const parameters = state.model.parameters();
  const sums = parameters.map((parameter) => keep(ops.zerosLike(parameter)));
  const limit = samples ?? Number.POSITIVE_INFINITY;
  let seen = 0;
  inMode(state.model, false, () =>
    forEachBatch(boundary.batches(), (batch) => {
      const take = Math.min(batch.inputs.shape[0], limit - seen);
      const head = { inputs: batch.inputs.narrow(0, 0, take), targets: batch.targets.narrow(0, 0, take) };
      const sumFactored = statistic.sumFactored;
      perExampleGradients(
        state.model,
        parameters,
        () => statistic.scalars(head),
        (gradients) =>
          noGrad(() =>
            gradients.forEach((gradient, index) => {
              if (gradient) sums[index].add_(statistic.sum(gradient));
            }),
          ),
        sumFactored
          ? {
              reduceFactored: (index, factors) => {
                noGrad(() => sums[index].add_(sumFactored(factors)));
                return true;
              },
            }
          : {},
      );
      seen += take;
      return seen < limit;
    }),
  );
  noGrad(() => sums.forEach((value) => value.div_(Math.max(1, seen))));
  return sums;
}
