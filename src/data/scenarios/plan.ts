// A scenario plan: which classes (and which pixel permutation) every task gives every member,
// computed before training from one seed and saved with the results as plain JSON. Task tensors are
// built from the plan alone, so a saved plan reproduces a run's data exactly.
import { Generator } from '../../tensor/index.js';

/** joint: the tasks of another scenario, trained all at once (the upper-bound baseline). */
export type ScenarioKind = 'split' | 'permuted' | 'rotated' | 'class_pairs' | 'joint';

/** One block of a task's data: some classes of the dataset, seen by each member, maybe permuted. */
export interface TaskPart {
  /** Original class ids per member: classes[r][j] is the j-th class of member r. */
  classes: number[][];
  /**
   * With 'task' labels, class classes[r][j] is trained as head unit labelOffset + j; with 'class'
   * labels its target is the class id itself.
   */
  labelOffset: number;
  /** Per member, the seed of its pixel permutation, randperm(H*W, Generator(seed)); null: identity. */
  permutations: (number | null)[];
  /** Degrees every member's images are rotated by, anticlockwise (rotated scenarios); absent: none. */
  rotation?: number;
}

export interface TaskPlan {
  index: number;
  /** Usually one part; a joint plan's single training stage has one per task. */
  parts: TaskPart[];
}

export interface ScenarioPlan {
  version: 1;
  scenario: ScenarioKind;
  dataset: string;
  /** Classes in the dataset. */
  datasetClasses: number;
  members: number;
  seed: number;
  /** Per member, the seed of the generator its random choices came from (torch.Generator().manual_seed). */
  memberSeeds: number[];
  /** 'class': targets are original class ids; 'task': targets are positions within the task. */
  labels: 'class' | 'task';
  /** Width of the output layer the plan needs. */
  outputs: number;
  /** Task-incremental: each task trains and is scored on its own units of the head only. */
  multiHead: boolean;
  /** Tasks in training order; evaluation is per task. A joint plan trains on all of them at once. */
  tasks: TaskPlan[];
  /** The options the plan was made from, for the record. */
  options: Record<string, unknown>;
}

export interface PlanContext {
  dataset: string;
  numClasses: number;
  members: number;
  seed: number;
}

/**
 * A seed for a named random stream, derived from a parent seed: a 53-bit hash (cyrb53) of the parts,
 * so that streams of different members, tasks and purposes never share numbers by construction.
 */
export function deriveSeed(...parts: (string | number)[]): number {
  const text = parts.join('/');
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function checkContext(context: PlanContext, scenario: string): void {
  const { numClasses, members, seed } = context;
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`${scenario}: the dataset needs at least 2 classes, it has ${numClasses}`);
  if (!Number.isInteger(members) || members < 1) throw new Error(`${scenario}: members must be a positive integer, got ${members}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${scenario}: seed must be a non-negative integer, got ${seed}`);
}

export function memberSeeds(context: PlanContext): number[] {
  return Array.from({ length: context.members }, (_, r) => deriveSeed(context.seed, 'member', r));
}

/**
 * One reseedable generator per member. Reseeding gives exactly the numbers of a fresh
 * torch.Generator().manual_seed(seed), and avoids constructing a native generator for every draw
 * (a long scenario draws thousands of times).
 */
export class MemberStreams {
  private readonly generators: Generator[];
  private readonly shared = new Generator(0);

  constructor(private readonly seeds: readonly number[]) {
    this.generators = seeds.map(() => new Generator(0));
  }

  /** Member r's stream for a purpose: seeded by deriveSeed(memberSeeds[r], ...purpose). */
  member(member: number, ...purpose: (string | number)[]): Generator {
    return this.generators[member].manualSeed(deriveSeed(this.seeds[member], ...purpose));
  }

  /** A stream seeded with exactly `seed`, for draws shared by all members. */
  seeded(seed: number): Generator {
    return this.shared.manualSeed(seed);
  }
}

/** The training stages: one per task, or a single stage of every task for a joint plan. */
export function trainingStages(plan: ScenarioPlan): TaskPlan[][] {
  return plan.scenario === 'joint' ? [plan.tasks] : plan.tasks.map((task) => [task]);
}

/** The head units that task `index` trains and is scored on. */
export function taskUnits(plan: ScenarioPlan, index: number): number[] {
  const task = plan.tasks[index];
  if (!task) throw new RangeError(`task ${index} is outside the plan's ${plan.tasks.length} tasks`);
  if (!plan.multiHead) return Array.from({ length: plan.outputs }, (_, i) => i);
  const units = new Set<number>();
  for (const part of task.parts) part.classes[0].forEach((_, j) => units.add(part.labelOffset + j));
  return [...units].sort((a, b) => a - b);
}

/** The classes member r meets in each task: rows of the plan, for reports and metadata. */
export function memberClasses(plan: ScenarioPlan, member: number): number[][] {
  return plan.tasks.map((task) => task.parts.flatMap((part) => part.classes[member]));
}

/** Checks a plan read back from JSON; errors say which field is wrong. */
export function parsePlan(value: unknown, source = 'plan'): ScenarioPlan {
  const fail = (what: string): never => {
    throw new Error(`${source}: not a valid scenario plan: ${what}`);
  };
  if (typeof value !== 'object' || value === null) return fail('expected a JSON object');
  const plan = value as ScenarioPlan;
  if (plan.version !== 1) fail(`version ${String(plan.version)} is not 1`);
  if (!['split', 'permuted', 'rotated', 'class_pairs', 'joint'].includes(plan.scenario)) fail(`unknown scenario '${String(plan.scenario)}'`);
  for (const key of ['datasetClasses', 'members', 'seed', 'outputs'] as const) {
    if (!Number.isSafeInteger(plan[key]) || plan[key] < 0) fail(`${key} must be a non-negative integer`);
  }
  if (!Array.isArray(plan.memberSeeds) || plan.memberSeeds.length !== plan.members) fail(`memberSeeds must list ${plan.members} seeds`);
  if (!Array.isArray(plan.tasks) || plan.tasks.length === 0) fail('tasks must be a non-empty list');
  plan.tasks.forEach((task, t) => {
    if (task.index !== t || !Array.isArray(task.parts) || task.parts.length === 0) fail(`task ${t} must have index ${t} and at least one part`);
    for (const part of task.parts) {
      if (!Array.isArray(part.classes) || part.classes.length !== plan.members) fail(`task ${t} must list classes for each of the ${plan.members} members`);
      const width = part.classes[0].length;
      for (const row of part.classes) {
        if (row.length !== width) fail(`task ${t}: every member must have the same number of classes`);
        for (const c of row) if (!Number.isInteger(c) || c < 0 || c >= plan.datasetClasses) fail(`task ${t}: class ${c} is outside 0..${plan.datasetClasses - 1}`);
      }
      if (!Array.isArray(part.permutations) || part.permutations.length !== plan.members) fail(`task ${t}: permutations must have one entry per member`);
      if (part.rotation !== undefined && !Number.isFinite(part.rotation)) fail(`task ${t}: rotation must be a number of degrees`);
    }
  });
  return plan;
}
