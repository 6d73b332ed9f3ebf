// The plasticity and representation measurements of a log point (issue 5), for every member at
// once, on the fixed snapshot samples of the tracked tasks; and the linear probes of a task's end.
import { layerMetrics, weightMagnitude, biasStatistics, relativeUpdate, fitProbe, snapshot } from '../metrics/index.js';
import { inMode } from '../nn/mode.js';
import type { Model } from '../nn/models/model.js';
import { keep, noGrad, ops, scope, type Tensor } from '../tensor/index.js';
import type { EvalSet } from './evaluate.js';
import type { LogBuffer } from './log-buffer.js';

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
  /** Probe accuracy on the test halves of the tasks seen so far, per member. */
  seenAccuracy: number[];
  /** The network's own accuracy on the same samples, per member. */
  networkAccuracy: number[];
  /** Probe accuracy on classes not trained yet (forward transfer), per member; null after the last task. */
  unseenAccuracy: number[] | null;
}

/**
 * Seed 001's linear probes at the end of task `task`: a multinomial logistic regression on the frozen
 * last hidden layer, fit on the first half of each task's test samples and scored on the second,
 * over the classes seen so far; and a forward-transfer probe over the classes not trained yet.
 * Appends `probe_class_accuracy` [R, C] (NaN for classes not probed), `probe_class_coefficient_norm`
 * [R, C] and `probe_accuracy_seen`/`probe_accuracy_unseen` [R].
 */
export function recordProbes(model: Model, tests: EvalSet[], task: number, numClasses: number, log: LogBuffer): ProbeSummary {
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
