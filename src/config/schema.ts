// The experiment's runtime schema: top-level keys plus the seven config groups, and the type of a
// resolved config, inferred from them.
import { dataset } from './groups/dataset.js';
import { logging } from './groups/logging.js';
import { method } from './groups/method.js';
import { model } from './groups/model.js';
import { optimizer } from './groups/optimizer.js';
import { scenario } from './groups/scenario.js';
import { training } from './groups/training.js';
import type { GroupSpec, InferGroup } from './group.js';
import { choice, int, nullable, string, type Infer } from './spec.js';

export const topKeys = {
  seed: int({ min: 0, help: 'base seed; plans, initialisations and shuffles of every member derive from it' }),
  results_dir: string({ help: 'root directory of results; a run writes results_dir/{dataset}/{algorithm}/{date}_{time}[_{overrides}]/' }),
  algorithm: nullable(string({ segment: true, help: 'name of the algorithm directory; null = from the learning rule, replay, shrink-perturb and num_tasks' })),
  device: choice(['cpu', 'cuda'] as const, { help: 'where tensors live' }),
} as const;

/** The groups, in the order a config file and the help list them. */
export const groups = { model, dataset, scenario, optimizer, method, training, logging } as const;

export type GroupName = keyof typeof groups;
export const groupNames = Object.keys(groups) as GroupName[];

export function isGroupName(name: string): name is GroupName {
  return name in groups;
}

export function groupSpec(name: GroupName): GroupSpec {
  return groups[name] as GroupSpec;
}

export type ModelConfig = InferGroup<typeof model>;
export type DatasetConfig = InferGroup<typeof dataset>;
export type ScenarioConfig = InferGroup<typeof scenario>;
export type OptimizerConfig = InferGroup<typeof optimizer>;
export type MethodConfig = InferGroup<typeof method>;
export type TrainingConfig = InferGroup<typeof training>;
export type LoggingConfig = InferGroup<typeof logging>;

/** A resolved, validated experiment configuration, as saved in config.yaml. */
export type ExperimentConfig = Infer<typeof topKeys> & {
  model: ModelConfig;
  dataset: DatasetConfig;
  scenario: ScenarioConfig;
  optimizer: OptimizerConfig;
  method: MethodConfig;
  training: TrainingConfig;
  logging: LoggingConfig;
};
