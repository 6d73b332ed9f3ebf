// Where a run's wall time goes: training steps, evaluation (the accuracy matrix and the experts'
// accuracy), the other metrics, and writing files. Measured around the loop's observers and the
// runner's writes, and recorded in provenance.json's session, so a benchmark reads it rather than
// guessing (bench/default-run.ts).
import { native } from '../tensor/index.js';
import type { LoopObserver } from './loop.js';

export type RunPart = 'training' | 'evaluation' | 'metrics' | 'writing';

export class RunTiming {
  private readonly milliseconds: Record<RunPart, number> = { training: 0, evaluation: 0, metrics: 0, writing: 0 };
  private readonly insideAtStart = native.insideSeconds();

  /** Runs `body`, adding its wall time to `part`. */
  time<T>(part: RunPart, body: () => T): T {
    const start = performance.now();
    try {
      return body();
    } finally {
      this.milliseconds[part] += performance.now() - start;
    }
  }

  /** The same observer, its calls counted in `part`. */
  observe<O extends LoopObserver>(part: RunPart, observer: O): O {
    return {
      ...observer,
      ...(observer.onStep && { onStep: (event) => this.time(part, () => observer.onStep!(event)) }),
      ...(observer.onLogPoint && { onLogPoint: (event) => this.time(part, () => observer.onLogPoint!(event)) }),
    } as O;
  }

  /**
   * Seconds spent inside libtorch since this timing began (its kernels, dispatch and autograd, and
   * the binding's conversions; native/src/common.h), rounded to milliseconds. It spans every part:
   * the rest of the wall time is plab's TypeScript, and only that could a change to it save.
   */
  insideLibtorch(): number {
    return Math.round((native.insideSeconds() - this.insideAtStart) * 1000) / 1000;
  }

  /** Seconds per part, rounded to milliseconds. */
  seconds(): Record<RunPart, number> {
    return Object.fromEntries(Object.entries(this.milliseconds).map(([part, ms]) => [part, Math.round(ms) / 1000])) as Record<RunPart, number>;
  }
}
