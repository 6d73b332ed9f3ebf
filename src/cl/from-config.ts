// From a resolved config to a runnable experiment: dataset, scenario plan, task source and settings.
import { membersDrawOwnClasses, scenarioMakesData, type ExperimentConfig } from '../config/index.js';
import {
  computeNormalization,
  disposeDataset,
  loadDataset,
  normalize,
  planForMembers,
  planScenario,
  scaleToUnit,
  ScenarioData,
  SlowlyChangingRegression,
  type Balance,
  type Dataset,
  type ScenarioPlan,
  type ScenarioSpec,
} from '../data/index.js';
import { buildModel, type ModelConfig } from '../nn/models/registry.js';
import type { Model } from '../nn/models/model.js';
import { withDefaultDevice } from '../nn/module.js';
import { Adam, AdamW, RMSprop, SGD, type Optimizer } from '../optim/index.js';
import { checkDevice, Generator, scope, type Tensor } from '../tensor/index.js';
import { checkMemoryPlan, planMemory, planStreamMemory, type MemoryPlan } from './memory-plan.js';
import { memberShard } from './member-shard.js';
import { metricRegistry } from './metrics/registry.js';
import { buildMethods } from './methods/index.js';
import { ScenarioSource } from './scenario-source.js';
import type { ExperimentSettings, StoppingRule } from './settings.js';
import { RegressionStreamSource } from './stream-source.js';
import type { TaskSource } from './task-source.js';

/** What plan.json records of a stream that makes its own examples: its options and each member's seed. */
export interface StreamPlan {
  scenario: 'slowly_changing_regression';
  options: SlowlyChangingRegression['options'];
  binSize: number;
  memberSeeds: number[];
}

export interface PreparedExperiment {
  /** Null for a scenario that makes its own examples. */
  dataset: Dataset | null;
  plan: ScenarioPlan | StreamPlan;
  source: TaskSource;
  settings: ExperimentSettings;
  release(): void;
}

/** Config sections use snake_case (YAML, like Hydra); the builders take camelCase options. */
function camelCaseKeys<T>(section: object): T {
  return Object.fromEntries(Object.entries(section).map(([key, value]) => [key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()), value])) as T;
}

export function modelConfigOf(section: ExperimentConfig['model']): ModelConfig {
  return camelCaseKeys<ModelConfig>(section);
}

function scenarioSpec(config: ExperimentConfig, numClasses: number): ScenarioSpec {
  const scenario = config.scenario;
  switch (scenario.type) {
    case 'split': {
      const tasks = scenario.tasks;
      const limit = scenario.num_tasks ?? undefined;
      if (tasks) {
        const chosen = limit ? tasks.slice(0, limit) : tasks;
        return { kind: 'split', order: chosen.flat(), classesPerTask: chosen[0].length, mode: scenario.mode };
      }
      return {
        kind: 'split',
        classesPerTask: scenario.classes_per_task,
        tasks: limit,
        order: scenario.class_order === 'random' ? 'random' : undefined,
        perMember: scenario.class_order === 'random',
        mode: scenario.mode,
      };
    }
    case 'permuted':
      return { kind: 'permuted', tasks: scenario.num_tasks ?? 10, firstTaskIdentity: !scenario.permute_first, perMember: scenario.per_member_permutations ?? false };
    case 'rotated':
      return { kind: 'rotated', tasks: scenario.num_tasks ?? 5, angleStep: scenario.angle_step };
    case 'class_pairs':
      return { kind: 'class_pairs', tasks: scenario.num_tasks ?? Math.floor(numClasses / 2), replacement: scenario.with_replacement };
    case 'joint':
      return { kind: 'split', order: scenario.classes ?? Array.from({ length: numClasses }, (_, c) => c), classesPerTask: (scenario.classes ?? Array(numClasses)).length };
    case 'slowly_changing_regression':
      throw new Error('scenario=slowly_changing_regression makes its own examples; it has no plan over a dataset');
  }
}

/**
 * dataset.balance, with null resolved: the full splits where every member trains on the same
 * classes, equal class counts where members draw their own classes (their tasks must not differ in
 * size because one drew a frequent class) or where samples per class are set.
 */
export function balanceOf(config: ExperimentConfig): Balance {
  // Absent (a config written before the key) reads as null.
  if ((config.dataset.balance ?? null) !== null) return config.dataset.balance!;
  return membersDrawOwnClasses(config) || samplesPerClassSet(config) ? 'classes' : 'none';
}

/** scenario.train_samples_per_class or test_samples_per_class given: counts per class, so balance 'classes'. */
function samplesPerClassSet(config: ExperimentConfig): boolean {
  return (config.scenario.train_samples_per_class ?? null) !== null || (config.scenario.test_samples_per_class ?? null) !== null;
}

function stoppingRule(config: ExperimentConfig): StoppingRule {
  const training = config.training;
  if (training.mode === 'cloning') throw new Error("training.mode=cloning is run by 'plab clone', not 'plab run'");
  return training.stopping === 'accuracy'
    ? { kind: 'accuracy', threshold: training.target_accuracy, maxEpochs: training.max_epochs, by: training.stopping_by }
    : { kind: 'epochs', epochs: training.epochs_per_task };
}

export function buildOptimizer(config: ExperimentConfig['optimizer'], parameters: Tensor[]): Optimizer {
  switch (config.name) {
    case 'sgd':
      return new SGD(parameters, { lr: config.lr, momentum: config.momentum, dampening: config.dampening, nesterov: config.nesterov, weightDecay: config.weight_decay });
    case 'adam':
      return new Adam(parameters, { lr: config.lr, betas: config.betas as [number, number], eps: config.eps, amsgrad: config.amsgrad, weightDecay: config.weight_decay });
    case 'adamw':
      return new AdamW(parameters, { lr: config.lr, betas: config.betas as [number, number], eps: config.eps, amsgrad: config.amsgrad, weightDecay: config.weight_decay });
    case 'rmsprop':
      return new RMSprop(parameters, {
        lr: config.lr,
        alpha: config.alpha,
        eps: config.eps,
        momentum: config.momentum,
        centered: config.centered,
        weightDecay: config.weight_decay,
      });
  }
}

function loadConfiguredDataset(config: ExperimentConfig): Dataset {
  checkDevice(config.device);
  return loadDataset(config.dataset.format, camelCaseKeys({ ...config.dataset, root: config.dataset.root ?? undefined }));
}

/** The run's memory estimate (memory-plan.ts), from the config and its dataset; allocates nothing of R's size. */
export function estimateMemory(config: ExperimentConfig): MemoryPlan {
  if (scenarioMakesData(config)) return planStreamMemory(config);
  const dataset = loadConfiguredDataset(config);
  try {
    return planMemory(config, dataset, scenarioSpec(config, dataset.classes.length));
  } finally {
    disposeDataset(dataset);
  }
}

export function prepareExperiment(config: ExperimentConfig): PreparedExperiment {
  if (config.training.mode === 'cloning') throw new Error("training.mode=cloning is run by 'plab clone', not 'plab run'");
  return scenarioMakesData(config) ? prepareStream(config) : prepareDatasetScenario(config);
}

/** The slowly-changing regression: each member's stream from its seed, one task per bin, trained on the squared error. */
function prepareStream(config: ExperimentConfig): PreparedExperiment {
  const scenario = config.scenario;
  if (scenario.type !== 'slowly_changing_regression') throw new Error(`scenario=${scenario.type} reads a dataset`);
  checkDevice(config.device);
  if (process.env.PLAB_MEMORY_CHECK !== '0') checkMemoryPlan(planStreamMemory(config));
  const seeds = populationSeeds(config);
  const options = {
    inputs: scenario.inputs,
    flippingBits: scenario.flipping_bits,
    flipEvery: scenario.flip_every,
    targetHidden: scenario.target_hidden,
    beta: scenario.target_beta,
    examples: scenario.examples,
    threshold: scenario.target_threshold ?? 'paper',
  };
  const stream = new SlowlyChangingRegression(options, seeds);
  const source = new RegressionStreamSource(stream, scenario.bin_size, Math.max(1, config.logging.representation_samples), config.device);
  const plan: StreamPlan = { scenario: 'slowly_changing_regression', options, binSize: scenario.bin_size, memberSeeds: seeds };
  return { dataset: null, plan, source, settings: { ...experimentSettings(config, source, seeds), loss: 'mse' }, release: () => {} };
}

function prepareDatasetScenario(config: ExperimentConfig): PreparedExperiment {
  const { dataset: datasetConfig, logging } = config;
  // A member shard trains members [from, to) of the whole population, each with its global index (populationSeeds).
  const shard = memberShard(config);
  const dataset = loadConfiguredDataset(config);
  const numClasses = dataset.classes.length;
  const spec = scenarioSpec(config, numClasses);
  // Before anything of the population's size exists: a run that cannot fit stops here, named.
  if (process.env.PLAB_MEMORY_CHECK !== '0') {
    try {
      checkMemoryPlan(planMemory(config, dataset, spec));
    } catch (error) {
      disposeDataset(dataset);
      throw error;
    }
  }
  const plan = planScenario(spec, { dataset: datasetConfig.name, numClasses, members: shard.total, seed: config.seed });
  const shardPlan = planForMembers(plan, shard.from, shard.to);
  const normalization = datasetConfig.normalize
    ? datasetConfig.mean && datasetConfig.std
      ? { mean: datasetConfig.mean, std: datasetConfig.std }
      : scope(() => computeNormalization(scaleToUnit(dataset.trainImages)))
    : null;
  const transform = (images: Tensor) => (normalization ? normalize(scaleToUnit(images), normalization) : scaleToUnit(images));
  const data = new ScenarioData(dataset, shardPlan, {
    transform,
    device: config.device,
    balance: balanceOf(config),
    trainSamplesPerClass: config.scenario.train_samples_per_class ?? undefined,
    testSamplesPerClass: config.scenario.test_samples_per_class ?? undefined,
  });
  const source = new ScenarioSource(data, shardPlan, Math.max(1, logging.representation_samples));
  const settings = experimentSettings(config, source, populationSeeds(config));
  return {
    dataset,
    plan,
    source,
    settings,
    release: () => data.dispose(),
  };
}

/** The seeds of the members this process trains: a member shard's [from, to) keep their global indices. */
function populationSeeds(config: ExperimentConfig): number[] {
  const shard = memberShard(config);
  return Array.from({ length: shard.to - shard.from }, (_, member) => config.seed + shard.from + member);
}

/** The settings of the learner's run over `source`, member r seeded by seeds[r]. */
function experimentSettings(config: ExperimentConfig, source: TaskSource, seeds: number[]): ExperimentSettings {
  const { training, logging } = config;
  if (training.mode === 'cloning') throw new Error("training.mode=cloning is run by 'plab clone', not 'plab run'");
  return {
    members: seeds.length,
    seeds,
    seed: config.seed,
    batchSize: training.batch_size,
    stopping: stoppingRule(config),
    logFrequency: logging.log_frequency,
    snapshotWeights: logging.snapshots.includes('weights'),
    snapshotRepresentations: logging.snapshots.includes('representations'),
    plasticity: logging.measures.includes('plasticity'),
    // Absent keys (configs written before them) take the schema's defaults.
    probes: logging.measures.includes('probes') ? { fit: logging.probe_fit ?? 'train', c: logging.probe_c ?? 1, iterations: logging.probe_iterations ?? 100 } : null,
    trackTasks: logging.track_tasks,
    metrics: metricRegistry,
    expert: training.expert_baseline,
    joint: training.joint_baseline,
    nanPolicy: training.nan_policy,
    evalChunk: 4096,
    buildModel: (generators: Generator[]): Model => {
      const build = (from: Generator[]) => buildModel(modelConfigOf(config.model), { members: seeds.length, inputShape: source.inputShape, numClasses: source.numClasses, generators: from });
      if (config.device === 'cpu') return build(generators);
      // Members draw their initial weights from CPU generators, as on the CPU; the device's model takes a copy.
      const initial = build(generators);
      const model = withDefaultDevice(config.device, () => build(generators.map(() => new Generator(0))));
      model.loadStateDict(initial.stateDict());
      return model;
    },
    buildOptimizer: (model: Model) => buildOptimizer(config.optimizer, model.parameters()),
    buildMethods: () => buildMethods(config, { seeds }),
    buildBaselineMethods: (seeds: number[]) => buildMethods(config, { seeds, remedies: false }),
  };
}
