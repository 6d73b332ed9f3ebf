// The quadratic pull towards past solutions that EWC, online EWC, SI and MAS share; they differ only
// in how they measure each parameter's importance to a task that ended (the Fisher diagonal, the
// path integral of the loss, the sensitivity of the output). With importance Ω_t and the end-of-task
// parameters θ*_t, the penalty per member is
//   separate: (λ/2)·Σ_t Σ_i Ω_{t,i}·(θ_i − θ*_{t,i})²,  one importance and anchor per past task;
//   online:   (λ/2)·Σ_i Ω_i·(θ_i − θ*_i)²,  Ω ← γ·Ω + Ω_t and θ* the latest (Schwarz et al. 2018).
// The separate sum is kept in closed form, Σ_t Ω_t(θ − θ*_t)² = A(θ − m)² + c with A = Σ_t Ω_t and
// m = Σ_t Ω_t θ*_t / A, so its memory does not grow with the number of tasks.
import { keep, noGrad, ops, scope, type Tensor } from '../../tensor/index.js';
import type { LearnerState, Method, TaskBoundary } from '../method.js';
import { ownEntries } from './state.js';

export type ConsolidationMode = 'separate' | 'online';

export class QuadraticConsolidation {
  /** A: the summed (or running) importance per parameter, [R, ...] each. */
  private importance: Tensor[] | null = null;
  /** m: the anchor per parameter. */
  private anchor: Tensor[] = [];
  /** c: the constant of the closed form per member, [R] (0 for online). */
  private constant: Tensor | null = null;

  constructor(
    readonly lambda: number,
    readonly mode: ConsolidationMode,
    /** online: decay of the running importance at each task boundary. */
    readonly gamma = 1,
  ) {}

  get empty(): boolean {
    return this.importance === null;
  }

  /** The penalty summed over members, or null before the first task ends. */
  penalty(parameters: readonly Tensor[]): Tensor | null {
    if (!this.importance || this.lambda === 0) return null;
    let total = this.constant!.sum();
    parameters.forEach((parameter, index) => {
      total = total.add(this.importance![index].mul(parameter.sub(this.anchor[index]).square()).sum());
    });
    return total.mul(this.lambda / 2);
  }

  /** The penalty's gradient at `values`, λ·A·(θ − m) per parameter; null before the first task ends. */
  gradient(values: readonly Tensor[]): Tensor[] | null {
    if (!this.importance) return null;
    return noGrad(() => values.map((value, index) => this.importance![index].mul(value.sub(this.anchor[index])).mul(this.lambda)));
  }

  /** Adds a task's importance [R, ...] per parameter, with the parameters' values at its end as anchor. */
  consolidate(taskImportance: readonly Tensor[], parameters: readonly Tensor[], members: number): void {
    noGrad(() => {
      const perMember = (values: Tensor[]): Tensor => ops.stack(values.map((value) => value.reshape(members, -1).sum(1)), 1).sum(1);
      const next = scope(() => {
        const ends = parameters.map((parameter) => parameter.detach());
        if (!this.importance) return keep({ importance: taskImportance.map((value) => value.clone()), anchor: ends.map((value) => value.clone()), constant: ops.zeros([members], ends[0].dtypeName, null, ends[0].device) });
        if (this.mode === 'online') {
          return keep({
            importance: this.importance.map((value, index) => value.mul(this.gamma).add(taskImportance[index])),
            anchor: ends.map((value) => value.clone()),
            constant: ops.zerosLike(this.constant!),
          });
        }
        const importance = this.importance.map((value, index) => value.add(taskImportance[index]));
        const anchor = importance.map((total, index) => {
          const weighted = this.importance![index].mul(this.anchor[index]).add(taskImportance[index].mul(ends[index]));
          return ops.where(total.gt(0), weighted.div(total), ends[index]);
        });
        // c' = c + Σ [Ω θ*² + A m² − A' m'²], per member.
        const change = perMember(taskImportance.map((value, index) => value.mul(ends[index].square()).add(this.importance![index].mul(this.anchor[index].square())).sub(importance[index].mul(anchor[index].square()))));
        return keep({ importance, anchor, constant: this.constant!.add(change) });
      });
      this.dispose();
      this.importance = next.importance;
      this.anchor = next.anchor;
      this.constant = next.constant;
    });
  }

  stateDict(): Map<string, Tensor> {
    const result = new Map<string, Tensor>();
    if (!this.importance) return result;
    this.importance.forEach((value, index) => result.set(`importance.${index}`, value));
    this.anchor.forEach((value, index) => result.set(`anchor.${index}`, value));
    result.set('constant', this.constant!);
    return result;
  }

  /** Entries as stateDict wrote them (the owner's prefix already removed). */
  loadStateDict(own: Map<string, Tensor>): void {
    this.dispose();
    if (!own.has('constant')) return;
    const count = [...own.keys()].filter((key) => key.startsWith('importance.')).length;
    this.importance = Array.from({ length: count }, (_, index) => keep(own.get(`importance.${index}`)!.clone()));
    this.anchor = Array.from({ length: count }, (_, index) => keep(own.get(`anchor.${index}`)!.clone()));
    this.constant = keep(own.get('constant')!.clone());
  }

  dispose(): void {
    for (const value of [...(this.importance ?? []), ...this.anchor, ...(this.constant ? [this.constant] : [])]) value.dispose();
    this.importance = null;
    this.anchor = [];
    this.constant = null;
  }
}

/**
 * A method whose whole state is a quadratic penalty, fed at each task's end with that task's
 * importance (EWC's Fisher, MAS's output sensitivity); SI also accumulates a path integral, so it
 * holds its own penalty.
 */
export abstract class ImportanceConsolidation implements Method {
  abstract readonly name: string;

  protected constructor(private readonly penalty: QuadraticConsolidation) {}

  /** Ω of the task that ended, per parameter [R, ...]. */
  abstract importance(state: LearnerState, boundary: TaskBoundary): Tensor[];

  lossTerm(state: LearnerState): Tensor | null {
    return this.penalty.penalty(state.model.parameters());
  }

  afterTask(state: LearnerState, boundary: TaskBoundary): void {
    const importance = this.importance(state, boundary);
    this.penalty.consolidate(importance, state.model.parameters(), state.members);
    for (const value of importance) value.dispose();
  }

  stateDict(): Map<string, Tensor> {
    return this.penalty.stateDict();
  }

  loadStateDict(state: Map<string, Tensor>): void {
    this.penalty.loadStateDict(ownEntries(state, this.name));
  }

  dispose(): void {
    this.penalty.dispose();
  }
}
