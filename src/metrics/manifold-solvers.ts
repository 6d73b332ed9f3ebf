// The two small convex problems behind class-manifold capacity, solved for thousands of instances
// at once (members × dichotomies, or manifolds × Gaussian vectors) by accelerated projected gradient
// on non-negative weights (FISTA, Beck & Teboulle 2009, with the gradient restart of O'Donoghue &
// Candès 2015). Both are projections onto a finitely generated cone:
//
// - Separability of a dichotomy: points z_i = y_i x_i can be split by a hyperplane through the origin
//   iff the origin is outside their convex hull (Gordan's alternative); the distance from the origin
//   to the hull is the largest margin a unit w reaches. Every iterate gives a witness direction (a
//   lower bound on that margin) and upper bounds, so each decision is certified one way or the other.
// - Anchor points: T minus its projection onto {V : V·S̃_i ≤ −κ} is the cone combination S̃ᵀα of a
//   manifold's points that solves the quadratic program of Chung, Lee & Sompolinsky 2018 (Sec. III).
import { ops, scope, settle, type Tensor } from '../tensor/index.js';

/** Largest eigenvalue of every AᵀA for A [B, K, n], from the smaller of the two Gram matrices. */
function largestSquaredSingularValue(a: Tensor): Tensor {
  return scope(() => {
    const [, rows, columns] = a.shape;
    const gram = columns <= rows ? ops.bmm(a.transpose(1, 2), a) : ops.bmm(a, a.transpose(1, 2));
    return ops.eigvalsh(gram, 'L').amax(1);
  });
}

/** The iterates of FISTA for problems [B, T, K], updated in place. */
interface Iterates {
  /** The current weights α ≥ 0 and the gradient there. */
  alpha: Tensor;
  gradient: Tensor;
  /** The extrapolated point and the gradient there. */
  extrapolated: Tensor;
  gradientExtrapolated: Tensor;
  /** The momentum parameter per problem, [B, T]. */
  theta: Tensor;
}

function startIterates(alpha: Tensor, gradient: Tensor): Iterates {
  const [batch, count] = alpha.shape;
  return { alpha, gradient, extrapolated: alpha.clone(), gradientExtrapolated: gradient.clone(), theta: ops.ones([batch, count], 'float64') };
}

/** The projected gradient step from the extrapolated point: max(0, y − step·∇f(y)), step = −negativeStep. */
function proximalStep(state: Iterates, negativeStep: Tensor): Tensor {
  return ops.clamp_(ops.addcmul_(state.extrapolated.clone(), state.gradientExtrapolated, negativeStep, 1), 0, null);
}

/**
 * Moves the iterates to `next` (whose gradient is `fresh`) and extrapolates with FISTA's momentum,
 * restarted (θ = 1, no momentum) where the step went uphill: (y − next)·(next − α) > 0. The
 * objectives are quadratic, so the gradient at the extrapolated point is extrapolated the same way
 * and costs no matrix product.
 */
function advance(state: Iterates, next: Tensor, fresh: Tensor): void {
  scope(() => {
    const { alpha, gradient, extrapolated, gradientExtrapolated, theta } = state;
    const step = next.sub(alpha);
    const uphill = extrapolated.sub(next).mul_(step).sum(2).gt(0);
    const following = theta.square().mul(4).add(1).sqrt().add(1).div(2);
    const beta = ops.where(uphill, ops.zerosLike(theta), theta.sub(1).div(following)).unsqueeze(2);
    theta.copy_(ops.where(uphill, ops.onesLike(theta), following));
    ops.addcmul_(extrapolated.copy_(next), step, beta, 1);
    ops.addcmul_(gradientExtrapolated.copy_(fresh), fresh.sub(gradient), beta, 1);
    alpha.copy_(next);
    gradient.copy_(fresh);
  });
}

/** Iterations between convergence or decision checks, which cost about one iteration each. */
const CHECK_EVERY = 10;

/**
 * Iterations between turns of the event loop, where the garbage collector's finalizers run (see
 * settle()). When every tensor was a native object released by a finalizer, resident memory grew by
 * about one buffer per iteration without these turns (a gigabyte per 2,000 iterations at
 * [16, 100, 40]); tensors are now slot numbers freed at dispose, and the turns only bound what is
 * left to the collector. They also keep the solvers async, so a server stays responsive.
 */
const SETTLE_EVERY = 50;

function disposeAll(tensors: object): void {
  for (const tensor of Object.values(tensors) as Tensor[]) tensor.dispose();
}

/** `held` without its decided rows when narrowing pays (see narrowRows); `open` and what was dropped are disposed. */
function keepOpenRows<T extends Held>(held: T, open: Tensor): T {
  const narrowed = narrowRows(held, open);
  open.dispose();
  if (narrowed === undefined) return held;
  disposeAll(held);
  return narrowed;
}

/** Problems held in the iterates: rows [B, T', ...] of a batch of [B, T] problems. */
interface Held extends Iterates {
  /** Which problem each row is, [B, T'] (int64). */
  owner: Tensor;
}

/**
 * Most problems finish in a few hundred iterations and a few take thousands, so once no batch entry
 * has more than half of its held rows still open (`open` [B, T'], bool), the rows are narrowed to
 * the open ones, padded per entry with finished rows, which iterate harmlessly: their
 * outcome was recorded when they finished. Returns the narrowed rows (the caller disposes the old
 * ones), or undefined if narrowing does not pay.
 */
function narrowRows<T extends Held>(held: T, open: Tensor): T | undefined {
  const width = scope(() => open.sum(1).max().item());
  if (width === 0 || width > open.shape[1] / 2) return undefined;
  return scope(() => {
    const [, index] = ops.topk(open.to('float64'), width, 1);
    const rows = {} as Record<string, Tensor>;
    for (const [key, value] of Object.entries(held) as [string, Tensor][]) {
      rows[key] = value.gather(1, value.ndim === 2 ? index : index.unsqueeze(2).expand(index.shape[0], width, value.shape[2]));
    }
    return rows as unknown as T;
  });
}

export interface SeparationOptions {
  /**
   * Relative margin below which a dichotomy may count as not separable: it is declared inseparable
   * once the hull is shown to come within tolerance × max_i ‖x_i‖ of the origin. Default 1e-3:
   * certifying that a hull reaches the origin takes about ten times as many iterations at 1e-4
   * (measured on the class manifolds of a trained network's last hidden layer).
   */
  tolerance?: number;
  /** Iterations at most. Default 5000. */
  maxIter?: number;
  /**
   * Stop early once, for every batch entry, the number of separable dichotomies is settled on one
   * side of this count (at least `quorum` separable, or more than T − quorum inseparable); the
   * others are left open. Default: decide every dichotomy.
   */
  quorum?: number;
  /**
   * Outcomes known beforehand, [B, T] (bool) each, e.g. from the same points in a subspace (separable
   * there, so here) or in a larger space (inseparable there, so here): those dichotomies are not
   * solved, and their margin and distance are left NaN and ∞.
   */
  known?: { separable: Tensor; inseparable: Tensor };
}

export interface SeparationResult {
  /** A hyperplane through the origin with every point strictly on its side was found, [B, T] (bool). */
  separable: Tensor;
  /** The hull was shown to come within tolerance × max_i ‖x_i‖ of the origin, [B, T] (bool). */
  inseparable: Tensor;
  /** Margin of the separating direction found, min_i y_i x_i·w / ‖w‖ (a lower bound on the largest margin), [B, T]; NaN if none. */
  margin: Tensor;
  /** The best upper bound found on the largest margin (the distance from the origin to the hull), [B, T]. */
  distance: Tensor;
}

/**
 * Decides, for points x [B, K, n] and sign patterns y [B, T, K] (±1), whether each dichotomy
 * {z_i = y_i x_i} of each batch entry is linearly separable through the origin.
 *
 * With ẑ_i = (z_i, √ρ) and e = (0, √ρ), it projects e onto the cone of the ẑ_i: minimises
 * ½‖u‖² + ½ρ(1 − s)² over α ≥ 0, where u = Σ_i α_i z_i and s = Σ_i α_i. If the hull of the z_i
 * lies at distance d from the origin, the minimum is ½ρd²/(ρ + d²) (0 iff d = 0), and along the way
 * - u separates the points as soon as min_i z_i·u > 0 (separable, with that margin);
 * - d ≤ ‖u‖/s and d² ≤ ρδ²/(ρ − δ²) for δ² = ‖u‖² + ρ(1 − s)², so the hull is certified to come
 *   within tolerance × max‖x_i‖ of the origin once either bound does (inseparable).
 * Dichotomies whose largest margin is below that may end either way; those still open after
 * maxIter are neither. ρ = λ_max(XᵀX)/K keeps the problem about as well conditioned as XᵀX.
 * The iterates are narrowed to the open dichotomies as they are decided (narrowRows).
 */
export async function separateDichotomies(points: Tensor, signs: Tensor, options: SeparationOptions = {}): Promise<SeparationResult> {
  const tolerance = options.tolerance ?? 1e-3;
  const maxIter = options.maxIter ?? 5000;
  const quorum = options.quorum;
  if (!(tolerance > 0)) throw new RangeError(`separateDichotomies: tolerance must be > 0, got ${tolerance}`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new RangeError(`separateDichotomies: maxIter must be a whole number >= 1, got ${maxIter}`);
  if (points.ndim !== 3 || signs.ndim !== 3 || signs.shape[0] !== points.shape[0] || signs.shape[2] !== points.shape[1]) {
    throw new Error(`separateDichotomies: expected points [B, K, n] and signs [B, T, K], got [${points.shape.join(', ')}] and [${signs.shape.join(', ')}]`);
  }
  const [batch, size] = points.shape;
  const dichotomies = signs.shape[1];
  if (quorum !== undefined && !(Number.isInteger(quorum) && quorum >= 0 && quorum <= dichotomies)) {
    throw new RangeError(`separateDichotomies: quorum must be a whole number in [0, ${dichotomies}], got ${quorum}`);
  }
  const fixed = scope(() => {
    const x = points.to('float64');
    const largest = largestSquaredSingularValue(x);
    return {
      x,
      xt: x.transpose(1, 2).contiguous(),
      rho: largest.div(size).clamp(1e-300).view(batch, 1),
      // λ_max(ẐẐᵀ) ≤ λ_max(XᵀX) + ρK = 2 λ_max(XᵀX): a safe step for every dichotomy.
      negativeStep: ops.reciprocal(largest.mul(2).clamp(1e-300)).neg().view(batch, 1, 1),
      reach: x.square().sum(2).amax(1).sqrt().view(batch, 1).mul(tolerance),
    };
  });
  const { x, xt, rho, negativeStep, reach } = fixed;
  // Outcomes per dichotomy, [B, T]; the iterates hold some of the dichotomies, [B, T'] with T' ≤ T.
  const known = options.known;
  if (known !== undefined && [known.separable, known.inseparable].some((mask) => mask.shape.join() !== [batch, dichotomies].join())) {
    throw new Error(`separateDichotomies: known outcomes must be [${batch}, ${dichotomies}]`);
  }
  const result = scope(() => ({
    separable: known?.separable.to('bool').clone() ?? ops.zeros([batch, dichotomies], 'bool'),
    inseparable: known?.inseparable.to('bool').clone() ?? ops.zeros([batch, dichotomies], 'bool'),
    margin: ops.full([batch, dichotomies], Number.NaN, 'float64'),
    distance: ops.full([batch, dichotomies], Infinity, 'float64'),
  }));
  let held: Held & { y: Tensor } = scope(() => ({
    owner: ops.arange(0, dichotomies, 1, 'int64').unsqueeze(0).expand(batch, dichotomies).contiguous(),
    y: signs.to('float64').contiguous(),
    // The gradient z_i·u + ρ(s − 1) at α = 0 is −ρ.
    ...startIterates(ops.zeros([batch, dichotomies, size], 'float64'), ops.zeros([batch, dichotomies, size], 'float64').sub_(rho.view(batch, 1, 1))),
  }));
  /**
   * Records the decisions the current iterate allows. Returns the still open rows of the iterates
   * [B, T'] (bool), or undefined when the loop may stop.
   */
  const decide = (u: Tensor, margins: Tensor, sum: Tensor): Tensor | undefined => {
    const { owner } = held;
    const known = (values: Tensor) => values.gather(1, owner);
    const open = ops.logicalNot(ops.logicalOr(known(result.separable), known(result.inseparable)));
    const norm = u.square().sum(2).sqrt();
    const worst = margins.amin(2);
    const separated = ops.logicalAnd(open, worst.gt(0));
    // Two upper bounds on the hull's distance from the origin: a hull point, and the cone residual.
    const hull = ops.where(sum.gt(0), norm.div(sum), ops.fullLike(norm, Infinity));
    const residual = norm.square().add(sum.sub(1).square().mul(rho));
    const fromResidual = ops.where(residual.lt(rho), residual.mul(rho).div(rho.sub(residual)).sqrt(), ops.fullLike(residual, Infinity));
    const distance = ops.where(open, ops.minimum(known(result.distance), ops.minimum(hull, fromResidual)), known(result.distance));
    const excluded = ops.logicalAnd(ops.logicalAnd(open, ops.logicalNot(separated)), distance.le(reach));
    ops.scatter_(result.separable, 1, owner, ops.logicalOr(known(result.separable), separated));
    ops.scatter_(result.inseparable, 1, owner, ops.logicalOr(known(result.inseparable), excluded));
    ops.scatter_(result.margin, 1, owner, ops.where(separated, worst.div(norm), known(result.margin)));
    ops.scatter_(result.distance, 1, owner, distance);
    const stillOpen = ops.logicalAnd(open, ops.logicalNot(ops.logicalOr(separated, excluded)));
    if (!ops.any(stillOpen).item()) return undefined;
    if (quorum !== undefined) {
      const settled = ops.logicalOr(result.separable.sum(1).ge(quorum), result.inseparable.sum(1).gt(dichotomies - quorum));
      if (ops.all(settled).item()) return undefined;
    }
    return stillOpen;
  };
  try {
    if (known !== undefined) {
      const open = scope(() => ops.logicalNot(ops.logicalOr(result.separable, result.inseparable)));
      const empty = scope(() => !ops.any(open).item());
      const narrowed = empty ? undefined : narrowRows(held, open);
      open.dispose();
      if (empty) return result;
      if (narrowed !== undefined) {
        disposeAll(held);
        held = narrowed;
      }
    }
    for (let iteration = 1; iteration <= maxIter; iteration += 1) {
      const check = iteration % CHECK_EVERY === 0 || iteration === maxIter;
      const outcome = scope(() => {
        const next = proximalStep(held, negativeStep);
        const u = ops.bmm(next.mul(held.y), x);
        const margins = ops.bmm(u, xt).mul_(held.y);
        const sum = next.sum(2);
        const open = check ? decide(u, margins, sum) : null;
        // Decided rows go on iterating harmlessly: their outcome is recorded once and kept.
        advance(held, next, margins.add_(sum.sub(1).mul(rho).unsqueeze(2)));
        return { open };
      });
      if (outcome.open === undefined) break;
      if (outcome.open !== null) held = keepOpenRows(held, outcome.open);
      if (iteration % SETTLE_EVERY === 0) await settle();
    }
    return result;
  } finally {
    disposeAll(held);
    disposeAll(fixed);
  }
}

export interface ConeProjectionOptions {
  /**
   * Stop when every KKT residual is below tolerance × (1 + max_i |b_i|). Default 1e-6: the anchors
   * then move by about 1e-4 relative, far below the sampling error of the Gaussian averages.
   */
  tolerance?: number;
  /** Iterations at most. Default 5000. */
  maxIter?: number;
}

export interface ConeProjectionResult {
  /** The weights α ≥ 0, [B, T, M]. */
  weights: Tensor;
  /** Whether the KKT residual met the tolerance, [B, T] (bool). */
  converged: Tensor;
}

/**
 * The KKT residual of α ≥ 0 with gradient ∂, per problem: the largest of |∂_i| where α_i > 0 and
 * −∂_i where α_i = 0, computed as max(max_i ∂_i·[α_i > 0], −min_i ∂_i).
 */
function kktResidual(weights: Tensor, derivative: Tensor): Tensor {
  const onSupport = ops.maskedFill(derivative, weights.le(0), 0).amax(2);
  return ops.maximum(onSupport, derivative.amin(2).neg());
}

/**
 * Minimises ½ αᵀGα − bᵀα over α ≥ 0 for Gram matrices G [B, M, M] (positive semi-definite) and
 * right-hand sides b [B, T, M], from α = 0. With G = S̃S̃ᵀ and b = S̃T + κ, S̃ᵀα is T minus its
 * projection onto {V : V·S̃_i ≤ −κ} (for κ = 0: the projection of T onto the cone of the S̃_i).
 * A problem stops, frozen, when its KKT residual meets the tolerance; the iterates are narrowed to
 * the open problems as they finish (narrowRows).
 */
export async function projectOntoCone(gram: Tensor, b: Tensor, options: ConeProjectionOptions = {}): Promise<ConeProjectionResult> {
  const tolerance = options.tolerance ?? 1e-6;
  const maxIter = options.maxIter ?? 5000;
  if (!(tolerance > 0)) throw new RangeError(`projectOntoCone: tolerance must be > 0, got ${tolerance}`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new RangeError(`projectOntoCone: maxIter must be a whole number >= 1, got ${maxIter}`);
  if (gram.ndim !== 3 || b.ndim !== 3 || gram.shape[1] !== gram.shape[2] || b.shape[0] !== gram.shape[0] || b.shape[2] !== gram.shape[1]) {
    throw new Error(`projectOntoCone: expected gram [B, M, M] and b [B, T, M], got [${gram.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
  const [batch, , size] = b.shape;
  const count = b.shape[1];
  const fixed = scope(() => {
    const g = gram.to('float64');
    return { g, negativeStep: ops.reciprocal(ops.eigvalsh(g, 'L').amax(1).clamp(1e-300)).neg().view(batch, 1, 1) };
  });
  const { g, negativeStep } = fixed;
  const result = scope(() => ({ weights: ops.zeros([batch, count, size], 'float64'), converged: ops.zeros([batch, count], 'bool') }));
  let held: Held & { rhs: Tensor; limit: Tensor; done: Tensor } = scope(() => {
    const rhs = b.to('float64').contiguous();
    const iterates = startIterates(ops.zerosLike(rhs), rhs.neg());
    const limit = rhs.abs().amax(2).add(1).mul(tolerance);
    return {
      owner: ops.arange(0, count, 1, 'int64').unsqueeze(0).expand(batch, count).contiguous(),
      rhs,
      limit,
      done: kktResidual(iterates.alpha, iterates.gradient).le(limit),
      ...iterates,
    };
  });
  try {
    for (let iteration = 1; iteration <= maxIter; iteration += 1) {
      const check = iteration % CHECK_EVERY === 0 || iteration === maxIter;
      const outcome = scope(() => {
        // Converged rows stay where they are: their step is masked out.
        const next = ops.where(held.done.unsqueeze(2), held.alpha, proximalStep(held, negativeStep));
        const fresh = ops.bmm(next, g).sub_(held.rhs);
        let open: Tensor | null | undefined = null;
        if (check) {
          const { owner, done } = held;
          done.copy_(ops.logicalOr(done, kktResidual(next, fresh).le(held.limit)));
          ops.scatter_(result.weights, 1, owner.unsqueeze(2).expand(batch, owner.shape[1], size), next);
          ops.scatter_(result.converged, 1, owner, done);
          open = ops.logicalNot(done);
          if (!ops.any(open).item()) open = undefined;
        }
        advance(held, next, fresh);
        return { open };
      });
      if (outcome.open === undefined) break;
      if (outcome.open !== null) held = keepOpenRows(held, outcome.open);
      if (iteration % SETTLE_EVERY === 0) await settle();
    }
    return result;
  } finally {
    disposeAll(held);
    disposeAll(fixed);
  }
}
