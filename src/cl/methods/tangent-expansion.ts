// The view of a network as an ensemble of its neural tangents (Benjamin, Pehle & Daruwalla 2024):
// expanded around a point w0, f(x; w) ≈ f(x; w0) + Σ_i Δ_i ∂f/∂w_i with Δ = w - w0, so parameter i
// is a component function (its tangent) with weight Δ_i. Around the origin (w0 = 0), Δ is the
// weights themselves; around the initialisation, Δ is the change since then. The signs of Δ are
// fixed when the expansion is made; a component can shrink to nothing but never flip.
import type { Model } from '../../nn/models/model.js';
import { keep, noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { MemberRandom } from './random.js';

export type ExpansionPoint = 'origin' | 'init';

export class TangentExpansion {
  /** w0 per parameter; null around the origin. */
  readonly origin: Tensor[] | null;

  private constructor(
    readonly parameters: Tensor[],
    /** θ when the expansion was made (before zero entries were seeded): where 'init' gradients are taken. */
    readonly initial: Tensor[],
    /** sign(Δ) per parameter, fixed. */
    readonly signs: Tensor[],
    readonly point: ExpansionPoint,
  ) {
    this.origin = point === 'init' ? initial : null;
  }

  /** Frees the copies the expansion made; the parameters stay the model's. */
  dispose(): void {
    for (const value of [...this.initial, ...this.signs]) value.dispose();
  }

  /**
   * Expands `model` around `point`. Entries of Δ that are exactly zero would stay zero under a
   * multiplicative update, so they are seeded with zeroNoise·N(0, 1) (the parameters move by that
   * much); with zeroNoise = 0 they stay pruned.
   */
  static expand(model: Model, point: ExpansionPoint, zeroNoise: number, random: MemberRandom): TangentExpansion {
    const parameters = model.parameters();
    const { initial, signs } = noGrad(() =>
      scope(() => {
        const initial = parameters.map((parameter) => parameter.detach().clone());
        const signs = parameters.map((parameter, index) => {
          let delta = point === 'origin' ? initial[index] : ops.zerosLike(parameter);
          if (zeroNoise > 0) delta = ops.where(delta.eq(0), random.normal_(ops.emptyLike(parameter)).mul(zeroNoise), delta);
          parameter.copy_(point === 'origin' ? delta : initial[index].add(delta));
          return delta.sign();
        });
        return keep({ initial, signs });
      }),
    );
    return new TangentExpansion(parameters, initial, signs, point);
  }

  /** The expansion saved in a checkpoint by stateDict(); the model's parameters are already loaded. */
  static restore(model: Model, point: ExpansionPoint, state: Map<string, Tensor>): TangentExpansion {
    const parameters = model.parameters();
    const entry = (key: string, like: Tensor): Tensor => {
      const value = state.get(key);
      if (!value) throw new Error(`NTE checkpoint has no '${key}'`);
      if (value.shape.join(',') !== like.shape.join(',')) throw new Error(`NTE checkpoint '${key}' has shape [${value.shape}], expected [${like.shape}]`);
      return keep(value.to(like.dtypeName).clone());
    };
    return new TangentExpansion(
      parameters,
      parameters.map((parameter, index) => entry(`initial.${index}`, parameter)),
      parameters.map((parameter, index) => entry(`sign.${index}`, parameter)),
      point,
    );
  }

  /** Δ_i = w_i - w0_i (detached). */
  delta(index: number): Tensor {
    const parameter = this.parameters[index].detach();
    return this.origin ? parameter.sub(this.origin[index]) : parameter;
  }

  /** Sets w_i = w0_i + Δ_i. */
  setDelta(index: number, delta: Tensor): void {
    noGrad(() => this.parameters[index].copy_(this.origin ? this.origin[index].add(delta) : delta));
  }

  stateDict(): Map<string, Tensor> {
    const result = new Map<string, Tensor>();
    this.initial.forEach((value, index) => result.set(`initial.${index}`, value));
    this.signs.forEach((value, index) => result.set(`sign.${index}`, value));
    return result;
  }
}
