// Validation of a whole config: every key against the schema, then the rules that tie keys together
// (a task list without repeated classes, NTE only with SGD, …). A resolved config read back from a
// results directory goes through the same checks as one composed from the command line.
import { MethodConfigError, validateMethods } from '../cl/methods/registry.js';
import { ConfigError } from './errors.js';
import { checkGroup, type GroupSpec } from './group.js';
import { groups, topKeys, type ExperimentConfig } from './schema.js';
import { checkKeys, type Keys, type KeySpec } from './spec.js';

/** A group seen as one key of the top-level mapping. */
function groupKey(group: GroupSpec): KeySpec {
  return { type: 'group', help: group.help, optional: false, check: (value) => checkGroup(group, value) };
}

/** The keys of a whole config: top-level keys, then one per group. */
export const configKeys: Keys = {
  ...topKeys,
  ...Object.fromEntries(Object.entries(groups).map(([name, group]) => [name, groupKey(group as GroupSpec)])),
};

/** Checks a config mapping (composed, or read from a config.yaml) and returns it typed. */
export function validateConfig(raw: unknown): ExperimentConfig {
  const config = checkKeys(configKeys, raw, '') as ExperimentConfig;
  checkRelations(config);
  return config;
}

/** Whether members may train on different classes: class pairs, or split tasks with a random class order. */
export function membersDrawOwnClasses(config: Pick<ExperimentConfig, 'scenario'>): boolean {
  const { scenario } = config;
  return scenario.type === 'class_pairs' || (scenario.type === 'split' && scenario.class_order === 'random');
}

/** Whether the scenario makes its own examples (the slowly-changing regression), so that no dataset is read. */
export function scenarioMakesData(config: Pick<ExperimentConfig, 'scenario'>): boolean {
  return config.scenario.type === 'slowly_changing_regression';
}

/**
 * The slowly-changing regression is one online stream: each example seen once, in order, by a
 * network with one output trained on the squared error, with no test set to compare baselines on.
 */
function checkRegressionStream(config: ExperimentConfig): void {
  const { scenario, model, training, logging } = config;
  if (scenario.type !== 'slowly_changing_regression') return;
  if (scenario.flipping_bits > scenario.inputs) {
    throw new ConfigError(`scenario.flipping_bits=${scenario.flipping_bits} exceeds scenario.inputs=${scenario.inputs}; the slow bits are some of the m input bits`, 'scenario.flipping_bits');
  }
  if (scenario.examples % scenario.bin_size !== 0) {
    throw new ConfigError(`scenario.examples=${scenario.examples} is not a multiple of scenario.bin_size=${scenario.bin_size}; every task is one bin of the stream`, 'scenario.examples');
  }
  const bins = scenario.examples / scenario.bin_size;
  if (scenario.num_tasks !== null && scenario.num_tasks !== bins) {
    throw new ConfigError(`scenario.num_tasks=${scenario.num_tasks}, but the stream holds examples/bin_size = ${bins} bins, one task each; set scenario.num_tasks=null and choose scenario.examples`, 'scenario.num_tasks');
  }
  if (model.name !== 'mlp') throw new ConfigError(`scenario=slowly_changing_regression feeds bit vectors to an MLP; use model=mlp (got model=${model.name})`, 'model.name');
  if (model.activation === 'crelu') throw new ConfigError('scenario=slowly_changing_regression: model.activation=crelu is not supported here; choose another activation', 'model.activation');
  if (training.mode !== 'continual') throw new ConfigError(`scenario=slowly_changing_regression is a continual stream; use training=continual (got ${training.mode})`, 'training.mode');
  if (training.stopping !== 'epochs' || training.epochs_per_task !== 1) {
    throw new ConfigError('scenario=slowly_changing_regression sees each example once: set training.stopping=epochs and training.epochs_per_task=1', 'training.epochs_per_task');
  }
  if (scenario.bin_size % training.batch_size !== 0) {
    throw new ConfigError(`training.batch_size=${training.batch_size} does not divide scenario.bin_size=${scenario.bin_size}; the paper learns online, training.batch_size=1`, 'training.batch_size');
  }
  if (training.expert_baseline || training.joint_baseline) {
    throw new ConfigError('scenario=slowly_changing_regression has no test sets for the expert and joint baselines; set training.expert_baseline=false training.joint_baseline=false', training.expert_baseline ? 'training.expert_baseline' : 'training.joint_baseline');
  }
  if (logging.measures.includes('probes')) {
    throw new ConfigError("scenario=slowly_changing_regression has no classes for the linear probes; drop probes from logging.measures", 'logging.measures');
  }
}

function checkRelations(config: ExperimentConfig): void {
  const { dataset, scenario, model, optimizer, training, logging } = config;

  if (dataset.mean && dataset.std && dataset.mean.length !== dataset.std.length) {
    throw new ConfigError(`dataset.mean has ${dataset.mean.length} channels but dataset.std has ${dataset.std.length}; give one value per channel in both`, 'dataset.std');
  }

  if (dataset.balance === 'none' && membersDrawOwnClasses(config)) {
    throw new ConfigError(
      `dataset.balance=none uses every image of a task's classes, but members draw their own classes here (scenario=${scenario.type}), so their tasks would differ in size; use dataset.balance=classes or null`,
      'dataset.balance',
    );
  }

  if (dataset.balance === 'none' && ((scenario.train_samples_per_class ?? null) !== null || (scenario.test_samples_per_class ?? null) !== null)) {
    throw new ConfigError('dataset.balance=none uses every image, but scenario.train_samples_per_class or test_samples_per_class sets counts per class; use dataset.balance=classes or null', 'dataset.balance');
  }

  if (scenario.type === 'split') {
    if (scenario.tasks !== null) {
      if (scenario.class_order === 'random') {
        throw new ConfigError("scenario.class_order=random shuffles classes into tasks itself; set scenario.tasks=null or scenario.class_order=given", 'scenario.class_order');
      }
      const seen = new Map<number, number>();
      scenario.tasks.forEach((classes, task) => {
        for (const c of classes) {
          const first = seen.get(c);
          if (first !== undefined) {
            throw new ConfigError(`scenario.tasks: class ${c} appears in task ${first} and again in task ${task}; each class belongs to one task`, 'scenario.tasks');
          }
          seen.set(c, task);
        }
      });
      if (scenario.num_tasks !== null && scenario.num_tasks > scenario.tasks.length) {
        throw new ConfigError(`scenario.num_tasks=${scenario.num_tasks} but scenario.tasks lists only ${scenario.tasks.length} tasks`, 'scenario.num_tasks');
      }
    }
  }

  if (model.name === 'vit' && model.dim % model.heads !== 0) {
    throw new ConfigError(`model.dim=${model.dim} is not a multiple of model.heads=${model.heads}; each head gets dim/heads features`, 'model.dim');
  }

  if (optimizer.name === 'sgd' && optimizer.nesterov && (optimizer.momentum <= 0 || optimizer.dampening !== 0)) {
    throw new ConfigError('optimizer.nesterov=true needs optimizer.momentum > 0 and optimizer.dampening=0 (as in PyTorch)', 'optimizer.nesterov');
  }

  // The methods' own rules (NTE only with plain SGD, loss terms NTE cannot see, ...), declared by each
  // method in its file and gathered by src/cl/methods/registry.ts, run here too, so that a bad combination stops before any data loads.
  try {
    validateMethods(config);
  } catch (error) {
    if (error instanceof MethodConfigError) throw new ConfigError(error.message, error.keys[0]);
    throw error;
  }

  if (training.mode === 'standard' && scenario.type !== 'joint') {
    throw new ConfigError(`training=standard trains a single task; use it with scenario=joint (got scenario=${scenario.type})`, 'training.mode');
  }

  checkRegressionStream(config);

  if (logging.snapshots.includes('representations') && logging.representation_samples === 0) {
    throw new ConfigError('logging.snapshots includes representations but logging.representation_samples=0; set S >= 1 or drop representations from logging.snapshots', 'logging.representation_samples');
  }
}
