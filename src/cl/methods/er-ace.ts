// Experience replay with asymmetric cross-entropy (ER-ACE; Caccia, Aljundi, Asadi, Tuytelaars,
// Pineau & Belilovsky, "New insights on reducing abrupt representation change in online continual
// learning", ICLR 2022). Plain replay trains the incoming examples against every class, which
// pushes the logits of past classes down and drags their representations. ER-ACE replaces the
// learning signal with two cross-entropies, per member:
//   CE over the classes present in the incoming batch only (the others' logits masked out), on the
//   incoming examples; plus
//   CE over all classes, on as many examples drawn from a reservoir buffer.
// The buffer takes each incoming batch after it has been trained on (reservoir over the stream).
import { crossEntropy } from '../../nn/loss.js';
import { noGrad, ops, type Tensor } from '../../tensor/index.js';
import type { Batch, LearnerOutput, LearnerState } from '../method.js';
import type { MemberRandom } from './random.js';
import { BufferedMethod } from './replay.js';
import { int, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export interface ErAceOptions {
  bufferSize: number;
}

export class ExperienceReplayAce extends BufferedMethod {
  readonly name = 'er_ace';

  constructor(
    readonly options: ErAceOptions,
    random: MemberRandom,
  ) {
    super(options.bufferSize, 'reservoir', random);
  }

  learningSignal(state: LearnerState, output: LearnerOutput, batch: Batch): Tensor {
    const targets = batch.targets.transpose(0, 1).to('int64'); // [R, B]
    const logits = output.logits;
    const classes = logits.shape[2];
    const present = noGrad(() => ops.oneHot(targets, classes).amax(1, true).gt(0)); // [R, 1, C]
    const incoming = crossEntropy(ops.where(present, logits, ops.fullLike(logits, Number.NEGATIVE_INFINITY)), targets).total;
    const replayed = this.buffer.sample(batch.inputs.shape[0]);
    noGrad(() => this.buffer.add(batch.inputs, batch.targets));
    if (!replayed) return incoming;
    const replayLogits = state.forward(replayed.inputs.to(batch.inputs.dtypeName)).unmaskedLogits;
    return incoming.add(crossEntropy(replayLogits, replayed.targets.transpose(0, 1)).total);
  }
}

/** Salt of the members' buffer streams. */
const SALT = 8_000_000_009;

export const erAceMethod = defineMethod({
  key: 'er_ace',
  help: "experience replay with asymmetric cross-entropy: incoming examples compete only among their batch's classes",
  algorithm: false,
  spec: optional(
    section(
      {
        buffer_size: int({ min: 1, default: 500, help: 'examples per member in the reservoir buffer' }),
      },
      { help: 'ER-ACE (Caccia et al. 2022)' },
    ),
  ),
  check(_value, config, problem) {
    if (config.method.rule !== 'SL') {
      problem('method.er_ace', `method.er_ace replaces the cross-entropy with its own two (incoming and replayed), but method.rule=${config.method.rule} brings its own learning signal; use method.rule=SL or remove method.er_ace`);
    }
  },
  build: ({ buffer_size: bufferSize }, context) => new ExperienceReplayAce({ bufferSize }, context.random(SALT)),
});
