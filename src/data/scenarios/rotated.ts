// Rotated scenarios (rotated MNIST, a domain-incremental benchmark: Lopez-Paz & Ranzato 2017, GEM):
// every task holds every class, seen rotated by its own angle; one head, original labels, so the
// task changes the inputs' domain and never the label space. Task t is rotated by t·angleStep
// degrees (anticlockwise), or by angles[t] when the angles are given.
import { checkContext, memberSeeds, type PlanContext, type ScenarioPlan } from './plan.js';

export interface RotatedOptions {
  tasks: number;
  /** Degrees between consecutive tasks (default 10); task 0 is upright. */
  angleStep?: number;
  /** The angle of each task, in degrees; replaces angleStep. */
  angles?: number[];
}

export function rotatedPlan(context: PlanContext, options: RotatedOptions): ScenarioPlan {
  checkContext(context, 'rotated');
  const { numClasses, members } = context;
  const { tasks } = options;
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error(`rotated: tasks must be a positive integer, got ${tasks}`);
  const angleStep = options.angleStep ?? 10;
  if (!Number.isFinite(angleStep)) throw new Error(`rotated: angleStep must be a number of degrees, got ${angleStep}`);
  const angles = options.angles ?? Array.from({ length: tasks }, (_, t) => t * angleStep);
  if (angles.length !== tasks || !angles.every(Number.isFinite)) throw new Error(`rotated: angles must list ${tasks} numbers of degrees, one per task; got [${angles.join(', ')}]`);
  const allClasses = Array.from({ length: numClasses }, (_, c) => c);
  return {
    version: 1,
    scenario: 'rotated',
    dataset: context.dataset,
    datasetClasses: numClasses,
    members,
    seed: context.seed,
    memberSeeds: memberSeeds(context),
    labels: 'class',
    outputs: numClasses,
    multiHead: false,
    tasks: angles.map((rotation, t) => ({
      index: t,
      parts: [{ classes: Array.from({ length: members }, () => [...allClasses]), labelOffset: 0, permutations: new Array<null>(members).fill(null), rotation }],
    })),
    options: { tasks, angles },
  };
}
