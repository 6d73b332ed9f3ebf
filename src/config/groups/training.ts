// The training group: the loop around the model. continual trains tasks in sequence; standard is
// joint training on a single task; cloning trains a base network, expands it by
// duplicating its units and trains both (docs/cloning.md).
import { group } from '../group.js';
import { bool, choice, float, int } from '../spec.js';

/** Keys of the modes that train task after task (standard has one task). */
const taskLoop = {
  epochs_per_task: int({ min: 1, help: 'epochs on each task when stopping is epochs' }),
  stopping: choice(['epochs', 'accuracy'] as const, {
    help: 'epochs: train epochs_per_task epochs; accuracy: train until training accuracy reaches target_accuracy, at most max_epochs',
  }),
  target_accuracy: float({ above: 0, max: 1, help: 'stopping: accuracy — the training accuracy that ends a task' }),
  max_epochs: int({ min: 1, help: 'stopping: accuracy — the cap on epochs per task' }),
  stopping_by: choice(['member', 'mean'] as const, {
    help: 'stopping: accuracy — member: a member that reached target_accuracy stops updating while the others go on, as independent runs would (each member\'s epochs are recorded); mean: the mean over members decides, so all train the same epochs',
  }),
  expert_baseline: bool({ help: 'also train a fresh population on each task alone, on the same batches (docs/architecture.md)' }),
  joint_baseline: bool({ help: 'also train a population on all tasks at once: the upper bound' }),
} as const;

export const training = group({
  name: 'training',
  help: 'training mode and loop settings',
  discriminator: 'mode',
  common: {
    batch_size: int({ min: 1, help: 'examples per step' }),
    members: int({ min: 1, help: 'R, the independent networks trained together as one population, each with its own seed' }),
    nan_policy: choice(['member', 'run'] as const, {
      help: 'on a NaN or Inf loss: member stops that member and records why; run stops the whole run',
    }),
  },
  variants: {
    continual: taskLoop,
    standard: taskLoop,
    cloning: {
      initial_epochs: int({ min: 0, help: 'epochs of the base network before the first expansion' }),
      epochs_per_expansion: int({ min: 1, help: 'epochs of the base and the clone after each expansion' }),
      expansion_factor: int({ min: 2, help: 'k: every hidden unit (channel, head) is duplicated k times' }),
      num_expansions: int({ min: 1, help: 'expansion cycles (2x three times = 8x)' }),
      symmetry_noise: float({ min: 0, help: 'scale of function-preserving noise added to the clone to break its symmetry (0 = exact clone)' }),
    },
  },
});
