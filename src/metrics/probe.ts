// Linear probes: how much class information a frozen layer still holds, whatever the network's own
// head does with it. Seed 001 finds probes on the 84-unit layer recognising old classes long after
// the network stopped predicting them, and probes on classes never trained (0 and 9) already
// accurate after the first task.
//
// The probe is multinomial logistic regression on standardised features with scikit-learn's default
// L2 penalty (C = 1), fitted with full-batch L-BFGS (torch.optim.LBFGS's algorithm, strong-Wolfe
// line search), for every member at once.
import { noGrad, ops, scope, type Tensor } from '../tensor/index.js';
import { checkActivations } from './checks.js';
import { classPositions, type ClassList, oneHotPositions } from './labels.js';
import { lbfgs } from './lbfgs.js';

/** Frozen features of one split and their class labels. */
export interface ProbeData {
  /** [R, N, H] (members, samples, units). */
  features: Tensor;
  /** Class ids, [N] (shared) or [R, N]; samples whose class is not probed are left out. */
  labels: Tensor;
}

export interface ProbeOptions {
  /**
   * Inverse L2 strength, as scikit-learn's C: the probe minimises
   * (1/n) Σ_i CE_i + ‖W‖² / (2 C n) (the bias is not penalised). Default 1; Infinity for none.
   */
  c?: number;
  /** L-BFGS iterations (torch: max_iter). Default 100 (scikit-learn's max_iter). */
  maxIter?: number;
  /** L-BFGS history (torch: history_size). Default 10 (scikit-learn's L-BFGS-B memory). */
  historySize?: number;
  /** Default 'strong_wolfe'. */
  lineSearch?: 'strong_wolfe' | null;
  /** Stop when max |gradient| <= this. Default 1e-4 (scikit-learn's tol for the same objective). */
  toleranceGrad?: number;
  /** Default 1e-9 (torch's). */
  toleranceChange?: number;
}

export interface ProbeResult {
  /** Test accuracy over the test samples of the probed classes, [R]. */
  accuracy: Tensor;
  /** Test accuracy per probed class, [R, K]; NaN for a class with no test sample (docs/metrics.md). */
  perClassAccuracy: Tensor;
  /** Accuracy on the training samples, [R]. */
  trainAccuracy: Tensor;
  /** ‖W_k‖_2, the norm of each class's coefficients on the standardised features, [R, K] (docs/metrics.md). */
  coefficientNorm: Tensor;
  /** Coefficients on standardised features, [R, K, H], and intercepts, [R, K]. */
  weight: Tensor;
  bias: Tensor;
  /** L-BFGS iterations and objective evaluations per member, [R]. */
  iterations: Tensor;
  evaluations: Tensor;
}

interface Prepared {
  /** Standardised features, [R, N, H] (float64). */
  z: Tensor;
  /** Position of each label in the class list, -1 for samples left out, [R, N]. */
  positions: Tensor;
  /** One-hot targets, zero rows for samples left out, [R, N, K]. */
  targets: Tensor;
  /** Number of samples used per member, [R]. */
  count: Tensor;
}

function prepare(data: ProbeData, classes: ClassList, split: string, mean?: Tensor, scale?: Tensor) {
  const name = `fitProbe (${split})`;
  checkActivations(data.features, name);
  const [members, samples] = data.features.shape;
  if (data.labels.shape[data.labels.ndim - 1] !== samples) {
    throw new Error(`${name}: ${data.labels.shape[data.labels.ndim - 1]} labels for ${samples} samples`);
  }
  const { positions, numClasses } = classPositions(data.labels, classes, members, name);
  const targets = oneHotPositions(positions, numClasses);
  const used = positions.ge(0).to('float64').unsqueeze(2);
  const count = used.sum([1, 2]);
  // A copy even of float64 features, since it is standardised in place below.
  const x = ops.toDtype(data.features.detach(), 'float64', false, true);
  // scikit-learn's StandardScaler on the training samples: 1/n variance, unit scale for constant features.
  // Each statistic's [R, N, H] temporaries are freed once summed, and z is x itself: the same
  // arithmetic in one float64 copy of the features rather than seven, which at a task end of the
  // default run were about 1.4 GB of fresh pages per probe.
  const centre = mean ?? scope(() => used.mul(x).sum(1, true).div(count.view(members, 1, 1)));
  const spread =
    scale ??
    scope(() => {
      const std = used.mul(x.sub(centre).square()).sum(1, true).div(count.view(members, 1, 1)).sqrt();
      return ops.where(std.gt(0), std, ops.onesLike(std));
    });
  return { prepared: { z: x.sub_(centre).div_(spread), positions, targets, count } as Prepared, centre, spread, numClasses };
}

/** Predicted class positions [R, N] of the probe with parameters flattened as x [R, K·H + K]. */
function logitsOf(z: Tensor, x: Tensor, numClasses: number): Tensor {
  const [members, , units] = z.shape;
  const weight = x.slice(1, 0, numClasses * units).reshape(members, numClasses, units);
  const bias = x.slice(1, numClasses * units).unsqueeze(1);
  return ops.baddbmm(bias, z, weight.transpose(1, 2));
}

function accuracyOf(data: Prepared, x: Tensor, numClasses: number): { overall: Tensor; perClass: Tensor } {
  const predicted = logitsOf(data.z, x, numClasses).argmax(2);
  const correct = predicted.eq(data.positions).to('float64');
  const used = data.positions.ge(0).to('float64');
  const overall = correct.mul(used).sum(1).div(used.sum(1));
  const perClass = data.targets.mul(correct.unsqueeze(2)).sum(1).div(data.targets.sum(1));
  return { overall, perClass };
}

/**
 * Fits a linear probe per member on `train` and scores it on `test`, over the classes in `classes`
 * (a list shared by all members, or [R, K]). Each member's probe is what torch.optim.LBFGS
 * (lr 1, the options' max_iter, history_size, line search and tolerances) reaches from zero
 * weights on that member's objective, as one step() call; the parameters are flattened as
 * torch.nn.Linear's [weight (K×H), bias (K)].
 */
export function fitProbe(train: ProbeData, test: ProbeData, classes: ClassList, options: ProbeOptions = {}): ProbeResult {
  const c = options.c ?? 1;
  if (!(c > 0)) throw new RangeError(`fitProbe: c must be > 0 (Infinity for no penalty), got ${c}`);
  const [members, , units] = train.features.shape;
  if (test.features.ndim !== 3 || test.features.shape[0] !== members || test.features.shape[2] !== units) {
    throw new Error(`fitProbe: test features [${test.features.shape.join(', ')}] must be [${members}, N, ${units}] like the training features`);
  }
  return scope(() =>
    noGrad(() => {
      const fitted = prepare(train, classes, 'train');
      const { numClasses } = fitted;
      const data = fitted.prepared;
      if (data.count.min().item() === 0) throw new Error('fitProbe: a member has no training sample of the probed classes');
      const evaluation = prepare(test, classes, 'test', fitted.centre, fitted.spread).prepared;
      const weightSize = numClasses * units;
      const penalty = ops.reciprocal(data.count.mul(c));
      const picked = data.positions.clamp(0).unsqueeze(2);
      const used = data.positions.ge(0).to('float64');
      // Scoped, so that one evaluation's [R, N, K] temporaries are free for the next to reuse.
      const objective = (x: Tensor) =>
        scope(() => {
          const logits = logitsOf(data.z, x, numClasses);
          const normaliser = ops.logsumexp(logits, 2, true);
          const weight = x.slice(1, 0, weightSize);
          // mean cross-entropy over the samples used: log Σ_k e^{logit_k} − logit_{label}
          const crossEntropy = normaliser.sub(logits.gather(2, picked)).squeeze(2).mul(used).sum(1).div(data.count);
          const loss = crossEntropy.add(weight.square().sum(1).mul(penalty).mul(0.5));
          // d/dlogits of n · (mean cross-entropy) is softmax − one-hot on the samples used; 1/n is applied
          // to the smaller [R, K, H] product instead.
          const residual = logits.sub(normaliser).exp().mul(used.unsqueeze(2)).sub(data.targets);
          const scale = ops.reciprocal(data.count).view(members, 1);
          const weightGradient = ops.bmm(residual.transpose(1, 2), data.z).reshape(members, weightSize).mul(scale).add(weight.mul(penalty.view(members, 1)));
          const biasGradient = residual.sum(1).mul(scale);
          return { loss, grad: ops.cat([weightGradient, biasGradient], 1) };
        });
      const start = ops.zeros([members, weightSize + numClasses], 'float64');
      const result = lbfgs(objective, start, {
        maxIter: options.maxIter ?? 100,
        historySize: options.historySize ?? 10,
        lineSearch: options.lineSearch === undefined ? 'strong_wolfe' : options.lineSearch,
        toleranceGrad: options.toleranceGrad ?? 1e-4,
        toleranceChange: options.toleranceChange,
      });
      const weight = result.x.slice(1, 0, weightSize).reshape(members, numClasses, units);
      const bias = result.x.slice(1, weightSize).contiguous();
      const scored = accuracyOf(evaluation, result.x, numClasses);
      return {
        accuracy: scored.overall,
        perClassAccuracy: scored.perClass,
        trainAccuracy: accuracyOf(data, result.x, numClasses).overall,
        coefficientNorm: weight.norm(2, 2),
        weight,
        bias,
        iterations: result.iterations,
        evaluations: result.evaluations,
      };
    }),
  );
}

/**
 * Forward-transfer probe (docs/metrics.md): a probe on classes the network has not been trained on yet
 * (the seed used digits 0 and 9, the last task of Split-MNIST), showing how far features learned for
 * earlier tasks already separate future classes. The same fit as fitProbe, restricted to `unseen`.
 */
export function forwardTransferProbe(train: ProbeData, test: ProbeData, unseen: ClassList, options: ProbeOptions = {}): ProbeResult {
  const size = Array.isArray(unseen) ? unseen.length : (unseen as Tensor).shape[(unseen as Tensor).ndim - 1];
  if (size < 2) throw new Error(`forwardTransferProbe: needs at least 2 unseen classes to separate, got ${size}`);
  return fitProbe(train, test, unseen, options);
}
