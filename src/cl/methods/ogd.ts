// Orthogonal gradient descent: after each task, store directions in parameter space along which
// the past task's outputs are sensitive; before every update, remove the gradient's components
// along them, so that a step (to first order) leaves the past tasks alone.
//
// Two ways of choosing the directions:
// - average_gradient (docs/methods.md): the loss gradient averaged over the task's training batches, one
//   direction per task;
// - gtl (Farajtabar et al. 2020, "ground truth logit"): the gradient of the correct class's logit
//   for `memory` stored training examples of the task, one direction per example.
// New directions are Gram-Schmidt-orthonormalised against the stored ones; each member keeps its own
// basis. The projection rewrites the gradients, so any optimizer applies it (SGD, Adam, ...).
import { keep, noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method, TaskBoundary } from '../method.js';
import { collectExamples, forEachBatch } from './batches.js';
import { GradientBasis } from './gradient-basis.js';
import { batchLoss, memberTargets } from './learner-access.js';
import { ownEntries } from './state.js';
import { inMode } from '../../nn/mode.js';
import { flatGradients, keepingBuffers, writeFlatGradients } from './parameters.js';
import { perExampleGradients } from './per-example-gradients.js';
import { choice, float, int, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export type OgdVariant = 'average_gradient' | 'gtl';

export interface OgdOptions {
  variant: OgdVariant;
  /** gtl: examples of each task whose ground-truth-logit gradients are stored. */
  memory: number;
  /** A residual shorter than this after Gram-Schmidt is not stored. */
  eps: number;
}

export class OrthogonalGradientDescent implements Method {
  readonly name = 'ogd';
  readonly basis: GradientBasis;

  constructor(
    members: number,
    readonly options: OgdOptions,
  ) {
    this.basis = new GradientBasis(members, options.eps);
  }

  transformGradients(state: LearnerState): void {
    if (this.basis.size === 0) return;
    scope(() =>
      noGrad(() => {
        const parameters = state.model.parameters();
        const projected = this.basis.project(flatGradients(parameters, state.members));
        writeFlatGradients(parameters, projected);
      }),
    );
  }

  afterTask(state: LearnerState, boundary: TaskBoundary): void {
    const directions = this.options.variant === 'gtl' ? this.groundTruthLogitGradients(state, boundary) : this.averageGradient(state, boundary);
    if (!directions) return;
    this.basis.add(directions);
    directions.dispose();
  }

  /**
   * The loss gradient averaged over the task's batches, [R, 1, P], taken in training mode as the
   * seed does (its BatchNorm statistics are restored afterwards).
   */
  private averageGradient(state: LearnerState, boundary: TaskBoundary): Tensor | null {
    const parameters = state.model.parameters();
    let sum: Tensor | null = null;
    let count = 0;
    inMode(state.model, true, () =>
      keepingBuffers(state.model, () => {
        forEachBatch(boundary.batches(), (batch) => {
          for (const parameter of parameters) parameter.grad = null;
          batchLoss(state, batch).backward();
          const flat = noGrad(() => flatGradients(parameters, state.members));
          if (sum) sum.add_(flat);
          else sum = keep(flat.clone());
          count += 1;
        });
      }),
    );
    for (const parameter of parameters) parameter.grad = null;
    if (!sum || count === 0) return null;
    const mean = scope(() => noGrad(() => (sum as Tensor).div(count).unsqueeze(1)));
    (sum as Tensor).dispose();
    return keep(mean);
  }

  /**
   * Gradients of the correct class's logit for the first `memory` training examples the task's
   * batches yield (a random sample, the batches being shuffled), [R, memory, P]. Taken in eval mode,
   * so that each example's gradient is its own (no batch statistics, no dropout).
   */
  private groundTruthLogitGradients(state: LearnerState, boundary: TaskBoundary): Tensor | null {
    const examples = collectExamples(boundary.batches(), this.options.memory);
    if (!examples) return null;
    const parameters = state.model.parameters();
    const members = state.members;
    const rows: Tensor[] = [];
    inMode(state.model, false, () =>
      perExampleGradients(
        state.model,
        parameters,
        () => {
          const logits = state.model.run(examples.inputs).logits; // [R, B, C]
          return logits.gather(2, memberTargets(examples).unsqueeze(2)).squeeze(2);
        },
        (gradients, _start, count) => {
          rows.push(keep(noGrad(() => ops.cat(gradients.map((gradient) => gradient!.reshape(members, count, -1)), 2))));
        },
      ),
    );
    examples.inputs.dispose();
    examples.targets.dispose();
    const result = keep(ops.cat(rows, 1));
    for (const row of rows) row.dispose();
    return result;
  }

  stateDict(): Map<string, Tensor> {
    const directions = this.basis.tensor;
    return new Map(directions ? [['basis', directions]] : []);
  }

  loadStateDict(state: Map<string, Tensor>): void {
    this.basis.load(ownEntries(state, this.name).get('basis') ?? null);
  }
}

export const ogdMethod = defineMethod({
  key: 'ogd',
  help: "orthogonal gradient descent: each gradient projected off past tasks' stored directions",
  algorithm: false,
  spec: optional(
    section(
      {
        variant: choice(['average_gradient', 'gtl'] as const, {
          default: 'average_gradient',
          help: 'average_gradient: one mean loss gradient per task (docs/methods.md); gtl: ground-truth-logit gradients of stored examples (Farajtabar et al. 2020)',
        }),
        memory: int({ min: 1, default: 200, help: 'gtl: examples stored per task' }),
        eps: float({ above: 0, default: 1e-8, help: 'a new direction shorter than this after Gram-Schmidt is not stored' }),
      },
      { help: 'orthogonal gradient descent: project each gradient off the stored directions of past tasks' },
    ),
  ),
  build: (ogd, context) => new OrthogonalGradientDescent(context.seeds.length, { ...ogd }),
});
