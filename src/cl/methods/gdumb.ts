// GDumb (Prabhu, Torr & Dokania, "GDumb: a simple approach that questions our progress in continual
// learning", ECCV 2020): a greedy sampler stores the stream in a class-balanced memory, and the
// learner is a network trained from scratch on that memory alone whenever it is evaluated. Here
// the stream is not trained on (the update is skipped: the learner's loss and gradient are still
// computed and logged, but the weights stay); when a task ends, its examples enter the memory
// (the replay buffer's class_balanced policy: equal slots per class seen, random members of each
// class), each member is re-initialised from its own stream and trained for `epochs` passes' worth
// of batches drawn from its memory, with SGD and momentum 0.9 as in the paper and the learning rate
// annealed on a cosine from lr to 0.0005 (the paper restarts the cosine, SGDR; its cutmix and
// gradient clipping are left out).
import { crossEntropy } from '../../nn/loss.js';
import { SGD } from '../../optim/index.js';
import { noGrad, scope } from '../../tensor/index.js';
import type { LearnerState, TaskBoundary } from '../method.js';
import type { MemberRandom } from './random.js';
import { BufferedMethod } from './replay.js';
import { freshInitialisation } from './shrink-perturb.js';
import { float, int, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

/** The learning rate the cosine schedule ends at (the paper's minimum, 0.0005). */
const MIN_LR = 0.0005;

export interface GdumbOptions {
  bufferSize: number;
  /** Passes over the memory (in batches drawn from it) after each task. */
  epochs: number;
  batchSize: number;
  lr: number;
}

export class GreedySamplerDumbLearner extends BufferedMethod {
  readonly name = 'gdumb';

  constructor(
    readonly options: GdumbOptions,
    private readonly random: MemberRandom,
  ) {
    super(options.bufferSize, 'class_balanced', random);
  }

  /** The stream itself is not learned from. */
  update(): boolean {
    return true;
  }

  afterTask(state: LearnerState, boundary: TaskBoundary): void {
    this.storeTask(boundary);
    const model = state.model;
    const parameters = model.parameters();
    scope(() => {
      const fresh = freshInitialisation(model, this.random);
      noGrad(() => parameters.forEach((parameter, index) => parameter.copy_(fresh[index])));
    });
    const optimizer = new SGD(parameters, { lr: this.options.lr, momentum: 0.9 });
    const steps = this.options.epochs * Math.ceil(Math.min(...this.buffer.filled) / this.options.batchSize);
    model.train();
    try {
      for (let step = 0; step < steps; step += 1) {
        scope(() => {
          const batch = this.buffer.sample(this.options.batchSize)!;
          // Cosine annealing from lr to MIN_LR over the retraining, as the paper's SGDR schedule ends.
          optimizer.paramGroups[0].lr = MIN_LR + 0.5 * (this.options.lr - MIN_LR) * (1 + Math.cos((Math.PI * step) / steps));
          optimizer.zeroGrad();
          crossEntropy(state.forward(batch.inputs).unmaskedLogits, batch.targets.transpose(0, 1)).total.backward();
          optimizer.step();
        });
      }
    } finally {
      optimizer.zeroGrad();
      optimizer.dispose();
    }
  }
}

/** Salt of the members' memory and re-initialisation streams. */
const SALT = 10_000_000_019;

/** Methods that act on the stream's updates, which GDumb skips (loss terms, projections, unit and layer resets). */
const STREAM_METHODS = ['replay', 'ogd', 'nte', 'ewc', 'lwf', 'si', 'mas', 'der', 'er_ace', 'agem', 'continual_backprop', 'shrink_perturb', 'redo', 'l2_init', 'spectral', 'reset', 'l1', 'l2'];

export const gdumbMethod = defineMethod({
  key: 'gdumb',
  help: 'GDumb: skip the stream; after each task train from scratch on a class-balanced memory',
  algorithm: false,
  spec: optional(
    section(
      {
        buffer_size: int({ min: 1, default: 1000, help: 'examples per member in the class-balanced memory' }),
        epochs: int({ min: 1, default: 10, help: 'passes over the memory (batches drawn from it) when each task ends' }),
        batch_size: int({ min: 1, default: 16, help: 'examples per step of the training on the memory' }),
        lr: float({ above: 0, default: 0.05, help: 'learning rate of the SGD (momentum 0.9) that trains on the memory' }),
      },
      { help: 'GDumb (Prabhu, Torr & Dokania 2020)' },
    ),
  ),
  check(_value, config, problem) {
    for (const key of STREAM_METHODS) {
      if (config.method[key] !== undefined) problem(`method.${key}`, `method.gdumb does not learn from the stream (it retrains from scratch on its memory after each task), so method.${key} would act on updates that never count; remove one of them`);
    }
    if (config.method.icarl !== undefined) {
      problem('method.icarl', 'method.gdumb does not learn from the stream (it retrains from scratch on its memory after each task), so method.icarl would train on updates that never count, and its nearest-mean-of-exemplars classifier would replace the predictions of the network GDumb trains; remove one of them');
    }
  },
  build: ({ buffer_size: bufferSize, epochs, batch_size: batchSize, lr }, context) => new GreedySamplerDumbLearner({ bufferSize, epochs, batchSize, lr }, context.random(SALT)),
});
