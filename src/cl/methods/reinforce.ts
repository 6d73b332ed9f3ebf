// REINFORCE with a baseline (Williams 1992, "Simple statistical gradient-following algorithms for
// connectionist reinforcement learning", Machine Learning 8:229–256): the 'RL' rule. Each
// member treats classification as a one-step bandit: it samples a label a ~ softmax(logits), gets
// reward 1 when a is the target and 0 otherwise, and never sees the target itself. Its learning
// signal is −mean_b (r_b − b̄)·log p(a_b | x_b), whose gradient is an unbiased estimate of −∇E[r];
// subtracting the baseline b̄ (the member's running mean reward) leaves the estimate unbiased and
// lowers its variance (Sutton & Barto 2018, §13.4).
import type { ModelOutput } from '../../nn/models/model.js';
import { keep, noGrad, ops, type Tensor } from '../../tensor/index.js';
import type { Batch, LearnerState, Method } from '../method.js';
import type { MemberRandom } from './random.js';
import { ownEntries } from './state.js';
import { defineRule } from './definition.js';

/** Weight of the past in the running mean reward: about the last 100 steps count. */
export const DEFAULT_BASELINE_DECAY = 0.99;

export interface ReinforceOptions {
  /** d of b ← d·b + (1 − d)·mean reward of the batch. */
  baselineDecay: number;
}

/**
 * One label per example drawn from softmax(logits) [R, B, C] by the Gumbel-max trick,
 * argmax_c (logit_c − log(−log u_c)) with u ~ U(0, 1) from each member's own stream: exact
 * sampling, vectorised over members and examples, and a class masked with −∞ is never drawn.
 * Returns [R, B] int64.
 */
export function sampleLabels(logits: Tensor, random: MemberRandom): Tensor {
  return noGrad(() => {
    const uniform = random.uniform_(ops.emptyLike(logits), 0, 1);
    return logits.detach().sub(uniform.log().neg().log()).argmax(2);
  });
}

export class Reinforce implements Method {
  readonly name = 'reinforce';
  /** The exponential moving average of each member's mean batch reward, [R], before bias correction. */
  private average: Tensor | null = null;
  /** Batches averaged so far: the bias correction divides by 1 − d^updates. */
  private updates = 0;

  constructor(
    private readonly random: MemberRandom,
    readonly options: ReinforceOptions = { baselineDecay: DEFAULT_BASELINE_DECAY },
  ) {
    const decay = options.baselineDecay;
    if (!(decay >= 0 && decay < 1)) throw new Error(`reinforce: baselineDecay must be in [0, 1), got ${decay}`);
  }

  /**
   * Each member's baseline [R] in float64 on `device`: its running mean reward, bias-corrected as
   * Adam's moments are, so that it is the plain mean while few batches have been seen; 0 before the
   * first batch.
   */
  baseline(members: number, device = 'cpu'): Tensor {
    if (!this.average) return ops.zeros([members], 'float64', null, device);
    return this.onDevice(device).div(1 - this.options.baselineDecay ** this.updates);
  }

  learningSignal(_state: LearnerState, output: ModelOutput, batch: Batch): Tensor {
    const { logits } = output;
    const [members] = logits.shape;
    const targets = batch.targets.transpose(0, 1);
    const labels = sampleLabels(logits, this.random);
    const reward = noGrad(() => labels.eq(targets).to('float64'));
    const advantage = reward.sub(this.baseline(members, logits.device).unsqueeze(1)).to(logits.dtypeName);
    const logProbability = ops.logSoftmax(logits, 2).gather(2, labels.unsqueeze(2)).squeeze(2);
    const signal = advantage.mul(logProbability).mean(1).sum().neg();
    this.observe(reward.mean(1));
    return signal;
  }

  /** Folds each member's mean batch reward [R] into its running mean, after the signal used the old one. */
  private observe(meanReward: Tensor): void {
    const decay = this.options.baselineDecay;
    noGrad(() => {
      const next = this.average ? this.onDevice(meanReward.device).mul(decay).add(meanReward, 1 - decay) : meanReward.mul(1 - decay);
      this.average?.dispose();
      this.average = keep(next);
    });
    this.updates += 1;
  }

  /** The running mean, moved once to `device` (a checkpoint loads it on the host). */
  private onDevice(device: string): Tensor {
    if (this.average!.device !== device) {
      const moved = keep(this.average!.to(device));
      this.average!.dispose();
      this.average = moved;
    }
    return this.average!;
  }

  dispose(): void {
    this.average?.dispose();
    this.average = null;
  }

  /** The member streams, the running mean reward and the count of batches in it. */
  stateDict(): Map<string, Tensor> {
    const state = this.random.stateDict();
    if (this.average) {
      state.set('baseline.average', this.average.clone());
      state.set('baseline.updates', ops.full([1], this.updates, 'int64'));
    }
    return state;
  }

  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    this.random.loadStateDict(own);
    this.average?.dispose();
    this.average = null;
    this.updates = 0;
    const average = own.get('baseline.average');
    if (average) {
      this.average = keep(average.to('float64').clone());
      this.updates = own.get('baseline.updates')!.item();
    }
  }
}

/** Salt of the members' label-sampling streams. */
const SALT = 5_000_000_029;

/** method.rule=RL: learning from reward alone (docs/methods.md, Error signals). */
export const reinforceMethod = defineRule({
  rule: 'RL',
  help: 'reward only: REINFORCE with a running baseline, the sampled label rewarded 1 when correct',
  algorithm: true,
  check(_value, config, problem) {
    if (config.method.nte !== undefined) {
      problem('method.rule', `method.rule=RL trains on reward alone, but method.nte updates from each example's cross-entropy gradient, which needs the target; use method.rule=SL or remove method.nte`);
    }
  },
  build: (_value, context) => new Reinforce(context.random(SALT)),
});
