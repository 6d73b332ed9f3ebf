// The learner's training loss and accuracy, averaged over the steps since the previous log point.
import type { Metric } from '../metric.js';

export const trainingWindowMetric: Metric = {
  name: 'training_window',
  help: 'train_loss and train_acc (R): mean training loss per step and accuracy per sample since the previous log point',
  startTask({ model, log }) {
    const members = model.members;
    let loss = new Float64Array(members);
    let correct = new Float64Array(members);
    let samples = 0;
    let steps = 0;
    return {
      onStep(result, batch) {
        for (let member = 0; member < members; member += 1) {
          loss[member] += result.loss[member];
          correct[member] += result.correct[member];
        }
        samples += batch.inputs.shape[0];
        steps += 1;
      },
      onLogPoint() {
        log.append('train_loss', [members], Float32Array.from(loss, (v) => v / Math.max(1, steps)));
        log.append('train_acc', [members], Float32Array.from(correct, (v) => v / Math.max(1, samples)));
        loss = new Float64Array(members);
        correct = new Float64Array(members);
        samples = 0;
        steps = 0;
      },
    };
  },
};
