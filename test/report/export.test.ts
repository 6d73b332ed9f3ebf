// plab export on a small run: pandas reads the CSV back and finds, row by row, the numbers of the
// task_*/metrics.npz arrays, and the run's config as columns.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const python = '/usr/bin/python3';
const hasPandas = existsSync(python) && spawnSync(python, ['-c', 'import pandas, numpy'], { encoding: 'utf8' }).status === 0;
const plab = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), ...args], { cwd: root, encoding: 'utf8' });

// For every scalar array of every task: the rows of that metric, pivoted back to (L, R[, T]),
// cast to the array's dtype, must equal the array exactly; prints how many values matched.
const check = `
import sys, glob, os, numpy as np, pandas as pd
run_dir, csv = sys.argv[1], sys.argv[2]
df = pd.read_csv(csv)
assert list(df.columns[:8]) == ["run", "member", "task", "eval_task", "step", "metric", "layer", "value"], list(df.columns[:8])
assert (df["optimizer.lr"] == 0.001).all() and (df["training.members"] == 2).all()
matched = 0
for task_dir in sorted(glob.glob(run_dir + "/task_*")):
    task = int(task_dir[-3:])
    z = np.load(task_dir + "/metrics.npz")
    steps = z["step"]
    for name in z.files:
        a = z[name]
        per_task = a.ndim == 3 and name in ("accuracy", "loss")
        if name == "step" or not (a.ndim == 2 or per_task):
            continue
        metric, _, layer = name.partition("/")
        rows = df[(df.task == task) & (df.metric == metric) & (df.layer.fillna("") == layer)]
        L, R = a.shape[:2]
        assert list(rows.step.unique()) == list(steps[len(steps) - L:]), name
        if per_task:
            got = rows.sort_values(["step", "eval_task", "member"]).value.to_numpy().reshape(L, a.shape[2], R).transpose(0, 2, 1)
        else:
            got = rows.sort_values(["step", "member"]).value.to_numpy().reshape(L, R)
        # pandas' default parser; the float32 read back is the array's value exactly
        want = a.astype(np.float64)
        assert np.array_equal(got.astype(a.dtype), a, equal_nan=True), (name, got, want)
        matched += want.size
print(matched, len(df))
`;

test('plab export --format csv: pandas reads the numbers of metrics.npz', { timeout: 600_000, skip: hasPandas ? false : 'no /usr/bin/python3 with pandas (python3-pandas)' }, () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-export-'));
  try {
    const small = ['training.epochs_per_task=1', 'training.members=2', 'scenario.num_tasks=2', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.log_frequency=150'];
    const run = plab(['run', ...small, `run_dir=${join(base, 'run')}`, '--quiet']);
    assert.equal(run.status, 0, run.stderr);
    const runDir = join(base, 'run');
    const csv = join(base, 'table.csv');
    const exported = plab(['export', runDir, '--format', 'csv', '--out', csv]);
    assert.equal(exported.status, 0, exported.stderr);
    const read = spawnSync(python, ['-c', check, runDir, csv], { encoding: 'utf8' });
    assert.equal(read.status, 0, read.stderr);
    const [matched, rows] = read.stdout.trim().split(' ').map(Number);
    assert.equal(matched, rows, 'every row is a value of an array, every value a row');
    assert.ok(rows > 300, `${rows} rows`); // 2 tasks, 2 members, 43 series at 1 or 2 log points

    const parquet = plab(['export', runDir, '--format', 'parquet']);
    assert.equal(parquet.status, 1);
    assert.equal(parquet.stderr, "plab: export: option '--format <format>' argument 'parquet' is invalid. Allowed choices are csv.\n");
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
