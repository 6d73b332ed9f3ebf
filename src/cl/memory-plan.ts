// The memory a run will need, estimated before it allocates anything of the population's size, so
// that a run which cannot fit is refused with the figures and the keys that lower them instead of
// failing in the allocator (or swapping) hours in. Every part scales with R and is computed from
// the config and the dataset's shape; the one measured part is the activations of a training step,
// taken from the allocator's peak while a one-member copy of the model runs a small batch.
import { readFileSync } from 'node:fs';
import type { ExperimentConfig } from '../config/index.js';
import { planScenario, ScenarioData, type Dataset, type ScenarioSpec } from '../data/index.js';
import { buildModel } from '../nn/models/registry.js';
import { inMode } from '../nn/mode.js';
import { cpuMemory, Generator, noGrad, ops, resetCpuMemoryPeak, scope } from '../tensor/index.js';
import { modelConfigOf } from './from-config.js';

export interface MemoryPart {
  what: string;
  bytes: number;
  /** Config keys that make this part smaller. */
  lowers: string[];
}

export interface MemoryPlan {
  /** What the process holds already: Node, libtorch and the loaded dataset (resident now). */
  processBytes: number;
  parts: MemoryPart[];
  /** processBytes plus every part. */
  peakBytes: number;
  /** What the system can still give this process (MemAvailable, or a cgroup's limit if lower). */
  availableBytes: number | null;
}

const FLOAT = 4;
const LONG = 8;

/** Optimizer state per parameter element, in parameter-sized buffers. */
function optimizerBuffers(optimizer: ExperimentConfig['optimizer']): number {
  switch (optimizer.name) {
    case 'sgd':
      return optimizer.momentum > 0 ? 1 : 0;
    case 'adam':
    case 'adamw':
      return optimizer.amsgrad ? 3 : 2;
    case 'rmsprop':
      return 1 + (optimizer.momentum > 0 ? 1 : 0) + (optimizer.centered ? 1 : 0);
  }
}

/**
 * Bytes the allocator's peak rose by while a one-member model ran `samples` samples forward (and
 * backward when training), per sample, without the parameter gradients (counted apart).
 */
function measuredActivations(config: ExperimentConfig, inputShape: number[], numClasses: number, samples: number): { train: number; evaluate: number; parameters: number; lastHidden: number } {
  const model = buildModel(modelConfigOf(config.model), { members: 1, inputShape, numClasses, generators: [new Generator(config.seed)] });
  try {
    const parameters = model.parameters().reduce((n, p) => n + p.numel, 0);
    const measure = (body: () => number) => {
      const before = cpuMemory().inUse;
      resetCpuMemoryPeak();
      const lastHidden = scope(body);
      return { bytes: Math.max(0, cpuMemory().peak - before), lastHidden };
    };
    // Evaluation mode: dropout would draw from the run's default generator and change its results.
    const train = inMode(model, false, () =>
      measure(() => {
        const input = ops.zeros([samples, ...inputShape]);
        const { logits, hidden } = model.run(input);
        logits.square().sum().backward();
        return hidden.length > 0 ? hidden[hidden.length - 1][1].shape[2] : 0;
      }),
    );
    const evaluate = inMode(model, false, () => measure(() => noGrad(() => (model.run(ops.zeros([samples, ...inputShape])).logits, 0))));
    return { train: Math.max(0, train.bytes - parameters * FLOAT) / samples, evaluate: evaluate.bytes / samples, parameters, lastHidden: train.lastHidden };
  } finally {
    for (const p of model.parameters()) p.dispose();
  }
}

/** MemAvailable of /proc/meminfo, lowered to a cgroup v2 or v1 limit's headroom; null where neither is readable. */
export function availableMemory(): number | null {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return null;
    }
  };
  const meminfo = read('/proc/meminfo')?.match(/^MemAvailable:\s+(\d+) kB/m);
  let available = meminfo ? Number(meminfo[1]) * 1024 : null;
  for (const [limitPath, usagePath] of [
    ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory.current'],
    ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory/memory.usage_in_bytes'],
  ]) {
    const [limit, usage] = [read(limitPath), read(usagePath)].map((text) => (text === null || text === '' ? NaN : Number(text)));
    // cgroup v2 writes no limit as 'max' (NaN here), v1 as a huge number near 2^63.
    if (Number.isFinite(limit) && Number.isFinite(usage) && limit < 2 ** 60) available = Math.min(available ?? Infinity, Math.max(0, limit - usage));
  }
  return available;
}

/** The run's memory, part by part, for `config` over `dataset`, whose scenario is planned by `spec`. */
export function planMemory(config: ExperimentConfig, dataset: Dataset, spec: ScenarioSpec): MemoryPlan {
  const { training, logging } = config;
  if (training.mode === 'cloning') throw new Error("planMemory: training.mode=cloning is planned by 'plab clone'");
  const R = training.members;
  // The plan of one member gives every size that does not depend on R.
  const plan = planScenario(spec, { dataset: config.dataset.name, numClasses: dataset.classes.length, members: 1, seed: config.seed });
  const data = new ScenarioData(dataset, plan);
  const tasks = plan.tasks.length;
  const trainSizes = Array.from({ length: data.stages }, (_, stage) => data.trainSize(stage));
  const testSamples = Array.from({ length: tasks }, (_, task) => data.testSize(task)).reduce((a, b) => a + b, 0);
  const inputShape = [dataset.channels, dataset.height, dataset.width];
  const sample = inputShape.reduce((a, b) => a * b, 1) * FLOAT + LONG;
  const batch = training.batch_size;
  const probe = measuredActivations(config, inputShape, plan.outputs, Math.min(batch, 16));
  const populations = training.expert_baseline ? 2 : 1;
  const epochs = training.stopping === 'accuracy' ? training.max_epochs : training.epochs_per_task;
  const largestTask = Math.max(...trainSizes);
  const pointsPerTask = Math.ceil((epochs * Math.ceil(largestTask / batch)) / logging.log_frequency) + 1;
  const perPoint =
    (logging.snapshots.includes('weights') ? probe.parameters * FLOAT : 0) +
    (logging.snapshots.includes('representations') ? tasks * Math.max(1, logging.representation_samples) * probe.lastHidden * FLOAT : 0) +
    tasks * 4 * LONG;
  const members = 'training.members';
  const parts: MemoryPart[] = [
    {
      what: `parameters, gradients and ${config.optimizer.name} state${populations > 1 ? ', twice (the expert baseline trains its own population)' : ''}`,
      bytes: R * populations * probe.parameters * FLOAT * (2 + optimizerBuffers(config.optimizer)),
      lowers: [members, 'model.hidden', ...(populations > 1 ? ['training.expert_baseline=false'] : [])],
    },
    {
      // Each epoch after the first reorders the task into a new tensor beside the canonical one.
      what: `training data of the largest task (${largestTask} samples per member, twice: canonical and shuffled)`,
      bytes: R * largestTask * sample * 2,
      lowers: [members],
    },
    { what: `test sets of all ${tasks} tasks (${testSamples} samples per member), kept for the run`, bytes: R * testSamples * sample, lowers: [members, 'scenario.num_tasks'] },
    {
      what: `activations of a training step (batch ${batch}, ${Math.round(probe.train)} bytes per sample and member, measured) or of an evaluation chunk (4096 samples)`,
      bytes: R * Math.max(batch * probe.train, Math.min(4096, testSamples) * probe.evaluate),
      lowers: ['training.batch_size', members],
    },
    {
      what: `arrays logged during a task (${pointsPerTask} log points)`,
      bytes: R * perPoint * pointsPerTask,
      lowers: ['logging.snapshots=[]', 'logging.log_frequency', 'logging.representation_samples', members],
    },
  ];
  if (training.joint_baseline) {
    const total = trainSizes.reduce((a, b) => a + b, 0);
    parts.push({ what: `joint baseline training data (all ${total} samples per member)`, bytes: R * total * sample * 2, lowers: ['training.joint_baseline=false', members] });
  }
  const processBytes = process.memoryUsage().rss;
  // The joint baseline runs after the tasks, whose training data it replaces.
  const taskData = parts[1].bytes;
  const joint = training.joint_baseline ? parts[parts.length - 1].bytes : 0;
  const peakBytes = processBytes + parts.reduce((n, part) => n + part.bytes, 0) - Math.min(taskData, joint);
  return { processBytes, parts, peakBytes, availableBytes: availableMemory() };
}

/**
 * The memory of a run on the slowly-changing regression stream: no dataset; one bin of the stream
 * per member at a time, and each tracked bin's snapshot examples kept for the run.
 */
export function planStreamMemory(config: ExperimentConfig): MemoryPlan {
  const { training, logging, scenario } = config;
  if (training.mode === 'cloning' || scenario.type !== 'slowly_changing_regression') throw new Error('planStreamMemory: a continual run on the slowly-changing regression stream');
  const R = training.members;
  const sample = (scenario.inputs + 1) * FLOAT;
  const bins = scenario.examples / scenario.bin_size;
  const probe = measuredActivations(config, [scenario.inputs], 1, Math.min(training.batch_size, 16));
  const snapshots = bins * Math.min(scenario.bin_size, Math.max(1, logging.representation_samples));
  const members = 'training.members';
  const parts: MemoryPart[] = [
    { what: `parameters, gradients and ${config.optimizer.name} state`, bytes: R * probe.parameters * FLOAT * (2 + optimizerBuffers(config.optimizer)), lowers: [members, 'model.hidden'] },
    { what: `one bin of the stream (${scenario.bin_size} examples per member)`, bytes: R * scenario.bin_size * sample, lowers: ['scenario.bin_size', members] },
    { what: `the snapshot examples of all ${bins} bins (${snapshots} per member), kept for the run`, bytes: R * snapshots * sample, lowers: ['logging.representation_samples', members] },
    { what: `activations of a training step (batch ${training.batch_size}, measured)`, bytes: R * training.batch_size * probe.train, lowers: ['training.batch_size', members] },
  ];
  const processBytes = process.memoryUsage().rss;
  return { processBytes, parts, peakBytes: processBytes + parts.reduce((n, part) => n + part.bytes, 0), availableBytes: availableMemory() };
}

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === units.length - 1 && value >= 1024 ? `${bytes.toExponential(2)} B` : `${value.toFixed(value < 10 && unit > 0 ? 2 : 0)} ${units[unit]}`;
}

/** The estimate as lines: the peak, each part with what lowers it, the memory available. */
export function formatMemoryPlan(plan: MemoryPlan): string {
  const lines = [`estimated peak memory ${formatBytes(plan.peakBytes)}:`, `  ${formatBytes(plan.processBytes).padStart(10)}  the process now (Node, libtorch, the dataset)`];
  for (const part of plan.parts) lines.push(`  ${formatBytes(part.bytes).padStart(10)}  ${part.what}; lowered by ${part.lowers.join(', ')}`);
  lines.push(plan.availableBytes === null ? '  available memory unknown (no /proc/meminfo)' : `available: ${formatBytes(plan.availableBytes)}`);
  return lines.join('\n');
}

/** Throws, with the estimate, when the run cannot fit in the memory available. */
export function checkMemoryPlan(plan: MemoryPlan): void {
  if (plan.availableBytes === null || plan.peakBytes - plan.processBytes <= plan.availableBytes) return;
  const largest = [...plan.parts].sort((a, b) => b.bytes - a.bytes)[0];
  throw new Error(
    `this run needs about ${formatBytes(plan.peakBytes)} and ${formatBytes(plan.availableBytes)} is available; ` +
      `the largest part is ${largest.what}: lower ${largest.lowers.join(', ')}\n${formatMemoryPlan(plan)}\n` +
      `(PLAB_MEMORY_CHECK=0 runs it anyway)`,
  );
}
