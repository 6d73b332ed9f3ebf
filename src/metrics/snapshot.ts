// A model's view of an evaluation batch for the metrics: logits, every hidden layer's activations and
// the gradient of the loss with respect to each of them (for saturated_frac), from one forward and
// one backward pass of the whole population.
import { populationLoss, type LossName } from '../nn/loss.js';
import type { Model } from '../nn/models/model.js';
import { enableGrad, grad, scope, type Tensor } from '../tensor/index.js';

export interface Snapshot {
  /** [R, N, C] (detached). */
  logits: Tensor;
  /** Hidden activations by layer name, each [R, N, H] (detached), in depth order. */
  hidden: [string, Tensor][];
  /** ∂L/∂activations for each hidden layer, [R, N, H], where L is each member's mean loss (cross-entropy, or a regression's squared error). */
  gradients: [string, Tensor][];
}

/**
 * Runs `model` on `inputs` ([N, ...] shared or [N, R, ...], as Model.run takes them) with `targets`
 * ([N] or [R, N]) and returns logits, hidden activations and their gradients. The model's mode
 * (train/eval) is the caller's choice; parameters' .grad are left untouched.
 */
export function snapshot(model: Model, inputs: Tensor, targets: Tensor, loss: LossName = 'cross_entropy'): Snapshot {
  return scope(() =>
    enableGrad(() => {
      const output = model.run(inputs);
      const names = output.hidden.map(([name]) => name);
      const activations = output.hidden.map(([, value]) => value);
      const { total } = populationLoss(loss, output.logits, targets);
      const gradients = grad(total, activations, { allowUnused: true });
      return {
        logits: output.logits.detach(),
        hidden: names.map((name, i): [string, Tensor] => [name, activations[i].detach()]),
        gradients: names.map((name, i): [string, Tensor] => [name, gradients[i] ?? activations[i].detach().mul(0)]),
      };
    }),
  );
}
