// The metrics plab logs, in the order their series are appended at a log point (and so stored in
// metrics.npz). A new metric is its own file and one line here (docs/architecture.md, "Adding a
// metric"); a script adds its own to ExperimentSettings.metrics instead.
import type { Metric } from '../metric.js';
import { evaluationMetric } from './evaluation.js';
import { layerPlasticityMetric } from './layer-plasticity.js';
import { parameterStatisticsMetric } from './parameter-statistics.js';
import { probesMetric } from './probes.js';
import { representationsMetric } from './representations.js';
import { trainingWindowMetric } from './training-window.js';
import { weightsMetric } from './weights.js';

export const metricRegistry: readonly Metric[] = [
  evaluationMetric,
  representationsMetric,
  weightsMetric,
  layerPlasticityMetric,
  parameterStatisticsMetric,
  trainingWindowMetric,
  probesMetric,
];
