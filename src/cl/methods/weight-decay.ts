// L2 weight decay as a loss term (docs/methods.md, Regularisers).
import { float, optional } from '../../config/spec.js';
import type { Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import { defineMethod } from './definition.js';

/**
 * (λ/2)·‖θ_r‖² for each member, summed over members, over every parameter. Its gradient λθ is what
 * an optimizer's weight_decay adds (for SGD and Adam; AdamW's decoupled decay is different), so use
 * one or the other.
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

export const weightDecayMethod = defineMethod({
  key: 'l2',
  help: 'L2 weight decay as a loss term',
  algorithm: false,
  spec: optional(float({ min: 0, default: 0.01, help: 'λ of the loss term λ/2·‖θ‖² (docs/methods.md, Regularisers)' })),
  build: (lambda) => new WeightDecay(lambda),
});
