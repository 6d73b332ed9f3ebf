// Which dataset classes a task holds, for each member. Members may train on different class pairs
// (class pairs draw a permutation per member), and binary labels {0, 1} only become class names
// through this mapping. The task's metadata.json is read first, then plan.json.
import { MissingData, type RunReader } from './run-data.js';

const KEYS = ['classes', 'task_classes', 'class_pairs'];

function isNumberList(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number');
}

/** A list of classes (shared by all members) or a list per member, spread to `members` entries. */
function perMember(value: unknown, members: number): number[][] | undefined {
  if (isNumberList(value)) return Array.from({ length: members }, () => value);
  if (Array.isArray(value) && value.length === members && value.every(isNumberList)) return value as number[][];
  return undefined;
}

function fromObject(object: unknown, members: number): number[][] | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  for (const key of KEYS) {
    const found = perMember((object as Record<string, unknown>)[key], members);
    if (found) return found;
  }
  return undefined;
}

function fromPlan(plan: unknown, task: number, members: number): number[][] | undefined {
  if (typeof plan !== 'object' || plan === null) return undefined;
  const record = plan as Record<string, unknown>;
  // { tasks: [{ classes: ... }, ...] }
  if (Array.isArray(record.tasks)) {
    const found = fromObject(record.tasks[task], members);
    if (found) return found;
  }
  for (const key of KEYS) {
    const table = record[key];
    if (!Array.isArray(table)) continue;
    // [task][member][k] or [task][k]
    const byTask = perMember(table[task], members);
    if (byTask && table.length > task) return byTask;
    // [member][task][k]
    if (table.length === members && table.every((row) => Array.isArray(row) && isNumberList(row[task]))) {
      return table.map((row) => (row as number[][])[task]);
    }
  }
  return undefined;
}

/** The classes of `task` for each of `members` members, or undefined when no file says. */
export function taskClasses(run: RunReader, task: number, members: number): number[][] | undefined {
  for (const read of [() => fromObject(run.json(run.taskFile(task, 'metadata.json')), members), () => fromPlan(run.json('plan.json'), task, members)]) {
    try {
      const found = read();
      if (found) return found;
    } catch (error) {
      if (!(error instanceof MissingData)) throw error;
    }
  }
  return undefined;
}
