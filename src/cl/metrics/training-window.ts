// The training loss and accuracy, averaged over the steps since the previous log point: the
// learner's train_loss and train_acc, and the same window for the expert and the cloning stages.
import type { StepResult } from '../learner.js';
import type { Metric } from '../metric.js';

/** Running sums of one population's training loss and correct predictions between two log points, per member. */
export class TrainingWindow {
  private loss: Float64Array;
  private correct: Float64Array;
  private samples = 0;
  private steps = 0;

  constructor(private readonly members: number) {
    this.loss = new Float64Array(members);
    this.correct = new Float64Array(members);
  }

  add(result: StepResult, batchSize: number): void {
    for (let member = 0; member < this.members; member += 1) {
      this.loss[member] += result.loss[member];
      this.correct[member] += result.correct[member];
    }
    this.samples += batchSize;
    this.steps += 1;
  }

  /** The mean loss per step and accuracy per sample since the last take (NaN with no step in between), and a reset. */
  take(): { loss: Float32Array; accuracy: Float32Array } {
    const loss = Float32Array.from(this.loss, (value) => (this.steps ? value / this.steps : NaN));
    const accuracy = Float32Array.from(this.correct, (value) => (this.samples ? value / this.samples : NaN));
    this.loss = new Float64Array(this.members);
    this.correct = new Float64Array(this.members);
    this.samples = 0;
    this.steps = 0;
    return { loss, accuracy };
  }
}

export const trainingWindowMetric: Metric = {
  name: 'training_window',
  help: 'train_loss and train_acc (R): mean training loss per step and accuracy per sample since the previous log point',
  startTask({ model, log }) {
    const members = model.members;
    const window = new TrainingWindow(members);
    return {
      onStep: ({ results: [result], batch }) => window.add(result, batch.inputs.shape[0]),
      onLogPoint() {
        const { loss, accuracy } = window.take();
        log.append('train_loss', [members], loss);
        log.append('train_acc', [members], accuracy);
      },
    };
  },
};
