// L2 Init, regenerative regularisation (Kumar, Marklund & Van Roy 2023, "Maintaining Plasticity in
// Continual Learning via Regenerative Regularization"): an L2 penalty towards the weights the network
// started with, not towards zero, (λ/2)·‖θ_r − θ_r(0)‖² per member, summed over members. Weights that
// the current task does not need drift back to their initial values, where they are trainable; with
// θ(0) = 0 it is plain L2 (method.l2, the same λ/2 convention). The anchors are taken before the
// first step and saved in checkpoints, so a resumed run pulls towards the same point.
import { float, optional } from '../../config/spec.js';
import { keep, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import { defineMethod } from './definition.js';
import { cloneAll } from './parameters.js';
import { ownEntries } from './state.js';

export class L2Init implements Method {
  readonly name = 'l2_init';
  /** θ(0), one tensor per parameter [R, ...]; null until the first task starts or a checkpoint loads. */
  private anchors: Tensor[] | null = null;

  constructor(readonly lambda: number) {}

  beforeTask(state: LearnerState): void {
    this.anchors ??= keep(cloneAll(state.model.parameters()));
  }

  lossTerm(state: LearnerState): Tensor | null {
    if (this.lambda === 0) return null;
    const anchors = this.anchorsOf();
    const parameters = state.model.parameters();
    let total = parameters[0].sub(anchors[0]).square().sum();
    for (let index = 1; index < parameters.length; index += 1) total = total.add(parameters[index].sub(anchors[index]).square().sum());
    return total.mul(this.lambda / 2);
  }

  stateDict(): Map<string, Tensor> {
    return new Map((this.anchors ?? []).map((anchor, index) => [`anchor.${index}`, anchor]));
  }

  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    if (own.size === 0) return;
    this.dispose();
    this.anchors = keep(Array.from({ length: own.size }, (_, index) => {
      const anchor = own.get(`anchor.${index}`);
      if (!anchor) throw new Error(`l2_init: the checkpoint holds ${own.size} anchors but no 'l2_init.anchor.${index}'`);
      return anchor.clone();
    }));
  }

  dispose(): void {
    for (const anchor of this.anchors ?? []) anchor.dispose();
    this.anchors = null;
  }

  private anchorsOf(): Tensor[] {
    if (!this.anchors) throw new Error('l2_init: no initial weights yet; the learner calls beforeTask before the first step');
    return this.anchors;
  }
}

export const l2InitMethod = defineMethod({
  key: 'l2_init',
  help: 'L2 Init: an L2 penalty towards the initial weights',
  algorithm: false,
  spec: optional(float({ min: 0, default: 0.01, help: 'λ of the loss term λ/2·‖θ − θ₀‖², θ₀ the initial weights (L2 Init, Kumar et al. 2023)' })),
  build: (lambda) => new L2Init(lambda),
});
