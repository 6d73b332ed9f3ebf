// Synaptic intelligence (Zenke, Poole & Ganguli, "Continual learning through synaptic intelligence",
// ICML 2017): each parameter's importance is its contribution to the drop of the task's loss along
// the path training took. During task μ, per parameter and step,
//   ω ← ω − g·Δθ,        g the gradient of the task's loss (without SI's own penalty), Δθ the update;
// when the task ends, Ω += ω / (Δ² + ξ) with Δ the parameter's total change over the task, ω is
// reset, and the parameters are pulled towards their end-of-task values by c·Σ Ω (θ − θ*)²
// (the online quadratic penalty of consolidation.ts with λ = 2c and γ = 1). The paper uses
// c = 0.1 and ξ = 1e-3 on split and permuted MNIST.
import { keep, noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method, TaskBoundary } from '../method.js';
import { QuadraticConsolidation } from './consolidation.js';
import { cloneAll } from './parameters.js';
import { ownEntries } from './state.js';
import { float, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export interface SiOptions {
  /** c, the strength of the penalty. */
  c: number;
  /** ξ, the damping of the importance where a parameter barely moved. */
  xi: number;
}

export class SynapticIntelligence implements Method {
  readonly name = 'si';
  private readonly penalty: QuadraticConsolidation;
  /** ω: the running path integral of the current task, per parameter [R, ...]. */
  private pathIntegral: Tensor[] | null = null;
  /** The parameters when the task began. */
  private start: Tensor[] | null = null;
  /** The parameters after the last update (before the next one). */
  private previous: Tensor[] | null = null;

  constructor(readonly options: SiOptions) {
    this.penalty = new QuadraticConsolidation(2 * options.c, 'online', 1);
  }

  beforeTask(state: LearnerState): void {
    this.dropTask();
    const parameters = state.model.parameters();
    this.start = keep(cloneAll(parameters));
    this.previous = keep(cloneAll(parameters));
    this.pathIntegral = keep(noGrad(() => parameters.map((parameter) => ops.zerosLike(parameter))));
  }

  lossTerm(state: LearnerState): Tensor | null {
    return this.penalty.penalty(state.model.parameters());
  }

  afterStep(state: LearnerState): void {
    if (!this.previous || !this.pathIntegral) return;
    const parameters = state.model.parameters();
    scope(() =>
      noGrad(() => {
        // The penalty's own pull is taken out of the gradient, at the values it was taken at.
        const pull = this.penalty.gradient(this.previous!);
        parameters.forEach((parameter, index) => {
          if (!parameter.grad) return;
          const gradient = pull ? parameter.grad.sub(pull[index]) : parameter.grad;
          this.pathIntegral![index].sub_(gradient.mul(parameter.detach().sub(this.previous![index])));
          this.previous![index].copy_(parameter.detach());
        });
      }),
    );
  }

  afterTask(state: LearnerState, _boundary: TaskBoundary): void {
    if (!this.pathIntegral || !this.start) return;
    const parameters = state.model.parameters();
    const importance = scope(() => noGrad(() => keep(parameters.map((parameter, index) => this.pathIntegral![index].div(parameter.detach().sub(this.start![index]).square().add(this.options.xi))))));
    this.penalty.consolidate(importance, parameters, state.members);
    for (const value of importance) value.dispose();
    this.dropTask();
  }

  stateDict(): Map<string, Tensor> {
    const result = new Map<string, Tensor>([...this.penalty.stateDict()].map(([key, value]) => [`penalty.${key}`, value]));
    this.pathIntegral?.forEach((value, index) => result.set(`omega.${index}`, value));
    this.start?.forEach((value, index) => result.set(`start.${index}`, value));
    this.previous?.forEach((value, index) => result.set(`previous.${index}`, value));
    return result;
  }

  loadStateDict(state: Map<string, Tensor>): void {
    const own = ownEntries(state, this.name);
    this.dispose();
    this.penalty.loadStateDict(ownEntries(own, 'penalty'));
    const list = (prefix: string): Tensor[] | null => {
      const count = [...own.keys()].filter((key) => key.startsWith(`${prefix}.`)).length;
      return count === 0 ? null : Array.from({ length: count }, (_, index) => keep(own.get(`${prefix}.${index}`)!.clone()));
    };
    this.pathIntegral = list('omega');
    this.start = list('start');
    this.previous = list('previous');
  }

  dispose(): void {
    this.penalty.dispose();
    this.dropTask();
  }

  private dropTask(): void {
    for (const value of [...(this.pathIntegral ?? []), ...(this.start ?? []), ...(this.previous ?? [])]) value.dispose();
    this.pathIntegral = null;
    this.start = null;
    this.previous = null;
  }
}

export const siMethod = defineMethod({
  key: 'si',
  help: "synaptic intelligence: a quadratic penalty weighted by each parameter's path integral of the loss",
  algorithm: false,
  spec: optional(
    section(
      {
        c: float({ min: 0, default: 0.1, help: 'strength of the penalty c·Σ Ω (θ − θ*)²' }),
        xi: float({ above: 0, default: 1e-3, help: 'ξ, damping of Ω = ω / (Δ² + ξ)' }),
      },
      { help: 'synaptic intelligence (Zenke, Poole & Ganguli 2017)' },
    ),
  ),
  build: ({ c, xi }) => new SynapticIntelligence({ c, xi }),
});
