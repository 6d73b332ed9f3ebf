// Averaged gradient episodic memory (A-GEM; Chaudhry, Ranzato, Rohrbach & Elhoseiny, "Efficient
// lifelong learning with A-GEM", ICLR 2019). An episodic memory keeps examples of past tasks (the
// replay buffer, filled when a task ends). Before each update, per member, the loss gradient g_ref
// on a batch drawn from the memory is computed, and the step's gradient g is projected when it
// would raise that loss:
//   g ← g − (gᵀg_ref / g_refᵀg_ref) · g_ref    if gᵀg_ref < 0;   g otherwise.
// Stored examples are evaluated through the whole output (every head).
import { crossEntropy } from '../../nn/loss.js';
import { noGrad, ops, scope } from '../../tensor/index.js';
import type { LearnerState, TaskBoundary } from '../method.js';
import { flatGradients, keepingBuffers, writeFlatGradients } from './parameters.js';
import type { MemberRandom } from './random.js';
import { BufferedMethod } from './replay.js';
import { int, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export interface AgemOptions {
  bufferSize: number;
  /** Examples per member drawn from the memory for g_ref at each step. */
  sampleSize: number;
}

export class AveragedGem extends BufferedMethod {
  readonly name = 'agem';

  constructor(
    readonly options: AgemOptions,
    random: MemberRandom,
  ) {
    super(options.bufferSize, 'class_balanced', random);
  }

  transformGradients(state: LearnerState): void {
    const parameters = state.model.parameters();
    scope(() => {
      const reference = this.buffer.sample(this.options.sampleSize);
      if (!reference) return;
      const members = state.members;
      const gradient = noGrad(() => flatGradients(parameters, members).clone());
      state.optimizer.zeroGrad();
      keepingBuffers(state.model, () => {
        const logits = state.forward(reference.inputs).unmaskedLogits;
        crossEntropy(logits, reference.targets.transpose(0, 1)).total.backward();
      });
      noGrad(() => {
        const referenceGradient = flatGradients(parameters, members);
        const dot = gradient.mul(referenceGradient).sum(1, true);
        const norm = referenceGradient.square().sum(1, true);
        const coefficient = ops.where(dot.lt(0), dot.div(norm.clamp(1e-30)), ops.zerosLike(dot));
        writeFlatGradients(parameters, gradient.sub(coefficient.mul(referenceGradient)));
      });
    });
  }

  afterTask(_state: LearnerState, boundary: TaskBoundary): void {
    this.storeTask(boundary);
  }
}

/** Salt of the members' memory streams. */
const SALT = 9_000_000_007;

export const agemMethod = defineMethod({
  key: 'agem',
  help: "averaged GEM: project the gradient when it would raise the episodic memory's loss",
  algorithm: false,
  spec: optional(
    section(
      {
        buffer_size: int({ min: 1, default: 1000, help: 'examples per member in the episodic memory (class-balanced, filled at task ends)' }),
        sample_size: int({ min: 1, default: 256, help: 'memory examples per member behind each reference gradient' }),
      },
      { help: 'A-GEM (Chaudhry et al. 2019)' },
    ),
  ),
  build: ({ buffer_size: bufferSize, sample_size: sampleSize }, context) => new AveragedGem({ bufferSize, sampleSize }, context.random(SALT)),
});
