// Statistics of a population's parameters. Every parameter is [R, ...] (member first, as in src/nn);
// every statistic is per member.
import { ops, scope, type Tensor } from '../tensor/index.js';

function checkParameter(parameter: Tensor, name: string): void {
  if (parameter.ndim < 2) {
    throw new Error(`${name}: expected a population parameter [R, ...] with at least one dimension after the members, got [${parameter.shape.join(', ')}]`);
  }
}

/** Each member's values as one row: [R, ...] → [R, M], in the parameter's dtype. */
function rows(parameter: Tensor): Tensor {
  return parameter.detach().reshape(parameter.shape[0], -1);
}

export interface WeightMagnitude {
  /** Mean absolute value, (1/P) Σ |w| (Dohare et al. 2024's average weight magnitude), [R]. */
  meanAbs: Tensor;
  /** Root mean square, sqrt((1/P) Σ w²) (Plasticine's weight magnitude), [R]. */
  rms: Tensor;
}

/**
 * Weight magnitude over the given parameters taken together (P elements per member), both as the
 * mean absolute value and as the root mean square. parameters: tensors [R, ...] with the same R.
 */
export function weightMagnitude(parameters: Tensor[]): WeightMagnitude {
  if (parameters.length === 0) throw new Error('weightMagnitude: no parameters given; pass e.g. model.parameters()');
  parameters.forEach((parameter) => checkParameter(parameter, 'weightMagnitude'));
  return scope(() => {
    // Vector norms reduce without a temporary copy: Σ|w| = ‖w‖₁ and Σw² = ‖w‖₂², per member.
    const flat = parameters.map(rows);
    const count = flat.reduce((total, p) => total + p.shape[1], 0);
    const absoluteSum = ops.stack(flat.map((p) => p.norm(1, 1).to('float64')), 0).sum(0);
    const squareSum = ops.stack(flat.map((p) => p.norm(2, 1).to('float64').square()), 0).sum(0);
    return { meanAbs: absoluteSum.div(count), rms: squareSum.div(count).sqrt() };
  });
}

export interface BiasStatistics {
  /** Mean of the biases, [R]. */
  mean: Tensor;
  /** Median (the mean of the two middle values for an even count, as numpy.median), [R]. */
  median: Tensor;
  /** Standard deviation with the 1/n estimate (numpy.std's default), [R]. */
  std: Tensor;
}

/**
 * Seed 001's bias statistics of one layer: mean, median and standard deviation of its biases. The
 * seed finds the median turning negative as sparsity rises ("biases go negative to silence units").
 * bias: [R, H].
 */
export function biasStatistics(bias: Tensor): BiasStatistics {
  checkParameter(bias, 'biasStatistics');
  return scope(() => {
    const values = rows(bias).to('float64');
    const count = values.shape[1];
    const [sorted] = ops.sort(values, 1);
    const upper = sorted.select(1, Math.floor(count / 2));
    const median = count % 2 === 1 ? upper : upper.add(sorted.select(1, count / 2 - 1)).div(2);
    return { mean: values.mean(1), median, std: values.std(1, 0) };
  });
}

export interface Histogram {
  /** Counts per member and bin, [R, bins] (int64). */
  counts: Tensor;
  /** Bin edges shared by all members, [bins + 1] (float64). */
  edges: Tensor;
}

export interface HistogramOptions {
  /** Number of equal-width bins. Default 50. */
  bins?: number;
  /** [low, high]; default the smallest and largest value over all members, so members share bins. */
  range?: [number, number];
}

/**
 * Histogram of each member's values (weights or biases of a layer), with numpy.histogram's bins:
 * equal width over [low, high], the last bin closed on the right, values outside the range left out,
 * and [v − 0.5, v + 0.5] when every value is v. Bins are assigned in the values' own precision.
 * values: [R, ...].
 */
export function histogram(values: Tensor, options: HistogramOptions = {}): Histogram {
  checkParameter(values, 'histogram');
  const bins = options.bins ?? 50;
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bins must be a whole number >= 1, got ${bins}`);
  return scope(() => {
    const data = rows(values);
    const members = data.shape[0];
    const dataLow = data.min().item();
    const dataHigh = data.max().item();
    let [low, high] = options.range ?? [dataLow, dataHigh];
    if (!(low <= high)) throw new RangeError(`histogram: range must have low <= high, got [${low}, ${high}]`);
    if (low === high) [low, high] = [low - 0.5, high + 0.5];
    // One flat bincount for all members: member r's bins are r·bins … r·bins + bins − 1.
    const offset = ops.arange(0, members, 1, data.dtypeName).mul(bins).unsqueeze(1);
    let slot: Tensor;
    if (dataLow >= low && dataHigh <= high) {
      // Every value is inside: the bin position, clamped so that the top edge falls in the last bin.
      const position = data.sub(low);
      ops.mulScalar_(position, bins / (high - low));
      ops.clamp_(position, 0, bins - 0.5);
      position.add_(offset);
      slot = position.to('int32');
    } else {
      // Values outside [low, high] go to one spare slot after all members' bins, dropped below.
      const bin = ops.floor(data.sub(low).mul(bins / (high - low))).clamp(0, bins - 1).add(offset);
      const inside = ops.logicalAnd(data.ge(low), data.le(high));
      slot = ops.where(inside, bin, ops.full([1], members * bins, data.dtypeName)).to('int32');
    }
    const counts = ops.bincount(slot.reshape(-1), null, members * bins + 1).slice(0, 0, members * bins).view(members, bins);
    const edges = ops.arange(0, bins + 1, 1, 'float64').mul((high - low) / bins).add(low);
    return { counts, edges };
  });
}

/**
 * Relative update of a parameter between two moments (docs/metrics.md, per layer and
 * step): ‖w_after − w_before‖_F / ‖w_before‖_F per member (∞ when w_before is zero and w moved).
 * before, after: [R, ...] of the same shape.
 */
export function relativeUpdate(before: Tensor, after: Tensor): Tensor {
  checkParameter(before, 'relativeUpdate');
  if (before.shape.join(',') !== after.shape.join(',')) {
    throw new Error(`relativeUpdate: before [${before.shape.join(', ')}] and after [${after.shape.join(', ')}] must have the same shape`);
  }
  return scope(() => {
    const start = rows(before);
    const change = rows(after).sub(start);
    return change.norm(2, 1).to('float64').div(start.norm(2, 1).to('float64'));
  });
}
