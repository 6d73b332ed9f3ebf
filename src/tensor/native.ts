// The compiled libtorch addon and the types of what it exports.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A tensor crosses the boundary as the number of its slot in the addon's table (tensor_table.h). */
export type TensorSlot = number;

export declare class NativeGeneratorHandle {
  constructor(seed: number, device?: string);
  readonly seed: number;
  manualSeed(seed: number): this;
  getState(): TensorSlot;
  setState(state: TensorSlot): void;
}

export interface NativeAddon {
  GeneratorHandle: typeof NativeGeneratorHandle;
  release(tensor: TensorSlot): void;
  shapeOf(tensor: TensorSlot): number[];
  /** ScalarType code; see dtype.ts. */
  dtypeOf(tensor: TensorSlot): number;
  deviceOf(tensor: TensorSlot): string;
  requiresGradOf(tensor: TensorSlot): boolean;
  setRequiresGrad(tensor: TensorSlot, requires: boolean): void;
  gradOf(tensor: TensorSlot): TensorSlot | null;
  setGradOf(tensor: TensorSlot, gradient: TensorSlot | null): void;
  isLeaf(tensor: TensorSlot): boolean;
  sameStorage(a: TensorSlot, b: TensorSlot): boolean;
  identityOf(tensor: TensorSlot): number;
  /** Slots holding a tensor: what has not been disposed or collected yet. */
  liveTensors(): number;
  resolveOperator(name: string, overload: string): number;
  operatorSchema(id: number): string;
  listOperators(): string[];
  callOperator(id: number, ...args: unknown[]): unknown;
  backward(outputs: TensorSlot[], gradients: (TensorSlot | null)[] | null, retainGraph: boolean, createGraph: boolean): void;
  grad(outputs: TensorSlot[], inputs: TensorSlot[], gradients: (TensorSlot | null)[] | null, retainGraph: boolean, createGraph: boolean, allowUnused: boolean): (TensorSlot | null)[];
  setGradEnabled(enabled: boolean): boolean;
  isGradEnabled(): boolean;
  fromTypedArray(data: ArrayBufferView, shape: number[], scalarType: number, device?: string): TensorSlot;
  toTypedArray(tensor: TensorSlot): ArrayBuffer;
  manualSeed(seed: number): void;
  defaultGeneratorState(): TensorSlot;
  setDefaultGeneratorState(state: TensorSlot): void;
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  cudaDeviceCount(): number;
  /** blas: OpenBLAS's openblas_get_config(), or null where another BLAS is loaded. */
  buildInfo(): { torchVersion: string; config: string; parallel: string; blas: string | null };
  /** Seconds this thread has spent inside the addon's functions: libtorch's kernels, dispatch and autograd, and the conversions to and from JavaScript. */
  insideSeconds(): number;
  /** The CPU allocator's bytes: of live tensors, the most since the last reset, freed and kept for reuse, and the bound on those. */
  cpuMemory(): { inUse: number; peak: number; cached: number; capacity: number };
  resetCpuMemoryPeak(): void;
  /** Hands the kept blocks back to the system; returns their bytes. */
  releaseCpuMemoryCache(): number;
}

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const addonPath = join(projectRoot, 'build', 'native', 'Release', 'plab_native.node');

// OpenBLAS keeps its own thread pool, outside libtorch's thread setting; it reads this variable when
// the library loads, so it is set before the addon (and with it OpenBLAS) is loaded. One BLAS thread
// also makes results bit-for-bit repeatable, which resuming a run relies on.
process.env.OPENBLAS_NUM_THREADS ??= process.env.PLAB_THREADS ?? '1';
// With two threads, OpenBLAS's pool and libtorch's OpenMP pool each spin between calls and take
// the cores from each other: on a 2-core machine the default experiment at R = 5 and one epoch per
// task took 38.6 s on two threads against 16.7 s on one, and 15.3 s with OpenMP's threads sleeping
// instead (the CNN was no slower). libgomp reads this when libtorch loads; a user's value wins.
process.env.OMP_WAIT_POLICY ??= 'PASSIVE';

function load(): NativeAddon {
  if (!existsSync(addonPath)) {
    throw new Error(`plab: the libtorch addon is not built (${addonPath} is missing). Run 'npm run build:addon', or './plab setup'.`);
  }
  return createRequire(import.meta.url)(addonPath) as NativeAddon;
}

export const native: NativeAddon = load();
