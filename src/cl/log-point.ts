// What is measured at a log point: every tracked task evaluated for every member, representations
// of the fixed snapshot samples, and the weights. Results go straight into the log buffer.
import { inMode } from '../nn/mode.js';
import type { Model } from '../nn/models/model.js';
import { noGrad, scope, type Tensor } from '../tensor/index.js';
import { evaluate, type EvalSet, type Evaluation } from './evaluate.js';
import type { LogBuffer } from './log-buffer.js';

export interface TrackedTask {
  test: EvalSet;
  snapshot: EvalSet;
  headMask: Tensor | null;
}

export interface LogPointOptions {
  numClasses: number;
  evalChunk: number;
  snapshotWeights: boolean;
  snapshotRepresentations: boolean;
}

/** Evaluates `tasks` and appends one point of every learner series. Returns the evaluations. */
export function recordLogPoint(model: Model, tasks: TrackedTask[], step: number, log: LogBuffer, options: LogPointOptions): Evaluation[] {
  const members = model.members;
  const classes = options.numClasses;
  const evaluations = tasks.map((task) => evaluate(model, task.test, { numClasses: classes, chunkSize: options.evalChunk, headMask: task.headMask }));
  const T = tasks.length;
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
  log.append('step', [], Int32Array.of(step));
  log.append('accuracy', [members, T], pack((e) => e.accuracy, 1));
  log.append('loss', [members, T], pack((e) => e.loss, 1));
  log.append('per_class_accuracy', [members, T, classes], pack((e) => e.perClassAccuracy, classes));
  log.append('class_probability', [members, T, classes], pack((e) => e.meanProbability, classes));
  log.append('true_class_probability', [members, T, classes], pack((e) => e.trueClassProbability, classes));
  if (options.snapshotRepresentations) recordRepresentations(model, tasks, log);
  if (options.snapshotWeights) {
    for (const [name, parameter] of model.namedParameters()) log.append(`weights/${name}`, parameter.shape, parameter.data() as Float32Array);
  }
  return evaluations;
}

/** Hidden activations of the last hidden layer on each task's snapshot samples: (R, T, S, H). */
function recordRepresentations(model: Model, tasks: TrackedTask[], log: LogBuffer): void {
  scope(() =>
    noGrad(() => {
      const perTask = inMode(model, false, () =>
        tasks.map((task) => {
          const { hidden } = model.run(task.snapshot.images);
          return { last: hidden[hidden.length - 1][1], labels: task.snapshot.labels.transpose(0, 1) }; // [R, S, H], [R, S]
        }),
      );
      if (perTask.length === 0 || !perTask[0].last) return;
      const [members, samples, units] = perTask[0].last.shape;
      const representations = new Float32Array(members * tasks.length * samples * units);
      const labels = new Int32Array(members * tasks.length * samples);
      perTask.forEach(({ last, labels: taskLabels }, task) => {
        const values = last.contiguous().data() as Float32Array;
        const taskLabelValues = taskLabels.contiguous().to('int32').data() as Int32Array;
        for (let member = 0; member < members; member += 1) {
          representations.set(values.subarray(member * samples * units, (member + 1) * samples * units), (member * tasks.length + task) * samples * units);
          labels.set(taskLabelValues.subarray(member * samples, (member + 1) * samples), (member * tasks.length + task) * samples);
        }
      });
      log.append('representations', [members, tasks.length, samples, units], representations);
      log.append('labels', [members, tasks.length, samples], labels);
    }),
  );
}
