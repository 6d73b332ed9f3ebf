// The slowly-changing regression problem (Dohare, Sutton & Mahmood 2021, "Continual backprop:
// stochastic gradient descent with persistent randomness", arXiv 2108.06325, where it is the
// bit-flipping problem; Dohare et al. 2024, Nature, "Loss of plasticity in deep continual learning",
// Methods and Extended Data Fig. 2a). Every example is m bits and a constant 1: the first f bits
// change slowly, one of them chosen uniformly and flipped every T examples; the other m − f are
// drawn uniformly at random for each example. The target is the output of a fixed network with one
// hidden layer of linear threshold units (LTUs) whose every weight is −1 or +1, the constant bit's
// weight included: unit i fires (1, else 0) when its weighted input exceeds θ_i = β·(m + 1) − S_i,
// S_i its number of negative weights, so that each unit fires on about the same share of inputs
// whatever its signs; the output is the ±1-weighted sum of the units plus a ±1 bias.
//
// Everything is per member: member r draws its target network, its initial slow bits and its flips
// from streams seeded by its own seed alone, and segment k's random bits from a stream of its own,
// so member r's examples do not depend on how many members share the population (as R separate
// runs would draw them) and any segment is rebuilt without the ones before it (a resumed run).
import { Generator, ops, scope, tensor, type Tensor } from '../../tensor/index.js';
import { deriveSeed } from '../scenarios/plan.js';

export interface SlowlyChangingRegressionOptions {
  /** m: input bits (the constant bit not counted). */
  inputs: number;
  /** f: the first f of the m bits change slowly. */
  flippingBits: number;
  /** T: examples between two flips. */
  flipEvery: number;
  /** Hidden LTUs of the target network. */
  targetHidden: number;
  /** β: the share of a unit's m + 1 inputs that must agree with its weights' signs for it to fire. */
  beta: number;
  /** Examples in the whole stream. */
  examples: number;
  /**
   * How S_i is counted. paper: the negative weights among the m + 1 (the constant bit's included),
   * as the papers define it. released_code: (m − Σ input weights + constant bit's weight)/2, as the
   * authors' released code computes it (lop/nets/fix_ltu_net.py): 0.5 more than the paper's count
   * for a unit whose constant weight is +1 and 1.5 less for −1. At m = 20, β = 0.7 the first changes
   * nothing on the integer input and the second makes the unit fire 2 higher: the targets behind
   * the published curves. Absent: paper.
   */
  threshold?: 'paper' | 'released_code';
}

/** One member's target network: weights on the m inputs and the constant bit (last), thresholds, output weights and bias. */
export interface TargetNetwork {
  /** [H, m + 1], each −1 or +1; column m is the constant bit's weight. */
  inputWeights: Float32Array;
  /** θ_i, [H]. */
  thresholds: Float32Array;
  /** [H], each −1 or +1. */
  outputWeights: Float32Array;
  outputBias: number;
}

/** Examples of one member's stream: inputs [N, m] (0 or 1), targets [N]. */
export interface StreamSegment {
  inputs: Tensor;
  targets: Tensor;
}

export function checkSlowlyChangingRegression(options: SlowlyChangingRegressionOptions): void {
  const { inputs, flippingBits, flipEvery, targetHidden, beta, examples } = options;
  for (const [name, value] of Object.entries({ inputs, flipEvery, targetHidden, examples })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`slowly-changing regression: ${name} must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(flippingBits) || flippingBits < 0 || flippingBits > inputs) throw new Error(`slowly-changing regression: flippingBits must be an integer in [0, inputs=${inputs}], got ${flippingBits}`);
  if (!(beta >= 0 && beta <= 1)) throw new Error(`slowly-changing regression: beta must be in [0, 1], got ${beta}`);
}

export class SlowlyChangingRegression {
  /** One target network per member. */
  readonly targets: TargetNetwork[];
  /** Per member, the slow bits before the first flip, [f] of 0 or 1. */
  readonly initialBits: Uint8Array[];
  /** Per member, the index (in [0, f)) of the bit flipped at each flip: flip j happens before example (j + 1)·T. */
  readonly flips: Int32Array[];

  constructor(
    readonly options: SlowlyChangingRegressionOptions,
    /** One seed per member: member r's whole stream follows from seeds[r]. */
    readonly seeds: readonly number[],
  ) {
    checkSlowlyChangingRegression(options);
    const { inputs, flippingBits, flipEvery, targetHidden, beta, examples } = options;
    const flipCount = Math.floor((examples - 1) / flipEvery);
    this.targets = [];
    this.initialBits = [];
    this.flips = [];
    scope(() => {
      for (const seed of seeds) {
        const target = new Generator(deriveSeed(seed, 'slowly-changing-regression', 'target'));
        const signs = (count: number) => Float32Array.from(ops.randint(0, 2, [count], target, 'int64').data() as BigInt64Array, (bit) => (bit === 1n ? 1 : -1));
        const inputWeights = signs(targetHidden * (inputs + 1));
        const output = signs(targetHidden + 1);
        const thresholds = new Float32Array(targetHidden);
        for (let unit = 0; unit < targetHidden; unit += 1) {
          const row = inputWeights.subarray(unit * (inputs + 1), (unit + 1) * (inputs + 1));
          const constant = row[inputs];
          const count =
            options.threshold === 'released_code'
              ? (inputs - row.subarray(0, inputs).reduce((a, b) => a + b, 0) + constant) / 2
              : row.reduce((negative, weight) => negative + (weight < 0 ? 1 : 0), 0);
          thresholds[unit] = beta * (inputs + 1) - count;
        }
        this.targets.push({ inputWeights, thresholds, outputWeights: output.subarray(0, targetHidden), outputBias: output[targetHidden] });
        const bits = new Generator(deriveSeed(seed, 'slowly-changing-regression', 'slow bits'));
        this.initialBits.push(Uint8Array.from(ops.randint(0, 2, [flippingBits], bits, 'int64').data() as BigInt64Array, Number));
        this.flips.push(flippingBits > 0 ? Int32Array.from(ops.randint(0, flippingBits, [flipCount], bits, 'int64').data() as BigInt64Array, Number) : new Int32Array(0));
      }
    });
  }

  get members(): number {
    return this.seeds.length;
  }

  /** Member r's slow bits while example `example` is drawn: its initial bits after the flips before it. */
  slowBits(member: number, example: number): Uint8Array {
    const bits = Uint8Array.from(this.initialBits[member]);
    const flipsBefore = Math.min(Math.floor(example / this.options.flipEvery), this.flips[member].length);
    for (let flip = 0; flip < flipsBefore; flip += 1) bits[this.flips[member][flip]] ^= 1;
    return bits;
  }

  /**
   * Examples [start, start + count) of member r's stream: inputs [count, m] (float32, 0 or 1) and
   * the target network's outputs [count] on them. Fresh tensors; the caller owns them.
   */
  segment(member: number, start: number, count: number): StreamSegment {
    const { inputs: m, flippingBits: f, flipEvery } = this.options;
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > this.options.examples) {
      throw new Error(`slowly-changing regression: examples [${start}, ${start + count}) are outside the stream's ${this.options.examples}`);
    }
    const fast = m - f;
    const random = new Generator(deriveSeed(this.seeds[member], 'slowly-changing-regression', 'fast bits', start));
    const drawn = fast > 0 ? (ops.randint(0, 2, [count * fast], random, 'int64').data() as BigInt64Array) : new BigInt64Array(0);
    const values = new Float32Array(count * m);
    let bits = this.slowBits(member, start);
    for (let row = 0; row < count; row += 1) {
      const example = start + row;
      if (row > 0 && example % flipEvery === 0) bits = this.slowBits(member, example);
      for (let bit = 0; bit < f; bit += 1) values[row * m + bit] = bits[bit];
      for (let bit = 0; bit < fast; bit += 1) values[row * m + f + bit] = Number(drawn[row * fast + bit]);
    }
    const inputs = tensor(values, { shape: [count, m] });
    return { inputs, targets: scope(() => targetOutputs(this.targets[member], inputs)) };
  }
}

/** The target network's output on inputs [N, m] of 0 and 1, [N]. */
export function targetOutputs(network: TargetNetwork, inputs: Tensor): Tensor {
  const m = inputs.shape[1];
  const hidden = network.thresholds.length;
  const weights = tensor(network.inputWeights, { shape: [hidden, m + 1] });
  // The constant bit's weight is the units' bias.
  const preactivation = inputs.matmul(weights.narrow(1, 0, m).T).add(weights.select(1, m));
  const features = preactivation.gt(tensor(network.thresholds)).float();
  return features.matmul(tensor(network.outputWeights)).add(network.outputBias);
}
