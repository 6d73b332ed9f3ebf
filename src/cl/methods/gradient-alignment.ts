// Gradient alignment (Benjamin, Pehle & Daruwalla 2024: "gradient alignment is the problem"): the tangent-ensemble update
// assumes each parameter's tangent stays what it was at the expansion point, so its gradients
// should stay aligned with the gradients at initialisation. This measures how far they drift: the
// cosine between the loss gradient at the current weights and at the initial weights, on the same
// batch, per member. The seed's notebook weighted per-parameter cosines by parameter count; both
// that and the cosine of the whole gradient vector are returned.
import type { Model, ModelOutput } from '../../nn/models/model.js';
import { crossEntropy } from '../../nn/loss.js';
import { grad, noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { Batch } from '../method.js';
import { flattenMembers, keepingBuffers, withParameterValues } from './parameters.js';

export interface GradientAlignment {
  /** Cosine of the whole gradient vectors, [R]. */
  cosine: Tensor;
  /** Cosine per parameter tensor, [R, number of parameters], in namedParameters() order. */
  perParameter: Tensor;
  /** Per-parameter cosines weighted by each parameter's share of the entries, [R]. */
  weighted: Tensor;
}

/**
 * `initial` holds the parameters' initial values in namedParameters() order (e.g. an NTE expansion's
 * `initial`). `forward` defaults to model.run (pass the learner's, with its head mask, when there is
 * one). The model's parameters and buffers are unchanged afterwards.
 */
export function gradientAlignment(model: Model, initial: readonly Tensor[], batch: Batch, forward: (inputs: Tensor) => ModelOutput = (inputs) => model.run(inputs)): GradientAlignment {
  const parameters = model.parameters();
  if (initial.length !== parameters.length) throw new Error(`gradientAlignment: ${initial.length} initial values for ${parameters.length} parameters`);
  const members = model.members;
  const gradients = (): Tensor[] =>
    keepingBuffers(model, () =>
      grad(crossEntropy(forward(batch.inputs).logits, batch.targets.transpose(0, 1)).total, parameters, { allowUnused: true }).map((value, index) => value ?? ops.zerosLike(parameters[index])),
    );
  return scope(() => {
    const current = gradients();
    const atInit = withParameterValues(parameters, initial, gradients);
    return noGrad(() => {
      const cosine = (a: Tensor, b: Tensor): Tensor => a.mul(b).sum(1).div(a.norm(2, 1).mul(b.norm(2, 1)));
      const perParameter = ops.stack(
        current.map((value, index) => cosine(value.reshape(members, -1), atInit[index].reshape(members, -1))),
        1,
      );
      const shares = parameters.map((parameter) => parameter.numel);
      const total = shares.reduce((a, b) => a + b, 0);
      const weights = ops.stack(shares.map((share) => ops.full([], share / total, perParameter.dtypeName, null, perParameter.device)), 0);
      return {
        cosine: cosine(flattenMembers(current, members), flattenMembers(atInit, members)),
        perParameter,
        weighted: perParameter.mul(weights).sum(1),
      };
    });
  });
}
