// Linear probes at each task's end (logging.measures includes probes): how linearly decodable the
// classes are from the frozen last hidden layer, for the classes seen so far and for those to come.
import { fitProbe } from '../../metrics/index.js';
import { inMode } from '../../nn/mode.js';
import type { Model } from '../../nn/models/model.js';
import { noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { EvalSet } from '../evaluate.js';
import type { LogBuffer } from '../log-buffer.js';
import type { Metric, ProbeSummary } from '../metric.js';
import { float32 } from './float32.js';

/**
 * Linear probes at the end of task `task` (docs/metrics.md): a multinomial logistic regression on the frozen
 * last hidden layer, fit on the first half of each task's test samples and scored on the second,
 * over the classes seen so far; and a forward-transfer probe over the classes not trained yet.
 * Appends `probe_class_accuracy` [R, C] (NaN for classes not probed), `probe_class_coefficient_norm`
 * [R, C] and `probe_accuracy_seen`/`probe_accuracy_unseen` [R].
 */
function recordProbes(model: Model, tests: EvalSet[], task: number, numClasses: number, log: LogBuffer): ProbeSummary {
  const members = model.members;
  return scope(() =>
    noGrad(() => {
      const halves = inMode(model, false, () => tests.map((set) => {
        const half = Math.floor(set.images.shape[0] / 2);
        const features = (images: Tensor) => {
          const { hidden, logits } = model.run(images);
          return { features: hidden[hidden.length - 1][1], logits };
        };
        const first = features(set.images.narrow(0, 0, half));
        const second = features(set.images.narrow(0, half, set.images.shape[0] - half));
        return {
          train: { features: first.features, labels: set.labels.narrow(0, 0, half).transpose(0, 1) },
          test: { features: second.features, labels: set.labels.narrow(0, half, set.labels.shape[0] - half).transpose(0, 1), logits: second.logits },
        };
      }));
      const join = (parts: typeof halves) => ({
        train: { features: ops.cat(parts.map((p) => p.train.features), 1), labels: ops.cat(parts.map((p) => p.train.labels), 1) },
        test: { features: ops.cat(parts.map((p) => p.test.features), 1), labels: ops.cat(parts.map((p) => p.test.labels), 1), logits: ops.cat(parts.map((p) => p.test.logits), 1) },
      });
      const seenTasks = halves.slice(0, task + 1);
      const seen = join(seenTasks);
      const seenClasses = [...new Set(seen.train.labels.toArray())].sort((a, b) => a - b);
      const probe = fitProbe(seen.train, seen.test, seenClasses);
      const perClass = new Float32Array(members * numClasses).fill(Number.NaN);
      const coefficients = new Float32Array(members * numClasses).fill(Number.NaN);
      const probeClass = float32(probe.perClassAccuracy);
      const probeNorm = float32(probe.coefficientNorm);
      for (let member = 0; member < members; member += 1) {
        seenClasses.forEach((c, k) => {
          perClass[member * numClasses + c] = probeClass[member * seenClasses.length + k];
          coefficients[member * numClasses + c] = probeNorm[member * seenClasses.length + k];
        });
      }
      log.append('probe_class_accuracy', [members, numClasses], perClass);
      log.append('probe_class_coefficient_norm', [members, numClasses], coefficients);
      const seenAccuracy = float32(probe.accuracy);
      log.append('probe_accuracy_seen', [members], seenAccuracy);
      const networkAccuracy = seen.test.logits.argmax(2).eq(seen.test.labels).to('float64').mean(1);
      let unseenAccuracy: number[] | null = null;
      if (task + 1 < tests.length) {
        const unseen = join(halves.slice(task + 1));
        const unseenClasses = [...new Set(unseen.train.labels.toArray())].sort((a, b) => a - b);
        const transfer = fitProbe(unseen.train, unseen.test, unseenClasses);
        const values = float32(transfer.accuracy);
        log.append('probe_accuracy_unseen', [members], values);
        unseenAccuracy = Array.from(values);
      }
      return { seenAccuracy: Array.from(seenAccuracy), networkAccuracy: networkAccuracy.toArray(), unseenAccuracy };
    }),
  );
}

export const probesMetric: Metric = {
  name: 'probes',
  help: 'probe_class_accuracy and probe_class_coefficient_norm (R, C); probe_accuracy_seen and probe_accuracy_unseen (R), once per task',
  enabled: (settings) => settings.probes,
  startTask({ model, tracked, task, numClasses, log }) {
    return {
      onTaskEnd: () => ({ probe: recordProbes(model, tracked.map((trackedTask) => trackedTask.test), task, numClasses, log) }),
    };
  },
};
