// `plab sweep collect` for member shards: the run folders of a population's shards (src/cl/member-shard.ts)
// merged into one run folder, as if all members had trained in one process. Arrays are (L, R, ...)
// with the member axis second (docs/architecture.md), so a shard's arrays are concatenated along it;
// arrays without one (the log points' steps) must be the same in every shard. The per-member entries
// of each task's metadata.json are concatenated the same way and summary.json is computed again.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configToYaml, parseConfigYaml } from '../config/index.js';
import { PER_MEMBER_METADATA, ResultsWriter, type TaskMetadata } from '../cl/results-writer.js';
import { summarize, type RunSummary } from '../cl/summary.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { nullToNaN } from '../io/json-nan.js';
import { decodeNpy, encodeNpy, ndarray, type NdArray, type NdData } from '../io/npy.js';
import { encodeNpz, readNpz } from '../io/npz.js';
import { completedTasks, readJointAccuracy, runPaths, writeJointAccuracy, writeSummary, writeTask } from '../io/results.js';

interface Shard {
  dir: string;
  members: number;
}

/** One array of the population from its shards' parts; `what` names it in errors. */
function mergeArray(parts: NdArray[], shards: readonly Shard[], what: string): NdArray {
  const first = parts[0];
  const perMember = parts.every((part, index) => part.shape.length >= 2 && part.shape[1] === shards[index].members && part.dtype === first.dtype);
  if (!perMember) {
    parts.forEach((part, index) => {
      const same = part.dtype === first.dtype && part.shape.join() === first.shape.join() && Buffer.from(part.data.buffer, part.data.byteOffset, part.data.byteLength).equals(Buffer.from(first.data.buffer, first.data.byteOffset, first.data.byteLength));
      if (!same) throw new Error(`${what}: has no member axis, yet ${shards[index].dir} holds other values than ${shards[0].dir}; were the shards run with one config?`);
    });
    return first;
  }
  const [points, , ...rest] = first.shape;
  if (parts.some((part) => part.shape[0] !== points || part.shape.slice(2).join() !== rest.join())) throw new Error(`${what}: the shards' arrays differ in shape beyond the member axis`);
  const inner = rest.reduce((a, b) => a * b, 1);
  const total = shards.reduce((sum, shard) => sum + shard.members, 0);
  const data = new (first.data.constructor as new (length: number) => NdData)(points * total * inner);
  let offset = 0;
  for (let point = 0; point < points; point += 1) {
    parts.forEach((part, index) => {
      const block = shards[index].members * inner;
      data.set(part.data.subarray(point * block, (point + 1) * block) as never, offset);
      offset += block;
    });
  }
  return ndarray(first.dtype, [points, total, ...rest], data);
}

function mergeMetadata(parts: TaskMetadata[]): TaskMetadata {
  const merged: TaskMetadata = { ...parts[0] };
  for (const key of PER_MEMBER_METADATA) {
    const values = parts.map((part) => part[key]);
    (merged as unknown as Record<string, unknown>)[key] = values.every((value) => value === null || value === undefined) ? null : values.flatMap((value) => value as unknown[]);
  }
  merged.population_sparsity = Object.fromEntries(Object.keys(parts[0].population_sparsity).map((layer) => [layer, parts.flatMap((part) => part.population_sparsity[layer])]));
  // The shards ran side by side: the task took as long as the slowest, at the sum of their rates.
  merged.seconds = Math.max(...parts.map((part) => part.seconds));
  merged.samples_per_second = parts.reduce((sum, part) => sum + part.samples_per_second, 0);
  return merged;
}

/** Merges the finished shard run folders `shardDirs` (in member order) into the run folder `runDir`. */
export function mergeShards(shardDirs: readonly string[], runDir: string): void {
  const unfinished = shardDirs.filter((dir) => !existsSync(runPaths(dir).summary));
  if (unfinished.length) throw new Error(`member shards not finished (no summary.json): ${unfinished.join(', ')}; wait for them, or requeue them`);
  const summaries = shardDirs.map((dir) => JSON.parse(readFileSync(runPaths(dir).summary, 'utf8')) as Pick<RunSummary, 'members' | 'accuracy_at_init' | 'loss'>);
  const shards: Shard[] = shardDirs.map((dir, index) => ({ dir, members: summaries[index].members }));
  const tasks = completedTasks(shardDirs[0]);
  const plan = readFileSync(join(shardDirs[0], 'plan.json'));
  for (const dir of shardDirs) {
    if (completedTasks(dir).join() !== tasks.join()) throw new Error(`${dir} finished other tasks than ${shardDirs[0]}`);
    if (!readFileSync(join(dir, 'plan.json')).equals(plan)) throw new Error(`${dir}/plan.json differs from ${shardDirs[0]}'s; the shards of one population share its plan`);
  }
  const config = parseConfigYaml(readFileSync(join(shardDirs[0], 'config.yaml'), 'utf8'), join(shardDirs[0], 'config.yaml'));
  config.launcher.shard = null;
  writeFileAtomic(join(runDir, 'config.yaml'), configToYaml(config));
  writeFileAtomic(join(runDir, 'plan.json'), plan);
  for (const task of tasks) {
    const files: Record<string, Uint8Array> = {};
    const taskDir = (dir: string) => runPaths(dir).task(task);
    for (const name of readdirSync(taskDir(shardDirs[0])).sort()) {
      const what = (key?: string) => `${join(taskDir(runDir), name)}${key ? ` '${key}'` : ''}`;
      if (name.endsWith('.npz')) {
        const parts = shardDirs.map((dir) => readNpz(join(taskDir(dir), name)));
        files[name] = encodeNpz(new Map([...parts[0].keys()].map((key) => [key, mergeArray(parts.map((part) => part.get(key)!), shards, what(key))])));
      } else if (name.endsWith('.npy')) {
        const parts = shardDirs.map((dir) => decodeNpy(readFileSync(join(taskDir(dir), name)), join(taskDir(dir), name)));
        files[name] = encodeNpy(mergeArray(parts, shards, what()));
      }
    }
    writeTask(runDir, task, files, mergeMetadata(shardDirs.map((dir) => new ResultsWriter(dir).readTaskMetadata(task))));
  }
  const joints = shardDirs.map(readJointAccuracy);
  const joint = joints.every((accuracy) => accuracy !== null) ? joints.flat() : null;
  if (joint) writeJointAccuracy(runDir, joint);
  // NaN accuracies (a regression's) are null in the shards' summaries.
  const accuracyAtInit = nullToNaN(summaries.flatMap((summary) => summary.accuracy_at_init)) as number[][];
  writeSummary(runDir, summarize(new ResultsWriter(runDir), tasks.length, accuracyAtInit, joint, summaries[0].loss));
  writeJsonAtomic(join(runDir, 'shards.json'), { shards: shardDirs });
}
