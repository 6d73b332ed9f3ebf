// Class-pair scenarios (docs/architecture.md): every task is a binary problem between two classes, C_A (label 0)
// and C_B (label 1), and every member draws its own pairs, so that results average over how similar
// the paired classes happen to be. Without replacement a member's permutation of all classes is cut
// into consecutive pairs, so no class appears in two of its tasks and there are at most
// floor(classes / 2) tasks; with replacement each task draws a fresh pair, and classes recur.
import { ops, scope } from '../../tensor/index.js';
import { checkContext, MemberStreams, memberSeeds, type PlanContext, type ScenarioPlan } from './plan.js';

export interface ClassPairsOptions {
  tasks: number;
  /** Draw each task's pair afresh, allowing classes to recur (default false). */
  replacement?: boolean;
}

export function classPairsPlan(context: PlanContext, options: ClassPairsOptions): ScenarioPlan {
  checkContext(context, 'class_pairs');
  const { numClasses, members } = context;
  const { tasks } = options;
  const replacement = options.replacement ?? false;
  if (!Number.isInteger(tasks) || tasks < 1) throw new Error(`class_pairs: tasks must be a positive integer, got ${tasks}`);
  const maximum = Math.floor(numClasses / 2);
  if (!replacement && tasks > maximum) {
    throw new Error(
      `class_pairs: ${tasks} tasks need ${2 * tasks} distinct classes per member but ${context.dataset} has ${numClasses}; at most ${maximum} tasks without replacement (set replacement: true for more)`,
    );
  }
  const seeds = memberSeeds(context);
  const streams = new MemberStreams(seeds);
  // pairs[r][t] = [C_A, C_B] of member r in task t.
  const pairs = Array.from({ length: members }, (_, r) =>
    scope(() => {
      const generator = streams.member(r, 'class-pairs');
      if (!replacement) {
        const order = ops.randperm(numClasses, generator).slice(0, 0, 2 * tasks).reshape(tasks, 2).tolist();
        return order as number[][];
      }
      // One random ranking of the classes per task; its two first classes form the pair.
      const [, ranking] = ops.sort(ops.rand([tasks, numClasses], generator), 1);
      return ranking.slice(1, 0, 2).tolist() as number[][];
    }),
  );
  return {
    version: 1,
    scenario: 'class_pairs',
    dataset: context.dataset,
    datasetClasses: numClasses,
    members,
    seed: context.seed,
    memberSeeds: seeds,
    labels: 'task',
    outputs: 2,
    multiHead: false,
    tasks: Array.from({ length: tasks }, (_, t) => ({
      index: t,
      parts: [{ classes: pairs.map((memberPairs) => memberPairs[t]), labelOffset: 0, permutations: new Array<null>(members).fill(null) }],
    })),
    options: { tasks, replacement },
  };
}
