// The scenario group: how the dataset becomes a sequence of tasks (or, for the slowly-changing
// regression, the stream that stands in for a dataset).
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
      per_member_permutations: optional(bool({ default: false, help: 'true: each member draws its own permutations (independent runs); false: all members share them, so members differ only in their seeds' })),
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
    // Dohare et al. 2021 (arXiv 2108.06325) and 2024 (Nature), docs/methods.md "Measured: slowly-changing regression":
    // a stream of its own, no dataset; each task is one bin of the stream.
    slowly_changing_regression: {
      inputs: int({ min: 1, help: 'm: input bits, besides the constant bit' }),
      flipping_bits: int({ min: 0, help: 'f: the first f bits change slowly (at most inputs); the other m − f are drawn anew for every example' }),
      flip_every: int({ min: 1, help: 'T: examples between two flips; each flip inverts one of the f bits, chosen at random' }),
      target_hidden: int({ min: 1, help: "hidden linear threshold units of each member's target network (weights ±1)" }),
      target_beta: float({ min: 0, max: 1, help: 'β of the target units: unit i fires when its input exceeds β·(m + 1) − (its number of negative weights)' }),
      target_threshold: optional(
        choice(['paper', 'released_code'] as const, {
          default: 'paper',
          help: "how a target unit's count of negative weights is taken: paper (among all m + 1) or released_code (the authors' code, which sets units whose constant weight is −1 a threshold 2 higher on their integer input; the targets of the published curves)",
        }),
      ),
      examples: int({ min: 1, help: 'examples in the stream, one per step at batch size 1; a multiple of bin_size' }),
      bin_size: int({ min: 1, help: 'examples per task: the error is reported as the mean over each bin (train_loss in each task\'s metrics.npz)' }),
    },
  },
});
