// Student's t distribution and Welch's test against values computed independently: closed forms for
// one and two degrees of freedom, printed tables, and NumPy integrating the t density (Simpson's
// rule on a fine grid) for the non-whole degrees of freedom a Welch test produces.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { studentTCdf, welchTest } from '../../src/metrics/welch.js';

const python = '/usr/bin/python3';
const hasNumpy = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

const twoSided = (t: number, df: number) => 2 * (1 - studentTCdf(Math.abs(t), df));

test('closed forms: df = 1 is Cauchy, df = 2 has an algebraic CDF', () => {
  for (const t of [-30, -2.5, -0.3, 0, 0.7, 1, 4.2, 100]) {
    assert.ok(Math.abs(studentTCdf(t, 1) - (0.5 + Math.atan(t) / Math.PI)) < 1e-13, `df=1, t=${t}`);
    assert.ok(Math.abs(studentTCdf(t, 2) - (0.5 + t / (2 * Math.sqrt(2 + t * t)))) < 1e-13, `df=2, t=${t}`);
  }
});

test("two-sided critical values of printed t tables give their p-values", () => {
  // (df, t, p): the 0.05, 0.01 and 0.001 columns of a standard two-sided table, to its 3 decimals.
  const table: [number, number, number][] = [
    [1, 12.706, 0.05],
    [4, 2.776, 0.05],
    [10, 2.228, 0.05],
    [30, 2.042, 0.05],
    [5, 4.032, 0.01],
    [20, 2.845, 0.01],
    [8, 5.041, 0.001],
  ];
  for (const [df, t, p] of table) assert.ok(Math.abs(twoSided(t, df) - p) < p * 2e-3, `df=${df}, t=${t}: ${twoSided(t, df)} vs ${p}`);
});

test('non-whole degrees of freedom agree with NumPy integrating the t density', { skip: hasNumpy ? false : 'no /usr/bin/python3 with NumPy (python3-numpy)' }, () => {
  const cases: [number, number][] = [
    [0.4, 1.3],
    [1.9, 2.71],
    [2.5, 3.38],
    [-3.1, 5.5],
    [0.05, 7.77],
    [6, 13.2],
    [2.2, 41.6],
  ];
  const script = `
import json, math, sys, numpy as np
out = []
for t, df in json.loads(sys.argv[1]):
    x = np.linspace(0.0, abs(t), 2_000_001)
    f = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi) * (1 + x * x / df) ** (-(df + 1) / 2)
    h = x[1] - x[0]
    area = h / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())
    out.append(0.5 + math.copysign(area, t))
print(json.dumps(out))`;
  const result = spawnSync(python, ['-c', script, JSON.stringify(cases)], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const reference = JSON.parse(result.stdout) as number[];
  cases.forEach(([t, df], i) => assert.ok(Math.abs(studentTCdf(t, df) - reference[i]) < 1e-10, `t=${t}, df=${df}: ${studentTCdf(t, df)} vs ${reference[i]}`));
});

test("Welch's test: statistic, Welch-Satterthwaite df and p from the definitions", () => {
  const a = [0.81, 0.84, 0.79, 0.86, 0.83];
  const b = [0.74, 0.80, 0.71, 0.77];
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const variance = (v: number[]) => v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1);
  const sa = variance(a) / a.length;
  const sb = variance(b) / b.length;
  const result = welchTest(a, b)!;
  assert.ok(Math.abs(result.t - (mean(a) - mean(b)) / Math.sqrt(sa + sb)) < 1e-12);
  assert.ok(Math.abs(result.df - (sa + sb) ** 2 / (sa ** 2 / 4 + sb ** 2 / 3)) < 1e-12);
  assert.ok(Math.abs(result.p - twoSided(result.t, result.df)) < 1e-14);
  // Swapping the groups flips the sign and keeps p; NaN members are left out.
  const swapped = welchTest([...b, NaN], a)!;
  assert.ok(Math.abs(swapped.t + result.t) < 1e-12 && Math.abs(swapped.p - result.p) < 1e-14);
  assert.ok(result.p > 0.001 && result.p < 0.05, `p=${result.p}`);
  // No test without two values a group, or without any spread.
  assert.equal(welchTest([0.5], b), null);
  assert.equal(welchTest([0.5, 0.5], [0.5, 0.5]), null);
});
