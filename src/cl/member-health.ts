// Each member's state at the end of a run, so that a member which stopped learning is named rather
// than averaged into the population's figures: stopped (its loss turned NaN or infinite and
// training.nan_policy=member let the others go on), collapsed (a hidden layer whose every unit is
// dead, or accuracy at chance on the task it has just trained), or ok.
import type { LogBuffer } from './log-buffer.js';

export type MemberHealth = { status: 'ok'; reason: null } | { status: 'stopped' | 'collapsed'; reason: string };

/** Accuracy on the task just trained below 1/k + this margin (k classes in the task) is chance. */
const CHANCE_MARGIN = 0.05;

/**
 * Per member, the hidden layers whose dead_fraction was 1 at the task's last log point (no unit
 * active on any sample); empty lists when the plasticity metrics were not logged.
 */
export function deadLayers(log: LogBuffer, members: number): string[][] {
  const dead: string[][] = Array.from({ length: members }, () => []);
  for (const name of log.names()) {
    if (!name.startsWith('dead_fraction/')) continue;
    const last = log.last(name)!;
    for (let member = 0; member < members; member += 1) if (last[member] === 1) dead[member].push(name.slice('dead_fraction/'.length));
  }
  return dead;
}

export interface FinalTask {
  task: number;
  /** classes[member]: the classes of the task for that member. */
  classes: number[][];
  /** accuracy_after[member][j]: accuracy on task j after training this one. */
  accuracy_after: number[][];
  stopped_members: (string | null)[];
  /** Absent in runs written before member health was recorded. */
  dead_layers?: string[][];
}

/** The health of every member from the metadata of the run's last task. */
export function memberHealth(last: FinalTask): MemberHealth[] {
  return last.stopped_members.map((stopped, member): MemberHealth => {
    if (stopped) return { status: 'stopped', reason: stopped };
    const dead = last.dead_layers?.[member] ?? [];
    if (dead.length > 0) return { status: 'collapsed', reason: `every unit of ${dead.join(', ')} dead` };
    // A regression stream has no classes and no accuracy (NaN, null in JSON): no chance to fall to.
    if (last.classes[member].length === 0) return { status: 'ok', reason: null };
    const chance = 1 / last.classes[member].length;
    const accuracy = last.accuracy_after[member][last.task];
    if (accuracy < chance + CHANCE_MARGIN) {
      return { status: 'collapsed', reason: `accuracy ${accuracy.toFixed(3)} on task ${last.task + 1}, just trained, is at chance (${chance.toFixed(3)})` };
    }
    return { status: 'ok', reason: null };
  });
}
