// From a resolved config to a runnable experiment: dataset, scenario plan, task source and settings.
import type { ExperimentConfig } from '../config/index.js';
import {
  computeNormalization,
  loadDataset,
  normalize,
  planScenario,
  scaleToUnit,
  ScenarioData,
  type Dataset,
  type ScenarioPlan,
  type ScenarioSpec,
} from '../data/index.js';
import { buildModel, type ModelConfig } from '../nn/models/registry.js';
import type { Model } from '../nn/models/model.js';
import { Adam, AdamW, RMSprop, SGD, type Optimizer } from '../optim/index.js';
import { checkDevice, Generator, scope, type Tensor } from '../tensor/index.js';
import { metricRegistry } from './metrics/registry.js';
import { buildMethods } from './methods/index.js';
import { ScenarioSource } from './scenario-source.js';
import type { ExperimentSettings, StoppingRule } from './settings.js';

export interface PreparedExperiment {
  dataset: Dataset;
  plan: ScenarioPlan;
  source: ScenarioSource;
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
      return { kind: 'permuted', tasks: scenario.num_tasks ?? 10, firstTaskIdentity: !scenario.permute_first };
    case 'rotated':
      return { kind: 'rotated', tasks: scenario.num_tasks ?? 5, angleStep: scenario.angle_step };
    case 'class_pairs':
      return { kind: 'class_pairs', tasks: scenario.num_tasks ?? Math.floor(numClasses / 2), replacement: scenario.with_replacement };
    case 'joint':
      return { kind: 'split', order: scenario.classes ?? Array.from({ length: numClasses }, (_, c) => c), classesPerTask: (scenario.classes ?? Array(numClasses)).length };
  }
}

function stoppingRule(config: ExperimentConfig): StoppingRule {
  const training = config.training;
  if (training.mode === 'cloning') throw new Error("training.mode=cloning is run by 'plab clone', not 'plab run'");
  return training.stopping === 'accuracy'
    ? { kind: 'accuracy', threshold: training.target_accuracy, maxEpochs: training.max_epochs }
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

export function prepareExperiment(config: ExperimentConfig): PreparedExperiment {
  const { dataset: datasetConfig, training, logging } = config;
  if (training.mode === 'cloning') throw new Error("training.mode=cloning is run by 'plab clone', not 'plab run'");
  const members = training.members;
  checkDevice(config.device);
  const dataset = loadDataset(datasetConfig.format, camelCaseKeys({ ...datasetConfig, root: datasetConfig.root ?? undefined }));
  const numClasses = dataset.classes.length;
  const plan = planScenario(scenarioSpec(config, numClasses), { dataset: datasetConfig.name, numClasses, members, seed: config.seed });
  const normalization = datasetConfig.normalize
    ? datasetConfig.mean && datasetConfig.std
      ? { mean: datasetConfig.mean, std: datasetConfig.std }
      : scope(() => computeNormalization(scaleToUnit(dataset.trainImages)))
    : null;
  const transform = (images: Tensor) => (normalization ? normalize(scaleToUnit(images), normalization) : scaleToUnit(images));
  const data = new ScenarioData(dataset, plan, {
    transform,
    device: config.device,
    trainSamplesPerClass: config.scenario.train_samples_per_class ?? undefined,
    testSamplesPerClass: config.scenario.test_samples_per_class ?? undefined,
  });
  const source = new ScenarioSource(data, plan, Math.max(1, logging.representation_samples));
  const seeds = Array.from({ length: members }, (_, member) => config.seed + member);
  const settings: ExperimentSettings = {
    members,
    seeds,
    seed: config.seed,
    batchSize: training.batch_size,
    stopping: stoppingRule(config),
    logFrequency: logging.log_frequency,
    snapshotWeights: logging.snapshots.includes('weights'),
    snapshotRepresentations: logging.snapshots.includes('representations'),
    plasticity: logging.measures.includes('plasticity'),
    probes: logging.measures.includes('probes'),
    metrics: metricRegistry,
    expert: training.expert_baseline,
    joint: training.joint_baseline,
    nanPolicy: training.nan_policy,
    evalChunk: 4096,
    buildModel: (generators: Generator[]): Model =>
      buildModel(modelConfigOf(config.model), { members, inputShape: source.inputShape, numClasses: source.numClasses, generators }),
    buildOptimizer: (model: Model) => buildOptimizer(config.optimizer, model.parameters()),
    buildMethods: () => buildMethods(config),
    buildBaselineMethods: (seeds: number[]) => buildMethods(config, { seeds, remedies: false }),
  };
  return {
    dataset,
    plan,
    source,
    settings,
    release: () => data.dispose(),
  };
}
