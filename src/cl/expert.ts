// The expert baseline (docs/metrics.md, forward transfer): a fresh population learning the current
// task alone, on the learner's batches, trained in the same loop beside it. This observer writes
// its series at each log point: expert_metrics.npz.
import { evaluate } from './evaluate.js';
import type { Learner } from './learner.js';
import type { LogBuffer } from './log-buffer.js';
import type { LoopObserver } from './loop.js';
import type { TrackedTask } from './metric.js';
import { TrainingWindow } from './metrics/training-window.js';

export interface ExpertOptions {
  numClasses: number;
  evalChunk: number;
}

/** step, train_loss, train_acc, test_loss and test_acc (R) of `expert` on `task`, at each log point. */
export function expertSeries(expert: Learner, task: TrackedTask, log: LogBuffer, options: ExpertOptions): LoopObserver {
  const members = expert.members;
  const window = new TrainingWindow(members);
  return {
    onStep: ({ results, populations, batch }) => window.add(results[populations.indexOf(expert)], batch.inputs.shape[0]),
    onLogPoint({ learnerStep }) {
      const evaluation = evaluate(expert.model, task.test, { numClasses: options.numClasses, chunkSize: options.evalChunk, headMask: task.headMask });
      const { loss, accuracy } = window.take();
      log.append('step', [], Int32Array.of(learnerStep));
      log.append('train_loss', [members], loss);
      log.append('train_acc', [members], accuracy);
      log.append('test_loss', [members], Float32Array.from(evaluation.loss));
      log.append('test_acc', [members], Float32Array.from(evaluation.accuracy));
    },
  };
}
