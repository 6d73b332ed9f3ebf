// The Neural Tangent Ensemble update (Benjamin, Pehle & Daruwalla 2024; docs/methods.md). Each parameter
// is an expert (its tangent, see tangent-expansion.ts) whose ensemble weight is Δ_i. A Bayesian
// posterior update multiplies each weight by the expert's likelihood of every example,
//   |Δ_i| ← |Δ_i| · Π_b (1 − β · sign(Δ_i) · g_{b,i})^η,
// where g_{b,i} is the per-example loss gradient (at the current weights, or at the initialisation)
// and β the inverse temperature. The product is taken in log space with the signs kept apart, so a
// weight never changes sign. After each update |Δ| is renormalised to L1 norm z (per member) and
// clipped at max_delta. The update replaces the optimizer's step.
import { keep, noGrad, ops, scope, tensor, type Tensor } from '../../tensor/index.js';
import type { Batch, LearnerState, Method } from '../method.js';
import { exampleLosses, memberTargets } from './learner-access.js';
import { keepingBuffers, memberMask, perMemberView, withParameterValues } from './parameters.js';
import { largestMagnitude, type OuterProductFactors, perExampleGradients, powerSum } from './per-example-gradients.js';
import type { MemberRandom } from './random.js';
import { ownEntries } from './state.js';
import { type ExpansionPoint, TangentExpansion } from './tangent-expansion.js';
import { bool, choice, float, nullable, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';
import { TangentPruning } from './pruning.js';

export type GradientPoint = 'current' | 'init';

export interface NteOptions {
  /** β, the inverse temperature. */
  invTemperature: number;
  /** η, the exponent of each example's likelihood (optimizer=sgd's lr). */
  eta: number;
  /** L1 norm of Δ after each update, per member; null: Δ's norm when the expansion is made. */
  z: number | null;
  /** Largest |Δ_i| after renormalisation. */
  maxDelta: number;
  gradients: GradientPoint;
  expansion: ExpansionPoint;
  /** Scale of the noise that seeds entries of Δ that are exactly zero. */
  zeroNoise: number;
}

/**
 * A likelihood 1 − β·sign·g at or below zero would be an expert that rules the example out; it is
 * floored here, which shrinks that weight by 1e-6 per example instead of producing log(≤ 0).
 */
const LIKELIHOOD_FLOOR = 1e-6;

/**
 * Where |β·g| ≤ SERIES_LIMIT for every example, Σ_b log(1 − β·s·g_b) is summed as its power series,
 * whose terms Σ_b g_b^k are matrix products of a Linear layer's factors (powerSum): a few GEMMs
 * instead of a log1p of each of the B·P per-example gradients (an epoch of a 2×1000 MLP: 28 s
 * instead of 241 s on one CPU core). The floor is out of reach there.
 */
const SERIES_LIMIT = 0.25;

/**
 * The fewest terms whose remainder, Σ_{k>K} u^k/k ≤ u^{K+1} / ((K+1)(1 − u)) for |β·g| ≤ u, stays
 * under float32's rounding of the leading term u; null where the series is not used.
 */
export function seriesTerms(bound: number): number | null {
  if (!(bound <= SERIES_LIMIT)) return null;
  let terms = 1;
  while (bound ** terms / ((terms + 1) * (1 - bound)) > 2 ** -24) terms += 1;
  return terms;
}

export class NeuralTangentEnsemble implements Method {
  readonly name = 'nte';
  private expansion: TangentExpansion | null = null;
  /** log |Δ_i| per parameter. */
  private logMagnitudes: Tensor[] = [];
  /** log z per member, [R]. */
  private logZ: Tensor | null = null;
  private pending: Map<string, Tensor> | null = null;

  constructor(
    readonly options: NteOptions,
    private readonly random: MemberRandom,
  ) {}

  /** The expansion (made at the first update). */
  get tangents(): TangentExpansion | null {
    return this.expansion;
  }

  dispose(): void {
    this.expansion?.dispose();
    for (const value of [...this.logMagnitudes, ...(this.logZ ? [this.logZ] : []), ...(this.pending?.values() ?? [])]) value.dispose();
    this.expansion = null;
    this.logMagnitudes = [];
    this.logZ = null;
    this.pending = null;
  }

  update(state: LearnerState, batch: Batch): boolean {
    const expansion = this.expanded(state);
    const { invTemperature, eta, gradients, maxDelta } = this.options;
    const { parameters, signs } = expansion;
    scope(() => {
      const logLikelihoods = parameters.map((parameter) => ops.zerosLike(parameter));
      // −β·sign(Δ), broadcast over the examples of a chunk.
      const scaledSigns = signs.map((sign) => sign.mul(-invTemperature).unsqueeze(1));
      const accumulate = (perExample: readonly (Tensor | undefined)[]): void =>
        noGrad(() =>
          perExample.forEach((gradient, index) => {
            if (!gradient) return;
            // log(1 − β·s·g) = log1p(−β·s·g), floored; summed over the chunk's examples.
            const argument = gradient.mul(scaledSigns[index]);
            ops.clamp_(argument, LIKELIHOOD_FLOOR - 1, null);
            logLikelihoods[index].add_(ops.log1p(argument).sum(1));
          }),
        );
      const reduceFactored = (index: number, factors: OuterProductFactors): boolean =>
        noGrad(() => {
          const terms = seriesTerms(invTemperature * largestMagnitude(factors));
          if (terms === null) return false;
          // log(1 − β·s·g) = −Σ_k (β^k / k)·s^k·g^k, and s^k is s for odd k and 1 for even k.
          for (let power = 1; power <= terms; power += 1) {
            const sum = powerSum(factors, power);
            logLikelihoods[index].add_(power % 2 === 1 ? sum.mul(signs[index]) : sum, -(invTemperature ** power) / power);
          }
          return true;
        });
      if (gradients === 'init') {
        const errors = currentErrors(state, batch);
        // Σ_c (p − y)_c f_c(x; w0): its gradient at w0 is the current error sent through the initial tangents.
        const losses = (): Tensor => state.forward(batch.inputs).logits.mul(errors).sum(2);
        withParameterValues(parameters, expansion.initial, () => keepingBuffers(state.model, () => perExampleGradients(state.model, parameters, losses, accumulate, { reduceFactored })));
      } else {
        const losses = (): Tensor => exampleLosses(state.forward(batch.inputs).logits, memberTargets(batch));
        keepingBuffers(state.model, () => perExampleGradients(state.model, parameters, losses, accumulate, { reduceFactored }));
      }
      noGrad(() => {
        const updated = this.logMagnitudes.map((logMagnitude, index) => logMagnitude.add(logLikelihoods[index], eta));
        const logNorm = logSumExpPerMember(updated);
        const logMaxDelta = Math.log(maxDelta);
        updated.forEach((logMagnitude, index) => {
          const renormalised = ops.clamp(logMagnitude.add(perMemberView(this.logZ!.sub(logNorm), logMagnitude)), null, logMaxDelta);
          const active = memberMask(state.active, renormalised).gt(0);
          this.logMagnitudes[index].copy_(ops.where(active, renormalised, this.logMagnitudes[index]));
          expansion.setDelta(index, signs[index].mul(this.logMagnitudes[index].exp()));
        });
      });
    });
    return true;
  }

  stateDict(): Map<string, Tensor> {
    if (!this.expansion || !this.logZ) return this.random.stateDict();
    const result = new Map([...this.expansion.stateDict(), ...this.random.stateDict()]);
    this.logMagnitudes.forEach((value, index) => result.set(`log_magnitude.${index}`, value));
    result.set('log_z', this.logZ);
    return result;
  }

  /** Kept until the next update, which has the model the expansion belongs to. */
  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    this.random.loadStateDict(own);
    this.pending = own.has('log_z') ? own : null;
  }

  private expanded(state: LearnerState): TangentExpansion {
    if (this.expansion) return this.expansion;
    const pending = this.pending;
    if (pending) {
      this.expansion = TangentExpansion.restore(state.model, this.options.expansion, pending);
      this.logMagnitudes = this.expansion.parameters.map((parameter, index) => keep(pending.get(`log_magnitude.${index}`)!.to(parameter.dtypeName).clone()));
      this.logZ = keep(pending.get('log_z')!.clone());
      this.pending = null;
      return this.expansion;
    }
    const expansion = TangentExpansion.expand(state.model, this.options.expansion, this.options.zeroNoise, this.random);
    noGrad(() => {
      this.logMagnitudes = expansion.parameters.map((_, index) => keep(scope(() => expansion.delta(index).abs().log())));
      const members = state.members;
      const z = this.options.z;
      this.logZ = keep(
        z === null
          ? scope(() => logSumExpPerMember(this.logMagnitudes))
          : tensor(new Float32Array(members).fill(Math.log(z)), { device: expansion.parameters[0].device }).to(expansion.parameters[0].dtypeName),
      );
    });
    this.expansion = expansion;
    return expansion;
  }
}

/**
 * The cross-entropy's gradient at the logits of the current network, p − onehot(y), [R, B, C]. The
 * 'init' variant sends it through the initial network's tangents: the experts are fixed functions
 * but they are judged on what the ensemble now predicts. Taking the whole loss at the initial
 * weights would judge them on the initial network's errors forever, and the ensemble did not learn
 * (0.28 accuracy on permuted MNIST after a task, against 0.91 with current gradients).
 */
function currentErrors(state: LearnerState, batch: Batch): Tensor {
  return noGrad(() =>
    keepingBuffers(state.model, () => {
      const logits = state.forward(batch.inputs).logits;
      const classes = logits.shape[2];
      return ops.softmax(logits, -1).sub(ops.oneHot(memberTargets(batch), classes).to(logits.dtypeName));
    }),
  );
}

/** log Σ exp over every entry of a member's tensors: [R]. */
function logSumExpPerMember(values: readonly Tensor[]): Tensor {
  const members = values[0].shape[0];
  return ops.logsumexp(
    ops.stack(
      values.map((value) => ops.logsumexp(value.reshape(members, -1), 1)),
      1,
    ),
    1,
  );
}

/** Salt of the members' streams for the noise that seeds zero parameters. */
const SALT = 2_000_000_011;

/** The pruning rate used when nte.prune_only is set and nte.prune_rate is not. */
export const DEFAULT_PRUNE_RATE = 0.001;

/** method.nte: the NTE update, or with prune_only learning by pruning (TangentPruning), in place of the optimizer's step. */
export const nteMethod = defineMethod({
  key: 'nte',
  help: "Neural Tangent Ensemble: a multiplicative update in place of the optimizer's step; prune_only learns by removing weights",
  algorithm: true,
  spec: optional(
    section(
      {
        inv_temperature: float({ above: 0, default: 1.0, help: 'β, the inverse temperature of the multiplicative update' }),
        z: nullable(float({ above: 0, help: 'L1 norm Δ is normalised to after each update; null = its norm at the start' }), { default: null }),
        max_delta: float({ above: 0, default: 1.0, help: 'clip on |Δ| after normalisation' }),
        gradients: choice(['current', 'init'] as const, { default: 'current', help: 'take per-example gradients at the current weights or at the initialisation' }),
        expansion: choice(['origin', 'init'] as const, { default: 'origin', help: 'expansion point w0: the origin (Δ = w) or the initial weights' }),
        zero_noise: float({ min: 0, default: 1e-6, help: 'scale of the noise that seeds parameters that are exactly zero' }),
        prune_only: bool({ default: false, help: 'learn only by removing weights (Benjamin et al. 2024, docs/methods.md)' }),
        prune_rate: nullable(float({ above: 0, below: 1, help: `with prune_only: the fraction of each parameter's remaining components removed per step; null = ${DEFAULT_PRUNE_RATE}` }), { default: null }),
      },
      { help: "Neural Tangent Ensemble update (Benjamin, Pehle & Daruwalla 2024); replaces the optimizer step and uses optimizer=sgd's lr as η" },
    ),
  ),
  check(nte, config, problem) {
    const { method, optimizer } = config;
    const what = nte.prune_only ? 'method.nte with prune_only=true (learning by pruning)' : 'method.nte';
    if (optimizer.name !== 'sgd') {
      problem('method.nte', `${what} replaces the optimizer's update (η is optimizer=sgd's lr), so it cannot run with optimizer=${optimizer.name}; use optimizer=sgd`);
    } else {
      if (optimizer.momentum) problem('optimizer.momentum', `${what} replaces the optimizer's update, so optimizer.momentum=${optimizer.momentum} would be ignored; set optimizer.momentum=0`);
      if (optimizer.weight_decay) problem('optimizer.weight_decay', `${what} replaces the optimizer's update, so optimizer.weight_decay=${optimizer.weight_decay} would be ignored; set optimizer.weight_decay=0`);
    }
    for (const key of ['l1', 'l2', 'l2_init', 'spectral', 'ewc', 'lwf', 'si', 'mas', 'der', 'er_ace']) {
      if (method[key] !== undefined) problem(`method.${key}`, `${what} learns from the cross-entropy of each example alone; method.${key} adds a loss term it would never see. Remove method.${key} or method.nte`);
    }
    for (const key of ['ogd', 'agem']) {
      if (method[key] !== undefined) problem(`method.${key}`, `${what} does not follow the gradient, so method.${key}'s projection of it has no effect. Remove one of them`);
    }
    for (const key of ['shrink_perturb', 'continual_backprop', 'redo', 'reset']) {
      if (method[key] !== undefined) {
        problem(`method.${key}`, `${what} keeps each weight's sign and magnitude as its own state; method.${key} rewrites weights behind it (flipping signs). Remove one of them`);
      }
    }
    if (nte.prune_rate != null && !nte.prune_only) problem('method.nte.prune_rate', 'method.nte.prune_rate applies only to learning by pruning; set method.nte.prune_only=true or remove prune_rate');
  },
  build: (nte, context) =>
    nte.prune_only
      ? new TangentPruning({ pruneRate: nte.prune_rate ?? DEFAULT_PRUNE_RATE, gradients: nte.gradients, expansion: nte.expansion, zeroNoise: nte.zero_noise }, context.random(SALT))
      : new NeuralTangentEnsemble(
          {
            invTemperature: nte.inv_temperature,
            eta: context.config.optimizer.lr,
            z: nte.z,
            maxDelta: nte.max_delta,
            gradients: nte.gradients,
            expansion: nte.expansion,
            zeroNoise: nte.zero_noise,
          },
          context.random(SALT),
        ),
});
