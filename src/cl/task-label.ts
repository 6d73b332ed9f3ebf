// How a person reads a task, everywhere one is shown (progress, the printed table, figures,
// TensorBoard): counted from 1, with its classes when every member trains on the same ones
// ('task 1 [1, 2]'). Files keep 0-based indices (task_000, array axes); docs/results.md says so.

/** `classes` is the task's class list per member; omitted when they differ, are unknown or empty (a regression stream's bins). */
export function taskLabel(task: number, classes?: readonly (readonly number[])[]): string {
  const label = `task ${task + 1}`;
  if (!classes || classes.length === 0 || classes[0].length === 0) return label;
  const first = classes[0].join(', ');
  return classes.every((c) => c.join(', ') === first) ? `${label} [${first}]` : label;
}

/** A TensorBoard tag segment for a task: 1-based like the label, no spaces or brackets. */
export function taskTag(task: number): string {
  return `task_${task + 1}`;
}
