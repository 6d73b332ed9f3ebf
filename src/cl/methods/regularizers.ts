// Loss terms on the weights and on the hidden activations (docs/methods.md, Regularisers).
import type { ModelOutput } from '../../nn/models/model.js';
import type { Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';

/**
 * L2 weight decay as a loss term: (λ/2)·‖θ_r‖² for each member, summed over members, over every
 * parameter. Its gradient λθ is what an optimizer's weight_decay adds (for SGD and Adam; AdamW's
 * decoupled decay is different), so use one or the other.
 */
export class WeightDecay implements Method {
  readonly name = 'l2';

  constructor(readonly lambda: number) {}

  lossTerm(state: LearnerState): Tensor | null {
    if (this.lambda === 0) return null;
    const parameters = state.model.parameters();
    let total = parameters[0].square().sum();
    for (const parameter of parameters.slice(1)) total = total.add(parameter.square().sum());
    return total.mul(this.lambda / 2);
  }
}

/**
 * Sparse activations (docs/methods.md, Regularisers): λ·Σ_layers mean|h| per member, the mean over the batch and the
 * layer's units, summed over members. Convolutional layers report one unit per channel (its spatial
 * mean), so for them the term is λ·mean|spatial mean of h|, which equals mean|h| after a ReLU.
 */
export class ActivationL1 implements Method {
  readonly name = 'l1';

  constructor(readonly lambda: number) {}

  lossTerm(_state: LearnerState, output: ModelOutput): Tensor | null {
    if (this.lambda === 0 || output.hidden.length === 0) return null;
    let total: Tensor | null = null;
    for (const [, activation] of output.hidden) {
      const perMember = activation.abs().reshape(activation.shape[0], -1).mean(1).sum();
      total = total ? total.add(perMember) : perMember;
    }
    return total!.mul(this.lambda);
  }
}
