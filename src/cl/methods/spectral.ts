// Spectral regularisation (Lewandowski, Bortkiewicz, Kumar, György, Schuurmans, Ostaszewski &
// Machado 2024, "Learning Continually by Spectral Regularization"): keep the largest singular value
// of every layer near 1, where it stands at initialisation and where gradients stay diverse,
//   λ · Σ_layers (σ_max(W̃_l)^k − 1)²   per member, summed over members,
// with W̃_l the layer's weight as a matrix [out, in·kernel] with its bias appended as a column, and
// k = 2 by default, as the paper's. σ_max is computed exactly (linalg_svdvals, whose gradient is
// u₁v₁ᵀ for a simple top singular value) rather than by the paper's one power-iteration step per
// update, which estimates the same number; the layers here are small enough for an exact SVD.
import { float, optional, section } from '../../config/spec.js';
import { Conv2d } from '../../nn/conv.js';
import { Linear } from '../../nn/linear.js';
import type { Model } from '../../nn/models/model.js';
import { ops, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import { defineMethod } from './definition.js';

export interface SpectralOptions {
  /** λ. */
  lambda: number;
  /** k, the power of σ_max. */
  power: number;
}

export class SpectralRegularization implements Method {
  readonly name = 'spectral';

  constructor(readonly options: SpectralOptions) {}

  lossTerm(state: LearnerState): Tensor | null {
    if (this.options.lambda === 0) return null;
    return spectralPenalty(state.model, this.options.power).sum().mul(this.options.lambda);
  }
}

/** Σ_layers (σ_max(W̃)^k − 1)² of each member, [R], over the model's Linear and Conv2d layers. */
export function spectralPenalty(model: Model, power: number): Tensor {
  const layers = model.namedModules().map(([, module]) => module).filter((module): module is Linear | Conv2d => module instanceof Linear || module instanceof Conv2d);
  if (layers.length === 0) throw new Error(`spectral: ${model.constructor.name} has no Linear or Conv2d layer to regularise`);
  let total: Tensor | null = null;
  for (const layer of layers) {
    const term = topSingularValue(layer).pow(power).sub(1).square();
    total = total ? total.add(term) : term;
  }
  return total!;
}

/** σ_max of each member's [W | b], [R]. */
export function topSingularValue(layer: Linear | Conv2d): Tensor {
  const [members, outputs] = layer.weight.shape;
  const matrix = layer.weight.reshape(members, outputs, -1);
  const augmented = layer.bias ? ops.cat([matrix, layer.bias.unsqueeze(2)], 2) : matrix;
  return ops.svdvals(augmented).select(1, 0);
}

export const spectralMethod = defineMethod({
  key: 'spectral',
  help: "spectral regularisation: each layer's largest singular value kept near 1",
  algorithm: false,
  spec: optional(
    section(
      {
        lambda: float({ min: 0, default: 1e-4, help: "λ of λ·Σ_layers (σ_max^k − 1)², σ_max the largest singular value of the layer's [W | b]" }),
        power: float({ above: 0, default: 2, help: "k, the power of σ_max (the paper's 2)" }),
      },
      { help: "spectral regularisation (Lewandowski et al. 2024): keep each layer's largest singular value near 1" },
    ),
  ),
  build: (settings) => new SpectralRegularization({ ...settings }),
});
