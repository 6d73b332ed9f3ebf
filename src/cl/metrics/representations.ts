// The last hidden layer's activations on each task's fixed snapshot samples at each log point
// (logging.snapshots includes representations): representations.npy and labels.npy.
import { inMode } from '../../nn/mode.js';
import { noGrad, scope } from '../../tensor/index.js';
import type { Metric } from '../metric.js';

export const representationsMetric: Metric = {
  name: 'representations',
  help: 'representations (R, T, S, H): the last hidden layer on each task\'s snapshot samples; labels (R, T, S) their classes',
  enabled: (settings) => settings.snapshotRepresentations,
  startTask({ model, tracked, log }) {
    return {
      onLogPoint() {
        scope(() =>
          noGrad(() => {
            const perTask = inMode(model, false, () =>
              tracked.map((task) => {
                const { hidden } = model.run(task.snapshot.images);
                return { last: hidden[hidden.length - 1][1], labels: task.snapshot.labels.transpose(0, 1) }; // [R, S, H], [R, S]
              }),
            );
            if (perTask.length === 0 || !perTask[0].last) return;
            const [members, samples, units] = perTask[0].last.shape;
            const representations = new Float32Array(members * tracked.length * samples * units);
            const labels = new Int32Array(members * tracked.length * samples);
            perTask.forEach(({ last, labels: taskLabels }, task) => {
              const values = last.contiguous().data() as Float32Array;
              const taskLabelValues = taskLabels.contiguous().to('int32').data() as Int32Array;
              for (let member = 0; member < members; member += 1) {
                representations.set(values.subarray(member * samples * units, (member + 1) * samples * units), (member * tracked.length + task) * samples * units);
                labels.set(taskLabelValues.subarray(member * samples, (member + 1) * samples), (member * tracked.length + task) * samples);
              }
            });
            log.append('representations', [members, tracked.length, samples, units], representations);
            log.append('labels', [members, tracked.length, samples], labels);
          }),
        );
      },
    };
  },
};
