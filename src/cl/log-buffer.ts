// Dense logs: every log point appends one array per series, and a flush stacks them into arrays
// with a leading time axis (L, ...) (docs/architecture.md, principle 4).
import { ndarray, type NdArray, type NdDType } from '../io/npy.js';

type Values = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

interface Series {
  dtype: NdDType;
  shape: number[];
  points: Values[];
}

function dtypeOf(values: Values): NdDType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof BigInt64Array) return 'int64';
  return 'uint8';
}

export class LogBuffer {
  private readonly series = new Map<string, Series>();

  /** Appends one log point of series `name`, whose shape at a point is `shape`. */
  append(name: string, shape: readonly number[], values: Values): void {
    const size = shape.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`log '${name}': ${values.length} values for shape [${shape.join(', ')}]`);
    let entry = this.series.get(name);
    if (!entry) {
      entry = { dtype: dtypeOf(values), shape: [...shape], points: [] };
      this.series.set(name, entry);
    } else if (entry.shape.join(',') !== shape.join(',') || entry.dtype !== dtypeOf(values)) {
      throw new Error(`log '${name}': a point of shape [${shape.join(', ')}] after points of shape [${entry.shape.join(', ')}]`);
    }
    entry.points.push(values);
  }

  /** The latest point of a series, or undefined. */
  last(name: string): Values | undefined {
    const points = this.series.get(name)?.points;
    return points?.[points.length - 1];
  }

  /** Names of the series, in the order they were first appended. */
  names(): string[] {
    return [...this.series.keys()];
  }

  has(name: string): boolean {
    return this.series.has(name);
  }

  /** Every series stacked as (L, ...shape), L being that series' number of points. */
  stacked(filter: (name: string) => boolean = () => true): Map<string, NdArray> {
    const result = new Map<string, NdArray>();
    for (const [name, entry] of this.series) {
      if (!filter(name)) continue;
      const size = entry.shape.reduce((a, b) => a * b, 1);
      const first = entry.points[0];
      const Constructor = first.constructor as new (length: number) => Values;
      const data = new Constructor(size * entry.points.length);
      entry.points.forEach((point, index) => (data as Float32Array).set(point as Float32Array, index * size));
      result.set(name, ndarray(entry.dtype, [entry.points.length, ...entry.shape], data));
    }
    return result;
  }

  clear(): void {
    this.series.clear();
  }
}
