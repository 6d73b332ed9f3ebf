// CPU tensor memory as the addon's allocator counts it (native/src/cpu_allocator.cpp): what live
// tensors hold, the peak since a reset (memory planning measures a step with it), and the freed
// blocks kept for reuse, which a task boundary hands back (blocks of the sizes one task used are
// rarely of use to the next, and kept they made resident memory grow with the number of tasks).
import { native } from './native.js';

export interface CpuMemory {
  /** Bytes of live CPU tensors. */
  inUse: number;
  /** The most bytes in use since the last resetCpuMemoryPeak(). */
  peak: number;
  /** Freed bytes kept for reuse. */
  cached: number;
  /** The bound on cached (PLAB_CPU_CACHE_MB). */
  capacity: number;
}

export function cpuMemory(): CpuMemory {
  return native.cpuMemory();
}

export function resetCpuMemoryPeak(): void {
  native.resetCpuMemoryPeak();
}

/** Hands the blocks kept for reuse back to the system; returns their bytes. */
export function releaseCpuMemoryCache(): number {
  return native.releaseCpuMemoryCache();
}
