// A run with logging.tensorboard=true: its event file, read back, holds every scalar of each
// task's metrics.npz (mean over members and per member), histograms of the other series and of the
// weights, and the HParams records with the config and the final metrics of summary.json.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readNpz } from '../../src/io/npz.js';

const root = join(import.meta.dirname, '..', '..');

/** Reads protobuf fields: field number -> raw values (numbers for varint/fixed, bytes for length). */
function fields(bytes: Uint8Array): [number, number, Uint8Array | bigint | number][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: [number, number, Uint8Array | bigint | number][] = [];
  let at = 0;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[at++];
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) out.push([field, wire, varint()]);
    else if (wire === 1) out.push([field, wire, view.getFloat64(at, true)]), (at += 8);
    else if (wire === 5) out.push([field, wire, view.getFloat32(at, true)]), (at += 4);
    else if (wire === 2) {
      const length = Number(varint());
      out.push([field, wire, bytes.subarray(at, at + length)]);
      at += length;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}
const text = (b: unknown) => new TextDecoder().decode(b as Uint8Array);

interface Logged {
  scalars: Map<string, Map<number, number>>;
  histograms: Map<string, Map<number, { num: number; min: number; max: number }>>;
  plugins: Map<string, Uint8Array>;
}

function readEvents(file: string): Logged {
  const bytes = readFileSync(file);
  const logged: Logged = { scalars: new Map(), histograms: new Map(), plugins: new Map() };
  for (let at = 0; at < bytes.length; ) {
    const length = Number(bytes.readBigUInt64LE(at));
    const event = fields(bytes.subarray(at + 12, at + 12 + length));
    at += 16 + length;
    const step = Number((event.find(([f]) => f === 2)?.[2] as bigint | undefined) ?? 0n);
    for (const [f, , summary] of event) {
      if (f !== 5) continue;
      for (const [, , value] of fields(summary as Uint8Array)) {
        const v = fields(value as Uint8Array);
        const tag = text(v.find(([g]) => g === 1)![2]);
        const simple = v.find(([g]) => g === 2);
        const histo = v.find(([g]) => g === 5);
        const metadata = v.find(([g]) => g === 9);
        if (simple) {
          if (!logged.scalars.has(tag)) logged.scalars.set(tag, new Map());
          logged.scalars.get(tag)!.set(step, simple[2] as number);
        } else if (histo) {
          const h = new Map(fields(histo[2] as Uint8Array).map(([g, , x]) => [g, x]));
          if (!logged.histograms.has(tag)) logged.histograms.set(tag, new Map());
          logged.histograms.get(tag)!.set(step, { min: h.get(1) as number, max: h.get(2) as number, num: h.get(3) as number });
        } else if (metadata) {
          const plugin = fields(fields(metadata[2] as Uint8Array)[0][2] as Uint8Array);
          assert.equal(text(plugin[0][2]), 'hparams');
          logged.plugins.set(tag, plugin[1][2] as Uint8Array);
        }
      }
    }
  }
  return logged;
}

test('the event file holds every metrics.npz scalar, histograms and the hparams', { timeout: 600_000 }, () => {
  const base = mkdtempSync(join(tmpdir(), 'plab-tbrun-'));
  try {
    const small = ['training.epochs_per_task=1', 'training.members=2', 'scenario.num_tasks=2', 'training.expert_baseline=false', 'training.joint_baseline=false', 'logging.log_frequency=100', 'logging.snapshots=[weights]', 'logging.tensorboard=true'];
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts'), 'run', ...small, `run_dir=${join(base, 'run')}`, '--quiet'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const runDir = join(base, 'run');
    const logdir = join(runDir, 'tensorboard');
    const files = readdirSync(logdir);
    assert.equal(files.length, 1);
    const logged = readEvents(join(logdir, files[0]));

    let checked = 0;
    const expectedScalarTags = new Set<string>();
    for (const task of ['task_000', 'task_001']) {
      const arrays = readNpz(join(runDir, task, 'metrics.npz'));
      const steps = Array.from(arrays.get('step')!.data as Int32Array);
      for (const [name, array] of arrays) {
        if (name === 'step' || array.shape.length < 2) continue;
        const [L, R] = array.shape;
        const data = array.data as Float32Array;
        const first = steps.length - L;
        const inner = array.data.length / (L * R);
        if (array.shape.length === 2 || (array.shape.length === 3 && (name === 'accuracy' || name === 'loss'))) {
          for (let l = 0; l < L; l++) {
            for (let k = 0; k < inner; k++) {
              const tag = array.shape.length === 2 ? name : `${name}/task_${k + 1}`;
              const values = Array.from({ length: R }, (_, r) => data[(l * R + r) * inner + k]).filter(Number.isFinite);
              if (values.length === 0) continue;
              expectedScalarTags.add(tag);
              const at = steps[first + l];
              values.forEach((v, r) => assert.equal(logged.scalars.get(`${tag}/member_${r}`)?.get(at), Math.fround(v), `${tag}/member_${r} at ${at}`));
              const mean = values.reduce((a, b) => a + b, 0) / values.length;
              assert.ok(Math.abs(logged.scalars.get(tag)!.get(at)! - mean) <= 1e-6 * Math.max(1, Math.abs(mean)), `${tag} at ${at}`);
              checked += 1;
            }
          }
        } else {
          const h = logged.histograms.get(name)?.get(steps[first + L - 1]);
          assert.ok(h, `histogram ${name}`);
          assert.equal(h.num, Array.from(data.subarray((L - 1) * R * inner)).filter(Number.isFinite).length, `histogram ${name} counts`);
        }
      }
      const weights = readNpz(join(runDir, task, 'weights.npz'));
      for (const [name, array] of weights) {
        const h = logged.histograms.get(`weights/${name}`)?.get(steps[steps.length - 1]);
        assert.ok(h, `weights/${name}`);
        const last = array.data.subarray(array.data.length - array.data.length / array.shape[0]) as Float32Array;
        assert.equal(h.num, last.length);
        assert.equal(h.min, last.reduce((a, b) => Math.min(a, b)));
        assert.equal(h.max, last.reduce((a, b) => Math.max(a, b)));
      }
    }
    for (const tag of ['accuracy/task_1', 'accuracy/task_2', 'train_loss', 'train_acc']) assert.ok(expectedScalarTags.has(tag), tag);
    assert.ok([...expectedScalarTags].some((tag) => tag.startsWith('dead_fraction/')), 'a per-layer series');
    assert.ok(checked > 50, `${checked} scalar points checked`);

    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { metrics: Record<string, { mean: number }> };
    assert.equal(logged.scalars.get('final/average_accuracy')?.values().next().value, Math.fround(summary.metrics.average_accuracy.mean));
    const start = text(logged.plugins.get('_hparams_/session_start_info'));
    for (const key of ['optimizer.lr', 'model.name', 'training.members']) assert.ok(start.includes(key), `hparam ${key}`);
    assert.ok(logged.plugins.has('_hparams_/session_end_info'));
    if (process.env.PLAB_PRINT_TAGS) console.log([...logged.scalars.keys(), ...[...logged.histograms.keys()].map((t) => `${t} (histogram)`)].join('\n'));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
