// The TaskSource of a scenario plan over a dataset: task tensors from src/data, in the layout the
// experiment expects, with each member's test samples fixed for the whole run.
import { ScenarioData, taskUnits, type ScenarioPlan } from '../data/index.js';
import { tensor, type Tensor } from '../tensor/index.js';
import type { EvalSet } from './evaluate.js';
import type { TaskSource, TrainData } from './task-source.js';

export class ScenarioSource implements TaskSource {
  readonly numTasks: number;
  readonly numClasses: number;
  readonly inputShape: readonly number[];
  readonly members: number;
  readonly taskClasses: number[][][];

  constructor(
    private readonly data: ScenarioData,
    private readonly plan: ScenarioPlan,
    private readonly representationSamples: number,
  ) {
    this.numTasks = plan.tasks.length;
    this.numClasses = plan.outputs;
    const { channels, height, width } = data.dataset;
    this.inputShape = [channels, height, width];
    this.members = plan.members;
    this.taskClasses = plan.tasks.map((task) => Array.from({ length: plan.members }, (_, member) => task.parts.flatMap((part) => part.classes[member])));
  }

  train(task: number | 'joint'): TrainData {
    // The joint baseline: every task's training data at once, shuffled together per member.
    return task === 'joint' ? this.data.trainConcatenated(Array.from({ length: this.numTasks }, (_, index) => index)) : this.data.train(task);
  }

  test(task: number): EvalSet {
    return this.data.test(task);
  }

  snapshotSamples(task: number): EvalSet {
    const { images, labels } = this.data.test(task);
    const samples = Math.min(this.representationSamples, images.shape[0]);
    const snapshot = { images: images.narrow(0, 0, samples).contiguous(), labels: labels.narrow(0, 0, samples).contiguous() };
    images.dispose();
    labels.dispose();
    return snapshot;
  }

  headMask(task: number): Tensor | null {
    if (!this.plan.multiHead) return null;
    const units = new Set(taskUnits(this.plan, task));
    return tensor(Float32Array.from({ length: this.numClasses }, (_, unit) => (units.has(unit) ? 0 : -Infinity)));
  }
}
