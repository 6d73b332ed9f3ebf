// The library entry of plasticity-lab (`import { ... } from 'plasticity-lab'`): the tensor layer at
// the top level, each layer above it as a namespace, and the pieces of the experiment runner that a
// hand-written loop or a custom method needs. The layers and the path of a run: docs/architecture.md.
export * from './tensor/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as metrics from './metrics/index.js';
export * as methods from './cl/methods/index.js';
export * as config from './config/index.js';

// The runner: a learner steps a population through batches with its methods' hooks; an experiment
// runs a scenario's tasks from a prepared config and writes its result files.
export { Learner, NonFiniteLossError, type NanPolicy, type StepResult } from './cl/learner.js';
export type { Batch, LearnerState, Method, TaskBoundary } from './cl/method.js';
export type { Metric, MetricContext, ProbeSummary, TaskAnalysis, TaskMetric, TrackedTask } from './cl/metric.js';
export { metricRegistry } from './cl/metrics/registry.js';
export { EpochBatches } from './cl/batches.js';
export { evaluate, type EvalSet, type Evaluation, type EvaluationOptions } from './cl/evaluate.js';
export { ScenarioSource } from './cl/scenario-source.js';
export type { TaskSource, TrainData } from './cl/task-source.js';
export { Experiment, type ExperimentObserver, type TaskEndEvent, type TaskRecord } from './cl/experiment.js';
export { meanOfActive, stepMeans, trainLoop, type LogPointEvent, type LoopObserver, type LoopOptions, type Phase, type RunObserver, type StepEvent } from './cl/loop.js';
export { runExperiment, type RunEndEvent, type RunOptions } from './cl/runner.js';
export type { Checkpoint } from './io/checkpoint.js';
export type { ExperimentSettings, StoppingRule } from './cl/settings.js';
export { buildOptimizer, modelConfigOf, prepareExperiment, type PreparedExperiment } from './cl/from-config.js';
export { ResultsWriter, type TaskMetadata } from './cl/results-writer.js';
export { formatSummary, summarize, type RunSummary } from './cl/summary.js';
