// The Tensor: a handle to a libtorch tensor, with PyTorch's method names.
import type { AnyTypedArray, DType } from './dtype.js';
import { dtypeCode, dtypeName, dtypeOfTypedArray, typedArrayView } from './dtype.js';
import { native, type TensorSlot } from './native.js';
import * as ops from './operators.generated.js';
import { setTensorCheck, track } from './scope.js';

export type Shape = readonly number[];
export type NestedNumbers = number | boolean | NestedNumbers[];

/** The safety net: a tensor that outlived every scope and was never disposed is released when collected. */
const finalizer = new FinalizationRegistry<TensorSlot>((slot) => native.release(slot));

export class Tensor {
  /** The tensor's slot in the addon's table; -1 once disposed. */
  handle: TensorSlot;
  private guarded = false;
  // A tensor's shape and dtype never change (plab binds no resizing in-place operator), and asking
  // libtorch for them builds a new array each time: they are read once and kept.
  private cachedShape: number[] | undefined;
  private cachedDtype: number | undefined;

  /** Takes ownership of a slot the addon returned. */
  constructor(handle: TensorSlot) {
    this.handle = handle;
    track(this);
  }

  // ---- lifetime
  /** Frees the tensor now (its memory returns to the allocator); using it afterwards throws. */
  dispose(): void {
    if (this.handle < 0) return;
    if (this.guarded) finalizer.unregister(this);
    native.release(this.handle);
    this.handle = -1;
  }
  get disposed(): boolean {
    return this.handle < 0;
  }
  guard(): void {
    if (this.guarded || this.handle < 0) return;
    finalizer.register(this, this.handle, this);
    this.guarded = true;
  }

  // ---- metadata
  get shape(): number[] {
    return (this.cachedShape ??= Object.freeze(native.shapeOf(this.handle)) as number[]);
  }
  get dtype(): number {
    return (this.cachedDtype ??= native.dtypeOf(this.handle));
  }
  get dtypeName(): DType {
    return dtypeName(this.dtype);
  }
  get device(): string {
    return native.deviceOf(this.handle);
  }
  get ndim(): number {
    return this.shape.length;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  size(dim: number): number {
    const shape = this.shape;
    return shape[dim < 0 ? shape.length + dim : dim];
  }
  get requiresGrad(): boolean {
    return native.requiresGradOf(this.handle);
  }
  set requiresGrad(value: boolean) {
    native.setRequiresGrad(this.handle, value);
  }
  get grad(): Tensor | null {
    return tensorOrNull(native.gradOf(this.handle));
  }
  set grad(value: Tensor | null) {
    native.setGradOf(this.handle, value === null ? null : value.handle);
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }
  /** The TensorImpl's address: two Tensors with the same identity are the same libtorch tensor. */
  get identity(): number {
    return native.identityOf(this.handle);
  }
  sameStorage(other: Tensor): boolean {
    return native.sameStorage(this.handle, other.handle);
  }

  // ---- data out
  /** The elements, row-major, in the typed array of this dtype (a copy). */
  data(): AnyTypedArray {
    return typedArrayView(native.toTypedArray(this.handle), this.dtypeName);
  }
  /** The elements as plain numbers (int64 converted to number). */
  toArray(): number[] {
    const data = this.data();
    return data instanceof BigInt64Array ? Array.from(data, Number) : Array.from(data as ArrayLike<number>);
  }
  /** The elements as nested arrays, like Tensor.tolist(). */
  tolist(): NestedNumbers {
    const flat = this.toArray();
    const build = (offset: number, dims: number[]): NestedNumbers => {
      if (dims.length === 0) return flat[offset];
      const [first, ...rest] = dims;
      const stride = rest.reduce((a, b) => a * b, 1);
      return Array.from({ length: first }, (_, i) => build(offset + i * stride, rest));
    };
    return build(0, this.shape);
  }
  item(): number {
    return ops.item(this);
  }
  toString(): string {
    return `Tensor(${this.dtypeName}[${this.shape.join(', ')}], ${this.device})`;
  }

  // ---- autograd
  backward(gradient?: Tensor, retainGraph = false, createGraph = false): void {
    native.backward([this.handle], gradient ? [gradient.handle] : null, retainGraph, createGraph);
  }
  requiresGrad_(requires = true): this {
    this.requiresGrad = requires;
    return this;
  }
  detach(): Tensor {
    return ops.detach(this);
  }

  // ---- conversion
  to(target: DType | string): Tensor {
    if (target === 'cpu' || target.startsWith('cuda')) return ops.toDevice(this, target, this.dtypeName);
    return ops.toDtype(this, target as DType);
  }
  float(): Tensor {
    return ops.toDtype(this, 'float32');
  }
  long(): Tensor {
    return ops.toDtype(this, 'int64');
  }
  clone(): Tensor {
    return ops.clone(this);
  }
  contiguous(): Tensor {
    return ops.contiguous(this);
  }

  // ---- shape
  reshape(...shape: number[]): Tensor {
    return ops.reshape(this, shape);
  }
  view(...shape: number[]): Tensor {
    return ops.view(this, shape);
  }
  permute(...dims: number[]): Tensor {
    return ops.permute(this, dims);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  get T(): Tensor {
    return ops.permute(this, this.shape.map((_, i, all) => all.length - 1 - i));
  }
  expand(...shape: number[]): Tensor {
    return ops.expand(this, shape);
  }
  unsqueeze(dim: number): Tensor {
    return ops.unsqueeze(this, dim);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? ops.squeeze(this) : ops.squeezeDim(this, dim);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return ops.flatten(this, startDim, endDim);
  }
  /** Elements start..end (exclusive) along dim, as a view; like x[:, start:end]. */
  slice(dim: number, start: number, end?: number, step = 1): Tensor {
    return ops.slice(this, dim, start, end ?? null, step);
  }
  select(dim: number, index: number): Tensor {
    return ops.select(this, dim, index);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return ops.narrow(this, dim, start, length);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return ops.indexSelect(this, dim, index);
  }
  gather(dim: number, index: Tensor): Tensor {
    return ops.gather(this, dim, index);
  }
  maskedSelect(mask: Tensor): Tensor {
    return ops.maskedSelect(this, mask);
  }
  split(size: number | number[], dim = 0): Tensor[] {
    return typeof size === 'number' ? ops.split(this, size, dim) : ops.splitWithSizes(this, size, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return ops.chunk(this, chunks, dim);
  }
  repeat(...repeats: number[]): Tensor {
    return ops.repeat(this, repeats);
  }

  // ---- arithmetic (a number operand goes to the Scalar overload)
  add(other: Tensor | number, alpha = 1): Tensor {
    return typeof other === 'number' ? ops.addScalar(this, other, alpha) : ops.add(this, other, alpha);
  }
  sub(other: Tensor | number, alpha = 1): Tensor {
    return typeof other === 'number' ? ops.subScalar(this, other, alpha) : ops.sub(this, other, alpha);
  }
  mul(other: Tensor | number): Tensor {
    return typeof other === 'number' ? ops.mulScalar(this, other) : ops.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return typeof other === 'number' ? ops.divScalar(this, other) : ops.div(this, other);
  }
  add_(other: Tensor | number, alpha = 1): this {
    if (typeof other === 'number') ops.addScalar_(this, other, alpha);
    else ops.add_(this, other, alpha);
    return this;
  }
  sub_(other: Tensor, alpha = 1): this {
    ops.sub_(this, other, alpha);
    return this;
  }
  mul_(other: Tensor | number): this {
    if (typeof other === 'number') ops.mulScalar_(this, other);
    else ops.mul_(this, other);
    return this;
  }
  div_(other: Tensor | number): this {
    if (typeof other === 'number') ops.divScalar_(this, other);
    else ops.div_(this, other);
    return this;
  }
  pow(exponent: number | Tensor): Tensor {
    return typeof exponent === 'number' ? ops.pow(this, exponent) : ops.powTensor(this, exponent);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  square(): Tensor {
    return ops.square(this);
  }
  sign(): Tensor {
    return ops.sign(this);
  }
  clamp(min?: number, max?: number): Tensor {
    return ops.clamp(this, min ?? null, max ?? null);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  fill_(value: number): this {
    ops.fill_(this, value);
    return this;
  }
  zero_(): this {
    ops.zero_(this);
    return this;
  }
  copy_(source: Tensor): this {
    ops.copy_(this, source);
    return this;
  }

  // ---- comparisons
  eq(other: Tensor | number): Tensor {
    return typeof other === 'number' ? ops.eqScalar(this, other) : ops.eq(this, other);
  }
  ne(other: Tensor | number): Tensor {
    return typeof other === 'number' ? ops.neScalar(this, other) : ops.ne(this, other);
  }
  gt(other: Tensor | number): Tensor {
    return typeof other === 'number' ? ops.gtScalar(this, other) : ops.gt(this, other);
  }
  ge(other: Tensor | number): Tensor {
    return typeof other === 'number' ? ops.geScalar(this, other) : ops.ge(this, other);
  }
  lt(other: Tensor | number): Tensor {
    return typeof other === 'number' ? ops.ltScalar(this, other) : ops.lt(this, other);
  }
  le(other: Tensor | number): Tensor {
    return typeof other === 'number' ? ops.leScalar(this, other) : ops.le(this, other);
  }

  // ---- reductions (dim given: over those dims)
  sum(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? ops.sum(this) : ops.sumDim(this, dim, keepdim);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return dim === undefined ? ops.mean(this) : ops.meanDim(this, dim, keepdim);
  }
  max(): Tensor {
    return ops.max(this);
  }
  min(): Tensor {
    return ops.min(this);
  }
  amax(dim: number | number[], keepdim = false): Tensor {
    return ops.amax(this, dim, keepdim);
  }
  amin(dim: number | number[], keepdim = false): Tensor {
    return ops.amin(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return ops.argmax(this, dim ?? null, keepdim);
  }
  /** Standard deviation; correction 1 is the unbiased estimate, as in torch.std. */
  std(dim?: number | number[], correction = 1, keepdim = false): Tensor {
    return ops.std(this, dim ?? null, correction, keepdim);
  }
  var(dim?: number | number[], correction = 1, keepdim = false): Tensor {
    return ops.variance(this, dim ?? null, correction, keepdim);
  }
  norm(ord = 2, dim?: number | number[], keepdim = false): Tensor {
    return ops.norm(this, ord, dim ?? null, keepdim);
  }
}

setTensorCheck((value): value is Tensor => value instanceof Tensor);

/** A tensor argument's slot; anything else is an error naming the operator and the argument. */
export function tensorSlot(value: Tensor, operator: string, argument: string): TensorSlot {
  if (value instanceof Tensor) return value.handle;
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new TypeError(`${operator}: argument '${argument}' expects a tensor, got ${got}`);
}

/** A slot the addon returned, or null (an undefined tensor, such as a missing gradient). */
export function tensorOrNull(slot: TensorSlot | null): Tensor | null {
  return slot === null ? null : new Tensor(slot);
}

export interface TensorOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

function shapeOf(values: NestedNumbers): number[] {
  const shape: number[] = [];
  let level: NestedNumbers = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

/** torch.tensor: a new tensor holding a copy of the data. */
export function tensor(data: ArrayBufferView | NestedNumbers, options: TensorOptions & { shape?: Shape } = {}): Tensor {
  let values: ArrayBufferView;
  let shape: number[];
  let dtype: DType;
  if (ArrayBuffer.isView(data)) {
    dtype = options.dtype ?? dtypeOfTypedArray(data);
    values = data;
    shape = options.shape ? [...options.shape] : [(data as AnyTypedArray).length];
  } else {
    shape = options.shape ? [...options.shape] : shapeOf(data);
    const flat = Array.isArray(data) ? ((data as unknown[]).flat(Infinity) as (number | boolean)[]) : [data];
    const numbers = flat.map(Number);
    dtype = options.dtype ?? (flat.some((v) => typeof v === 'boolean') ? 'bool' : 'float32');
    values = fromNumbers(numbers, dtype);
  }
  const expected = shape.reduce((a, b) => a * b, 1);
  if ((values as AnyTypedArray).length !== expected) {
    throw new Error(`tensor: ${(values as AnyTypedArray).length} values cannot fill shape [${shape.join(', ')}] (${expected} elements)`);
  }
  const result = new Tensor(native.fromTypedArray(values, shape, dtypeCode(dtype), options.device ?? 'cpu'));
  if (options.requiresGrad) result.requiresGrad = true;
  return result;
}

function fromNumbers(numbers: number[], dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(numbers);
    case 'float64':
      return Float64Array.from(numbers);
    case 'int64':
      return BigInt64Array.from(numbers, (n) => BigInt(Math.trunc(n)));
    case 'int32':
      return Int32Array.from(numbers);
    case 'int16':
      return Int16Array.from(numbers);
    case 'int8':
      return Int8Array.from(numbers);
    default:
      return Uint8Array.from(numbers);
  }
}

export function isTensor(value: unknown): value is Tensor {
  return value instanceof Tensor;
}
