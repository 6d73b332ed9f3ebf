import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  averageAccuracy,
  averageAccuracyCurve,
  avalancheForgetting,
  avalancheForgettingCurve,
  backwardTransfer,
  continualSummary,
  forgetting,
  forgettingCurve,
  forwardTransfer,
  intransigence,
  intransigencePerTask,
} from '../../src/metrics/index.js';
import { tensor } from '../../src/tensor/index.js';

// a[r][i][j]: accuracy on task j after training task i. Member 1 peaks on task 0 after task 1, so
// Chaudhry's forgetting (max over history) and Avalanche's (first value) differ for it.
const accuracy = [
  [
    [0.9, 0.1, 0.0],
    [0.6, 0.8, 0.2],
    [0.5, 0.7, 0.9],
  ],
  [
    [0.9, 0.0, 0.0],
    [0.95, 0.8, 0.0],
    [0.6, 0.5, 0.7],
  ],
];
const initial = [0.1, 0.1, 0.1];
const joint = [
  [0.95, 0.9, 0.92],
  [0.95, 0.9, 0.92],
];

function close(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((value, i) => {
    if (Number.isNaN(expected[i])) assert.ok(Number.isNaN(value), `${what}[${i}]: expected NaN, got ${value}`);
    else assert.ok(Math.abs(value - expected[i]) < 1e-12, `${what}[${i}]: ${value} vs ${expected[i]}`);
  });
}

test('average accuracy, BWT and FWT by hand (Lopez-Paz & Ranzato 2017)', () => {
  close(averageAccuracy(accuracy).toArray(), [0.7, 0.6], 'ACC');
  // (0.9/1, (0.6+0.8)/2, (0.5+0.7+0.9)/3) and (0.9, (0.95+0.8)/2, (0.6+0.5+0.7)/3)
  close(averageAccuracyCurve(accuracy).reshape(-1).toArray(), [0.9, 0.7, 0.7, 0.9, 0.875, 0.6], 'ACC curve');
  close(backwardTransfer(accuracy).toArray(), [(0.5 - 0.9 + (0.7 - 0.8)) / 2, (0.6 - 0.9 + (0.5 - 0.8)) / 2], 'BWT');
  // a[0][1] - b1, a[1][2] - b2
  close(forwardTransfer(accuracy, initial).toArray(), [(0.1 - 0.1 + (0.2 - 0.1)) / 2, (0 - 0.1 + (0 - 0.1)) / 2], 'FWT');
});

test('forgetting takes the best earlier accuracy (Chaudhry et al. 2018), Avalanche the first', () => {
  // member 0: F_1 = 0.9-0.6; F_2 = ((0.9-0.5) + (0.8-0.7))/2. member 1: F_2 = ((0.95-0.6) + (0.8-0.5))/2
  close(forgettingCurve(accuracy).reshape(-1).toArray(), [NaN, 0.3, 0.25, NaN, -0.05, 0.325], 'forgetting curve');
  close(forgetting(accuracy).toArray(), [0.25, 0.325], 'forgetting');
  close(avalancheForgettingCurve(accuracy).reshape(-1).toArray(), [NaN, 0.3, 0.25, NaN, -0.05, 0.3], 'Avalanche curve');
  close(avalancheForgetting(accuracy).toArray(), [0.25, 0.3], 'Avalanche forgetting');
  // Avalanche's forgetting after the last task is minus BWT
  close(avalancheForgetting(accuracy).toArray(), backwardTransfer(accuracy).neg().toArray(), 'AF = -BWT');
});

test('intransigence against the joint baseline', () => {
  close(intransigencePerTask(accuracy, joint).reshape(-1).toArray(), [0.05, 0.1, 0.02, 0.05, 0.1, 0.22], 'I_k');
  close(intransigence(accuracy, joint).toArray(), [0.17 / 3, 0.37 / 3], 'I');
  // a per-task vector [T] is shared by all members
  close(intransigence(accuracy, joint[0]).toArray(), [0.17 / 3, 0.37 / 3], 'I, shared baseline');
});

test('identity accuracy matrix: no forgetting, no transfer', () => {
  const identity = tensor([[[1, 0, 0], [0, 1, 0], [0, 0, 1]]], { dtype: 'float64' });
  close(averageAccuracy(identity).toArray(), [1 / 3], 'ACC');
  close(backwardTransfer(identity).toArray(), [-1], 'BWT: every old task fully forgotten');
  close(forgetting(identity).toArray(), [1], 'forgetting');
  close(forwardTransfer(identity, [0, 0, 0]).toArray(), [0], 'FWT');
});

test('a single task leaves the transfer and forgetting measures undefined (NaN)', () => {
  const one = [[[0.8]]];
  close(averageAccuracy(one).toArray(), [0.8], 'ACC');
  close(backwardTransfer(one).toArray(), [NaN], 'BWT');
  close(forwardTransfer(one, [0.1]).toArray(), [NaN], 'FWT');
  close(forgetting(one).toArray(), [NaN], 'forgetting');
});

test('continualSummary gives per-member values with mean and spread', () => {
  const summary = continualSummary(accuracy, { initial, joint });
  close(summary.average_accuracy.per_member, [0.7, 0.6], 'ACC');
  assert.ok(Math.abs(summary.average_accuracy.mean - 0.65) < 1e-12);
  assert.ok(Math.abs(summary.average_accuracy.std - Math.sqrt(0.005)) < 1e-12);
  assert.ok(summary.fwt && summary.intransigence);
  assert.equal(continualSummary(accuracy).fwt, undefined);
});

test('bad shapes name what is expected', () => {
  assert.throws(() => averageAccuracy([[0.1, 0.2]] as unknown as number[][][]), /\[R, T, T\] accuracy matrix/);
  assert.throws(() => averageAccuracy([[[0.1, 0.2]]]), /must be square/);
  assert.throws(() => forwardTransfer(accuracy, [0.1, 0.1]), /expected \[2, 3\] or \[3\]/);
});
