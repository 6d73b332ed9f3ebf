// summary.json: the accuracy matrix of every member and the continual-learning metrics, with the
// joint and expert figures, computed from the saved task directories (so a resumed run's summary
// covers the tasks trained before the interruption too).
import { taskLabel } from './task-label.js';
import { continualSummary, type ContinualSummary } from '../metrics/continual.js';
import { memberStat, type MemberStat } from '../metrics/stats.js';
import { memberHealth, type MemberHealth } from './member-health.js';
import type { LossName } from '../nn/loss.js';
import type { ResultsWriter } from './results-writer.js';

export interface RunSummary {
  tasks: number;
  members: number;
  /** What the members trained on; with 'mse' (a regression stream) there is no accuracy and the training loss is the figure. Absent in older summaries: cross_entropy. */
  loss?: LossName;
  /**
   * Each member's mean training loss over each task's steps, [R][T], and its mean ± std over members
   * on the first and the last task: for the slowly-changing regression, the squared error binned over
   * each bin of the stream (Dohare et al. 2021's figure). Null for runs written before it was recorded.
   */
  training_loss: { by_task: number[][]; first: MemberStat; last: MemberStat } | null;
  /** accuracy[r][i][j]: member r's accuracy on task j after training task i. */
  accuracy_matrix: number[][][];
  accuracy_matrix_mean: number[][];
  accuracy_matrix_std: number[][];
  accuracy_at_init: number[][];
  metrics: ContinualSummary;
  /**
   * Accuracy over the pooled test images of the tasks seen so far, after each task, per member
   * ([R][T]) and its mean and spread at the end: the 'val acc' of the Split-MNIST study, which on
   * the full splits weights each task by its test images.
   */
  seen_accuracy: { by_task: number[][]; final: MemberStat };
  /** Epochs each member trained on each task, [R][T]. */
  epochs: number[][];
  joint_accuracy: { per_task: number[][]; mean: MemberStat } | null;
  expert_accuracy: { per_task: number[][]; mean: MemberStat } | null;
  /**
   * Seed 001's findings, task by task (mean over members): the population sparsity of each hidden
   * layer, and a linear probe's accuracy on the seen classes next to the network's own.
   */
  analysis: {
    population_sparsity_by_task: Record<string, number[]>;
    probe_seen_accuracy_by_task: (number | null)[];
    network_seen_accuracy_by_task: (number | null)[];
    probe_unseen_accuracy_by_task: (number | null)[];
  };
  stopped_members: (string | null)[];
  /** Each member's state at the end: ok, stopped (non-finite loss) or collapsed, with the reason. */
  member_status: MemberHealth[];
  seconds: number;
  samples_per_second: number;
}

function meanStd(values: number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1)) : 0;
  return [mean, std];
}

/** Accuracy over the union of some tasks' test sets, from each task's accuracy and size. */
export function seenAccuracy(accuracies: number[], sizes: number[]): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  return accuracies.reduce((sum, accuracy, j) => sum + accuracy * sizes[j], 0) / total;
}

/** Each member's training loss on each task, [R][T], and its first and last; null where a task did not record it. */
function trainingLoss(metadata: { train_loss?: number[] | null }[], members: number): RunSummary['training_loss'] {
  if (!metadata.every((task) => Array.isArray(task.train_loss))) return null;
  const byTask = Array.from({ length: members }, (_, member) => metadata.map((task) => task.train_loss![member]));
  return { by_task: byTask, first: memberStat(byTask.map((row) => row[0])), last: memberStat(byTask.map((row) => row[row.length - 1])) };
}

export function summarize(writer: ResultsWriter, tasks: number, accuracyAtInit: number[][], joint: number[][] | null, loss: LossName = 'cross_entropy'): RunSummary {
  const metadata = Array.from({ length: tasks }, (_, task) => writer.readTaskMetadata(task));
  const members = metadata[0].accuracy_after.length;
  const matrix = Array.from({ length: members }, (_, member) => metadata.map((task) => task.accuracy_after[member]));
  const cell = (i: number, j: number) => meanStd(matrix.map((rows) => rows[i][j]));
  const grid = (pick: 0 | 1) => Array.from({ length: tasks }, (_, i) => Array.from({ length: tasks }, (_, j) => cell(i, j)[pick]));
  const expertRows = metadata.every((task) => task.expert_accuracy) ? Array.from({ length: members }, (_, member) => metadata.map((task) => task.expert_accuracy![member])) : null;
  const mean = (rows: number[][]) => memberStat(rows.map((row) => row.reduce((a, b) => a + b, 0) / row.length));
  const seconds = metadata.reduce((total, task) => total + task.seconds, 0);
  const samples = metadata.reduce((total, task) => total + task.samples_per_second * task.seconds, 0);
  const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const averageOrNull = (values: number[] | null) => (values ? average(values) : null);
  const sparsity: Record<string, number[]> = {};
  for (const layer of Object.keys(metadata[0].population_sparsity)) sparsity[layer] = metadata.map((task) => average(task.population_sparsity[layer]));
  const seenRows = matrix.map((rows) => rows.map((row, i) => seenAccuracy(row.slice(0, i + 1), metadata.slice(0, i + 1).map((task) => task.test_samples))));
  return {
    tasks,
    members,
    loss,
    training_loss: trainingLoss(metadata, members),
    accuracy_matrix: matrix,
    accuracy_matrix_mean: grid(0),
    accuracy_matrix_std: grid(1),
    accuracy_at_init: accuracyAtInit,
    metrics: continualSummary(matrix, { initial: accuracyAtInit, ...(joint ? { joint } : {}) }),
    seen_accuracy: { by_task: seenRows, final: memberStat(seenRows.map((row) => row[tasks - 1])) },
    epochs: Array.from({ length: members }, (_, member) => metadata.map((task) => task.epochs[member])),
    joint_accuracy: joint ? { per_task: joint, mean: mean(joint) } : null,
    expert_accuracy: expertRows ? { per_task: expertRows, mean: mean(expertRows) } : null,
    analysis: {
      population_sparsity_by_task: sparsity,
      probe_seen_accuracy_by_task: metadata.map((task) => averageOrNull(task.probe_seen_accuracy)),
      network_seen_accuracy_by_task: metadata.map((task) => averageOrNull(task.network_seen_accuracy)),
      probe_unseen_accuracy_by_task: metadata.map((task) => averageOrNull(task.probe_unseen_accuracy)),
    },
    stopped_members: metadata[tasks - 1].stopped_members,
    member_status: memberHealth(metadata[tasks - 1]),
    seconds,
    samples_per_second: samples / seconds,
  };
}

function fmt(mean: number, std: number): string {
  return `${mean.toFixed(3)} ± ${std.toFixed(3)}`;
}

/** A line for each member whose status is not ok, with the reason. */
function unwellMembers(summary: RunSummary): string[] {
  return summary.member_status.flatMap((health, member) => (health.status === 'ok' ? [] : [`  member ${member}: ${health.status.toUpperCase()}, ${health.reason}`]));
}

/** The table printed at the end of a run; `taskClasses` ([task][member][k]) labels the tasks. */
export function formatSummary(summary: RunSummary, taskClasses?: readonly (readonly (readonly number[])[])[]): string {
  if (summary.loss === 'mse') return formatRegressionSummary(summary);
  const lines: string[] = [];
  const T = summary.tasks;
  lines.push(`Accuracy matrix (row: after training task i; column: task j), mean ± std over ${summary.members} members`);
  const labels = Array.from({ length: T }, (_, j) => taskLabel(j, taskClasses?.[j]));
  const first = Math.max(8, ...labels.map((l) => l.length + 2));
  const width = Math.max(17, ...labels.map((l) => l.length + 2));
  lines.push(`${'after'.padEnd(first)}${labels.map((l) => l.padEnd(width)).join('')}`);
  for (let i = 0; i < T; i += 1) {
    lines.push(`${labels[i].padEnd(first)}${Array.from({ length: T }, (_, j) => fmt(summary.accuracy_matrix_mean[i][j], summary.accuracy_matrix_std[i][j]).padEnd(width)).join('')}`);
  }
  const stat = (name: string, value: MemberStat | undefined) => value && lines.push(`${name.padEnd(28)}${fmt(value.mean, value.std)}`);
  lines.push('');
  stat('ACC (average accuracy)', summary.metrics.average_accuracy);
  stat('seen-class accuracy', summary.seen_accuracy.final);
  stat('BWT (backward transfer)', summary.metrics.bwt);
  stat('FWT (forward transfer)', summary.metrics.fwt);
  stat('forgetting (Chaudhry)', summary.metrics.forgetting);
  stat('intransigence (vs joint)', summary.metrics.intransigence);
  stat('joint baseline accuracy', summary.joint_accuracy?.mean);
  stat('expert accuracy (per task)', summary.expert_accuracy?.mean);
  if (summary.expert_accuracy) {
    const perTask = Array.from({ length: T }, (_, t) => meanStd(summary.expert_accuracy!.per_task.map((row) => row[t]))[0].toFixed(3));
    lines.push(`${'expert by task'.padEnd(28)}${perTask.join('  ')}`);
  }
  const perTask = (values: (number | null)[]) => values.map((value) => (value === null ? '  -  ' : value.toFixed(3))).join('  ');
  lines.push('', 'By task (after training it), mean over members:');
  for (const [layer, values] of Object.entries(summary.analysis.population_sparsity_by_task)) lines.push(`${`sparsity ${layer}`.padEnd(28)}${perTask(values)}`);
  if (summary.epochs.some((row) => row.some((epochs, t) => epochs !== summary.epochs[0][t]))) {
    summary.epochs.forEach((row, member) => lines.push(`${`epochs, member ${member}`.padEnd(28)}${row.join('  ')}`));
  }
  lines.push(`${'probe accuracy, seen'.padEnd(28)}${perTask(summary.analysis.probe_seen_accuracy_by_task)}`);
  lines.push(`${'network accuracy, seen'.padEnd(28)}${perTask(summary.analysis.network_seen_accuracy_by_task)}`);
  lines.push(`${'probe accuracy, unseen'.padEnd(28)}${perTask(summary.analysis.probe_unseen_accuracy_by_task)}`);
  const unwell = unwellMembers(summary);
  if (unwell.length) lines.push('', `members not ok (${unwell.length} of ${summary.members}; their figures are in the means above):`, ...unwell);
  return lines.join('\n');
}

/**
 * A regression stream's table: the squared error binned per task (each task one bin), first and
 * last bins and the lowest and highest bins of the members' mean curve, mean ± std over members.
 */
function formatRegressionSummary(summary: RunSummary): string {
  const lines = [`Squared error per bin of the stream (the training loss of each task, before each update), mean ± std over ${summary.members} members`];
  const loss = summary.training_loss;
  if (!loss) return [...lines, 'not recorded'].join('\n');
  const T = summary.tasks;
  const bin = (t: number) => meanStd(loss.by_task.map((row) => row[t]));
  const means = Array.from({ length: T }, (_, t) => bin(t)[0]);
  const lowest = means.indexOf(Math.min(...means));
  const highest = means.indexOf(Math.max(...means));
  const row = (name: string, t: number) => lines.push(`${name.padEnd(28)}${fmt(...bin(t))}`);
  row('bin 1', 0);
  row(`lowest, bin ${lowest + 1}`, lowest);
  row(`highest, bin ${highest + 1}`, highest);
  row(`bin ${T} (last)`, T - 1);
  const unwell = unwellMembers(summary);
  if (unwell.length) lines.push('', `members not ok (${unwell.length} of ${summary.members}):`, ...unwell);
  return lines.join('\n');
}
