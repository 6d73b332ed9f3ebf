// Where an algorithm's runs go: results_dir/{dataset}/{algorithm}/, with the algorithm directory named
// as in the class-pair benchmark's layout (docs/architecture.md, Results layout): the learning rule, then replay, plasticity (shrink and perturb) and the number
// of tasks, each only when set. `algorithm` in the config replaces the derived name.
import { join } from 'node:path';
import type { ExperimentConfig } from './schema.js';
import { scenarioMakesData } from './validate.js';

/** 'SL', 'SL_replay', 'SL_replay_plasticity_1000tasks', … or config.algorithm when given. */
export function algorithmName(config: ExperimentConfig): string {
  if (config.algorithm !== null) return config.algorithm;
  const parts: string[] = [config.method.rule];
  if (config.method.replay) parts.push('replay');
  if (config.method.shrink_perturb) parts.push('plasticity');
  if (config.scenario.num_tasks !== null) parts.push(`${config.scenario.num_tasks}tasks`);
  return parts.join('_');
}

/**
 * results_dir/{dataset}/{algorithm}: the folder of an algorithm's runs (src/io/run-folder.ts names each
 * run in it). A scenario that makes its own examples stands in for the dataset.
 */
export function resultsPath(config: ExperimentConfig): string {
  return join(config.results_dir, scenarioMakesData(config) ? config.scenario.type : config.dataset.name, algorithmName(config));
}
