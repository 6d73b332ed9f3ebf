// The PyTorch fixtures of tools/make_engine_fixtures.py and what reproduces them in plab: the
// models (the 784-120-84-10 MLP and a small CNN), the training batches and tensor comparisons.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Conv2d, flattenStacked, stackMembers } from '../../src/nn/conv.js';
import { Linear } from '../../src/nn/linear.js';
import { MLP } from '../../src/nn/models/mlp.js';
import { initializeMembers, Module } from '../../src/nn/module.js';
import { Generator, keep, manualSeed, ops, type Tensor } from '../../src/tensor/index.js';

/** A whole tensor: float32 little-endian bytes, base64. */
export interface ArrayFixture {
  shape: number[];
  data: string;
}

/** A large tensor in brief: every stride-th element, the float64 sum of |x| and the bytes' SHA-256. */
export interface DigestFixture {
  shape: number[];
  stride: number;
  sample: string;
  absSum: number;
  sha256: string;
}

export type TensorFixture = ArrayFixture | DigestFixture;

export interface Trajectory {
  options: Record<string, unknown>;
  losses: number[];
  /** Parameters after steps 1, 10 and 100, in model.parameters() order. */
  parameters: Record<string, TensorFixture[]>;
}

export interface ReferenceFixture {
  dataSeed: number;
  batch: number;
  inputShape: number[];
  parameterNames: string[];
  initial: DigestFixture[];
  firstBatch: { inputs: DigestFixture; targets: number[] };
  logits: ArrayFixture;
  loss: number;
  gradients: TensorFixture[];
  trajectories: Record<'sgd' | 'adam' | 'adamw' | 'rmsprop', Trajectory>;
}

export interface VariantFixture {
  options: Record<string, unknown>;
  losses: number[];
  parameters: ArrayFixture[];
  /** PyTorch's optimizer state after the last step, per parameter: 'step' as a number, tensors as arrays. */
  state: Record<string, number | ArrayFixture>[];
}

export interface VariantsFixture {
  dataSeed: number;
  batch: number;
  inputShape: number[];
  steps: number;
  variants: Record<string, VariantFixture>;
}

export interface SchedulesFixture {
  baseLr: number;
  steps: number;
  schedules: Record<string, number[]>;
}

/**
 * This machine's own PyTorch fixtures (tools/machine-fixtures.sh, run by scripts/test.sh), or null
 * where python3-torch is missing and the committed ones stand in.
 */
const machineFixtures = process.env.PLAB_MACHINE_FIXTURES && existsSync(join(process.env.PLAB_MACHINE_FIXTURES, 'complete')) ? process.env.PLAB_MACHINE_FIXTURES : null;

/** Whether the fixtures were computed by PyTorch on this CPU with these libraries. */
export const fixturesMadeHere = machineFixtures !== null;

/**
 * How far a float32 result may move when a kernel sums it in another order.
 *
 * The committed fixtures come from another CPU, whose OpenBLAS kernel may sum each dot product in
 * another order. Reordering a float32 sum of K products changes it by at most γ_K = K·u of the sum
 * of magnitudes, and by about √K·u in practice, with u = 2⁻²⁴ the unit roundoff (Higham, Accuracy
 * and Stability of Numerical Algorithms, 2nd ed., §3.1 and §3.5). The longest sum here is a
 * 784-input Linear, so 4·√784·u ≈ 6.7e-6 relative to the tensor's largest element covers a change
 * of order with a 4x margin (observed: 3.6e-7 on an Intel AVX-512 against AMD-made fixtures), while
 * any real defect (a wrong formula, a missing term, another initialisation) moves the values by
 * 1e-3 or more.
 */
export const REORDERING_TOLERANCE = 4 * Math.sqrt(784) * 2 ** -24;

/** The tolerance of a comparison that is bit-exact against PyTorch run on the same machine. */
export const SAME_MACHINE = fixturesMadeHere ? 0 : REORDERING_TOLERANCE;

export function loadFixture<T>(name: string): T {
  const path = machineFixtures ? join(machineFixtures, name) : fileURLToPath(new URL(`../fixtures/engine/${name}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function decodeFloats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function sha256(values: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex');
}

function isDigest(fixture: TensorFixture): fixture is DigestFixture {
  return 'stride' in fixture;
}

/** The elements a fixture holds, taken the same way from `values`. */
function comparable(values: Float32Array, fixture: TensorFixture): { actual: Float32Array; expected: Float32Array } {
  if (!isDigest(fixture)) return { actual: values, expected: decodeFloats(fixture.data) };
  const expected = decodeFloats(fixture.sample);
  return { actual: Float32Array.from(expected, (_, index) => values[index * fixture.stride]), expected };
}

/**
 * The largest error of `actual` against `expected`, relative to the size of the reference tensor:
 * max |a - e| / max |e|. Per-element relative error would be dominated by elements that are
 * nearly zero because of cancellation, whose absolute error is still at rounding level.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'element counts differ');
  let scale = 0;
  let error = 0;
  for (let i = 0; i < expected.length; i += 1) {
    scale = Math.max(scale, Math.abs(expected[i]));
    const difference = Math.abs(actual[i] - expected[i]);
    error = Number.isNaN(difference) ? Infinity : Math.max(error, difference);
  }
  return scale === 0 ? error : error / scale;
}

/** Asserts that `tensor` matches the fixture to `tolerance` (relative, see relativeError). */
export function assertTensorClose(tensor: Tensor, fixture: TensorFixture, tolerance: number, what: string): number {
  const values = tensor.contiguous().float().data() as Float32Array;
  assert.equal(tensor.numel, fixture.shape.reduce((a, b) => a * b, 1), `${what}: element count [${tensor.shape}] vs [${fixture.shape}]`);
  const { actual, expected } = comparable(values, fixture);
  const error = relativeError(actual, expected);
  assert.ok(error <= tolerance, `${what}: relative error ${error.toExponential(2)} exceeds ${tolerance}`);
  if (isDigest(fixture) && tolerance === 0) {
    assert.equal(sha256(values), fixture.sha256, `${what}: bytes differ from PyTorch's`);
  } else if (isDigest(fixture)) {
    let absSum = 0;
    for (const value of values) absSum += Math.abs(value);
    const sumError = Math.abs(absSum - fixture.absSum) / fixture.absSum;
    assert.ok(sumError <= tolerance, `${what}: sum of |x| differs by ${sumError.toExponential(2)} relative`);
  }
  return error;
}

/** The training stream: for each step, inputs by randn then targets by randint(0, 10), from one generator. */
export function trainingBatches(fixture: { dataSeed: number; batch: number; inputShape: number[] }, steps: number, seed = fixture.dataSeed): [Tensor, Tensor][] {
  const generator = new Generator(seed);
  return Array.from({ length: steps }, () => {
    const inputs = ops.randn([fixture.batch, ...fixture.inputShape], generator);
    const targets = ops.randint(0, 10, [fixture.batch], generator);
    return keep([inputs, targets] as [Tensor, Tensor]);
  });
}

/** The 784-120-84-10 ReLU MLP; with no generators it is built as after torch.manual_seed(0). */
export function buildMlp(members = 1, generators?: Generator[]): MLP {
  const model = new MLP({ inputShape: [784], hidden: [120, 84], numClasses: 10, members });
  if (!generators) manualSeed(0);
  initializeMembers(model, generators);
  return model;
}

/**
 * Conv2d(1, 4, 3) -> ReLU -> MaxPool2d(2) -> Conv2d(4, 8, 3) -> ReLU -> flatten -> Linear(72, 10) on
 * 1x12x12 images, assembled from population layers in the channel-stacked layout.
 */
export class SmallCnn extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly fc: Linear;

  constructor(members = 1) {
    super(members);
    this.conv1 = this.registerModule('conv1', new Conv2d(1, 4, 3, { members }));
    this.conv2 = this.registerModule('conv2', new Conv2d(4, 8, 3, { members }));
    this.fc = this.registerModule('fc', new Linear(72, 10, { members }));
  }

  /** input: [B, 1, 12, 12] shared by all members, or [B, R, 1, 12, 12]; output [R, B, 10]. */
  forward(input: Tensor): Tensor {
    const stacked = input.ndim === 5 ? stackMembers(input) : this.members === 1 ? input : input.repeat(1, this.members, 1, 1);
    const pooled = ops.maxPool2d(ops.relu(this.conv1.forward(stacked)), 2);
    const features = ops.relu(this.conv2.forward(pooled));
    return this.fc.forward(flattenStacked(features, this.members));
  }
}

export function buildCnn(members = 1, generators?: Generator[]): SmallCnn {
  const model = new SmallCnn(members);
  if (!generators) manualSeed(0);
  initializeMembers(model, generators);
  return model;
}
