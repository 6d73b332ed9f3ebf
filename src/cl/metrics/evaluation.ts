// Every tracked task evaluated for every member at each log point: the accuracy matrix the
// continual-learning metrics come from (docs/metrics.md).
import { evaluate, type Evaluation } from '../evaluate.js';
import type { Metric } from '../metric.js';

export const evaluationMetric: Metric = {
  name: 'evaluation',
  help: 'step; accuracy and loss (R, T); per_class_accuracy, class_probability and true_class_probability (R, T, C) on every tracked task\'s test set',
  startTask({ model, predict, tracked, numClasses, evalChunk, log }) {
    return {
      onLogPoint({ learnerStep }) {
        const members = model.members;
        const evaluations = tracked.map((task) => evaluate(model, task.test, { numClasses, chunkSize: evalChunk, headMask: task.headMask, predict }));
        const T = tracked.length;
        const pack = (pick: (e: Evaluation) => Float64Array, width: number): Float32Array => {
          // [T][R, width] -> [R, T, width]
          const out = new Float32Array(members * T * width);
          evaluations.forEach((evaluation, task) => {
            const values = pick(evaluation);
            for (let member = 0; member < members; member += 1) {
              out.set(values.subarray(member * width, (member + 1) * width), (member * T + task) * width);
            }
          });
          return out;
        };
        log.append('step', [], Int32Array.of(learnerStep));
        log.append('accuracy', [members, T], pack((e) => e.accuracy, 1));
        log.append('loss', [members, T], pack((e) => e.loss, 1));
        log.append('per_class_accuracy', [members, T, numClasses], pack((e) => e.perClassAccuracy, numClasses));
        log.append('class_probability', [members, T, numClasses], pack((e) => e.meanProbability, numClasses));
        log.append('true_class_probability', [members, T, numClasses], pack((e) => e.trueClassProbability, numClasses));
      },
    };
  },
};
