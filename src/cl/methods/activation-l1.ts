// An L1 penalty on hidden activations, for sparse representations (docs/methods.md, Regularisers).
import { float, optional } from '../../config/spec.js';
import type { ModelOutput } from '../../nn/models/model.js';
import type { Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import { defineMethod, hiddenLayerCount } from './definition.js';

/**
 * λ·Σ_layers mean|h| per member, the mean over the batch and the layer's units, summed over members.
 * Convolutional layers report one unit per channel (its spatial mean), so for them the term is
 * λ·mean|spatial mean of h|, which equals mean|h| after a ReLU.
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

export const activationL1Method = defineMethod({
  key: 'l1',
  help: 'L1 penalty on hidden activations, for sparse representations',
  algorithm: false,
  spec: optional(float({ min: 0, default: 1.0, help: 'λ of the loss term λ·Σ mean|h| over hidden activations (sparsity penalty, docs/methods.md, Regularisers)' })),
  check(_lambda, config, problem) {
    if (hiddenLayerCount(config.model) === 0) {
      problem('method.l1', 'method.l1 penalises hidden activations, but model.hidden=[] makes a linear model with none; add hidden layers or remove method.l1');
    }
  },
  build: (lambda) => new ActivationL1(lambda),
});
