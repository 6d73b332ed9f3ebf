// Learning by pruning alone (the pruning demonstration of Benjamin, Pehle & Daruwalla 2024): in the tangent-ensemble view, the
// only change allowed is removing components, i.e. setting Δ_i to 0 (w_i back to w0_i). At each
// step the components that most oppose the loss gradient's descent are removed: those with the
// highest score sign(Δ_i)·g_i among the remaining ones, a fraction prune_rate of each parameter's
// remaining entries per member (on average: the fractional part is drawn). A score of zero or below
// means removal would not lower the loss to first order, so such components stay.
import { grad, noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { Batch, LearnerState, Method } from '../method.js';
import { batchLoss } from './learner-access.js';
import { keepingBuffers, withParameterValues } from './parameters.js';
import type { MemberRandom } from './random.js';
import { stochasticCounts, topPerMember } from './selection.js';
import { ownEntries } from './state.js';
import { type ExpansionPoint, TangentExpansion } from './tangent-expansion.js';
import type { GradientPoint } from './nte.js';

export interface PruningOptions {
  /** Fraction of each parameter's remaining components removed per step. */
  pruneRate: number;
  gradients: GradientPoint;
  expansion: ExpansionPoint;
  zeroNoise: number;
}

export class TangentPruning implements Method {
  readonly name = 'nte_pruning';
  private expansion: TangentExpansion | null = null;
  private pending: Map<string, Tensor> | null = null;

  constructor(
    readonly options: PruningOptions,
    private readonly random: MemberRandom,
  ) {}

  get tangents(): TangentExpansion | null {
    return this.expansion;
  }

  dispose(): void {
    this.expansion?.dispose();
    for (const value of this.pending?.values() ?? []) value.dispose();
    this.expansion = null;
    this.pending = null;
  }

  update(state: LearnerState, batch: Batch): boolean {
    const expansion = this.expanded(state);
    scope(() => {
      const gradients = this.options.gradients === 'init' ? this.gradientsAtInit(state, batch, expansion) : expansion.parameters.map((parameter) => parameter.grad);
      noGrad(() => pruneStep(expansion, gradients, this.options.pruneRate, state.active, this.random));
    });
    return true;
  }

  stateDict(): Map<string, Tensor> {
    return new Map([...(this.expansion?.stateDict() ?? []), ...this.random.stateDict()]);
  }

  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    this.random.loadStateDict(own);
    this.pending = own.has('sign.0') ? own : null;
  }

  private gradientsAtInit(state: LearnerState, batch: Batch, expansion: TangentExpansion): Tensor[] {
    return withParameterValues(expansion.parameters, expansion.initial, () =>
      keepingBuffers(state.model, () => grad(batchLoss(state, batch), expansion.parameters, { allowUnused: true }).map((value, index) => value ?? ops.zerosLike(expansion.parameters[index]))),
    );
  }

  private expanded(state: LearnerState): TangentExpansion {
    if (!this.expansion) {
      this.expansion = this.pending
        ? TangentExpansion.restore(state.model, this.options.expansion, this.pending)
        : TangentExpansion.expand(state.model, this.options.expansion, this.options.zeroNoise, this.random);
      this.pending = null;
    }
    return this.expansion;
  }
}

/**
 * Removes, per member and parameter, a fraction `rate` of the remaining components with the highest
 * positive score sign(Δ)·g (gradients[i] null: that parameter is left alone). Inactive members are
 * left alone. Returns the number of components removed per member.
 */
export function pruneStep(expansion: TangentExpansion, gradients: readonly (Tensor | null)[], rate: number, active: readonly boolean[], random: MemberRandom): number[] {
  const members = active.length;
  const removed = new Array<number>(members).fill(0);
  expansion.parameters.forEach((parameter, index) => {
    const gradient = gradients[index];
    if (!gradient) return;
    scope(() => {
      const delta = expansion.delta(index).reshape(members, -1);
      const remaining = delta.ne(0);
      const score = gradient.reshape(members, -1).mul(expansion.signs[index].reshape(members, -1));
      const candidates = ops.logicalAnd(remaining, score.gt(0));
      const remainingCounts = Array.from(remaining.sum(1).data() as ArrayLike<number | bigint>, Number);
      const counts = stochasticCounts(remainingCounts, rate, random.hostUniform()).map((count, member) => (active[member] ? count : 0));
      if (counts.every((count) => count === 0)) return;
      const chosen = topPerMember(ops.where(candidates, score, ops.fullLike(score, Number.NEGATIVE_INFINITY)), counts);
      const kept = delta.mul(ops.logicalNot(chosen).to(delta.dtypeName)).reshape(...parameter.shape);
      expansion.setDelta(index, kept);
      Array.from(chosen.sum(1).data() as ArrayLike<number | bigint>, Number).forEach((count, member) => (removed[member] += count));
    });
  });
  return removed;
}
