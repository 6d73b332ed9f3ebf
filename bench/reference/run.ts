// Runs a PyTorch reference script with Debian's python3-torch, in the same benchmark run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// PLAB_REFERENCE_PYTHON picks another interpreter, e.g. one with a CUDA torch (tools/gpu-check.sh).
const python = process.env.PLAB_REFERENCE_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** `blasThreads`: OpenBLAS's threads for this process (default PLAB_THREADS, else 1), as plab's when it starts. */
export function runReference<T>(script: string, args: string[] = [], blasThreads?: number): T {
  const path = join(dirname(fileURLToPath(import.meta.url)), script);
  try {
    // OpenBLAS starts a thread per core unless told otherwise, whatever torch.set_num_threads says;
    // plab runs one BLAS thread by default, and so does its reference.
    // OpenMP's waiting threads sleep, as plab's do (src/tensor/native.ts): spinning, PyTorch's seed of
    // the default experiment took 4x longer on two threads than on one.
    const env = { ...process.env, OPENBLAS_NUM_THREADS: String(blasThreads ?? process.env.PLAB_THREADS ?? '1'), OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
    const output = execFileSync(python, [path, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env });
    return JSON.parse(output.trim().split('\n').pop()!) as T;
  } catch (error) {
    throw new Error(`the PyTorch reference ${script} failed (is python3-torch installed? 'apt-get install python3-torch'): ${(error as Error).message}`);
  }
}

/**
 * Best of `repeats` timed windows, after a warm-up: samples per second. `finish` waits for queued
 * work before a window's clock stops (a GPU runs steps asynchronously).
 */
export function bestRate(step: () => void, samplesPerStep: number, seconds = 1.5, repeats = 3, finish: () => void = () => {}): number {
  for (let i = 0; i < 5; i += 1) step();
  finish();
  let best = 0;
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    let steps = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      step();
      steps += 1;
    }
    finish();
    best = Math.max(best, (steps * samplesPerStep) / ((performance.now() - start) / 1000));
  }
  return best;
}

export function formatRate(rate: number): string {
  return `${(rate / 1000).toFixed(1)}k/s`;
}
