// The plasticity and representation measurements of a log point (issue 5), for every member at
// once, on the fixed snapshot samples of the tracked tasks; and the linear probes of a task's end.
import { layerMetrics, weightMagnitude, biasStatistics, relativeUpdate, fitProbe, snapshot } from '../metrics/index.js';
import { inMode } from '../nn/mode.js';
import type { Model } from '../nn/models/model.js';
import { keep, noGrad, ops, scope, type Tensor } from '../tensor/index.js';
import type { EvalSet } from './evaluate.js';
import type { LogBuffer } from './log-buffer.js';
import type { ProbeSettings } from './settings.js';

/** The snapshot samples of all tracked tasks together: images [T*S, R, ...], labels [T*S, R]. */
export function pooledSamples(sets: EvalSet[]): EvalSet {
  return { images: ops.cat(sets.map((set) => set.images), 0), labels: ops.cat(sets.map((set) => set.labels), 0) };
}

const float32 = (values: Tensor) => values.to('float32').contiguous().data() as Float32Array;

/**
 * Appends, per hidden layer, every layer metric as `${metric}/${layer}` [R] and the mean |∂L/∂h| per
 * unit as `gradient_map/${layer}` [R, H]; per parameter, the relative update since the previous log
 * point as `relative_update/${parameter}`; bias statistics per layer; and the weight magnitude.
 * `previous` holds the parameters of the previous log point (parameterCopies() at a task's start)
 * and is updated in place.
 */
export function recordPlasticity(model: Model, samples: EvalSet, log: LogBuffer, previous: Map<string, Tensor>): void {
  const members = model.members;
  scope(() => {
    const view = inMode(model, false, () => snapshot(model, samples.images, samples.labels.transpose(0, 1)));
    view.hidden.forEach(([layer, activations], index) => {
      const gradients = view.gradients[index][1];
      const metrics = layerMetrics(activations, { gradients });
      for (const [name, values] of Object.entries(metrics)) log.append(`${name}/${layer}`, [members], float32(values as Tensor));
      const units = activations.shape[2];
      log.append(`gradient_map/${layer}`, [members, units], float32(gradients.abs().mean(1)));
    });
    noGrad(() => {
      const magnitude = weightMagnitude(model.parameters());
      log.append('weight_magnitude/mean_abs', [members], float32(magnitude.meanAbs));
      log.append('weight_magnitude/rms', [members], float32(magnitude.rms));
      for (const [name, parameter] of model.namedParameters()) {
        if (name.endsWith('bias') && parameter.ndim === 2) {
          const statistics = biasStatistics(parameter);
          log.append(`bias_mean/${name}`, [members], float32(statistics.mean));
          log.append(`bias_median/${name}`, [members], float32(statistics.median));
          log.append(`bias_std/${name}`, [members], float32(statistics.std));
        }
        const before = previous.get(name)!;
        log.append(`relative_update/${name}`, [members], float32(relativeUpdate(before, parameter)));
        before.copy_(parameter);
      }
    });
  });
}

/** Copies of the parameters, by path, for relative updates. */
export function parameterCopies(model: Model): Map<string, Tensor> {
  return scope(() => keep(new Map(model.namedParameters().map(([name, parameter]) => [name, noGrad(() => parameter.detach().clone())]))));
}

export interface ProbeSummary {
  /** Probe accuracy on the test samples of the tasks seen so far, per member. */
  seenAccuracy: number[];
  /** The network's own accuracy on the same samples, per member. */
  networkAccuracy: number[];
  /** Probe accuracy on classes not trained yet (forward transfer), per member; null after the last task. */
  unseenAccuracy: number[] | null;
}

export interface ProbeOptions extends ProbeSettings {
  /** A task's training data, when the probe is fitted on training features; disposed here. */
  train: (task: number) => EvalSet;
}

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

/** The last hidden layer and the logits of a set, in chunks, members first. */
function probeFeatures(model: Model, set: EvalSet, from = 0, count = set.images.shape[0] - from): ProbeSplit {
  const features: Tensor[] = [];
  const logits: Tensor[] = [];
  for (let start = from; start < from + count; start += FEATURE_CHUNK) {
    const length = Math.min(FEATURE_CHUNK, from + count - start);
    const output = model.run(set.images.narrow(0, start, length));
    features.push(output.hidden[output.hidden.length - 1][1]);
    logits.push(output.logits);
  }
  return { features: ops.cat(features, 1), labels: set.labels.narrow(0, from, count).transpose(0, 1), logits: ops.cat(logits, 1) };
}

function joinSplits(parts: ProbeSplit[]): ProbeSplit {
  return { features: ops.cat(parts.map((p) => p.features), 1), labels: ops.cat(parts.map((p) => p.labels), 1), logits: ops.cat(parts.map((p) => p.logits), 1) };
}

/**
 * The linear probes at the end of task `task` (the Split-MNIST study): a multinomial logistic
 * regression on the frozen last hidden layer over the classes seen so far, and a forward-transfer
 * probe over the classes not trained yet. With fit 'train' (the usual protocol) a probe is fitted
 * on the features of its tasks' training sets and scored on their test sets; with 'test_half' it is
 * fitted on the first half of each test set and scored on the second (no training data touched).
 * Appends `probe_class_accuracy` [R, C] (NaN for classes not probed), `probe_class_coefficient_norm`
 * [R, C] and `probe_accuracy_seen`/`probe_accuracy_unseen` [R].
 */
export function recordProbes(model: Model, tests: EvalSet[], task: number, numClasses: number, log: LogBuffer, options: ProbeOptions): ProbeSummary {
  const members = model.members;
  const probeOptions = { c: options.c, maxIter: options.iterations };
  return scope(() =>
    noGrad(() => {
      const splits = inMode(model, false, () =>
        tests.map((set, t) => {
          if (options.fit === 'test_half') {
            const half = Math.floor(set.images.shape[0] / 2);
            return { train: probeFeatures(model, set, 0, half), test: probeFeatures(model, set, half) };
          }
          const train = options.train(t);
          try {
            return { train: probeFeatures(model, train), test: probeFeatures(model, set) };
          } finally {
            train.images.dispose();
            train.labels.dispose();
          }
        }),
      );
      const join = (parts: typeof splits) => ({ train: joinSplits(parts.map((p) => p.train)), test: joinSplits(parts.map((p) => p.test)) });
      const seen = join(splits.slice(0, task + 1));
      const seenClasses = [...new Set(seen.train.labels.toArray())].sort((a, b) => a - b);
      const probe = fitProbe(seen.train, seen.test, seenClasses, probeOptions);
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
        const transfer = fitProbe(unseen.train, unseen.test, unseenClasses, probeOptions);
        const values = float32(transfer.accuracy);
        log.append('probe_accuracy_unseen', [members], values);
        unseenAccuracy = Array.from(values);
      }
      return { seenAccuracy: Array.from(seenAccuracy), networkAccuracy: networkAccuracy.toArray(), unseenAccuracy };
    }),
  );
}
