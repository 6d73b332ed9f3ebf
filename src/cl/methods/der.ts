// Dark experience replay (Buzzega, Boschini, Porrello, Abati & Calderara, "Dark experience for
// general continual learning: a strong, simple baseline", NeurIPS 2020). A reservoir buffer keeps
// the examples seen in training with the logits the network gave them then (its "dark knowledge");
// every step adds, per member,
//   DER:   α · mean ‖f(x') − z'‖²              over a batch (x', z') drawn from the buffer,
//   DER++: the above + β · CE(f(x''), y'')     over a second, independent draw (x'', y''),
// and then merges the step's own examples, their labels and logits into the buffer (reservoir:
// uniform over the stream). β = 0 is DER. The logits are the whole output, every head, as the
// paper stores them; stored examples are replayed through the whole output too.
import { crossEntropy } from '../../nn/loss.js';
import { noGrad, type Tensor } from '../../tensor/index.js';
import type { Batch, LearnerOutput, LearnerState } from '../method.js';
import type { MemberRandom } from './random.js';
import { BufferedMethod } from './replay.js';
import { float, int, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export interface DerOptions {
  bufferSize: number;
  /** α, the weight of the logit-matching term. */
  alpha: number;
  /** β, the weight of the replayed labels' cross-entropy (DER++); 0: DER. */
  beta: number;
}

export class DarkExperienceReplay extends BufferedMethod {
  readonly name = 'der';

  constructor(
    readonly options: DerOptions,
    random: MemberRandom,
  ) {
    super(options.bufferSize, 'reservoir', random);
  }

  lossTerm(state: LearnerState, output: LearnerOutput, batch: Batch): Tensor | null {
    const size = batch.inputs.shape[0];
    let total: Tensor | null = null;
    const logitsReplay = this.buffer.sample(size);
    if (logitsReplay && this.options.alpha > 0) {
      const logits = state.forward(logitsReplay.inputs.to(batch.inputs.dtypeName)).unmaskedLogits; // [R, B, C]
      const stored = logitsReplay.extra!.transpose(0, 1);
      total = logits.sub(stored).square().mean([1, 2]).sum().mul(this.options.alpha);
    }
    if (this.options.beta > 0) {
      const labelReplay = this.buffer.sample(size);
      if (labelReplay) {
        const logits = state.forward(labelReplay.inputs.to(batch.inputs.dtypeName)).unmaskedLogits;
        const term = crossEntropy(logits, labelReplay.targets.transpose(0, 1)).total.mul(this.options.beta);
        total = total ? total.add(term) : term;
      }
    }
    noGrad(() => this.buffer.add(batch.inputs, batch.targets, output.unmaskedLogits.detach().transpose(0, 1)));
    return total;
  }
}

/** Salt of the members' buffer streams. */
const SALT = 7_000_000_003;

export const derMethod = defineMethod({
  key: 'der',
  help: 'dark experience replay (DER, and DER++ with beta > 0): replay stored logits',
  algorithm: false,
  spec: optional(
    section(
      {
        buffer_size: int({ min: 1, default: 500, help: 'examples per member in the reservoir buffer, with their logits' }),
        alpha: float({ min: 0, default: 0.5, help: 'weight of the squared error between replayed and stored logits' }),
        beta: float({ min: 0, default: 0, help: "weight of the replayed labels' cross-entropy: 0 = DER, > 0 = DER++" }),
      },
      { help: 'dark experience replay, DER and DER++ (Buzzega et al. 2020)' },
    ),
  ),
  build: ({ buffer_size: bufferSize, alpha, beta }, context) => new DarkExperienceReplay({ bufferSize, alpha, beta }, context.random(SALT)),
});
