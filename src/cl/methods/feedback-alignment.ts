// Feedback alignment (Lillicrap, Cownden, Tweed & Akerman 2016, "Random synaptic feedback weights
// support error backpropagation for deep learning", Nature Communications 7:13276): the 'Bio'
// rule. The error travels down through fixed random matrices B instead of the transposed forward
// weights, so no layer needs to know another's weights: δ_{l−1} = (δ_l B_l) ⊙ f'(a_{l−1}), while each
// weight still changes by its local δ_l x_{l−1}ᵀ. The forward weights come to align with Bᵀ, which is
// what lets the random feedback carry useful errors.
//
// B_l has the shape of the weight W_l [R, out, in] and is drawn once, before the first task, from
// each member's own stream with the layer's initialisation scale (U(±1/√in), PyTorch's default for
// Linear weights). Only layers whose input is a hidden representation get one: the input layer's
// backward pass would carry the error to the data, where nothing learns from it.
import { Linear } from '../../nn/linear.js';
import { kaimingUniformBound } from '../../nn/init.js';
import { MLP } from '../../nn/models/mlp.js';
import type { Model } from '../../nn/models/model.js';
import { keep, noGrad, ops, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import type { MemberRandom } from './random.js';
import { ownEntries } from './state.js';
import { defineRule } from './definition.js';

/** The Linear layers of `model` whose backward pass feedback alignment replaces, by module path. */
export function feedbackLayers(model: Model): [string, Linear][] {
  if (!(model instanceof MLP)) {
    throw new Error(`feedback alignment (method.rule=Bio) routes errors through the Linear layers of an MLP; ${model.constructor.name} is not one. Use model=mlp or another method.rule`);
  }
  const paths = new Map(model.namedModules().map(([path, module]) => [module, path]));
  return model
    .linears()
    .slice(1)
    .map((linear) => [paths.get(linear)!, linear]);
}

/**
 * Wraps `linear` so that, while training, the gradient reaching its input goes through `feedback`
 * [R, out, in] in place of the weight; its output and the gradients of its weight and bias stay
 * those of plain backprop. In eval mode the layer is plain, so measurements see the network's own
 * gradients. null unwraps it.
 */
export function routeThroughFeedback(linear: Linear, feedback: Tensor | null): void {
  if (feedback === null) return linear.wrapForward(null);
  if (feedback.shape.join(',') !== linear.weight.shape.join(',')) {
    throw new Error(`Linear(${linear.inFeatures}, ${linear.outFeatures}): feedback matrix has shape [${feedback.shape.join(', ')}], expected the weight's [${linear.weight.shape.join(', ')}]`);
  }
  linear.wrapForward((input, forward) => {
    if (!linear.training || !input.requiresGrad) return forward(input);
    // The weight sees a detached input, and (x − x.detach())·Bᵀ, exactly zero, adds nothing to the
    // output while carrying δ·B back to the input.
    const local = input.detach();
    return forward(local).add(input.sub(local).matmul(feedback.transpose(1, 2)));
  });
}

export class FeedbackAlignment implements Method {
  readonly name = 'feedback_alignment';
  /** B per layer path, on its layer's device; empty until the first task begins. */
  private readonly matrices = new Map<string, Tensor>();
  /** Matrices from a checkpoint, waiting for their layers (copied onto each layer's device). */
  private readonly loaded = new Map<string, Tensor>();
  /** The layers this method has wrapped, unwrapped when it is disposed. */
  private readonly routed = new Set<Linear>();

  constructor(private readonly random: MemberRandom) {}

  /** The feedback matrix of the layer at `path` (after the first task has begun). */
  feedback(path: string): Tensor | undefined {
    return this.matrices.get(path);
  }

  beforeTask(state: LearnerState): void {
    noGrad(() => {
      for (const [path, linear] of feedbackLayers(state.model)) {
        let matrix = this.matrices.get(path);
        if (!matrix) {
          matrix = keep(ops.emptyLike(linear.weight));
          const saved = this.loaded.get(path);
          if (saved) {
            if (saved.shape.join(',') !== matrix.shape.join(',')) {
              throw new Error(`${this.name}: the checkpoint's feedback matrix for ${path} has shape [${saved.shape.join(', ')}], the layer's weight [${matrix.shape.join(', ')}]; was it saved from another model?`);
            }
            matrix.copy_(saved);
            saved.dispose();
            this.loaded.delete(path);
          } else {
            const bound = kaimingUniformBound(linear.inFeatures);
            this.random.uniform_(matrix, -bound, bound);
          }
          this.matrices.set(path, matrix);
        }
        routeThroughFeedback(linear, matrix);
        this.routed.add(linear);
      }
    });
  }

  dispose(): void {
    for (const linear of this.routed) routeThroughFeedback(linear, null);
    this.routed.clear();
    for (const value of [...this.matrices.values(), ...this.loaded.values()]) value.dispose();
    this.matrices.clear();
    this.loaded.clear();
  }

  /** B itself: it is drawn once, so the streams that drew it need not be saved. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.matrices].map(([path, matrix]) => [`feedback.${path}`, matrix]));
  }

  loadStateDict(state: Map<string, Tensor>): void {
    for (const [key, value] of ownEntries(state, this.name)) {
      if (!key.startsWith('feedback.')) throw new Error(`${this.name}.loadStateDict: unexpected key '${key}'; expected feedback.{layer path}`);
      const path = key.slice('feedback.'.length);
      const installed = this.matrices.get(path);
      if (installed) noGrad(() => installed.copy_(value));
      else this.loaded.set(path, keep(value.detach().clone()));
    }
  }
}

/** Salt of the members' feedback-matrix streams. */
const SALT = 6_000_000_001;

/** method.rule=Bio: errors sent back through fixed random matrices (Lillicrap et al. 2016). */
export const feedbackAlignmentMethod = defineRule({
  rule: 'Bio',
  help: 'feedback alignment: errors flow back through fixed random feedback weights instead of the transposed forward weights',
  algorithm: true,
  check(_value, config, problem) {
    if (config.model.name !== 'mlp') {
      problem('method.rule', `method.rule=Bio (feedback alignment) routes errors through the Linear layers of an MLP; model=${config.model.name} has convolution, residual or attention paths it does not cover. Use model=mlp or method.rule=SL`);
    }
  },
  build: (_value, context) => new FeedbackAlignment(context.random(SALT)),
});
