// Linear probes at each task's end (logging.measures includes probes): how linearly decodable the
// classes are from the frozen last hidden layer, for the classes seen so far and for those to come,
// fitted on the training features or on test halves (logging.probe_fit).
import { fitProbe } from '../../metrics/index.js';
import { inMode } from '../../nn/mode.js';
import type { Model } from '../../nn/models/model.js';
import { noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { EvalSet } from '../evaluate.js';
import type { LogBuffer } from '../log-buffer.js';
import type { Metric, ProbeSummary } from '../metric.js';
import type { ProbeSettings } from '../settings.js';
import { float32 } from './float32.js';

/** Samples per forward pass when extracting probe features. */
const FEATURE_CHUNK = 4096;

interface ProbeSplit {
  /** Last hidden layer, [R, N, H]. */
  features: Tensor;
  /** [R, N] */
  labels: Tensor;
  /** The network's logits, [R, N, C]. */
  logits: Tensor;
}

/**
 * The last hidden layer and the logits of samples [from, from + count) of a set, in chunks, members
 * first. Each chunk's other activations, and the chunks once joined, are freed at once: kept to the
 * end of the task's probes, they were hundreds of MB of fresh pages at every task end.
 */
function probeFeatures(model: Model, set: EvalSet, from = 0, count = set.images.shape[0] - from): ProbeSplit {
  return scope(() => {
    const features: Tensor[] = [];
    const logits: Tensor[] = [];
    for (let start = from; start < from + count; start += FEATURE_CHUNK) {
      const length = Math.min(FEATURE_CHUNK, from + count - start);
      const [hidden, output] = scope(() => {
        const run = model.run(set.images.narrow(0, start, length));
        return [run.hidden[run.hidden.length - 1][1], run.logits];
      });
      features.push(hidden);
      logits.push(output);
    }
    return { features: ops.cat(features, 1), labels: set.labels.narrow(0, from, count).transpose(0, 1), logits: ops.cat(logits, 1) };
  });
}

function joinSplits(parts: ProbeSplit[]): ProbeSplit {
  return { features: ops.cat(parts.map((p) => p.features), 1), labels: ops.cat(parts.map((p) => p.labels), 1), logits: ops.cat(parts.map((p) => p.logits), 1) };
}

/**
 * Linear probes at the end of task `task` (docs/metrics.md): a multinomial logistic regression on
 * the frozen last hidden layer over the classes seen so far, and a forward-transfer probe over the
 * classes not trained yet. With fit 'train' (the usual protocol) a probe is fitted on the features
 * of its tasks' training sets and scored on their test sets; with 'test_half' it is fitted on the
 * first half of each test set and scored on the second (no training data touched).
 * Appends `probe_class_accuracy` [R, C] (NaN for classes not probed), `probe_class_coefficient_norm`
 * [R, C] and `probe_accuracy_seen`/`probe_accuracy_unseen` [R].
 */
function recordProbes(model: Model, tests: EvalSet[], task: number, numClasses: number, log: LogBuffer, settings: ProbeSettings, train: (task: number) => EvalSet): ProbeSummary {
  const members = model.members;
  const options = { c: settings.c, maxIter: settings.iterations };
  return scope(() =>
    noGrad(() => {
      const splits = inMode(model, false, () =>
        tests.map((set, t) => {
          if (settings.fit === 'test_half') {
            const half = Math.floor(set.images.shape[0] / 2);
            return { train: probeFeatures(model, set, 0, half), test: probeFeatures(model, set, half) };
          }
          const data = train(t);
          try {
            return { train: probeFeatures(model, data), test: probeFeatures(model, set) };
          } finally {
            data.images.dispose();
            data.labels.dispose();
          }
        }),
      );
      const join = (parts: typeof splits) => ({ train: joinSplits(parts.map((p) => p.train)), test: joinSplits(parts.map((p) => p.test)) });
      const seen = join(splits.slice(0, task + 1));
      const seenClasses = [...new Set(seen.train.labels.toArray())].sort((a, b) => a - b);
      const probe = fitProbe(seen.train, seen.test, seenClasses, options);
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
        const unseen = join(splits.slice(task + 1));
        const unseenClasses = [...new Set(unseen.train.labels.toArray())].sort((a, b) => a - b);
        const transfer = fitProbe(unseen.train, unseen.test, unseenClasses, options);
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
  enabled: (settings) => settings.probes !== null,
  startTask({ model, allTasks, task, numClasses, log, settings, train }) {
    return {
      onTaskEnd: () => ({ probe: recordProbes(model, allTasks.map((trackedTask) => trackedTask.test), task, numClasses, log, settings.probes!, train) }),
    };
  },
};
