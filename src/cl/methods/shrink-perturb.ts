// Shrink and perturb: θ ← λ·θ + σ·ε, pulling the weights towards zero and adding noise, to restore
// the trainability that warm-started networks lose.
// - ash_adams (Ash & Adams 2020, "On warm-starting neural network training"): ε is a fresh draw from
//   each layer's own initialisation (their code mixes the network with a newly initialised one), so
//   the noise has each layer's initial scale; applied when new data arrives.
// - dohare (Dohare et al. 2024): ε ~ N(0, 1) on every parameter; their shrink is the weight decay of
//   each step (λ = 1 − lr·weight_decay).
// `every` applies it after every update, or at each task boundary (before every task but the first).
import type { Model } from '../../nn/models/model.js';
import { noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method } from '../method.js';
import { memberMask } from './parameters.js';
import type { MemberRandom } from './random.js';
import { ownEntries } from './state.js';
import { choice, float, optional, section } from '../../config/spec.js';
import { defineMethod } from './definition.js';

export type ShrinkPerturbForm = 'ash_adams' | 'dohare';

export interface ShrinkPerturbOptions {
  /** λ. */
  shrink: number;
  /** σ. */
  noise: number;
  every: 'step' | 'task';
  form: ShrinkPerturbForm;
}

export class ShrinkPerturb implements Method {
  readonly name = 'shrink_perturb';

  constructor(
    readonly options: ShrinkPerturbOptions,
    private readonly random: MemberRandom,
  ) {}

  afterStep(state: LearnerState): void {
    if (this.options.every === 'step') this.apply(state.model, state.active);
  }

  beforeTask(state: LearnerState, task: number): void {
    if (this.options.every === 'task' && task > 0) this.apply(state.model, state.active);
  }

  /** θ ← λθ + σε for the active members. */
  apply(model: Model, active: readonly boolean[]): void {
    const { shrink, noise } = this.options;
    scope(() =>
      noGrad(() => {
        const parameters = model.parameters();
        const draws = this.options.form === 'ash_adams' ? freshInitialisation(model, this.random) : parameters.map((parameter) => this.random.normal_(ops.emptyLike(parameter)));
        parameters.forEach((parameter, index) => {
          const mixed = parameter.mul(shrink).add(draws[index], noise);
          parameter.copy_(ops.where(memberMask(active, parameter).gt(0), mixed, parameter));
        });
      }),
    );
  }

  stateDict(): Map<string, Tensor> {
    return this.random.stateDict();
  }

  loadStateDict(state: Map<string, Tensor>): void {
    this.random.loadStateDict(ownEntries(state, this.name));
  }
}

/**
 * A fresh initialisation of every parameter, drawn member by member with each module's own
 * initialiser (as a newly built network would be), returned as new tensors; the model's parameters
 * and buffers are left as they were.
 */
export function freshInitialisation(model: Model, random: MemberRandom): Tensor[] {
  return noGrad(() => {
    const parameters = model.parameters();
    const buffers = model.namedBuffers().map(([, value]) => value);
    const savedParameters = parameters.map((parameter) => parameter.detach().clone());
    const savedBuffers = buffers.map((buffer) => buffer.clone());
    const modules = model.namedModules().map(([, module]) => module);
    const device = parameters[0]?.device ?? 'cpu';
    for (let member = 0; member < model.members; member += 1) {
      for (const module of modules) module.resetMember(member, random.generator(member, device));
    }
    const fresh = parameters.map((parameter) => parameter.detach().clone());
    parameters.forEach((parameter, index) => parameter.copy_(savedParameters[index]));
    buffers.forEach((buffer, index) => buffer.copy_(savedBuffers[index]));
    return fresh;
  });
}

/** Salt of the members' noise streams. */
const SALT = 3_000_000_019;

export const shrinkPerturbMethod = defineMethod({
  key: 'shrink_perturb',
  help: 'shrink and perturb: weights scaled towards zero and noise added, after each update or task',
  algorithm: false,
  spec: optional(
    section(
      {
        shrink: float({ min: 0, max: 1, default: 0.4, help: 'λ in θ ← λθ + σ·noise' }),
        noise: float({ min: 0, default: 0.001, help: 'σ in θ ← λθ + σ·noise' }),
        every: choice(['step', 'task'] as const, { default: 'task', help: 'apply after every update or at each task boundary' }),
        form: choice(['ash_adams', 'dohare'] as const, {
          default: 'ash_adams',
          help: "ash_adams: noise drawn from the layer's initialisation; dohare: Gaussian noise",
        }),
      },
      { help: 'shrink and perturb (Ash & Adams 2020); the "plasticity" part of the algorithm directory name' },
    ),
  ),
  build: (settings, context) => new ShrinkPerturb({ ...settings }, context.random(SALT)),
});
