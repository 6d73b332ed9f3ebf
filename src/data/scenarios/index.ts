// Scenario plans by name, for configuration files.
import { classPairsPlan, type ClassPairsOptions } from './class-pairs.js';
import { jointPlan } from './joint.js';
import { permutedPlan, type PermutedOptions } from './permuted.js';
import type { PlanContext, ScenarioPlan } from './plan.js';
import { rotatedPlan, type RotatedOptions } from './rotated.js';
import { splitPlan, type SplitOptions } from './split.js';

export * from './class-pairs.js';
export * from './joint.js';
export * from './permuted.js';
export * from './plan.js';
export * from './rotated.js';
export * from './split.js';

export type ScenarioSpec =
  | ({ kind: 'split' } & SplitOptions)
  | ({ kind: 'permuted' } & PermutedOptions)
  | ({ kind: 'rotated' } & RotatedOptions)
  | ({ kind: 'class_pairs' } & ClassPairsOptions)
  | { kind: 'joint'; of: ScenarioSpec };

export function planScenario(spec: ScenarioSpec, context: PlanContext): ScenarioPlan {
  const { kind, ...options } = spec;
  switch (spec.kind) {
    case 'split':
      return splitPlan(context, options as SplitOptions);
    case 'permuted':
      return permutedPlan(context, options as PermutedOptions);
    case 'rotated':
      return rotatedPlan(context, options as RotatedOptions);
    case 'class_pairs':
      return classPairsPlan(context, options as ClassPairsOptions);
    case 'joint':
      return jointPlan(planScenario(spec.of, context));
    default:
      throw new Error(`unknown scenario '${String(kind)}'; expected split, permuted, rotated, class_pairs or joint`);
  }
}
