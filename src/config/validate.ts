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

function checkRelations(config: ExperimentConfig): void {
  const { dataset, scenario, model, optimizer, training, logging } = config;

  if (dataset.mean && dataset.std && dataset.mean.length !== dataset.std.length) {
    throw new ConfigError(`dataset.mean has ${dataset.mean.length} channels but dataset.std has ${dataset.std.length}; give one value per channel in both`, 'dataset.std');
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

  if (logging.snapshots.includes('representations') && logging.representation_samples === 0) {
    throw new ConfigError('logging.snapshots includes representations but logging.representation_samples=0; set S >= 1 or drop representations from logging.snapshots', 'logging.representation_samples');
  }
}
