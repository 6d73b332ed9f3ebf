// Each method against forgetting does its job on a small Split-MNIST sequence (five tasks, 500
// training images per class, one epoch, R = 3 members with the same seeds and batches as the plain
// run): with the method, every member ends with a higher average accuracy over the five tasks than
// the same member fine-tuned without it. The regularisers and LwF are tried task-incrementally (a
// head per task), where they are known to work; the replay methods class-incrementally, where
// plain fine-tuning keeps only the last task (ACC near 0.2); GDumb too, which does not learn from the
// stream at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Method } from '../../src/cl/method.js';
import {
  AveragedGem,
  DarkExperienceReplay,
  ElasticWeightConsolidation,
  ExperienceReplayAce,
  GreedySamplerDumbLearner,
  IncrementalClassifierRepresentation,
  LearningWithoutForgetting,
  MemberRandom,
  MemoryAwareSynapses,
  SynapticIntelligence,
} from '../../src/cl/methods/index.js';
import { continualAccuracy, mean, type SequenceOptions } from './split-mnist.js';

const members = 3;
const taskIncremental: Omit<SequenceOptions, 'methods'> = { scenario: 'task_incremental', members, trainPerClass: 500, batchSize: 16, lr: 3e-3 };
const classIncremental: Omit<SequenceOptions, 'methods'> = { scenario: 'class_incremental', members, trainPerClass: 500, batchSize: 16, lr: 1e-3 };

const baselines = new Map<string, number[]>();
function plain(options: Omit<SequenceOptions, 'methods'>): number[] {
  const key = options.scenario;
  if (!baselines.has(key)) baselines.set(key, continualAccuracy({ ...options, methods: () => [] }));
  return baselines.get(key)!;
}

/** Asserts that every member gains at least `margin` over plain fine-tuning; returns the accuracies. */
function beatsFineTuning(name: string, options: Omit<SequenceOptions, 'methods'>, methods: (seeds: number[]) => Method[], margin: number): number[] {
  const without = plain(options);
  const withMethod = continualAccuracy({ ...options, methods });
  withMethod.forEach((accuracy, member) => {
    assert.ok(accuracy > without[member] + margin, `${name}, member ${member}: ACC ${accuracy.toFixed(3)} against ${without[member].toFixed(3)} without it (all: ${withMethod.map((a) => a.toFixed(3))} against ${without.map((a) => a.toFixed(3))})`);
  });
  return withMethod;
}

test('task-incremental: LwF beats fine-tuning', () => {
  beatsFineTuning('LwF', taskIncremental, () => [new LearningWithoutForgetting({ lambda: 1, temperature: 2 })], 0.005);
});

test('task-incremental: SI beats fine-tuning', () => {
  beatsFineTuning('SI', taskIncremental, () => [new SynapticIntelligence({ c: 1, xi: 1e-3 })], 0.005);
});

test('task-incremental: MAS beats fine-tuning', () => {
  beatsFineTuning('MAS', taskIncremental, () => [new MemoryAwareSynapses({ lambda: 1, samples: 200 })], 0.005);
});

test('task-incremental: EWC and online EWC beat fine-tuning', () => {
  beatsFineTuning('EWC', taskIncremental, () => [new ElasticWeightConsolidation({ lambda: 1000, mode: 'separate', gamma: 1, fisherSamples: 200 })], 0.005);
  beatsFineTuning('online EWC', taskIncremental, () => [new ElasticWeightConsolidation({ lambda: 1000, mode: 'online', gamma: 1, fisherSamples: 200 })], 0.005);
});

const random = (seeds: number[]) => new MemberRandom(seeds, 17);

test('class-incremental: DER and DER++ keep past classes; the replayed labels of DER++ add to DER', () => {
  assert.ok(mean(plain(classIncremental)) < 0.25, `plain fine-tuning forgets: ACC ${plain(classIncremental)}`);
  const der = beatsFineTuning('DER', classIncremental, (seeds) => [new DarkExperienceReplay({ bufferSize: 200, alpha: 0.5, beta: 0 }, random(seeds))], 0.2);
  const derPlus = beatsFineTuning('DER++', classIncremental, (seeds) => [new DarkExperienceReplay({ bufferSize: 200, alpha: 0.5, beta: 0.5 }, random(seeds))], 0.2);
  derPlus.forEach((accuracy, member) => assert.ok(accuracy > der[member], `member ${member}: DER++ ${accuracy.toFixed(3)}, DER ${der[member].toFixed(3)}`));
});

test('class-incremental: ER-ACE keeps past classes', () => {
  beatsFineTuning('ER-ACE', classIncremental, (seeds) => [new ExperienceReplayAce({ bufferSize: 200 }, random(seeds))], 0.3);
});

test('class-incremental: A-GEM keeps past classes', () => {
  beatsFineTuning('A-GEM', classIncremental, (seeds) => [new AveragedGem({ bufferSize: 200, sampleSize: 64 }, random(seeds))], 0.15);
});

test('class-incremental: GDumb, trained from scratch on its class-balanced memory, keeps past classes', () => {
  beatsFineTuning('GDumb', classIncremental, (seeds) => [new GreedySamplerDumbLearner({ bufferSize: 200, epochs: 5, batchSize: 16, lr: 0.05 }, random(seeds))], 0.3);
});

test('class-incremental: iCaRL (herding exemplars, distillation, nearest-mean classifier) keeps past classes', () => {
  beatsFineTuning('iCaRL', classIncremental, (seeds) => [new IncrementalClassifierRepresentation({ memorySize: 200, batchRatio: 1 }, random(seeds))], 0.3);
});
