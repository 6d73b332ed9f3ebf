// The scenario group: how the dataset becomes a sequence of tasks.
import { group } from '../group.js';
import { bool, choice, float, int, intLists, ints, nullable, optional } from '../spec.js';

export const scenario = group({
  name: 'scenario',
  help: 'how the dataset is cut into a sequence of tasks',
  discriminator: 'type',
  common: {
    num_tasks: nullable(int({ min: 1, help: 'number of tasks; null = as many as the scenario defines. When set it is part of the algorithm directory name' })),
    train_samples_per_class: optional(nullable(int({ min: 1, help: "training images of each class in a task, drawn at random; null or absent = as many as the dataset's smallest class has (add with +scenario.train_samples_per_class=N)" }), { default: null })),
    test_samples_per_class: optional(nullable(int({ min: 1, help: "test images of each class in a task's test set; null or absent = as many as the dataset's smallest class has" }), { default: null })),
  },
  variants: {
    split: {
      tasks: nullable(intLists({ min: 0, help: 'classes of each task, in order; null = consecutive groups of classes_per_task' })),
      classes_per_task: int({ min: 1, help: 'classes per task when tasks is null' }),
      class_order: choice(['given', 'random'] as const, { help: 'random: each member shuffles the classes before grouping them (needs tasks: null)' }),
      mode: choice(['class_incremental', 'task_incremental'] as const, {
        help: 'class_incremental: one head over all classes, original labels; task_incremental: labels within the task and a head mask',
      }),
    },
    permuted: {
      permute_first: bool({ help: 'false: task 0 is the unpermuted dataset; true: every task gets its own pixel permutation' }),
    },
    rotated: {
      angle_step: float({ help: 'degrees between consecutive tasks, anticlockwise; task 0 is upright (domain-incremental rotated MNIST)' }),
    },
    class_pairs: {
      with_replacement: bool({ help: 'allow a class in several tasks of a member, for more than classes/2 tasks' }),
    },
    joint: {
      classes: nullable(ints({ min: 0, minLength: 1, help: 'classes of the single task; null = all classes' })),
    },
  },
});
