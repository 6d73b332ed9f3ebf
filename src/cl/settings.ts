// What one experiment needs to run, independent of how it was configured: the config layer turns a
// resolved config into these settings.
import type { Model } from '../nn/models/model.js';
import type { Generator } from '../tensor/index.js';
import type { Optimizer } from '../optim/index.js';
import type { LossName } from '../nn/loss.js';
import type { NanPolicy } from './learner.js';
import type { Method } from './method.js';
import type { Metric } from './metric.js';

/**
 * How long a task trains. With 'accuracy', `by` says whose training accuracy counts: each member's
 * own (a member that reached the threshold stops updating while the others go on) or the mean.
 */
export type StoppingRule = { kind: 'epochs'; epochs: number } | { kind: 'accuracy'; threshold: number; maxEpochs: number; by: 'member' | 'mean' };

/** The linear probes at a task's end: what they are fitted on, and their L2 strength and iterations. */
export interface ProbeSettings {
  /** 'train': the training sets' features, scored on the test sets; 'test_half': halves of the test sets. */
  fit: 'train' | 'test_half';
  /** Inverse L2 strength (scikit-learn's C). */
  c: number;
  iterations: number;
}

export interface ExperimentSettings {
  members: number;
  /** One seed per member: member r's initialisation and data order come from seeds[r]. */
  seeds: number[];
  /** The run's seed: libtorch's default generator, which dropout draws from, starts from it. */
  seed: number;
  batchSize: number;
  stopping: StoppingRule;
  /** Steps between log points. */
  logFrequency: number;
  /** Store weights at every log point. */
  snapshotWeights: boolean;
  /** Store the last hidden layer's representations of the snapshot samples at every log point. */
  snapshotRepresentations: boolean;
  /** Plasticity metrics at every log point. */
  plasticity: boolean;
  /** Linear probes at each task end, or null for none. */
  probes: ProbeSettings | null;
  /** Tasks measured at log points: all, or those seen so far. */
  trackTasks: 'all' | 'seen';
  /** What is logged, in order (metricRegistry, plus a script's own); each asks `enabled` whether the flags above want it. */
  metrics: readonly Metric[];
  /** Train a fresh expert population on each task. */
  expert: boolean;
  /** Train the joint (all tasks at once) upper bound. */
  joint: boolean;
  nanPolicy: NanPolicy;
  /** What every population trains on: the scenario's loss (absent: the cross-entropy of a classification). */
  loss?: LossName;
  /** Samples per forward pass when evaluating. */
  evalChunk: number;
  /** A population initialised member by member from these generators. */
  buildModel: (generators: Generator[]) => Model;
  buildOptimizer: (model: Model) => Optimizer;
  buildMethods: () => Method[];
  /**
   * The methods of a baseline population (expert, joint) whose member r has seed seeds[r]: the
   * learning algorithm's own (the rule's error signal, NTE's update), no remedy for forgetting or
   * plasticity.
   */
  buildBaselineMethods: (seeds: number[]) => Method[];
}
