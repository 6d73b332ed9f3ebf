// Seed 003's cloning training mode. A base population trains for initial_epochs; then it is expanded
// by expansion_factor (every hidden unit copied k times, see src/nn/cloning) and the base and the
// clone train side by side, on the same batches, for epochs_per_expansion. Each further expansion
// clones the current clone, so after e expansions the clone is k^e times wider than the base.
//
// The point of the mode is to watch the clone's symmetry: an exact clone trained by gradient descent
// keeps every copy of a unit identical (its copies get identical updates), so its activation
// similarity and the explained variance of its clone blocks stay 1 and its effective rank stays the
// base's. Function-preserving noise at cloning time (symmetry_noise) or dropout let the copies drift
// apart, and the three measures show by how much.
//
// Results, in the run directory: config.yaml; cloning_metrics.npz, whose arrays are named
// 'stage{s}/{series}' with a leading log-point axis (L, R, ...); summary.json, written last.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { configToYaml, type ExperimentConfig } from '../config/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { encodeNpz } from '../io/npz.js';
import { acquireRunLock, type RunLock } from '../io/run-lock.js';
import { memberStat, type MemberStat } from '../metrics/stats.js';
import { cloneModel, effectiveRank, measureClones } from '../nn/cloning/index.js';
import { inMode } from '../nn/mode.js';
import type { Model } from '../nn/models/model.js';
import { buildModel, type ModelConfig } from '../nn/models/registry.js';
import { Generator, manualSeed, noGrad, scope, type Tensor } from '../tensor/index.js';
import { EpochBatches } from './batches.js';
import { evaluate, type EvalSet } from './evaluate.js';
import { buildOptimizer, modelConfigOf, prepareExperiment } from './from-config.js';
import { Learner } from './learner.js';
import { LogBuffer } from './log-buffer.js';
import { trainLoop, type LoopObserver, type RunObserver } from './loop.js';
import { TrainingWindow } from './metrics/training-window.js';

/** The output files of a cloning run. */
export const CLONING_FILES = { config: 'config.yaml', metrics: 'cloning_metrics.npz', summary: 'summary.json' } as const;

/** Offset of the stream that draws the symmetry-breaking noise (initialisation uses seed, data order seed + 1). */
const NOISE_STREAM = 3;

type CloningTraining = Extract<ExperimentConfig['training'], { mode: 'cloning' }>;

/**
 * The registry's model config from the config file's model section: the group's keys are the
 * snake_case of the registry's options (patch_size -> patchSize).
 */

/** 'cloning_mlp_k2', 'cloning_cnn_k2_3expansions_noise0.01', or config.algorithm when given. */
export function cloningRunName(config: ExperimentConfig): string {
  if (config.algorithm !== null) return config.algorithm;
  const training = cloningTraining(config);
  const parts = [`cloning_${config.model.name}_k${training.expansion_factor}`];
  if (training.num_expansions > 1) parts.push(`${training.num_expansions}expansions`);
  if (training.symmetry_noise > 0) parts.push(`noise${training.symmetry_noise}`);
  return parts.join('_');
}

/** results_dir/{dataset}/{cloning run name}: the cloning runs' algorithm folder, which holds a dated folder per run and `latest`. */
export function cloningResultsPath(config: ExperimentConfig): string {
  return join(config.results_dir, config.dataset.name, cloningRunName(config));
}

function cloningTraining(config: ExperimentConfig): CloningTraining {
  if (config.training.mode !== 'cloning') throw new Error(`the cloning run needs training=cloning, got training.mode=${config.training.mode}`);
  return config.training;
}

// summary.json's keys are snake_case, like the continual run's, for readers in Python.

/** One population's numbers at the end of a stage or right after an expansion. */
export interface ModelMeasures {
  test_accuracy: MemberStat;
  test_loss: MemberStat;
  /** Per hidden layer, in depth order. */
  effective_rank: MemberStat[];
}

export interface CloneMeasuresSummary extends ModelMeasures {
  similarity: MemberStat[];
  explained_variance: MemberStat[];
}

export interface StageSummary {
  stage: number;
  /** How much wider the clone is than the base: k^stage (1 for stage 0, the base alone). */
  width: number;
  epochs: number;
  steps: number;
  seconds: number;
  base: ModelMeasures;
  /** Stages after an expansion: the clone right after it was made, and at the end of the stage. */
  clone: { at_expansion: CloneMeasuresSummary; final: CloneMeasuresSummary } | null;
  /** Why members stopped (a non-finite loss), per model. */
  stopped_members: { base: (string | null)[]; clone: (string | null)[] | null };
}

export interface CloningSummary {
  model: ModelConfig['name'];
  dataset: string;
  members: number;
  seeds: number[];
  expansion_factor: number;
  num_expansions: number;
  symmetry_noise: number;
  /** Hidden layers measured, in depth order (the last axis of the per-layer arrays). */
  layers: string[];
  /** Test samples the hidden-layer measures use (logging.representation_samples). */
  probe_samples: number;
  stages: StageSummary[];
  seconds: number;
}

/** The observers of a cloning run: the loop's events (phase 'stage'; results [base, clone]), each stage's end and the run's. */
export type CloningObserver = RunObserver<StageSummary, CloningSummary>;

interface Population {
  name: 'base' | 'clone';
  learner: Learner;
  window: TrainingWindow;
}

interface Measured {
  accuracy: Float64Array;
  loss: Float64Array;
  /** [R, H] row-major. */
  effectiveRank: Float32Array;
  similarity?: Float32Array;
  explainedVariance?: Float32Array;
}

/** [H] tensors of [R] -> [R, H] row-major. */
function byMemberAndLayer(perLayer: Tensor[], members: number): Float32Array {
  const out = new Float32Array(members * perLayer.length);
  perLayer.forEach((values, layer) => {
    const data = values.to('float32').data() as Float32Array;
    for (let member = 0; member < members; member += 1) out[member * perLayer.length + layer] = data[member];
  });
  return out;
}

/** Column `layer` of an [R, H] row-major array, as a member statistic. */
function layerStat(values: Float32Array, members: number, layer: number): MemberStat {
  const layers = values.length / members;
  return memberStat(Array.from({ length: members }, (_, member) => values[member * layers + layer]));
}

function layerStats(values: Float32Array, members: number): MemberStat[] {
  return Array.from({ length: values.length / members }, (_, layer) => layerStat(values, members, layer));
}

/**
 * Test accuracy and loss, and the hidden-layer measures on the probe samples (eval mode): the
 * effective rank of every layer, and for a clone (factor = its last expansion's k) the similarity
 * and explained variance of its copies.
 */
function measure(model: Model, test: EvalSet, probe: EvalSet, numClasses: number, factor: number | null): Measured & { layers: string[] } {
  const { accuracy, loss } = evaluate(model, test, { numClasses, chunkSize: 4096 });
  return inMode(model, false, () =>
    scope(() =>
      noGrad(() => {
        const { hidden } = model.run(probe.images);
        const table = (values: Tensor[]) => byMemberAndLayer(values, model.members);
        const layers = hidden.map(([name]) => name);
        if (factor === null) return { accuracy, loss, layers, effectiveRank: table(hidden.map(([, activations]) => effectiveRank(activations))) };
        const measures = measureClones(hidden, factor).map(([, m]) => m);
        return {
          accuracy,
          loss,
          layers,
          effectiveRank: table(measures.map((m) => m.effectiveRank)),
          similarity: table(measures.map((m) => m.similarity)),
          explainedVariance: table(measures.map((m) => m.explainedVariance)),
        };
      }),
    ),
  );
}

function summarizeMeasured(measured: Measured, members: number): ModelMeasures {
  return { test_accuracy: memberStat([...measured.accuracy]), test_loss: memberStat([...measured.loss]), effective_rank: layerStats(measured.effectiveRank, members) };
}

function summarizeClone(measured: Measured, members: number): CloneMeasuresSummary {
  return {
    ...summarizeMeasured(measured, members),
    similarity: layerStats(measured.similarity!, members),
    explained_variance: layerStats(measured.explainedVariance!, members),
  };
}

/**
 * Runs the cloning mode of `config` (training=cloning) and writes its results into `runDir`.
 * Returns the summary that summary.json holds.
 */
export async function runCloning(config: ExperimentConfig, runDir: string, observers: readonly CloningObserver[] = []): Promise<CloningSummary> {
  const training = cloningTraining(config);
  const summaryPath = join(runDir, CLONING_FILES.summary);
  if (existsSync(summaryPath)) {
    throw new Error(`${runDir} already holds a finished cloning run (${CLONING_FILES.summary}); give the new run its own directory (algorithm=NAME or results_dir=DIR) or delete it`);
  }
  const probeSamples = config.logging.representation_samples;
  if (probeSamples < 2) {
    throw new Error(`the clone measures need at least 2 probe samples; set logging.representation_samples to 2 or more (it is ${probeSamples})`);
  }
  const started = performance.now();
  // Dropout draws from libtorch's default generator, which is otherwise seeded at random per
  // process: the run's seed makes a cloning run with dropout repeatable, as plab run's is.
  manualSeed(config.seed);
  // The data are the standard mode's: one task of the scenario (scenario=joint: every class).
  const prepared = prepareExperiment({
    ...config,
    training: {
      mode: 'standard',
      batch_size: training.batch_size,
      members: training.members,
      nan_policy: training.nan_policy,
      epochs_per_task: Math.max(1, training.initial_epochs),
      stopping: 'epochs',
      target_accuracy: 1,
      max_epochs: 1,
      stopping_by: 'mean',
      expert_baseline: false,
      joint_baseline: false,
    },
  });
  const { source, settings } = prepared;
  const members = settings.members;
  const factor = training.expansion_factor;
  const modelConfig = modelConfigOf(config.model);
  const log = new LogBuffer();
  const stages: StageSummary[] = [];
  let base: Population | null = null;
  let clone: Population | null = null;
  let test: EvalSet | null = null;
  let probe: EvalSet | null = null;
  let batches: EpochBatches | null = null;
  let lock: RunLock | null = null;
  try {
    if (source.numTasks !== 1) {
      throw new Error(`the cloning mode trains on one task, but scenario=${config.scenario.type} makes ${source.numTasks}; use scenario=joint (optionally with scenario.classes=[...])`);
    }
    // One writer per folder, as for plab run (src/io/run-lock.ts); taken once the run is known to be valid, so a refused run writes nothing.
    lock = acquireRunLock(runDir);
    writeFileAtomic(join(runDir, CLONING_FILES.config), configToYaml(config));
    const epochBatches = new EpochBatches(source.train(0), settings.batchSize, settings.seeds.map((seed) => new Generator(seed + 1)));
    batches = epochBatches;
    test = source.test(0);
    probe = source.snapshotSamples(0);
    const noiseGenerator = new Generator(config.seed + NOISE_STREAM);
    const baseModel = buildModel(modelConfig, { members, inputShape: source.inputShape, numClasses: source.numClasses, generators: settings.seeds.map((seed) => new Generator(seed)) });
    base = { name: 'base', learner: new Learner(baseModel, buildOptimizer(config.optimizer, baseModel.parameters()), [], settings.nanPolicy), window: new TrainingWindow(members) };
    let cloneConfig = modelConfig;
    let layers: string[] = [];

    for (let stage = 0; stage <= training.num_expansions; stage += 1) {
      const stageStarted = performance.now();
      if (stage > 0) {
        // The first expansion clones the base, each later one the current clone.
        const expanded = cloneModel(clone?.learner.model ?? baseModel, cloneConfig, factor, { noise: training.symmetry_noise, generator: noiseGenerator });
        if (clone) clone.learner.dispose();
        cloneConfig = expanded.config;
        clone = { name: 'clone', learner: new Learner(expanded.model, buildOptimizer(config.optimizer, expanded.model.parameters()), [], settings.nanPolicy), window: new TrainingWindow(members) };
      }
      const populations = clone ? [base, clone] : [base];
      const epochs = stage === 0 ? training.initial_epochs : training.epochs_per_expansion;
      const prefix = `stage${stage}/`;
      let lastMeasures: Map<string, Measured> = new Map();
      let atExpansion: Measured | null = null;
      const logPoint = (step: number) => {
        log.append(`${prefix}step`, [], Int32Array.of(step));
        log.append(`${prefix}epoch`, [], Float32Array.of(step / epochBatches.batchesPerEpoch));
        lastMeasures = new Map();
        for (const population of populations) {
          const isClone = population.name === 'clone';
          const measured = measure(population.learner.model, test!, probe!, source.numClasses, isClone ? factor : null);
          layers = measured.layers;
          const H = layers.length;
          const name = `${prefix}${population.name}_`;
          const window = population.window.take();
          log.append(`${name}train_loss`, [members], window.loss);
          log.append(`${name}train_accuracy`, [members], window.accuracy);
          log.append(`${name}test_loss`, [members], Float32Array.from(measured.loss));
          log.append(`${name}test_accuracy`, [members], Float32Array.from(measured.accuracy));
          log.append(`${name}effective_rank`, [members, H], measured.effectiveRank);
          if (isClone) {
            log.append(`${name}similarity`, [members, H], measured.similarity!);
            log.append(`${name}explained_variance`, [members, H], measured.explainedVariance!);
            // The clone as made, before its first step.
            if (step === 0) atExpansion = measured;
          }
          lastMeasures.set(population.name, measured);
        }
      };
      const windows: LoopObserver = {
        onStep: ({ results, batch }) => populations.forEach((population, index) => population.window.add(results[index], batch.inputs.shape[0])),
        onLogPoint: ({ step }) => logPoint(step),
      };
      const step = await trainLoop({
        phase: { kind: 'stage', index: stage, count: training.num_expansions + 1, label: `stage ${stage}/${training.num_expansions}` },
        populations: populations.map((population) => population.learner),
        batches: epochBatches,
        epochs,
        logFrequency: config.logging.log_frequency,
        logAtStart: true,
        observers: [windows, ...observers],
      });
      // Every stage so far, rewritten at each stage's end, so that an interrupted run keeps them.
      writeFileAtomic(join(runDir, CLONING_FILES.metrics), encodeNpz(log.stacked()));
      const summary: StageSummary = {
        stage,
        width: factor ** stage,
        epochs,
        steps: step,
        seconds: (performance.now() - stageStarted) / 1000,
        base: summarizeMeasured(lastMeasures.get('base')!, members),
        clone: clone && atExpansion ? { at_expansion: summarizeClone(atExpansion, members), final: summarizeClone(lastMeasures.get('clone')!, members) } : null,
        stopped_members: { base: [...base.learner.stopReasons], clone: clone ? [...clone.learner.stopReasons] : null },
      };
      stages.push(summary);
      for (const observer of observers) observer.onTaskEnd?.(summary);
    }
    const result: CloningSummary = {
      model: modelConfig.name,
      dataset: config.dataset.name,
      members,
      seeds: settings.seeds,
      expansion_factor: factor,
      num_expansions: training.num_expansions,
      symmetry_noise: training.symmetry_noise,
      layers,
      probe_samples: probe.images.shape[0],
      stages,
      seconds: (performance.now() - started) / 1000,
    };
    writeJsonAtomic(summaryPath, result);
    for (const observer of observers) observer.onRunEnd?.(result);
    return result;
  } finally {
    batches?.dispose();
    for (const tensors of [test, probe]) {
      tensors?.images.dispose();
      tensors?.labels.dispose();
    }
    if (clone) clone.learner.dispose();
    if (base) base.learner.dispose();
    prepared.release();
    lock?.release();
  }
}
