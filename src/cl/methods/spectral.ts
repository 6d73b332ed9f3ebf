// Spectral regularisation (Lewandowski, Bortkiewicz, Kumar, György, Schuurmans, Ostaszewski &
// Machado 2024, "Learning Continually by Spectral Regularization"): keep the largest singular value
// of every layer near 1, where it stands at initialisation and where gradients stay diverse,
//   λ · Σ_layers (σ_max(W̃_l)^k − 1)²   per member, summed over members,
// with W̃_l the layer's weight as a matrix [out, in·kernel] with its bias appended as a column, and
// k = 2 by default, as the paper's. σ_max is estimated as the paper does, by power iteration with the
// left singular vector u kept between steps (spectral normalisation's estimate, Miyato, Kataoka,
// Koyama & Yoshida 2018): each step runs `iterations` rounds v ← W̃ᵀu/‖W̃ᵀu‖, u ← W̃v/‖W̃v‖ on the
// detached weight, and σ = uᵀW̃v, whose gradient u vᵀ is the exact one, u₁v₁ᵀ, once u and v have
// converged. Since the weights move little per step, one round per step tracks σ_max; an exact SVD
// per step made a step about 5× plain backprop's on a 784-100-100-10 MLP (docs/methods.md).
// u is per member and per layer, drawn from the member's stream at the first step and kept in the
// checkpoint, so a resumed run estimates from the same vectors.
import { float, int, optional, section } from '../../config/spec.js';
import { Conv2d } from '../../nn/conv.js';
import { Linear } from '../../nn/linear.js';
import type { Model } from '../../nn/models/model.js';
import { keep, noGrad, ops, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import { defineMethod } from './definition.js';
import type { MemberRandom } from './random.js';
import { ownEntries } from './state.js';

export interface SpectralOptions {
  /** λ. */
  lambda: number;
  /** k, the power of σ_max. */
  power: number;
  /** Power-iteration rounds per step. */
  iterations: number;
}

/** Spectral normalisation's guard against dividing by a zero norm (Miyato et al. 2018). */
const EPSILON = 1e-12;

export class SpectralRegularization implements Method {
  readonly name = 'spectral';
  /** Per regularised layer, each member's left singular vector estimate u [R, out]; null before the first step. */
  private vectors: Tensor[] | null = null;

  constructor(
    readonly options: SpectralOptions,
    private readonly random: MemberRandom,
  ) {}

  lossTerm(state: LearnerState): Tensor | null {
    if (this.options.lambda === 0) return null;
    const layers = spectralLayers(state.model);
    this.vectors ??= keep(noGrad(() => layers.map((layer) => normalized(this.random.normal_(ops.empty([layer.weight.shape[0], layer.weight.shape[1]], 'float32', null, layer.weight.device)), 1))));
    if (this.vectors.length !== layers.length) throw new Error(`spectral: the checkpoint holds ${this.vectors.length} singular vectors but the model has ${layers.length} Linear or Conv2d layers`);
    let total: Tensor | null = null;
    layers.forEach((layer, index) => {
      const term = estimateTopSingularValue(augmentedMatrix(layer), this.vectors![index], this.options.iterations).pow(this.options.power).sub(1).square();
      total = total ? total.add(term) : term;
    });
    return total!.sum().mul(this.options.lambda);
  }

  stateDict(): Map<string, Tensor> {
    return new Map((this.vectors ?? []).map((vector, index) => [`u.${index}`, vector]));
  }

  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    if (own.size === 0) return;
    this.dispose();
    this.vectors = keep(
      Array.from({ length: own.size }, (_, index) => {
        const vector = own.get(`u.${index}`);
        if (!vector) throw new Error(`spectral: the checkpoint holds ${own.size} singular vectors but no 'spectral.u.${index}'`);
        return vector.clone();
      }),
    );
  }

  dispose(): void {
    for (const vector of this.vectors ?? []) vector.dispose();
    this.vectors = null;
  }
}

/** The model's Linear and Conv2d layers, in registration order. */
export function spectralLayers(model: Model): (Linear | Conv2d)[] {
  const layers = model.namedModules().map(([, module]) => module).filter((module): module is Linear | Conv2d => module instanceof Linear || module instanceof Conv2d);
  if (layers.length === 0) throw new Error(`spectral: ${model.constructor.name} has no Linear or Conv2d layer to regularise`);
  return layers;
}

/** Each member's [W | b] as a matrix, [R, out, in·kernel (+1)]. */
export function augmentedMatrix(layer: Linear | Conv2d): Tensor {
  const [members, outputs] = layer.weight.shape;
  const matrix = layer.weight.reshape(members, outputs, -1);
  return layer.bias ? ops.cat([matrix, layer.bias.unsqueeze(2)], 2) : matrix;
}

/**
 * σ_max of each member's matrix [R, m, n], estimated as uᵀ·matrix·v after `iterations` power-iteration
 * rounds from `u` [R, m], which is updated in place; differentiable in the matrix, u and v constant.
 */
export function estimateTopSingularValue(matrix: Tensor, u: Tensor, iterations: number): Tensor {
  const [left, right] = noGrad(() => {
    const fixed = matrix.detach();
    let current = u;
    let v = u;
    for (let round = 0; round < iterations; round += 1) {
      v = normalized(ops.bmm(fixed.transpose(1, 2), current.unsqueeze(2)).squeeze(2), 1);
      current = normalized(ops.bmm(fixed, v.unsqueeze(2)).squeeze(2), 1);
    }
    u.copy_(current);
    // The graph keeps fresh copies: u itself changes in place at the next step.
    return [current.clone(), v.clone()];
  });
  return ops.bmm(left.unsqueeze(1), ops.bmm(matrix, right.unsqueeze(2))).reshape(-1);
}

/** x / max(‖x‖, ε) along `dim`. */
function normalized(x: Tensor, dim: number): Tensor {
  return x.div(ops.clampMin(x.norm(2, dim, true), EPSILON));
}

const SALT = 11_000_000_003;

export const spectralMethod = defineMethod({
  key: 'spectral',
  help: "spectral regularisation: each layer's largest singular value kept near 1",
  algorithm: false,
  spec: optional(
    section(
      {
        lambda: float({ min: 0, default: 1e-4, help: "λ of λ·Σ_layers (σ_max^k − 1)², σ_max the largest singular value of the layer's [W | b]" }),
        power: float({ above: 0, default: 2, help: "k, the power of σ_max (the paper's 2)" }),
        iterations: int({ min: 1, default: 1, help: 'power-iteration rounds per step that estimate σ_max, from the singular vector kept since the last step (1 in spectral normalisation, Miyato et al. 2018)' }),
      },
      { help: "spectral regularisation (Lewandowski et al. 2024): keep each layer's largest singular value near 1" },
    ),
  ),
  build: ({ lambda, power, iterations }, context) => new SpectralRegularization({ lambda, power, iterations }, context.random(SALT)),
});
