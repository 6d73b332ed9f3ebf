// Benchmark (issue 23): the whole default experiment (learner, expert and joint baselines, logging)
// against a PyTorch script doing the same protocol, measured in the same run. Targets: one member
// at <= 1.0x PyTorch's time, and five members (five seeds at once) at <= 0.6x the time PyTorch needs
// for five seeds run one after another. plab's time is split as its runner measured it
// (provenance.json: training, evaluation, metrics, writing; set-up and start-up the rest).
// Beside them, the ceiling: a training step and a test-set evaluation timed alone on both sides,
// which bound from below what any whole run of plab can reach against PyTorch's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../src/cl/evaluate.js';
import { Learner } from '../src/cl/learner.js';
import type { Provenance, Session } from '../src/cl/provenance.js';
import { embeddedMnistRoot } from '../src/data/index.js';
import { MLP } from '../src/nn/models/mlp.js';
import { initializeMembers } from '../src/nn/module.js';
import { Adam } from '../src/optim/index.js';
import { Generator, getNumThreads, keep, ops, setNumThreads } from '../src/tensor/index.js';
import { projectRoot } from '../src/tensor/native.js';
import { bestRate, runReference } from './reference/run.js';

const MEMBERS = 5;
/** Split-MNIST's test images per task (892 per class at the smallest class), as the reference's evaluations see them. */
const TEST_SAMPLES = 1784;

interface PlabRun {
  seconds: number;
  parts: NonNullable<Session['seconds']>;
}

// Both sides are timed as whole processes, start-up included (node and libtorch; python and
// `import torch`): that is the wait a researcher sees.
function plabRun(members: number, threads: number): PlabRun {
  const results = mkdtempSync(join(tmpdir(), 'plab-bench-'));
  const started = performance.now();
  // The PyTorch script logs what plab's default logs, less the plasticity metrics and the probes.
  const args = ['run', `training.members=${members}`, 'logging.measures=[]', `results_dir=${results}`, '--quiet'];
  const env = { ...process.env, PLAB_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const run = spawnSync(join(projectRoot, 'plab'), args, { cwd: projectRoot, stdio: ['ignore', 'ignore', 'inherit'], env });
  if (run.status !== 0) throw new Error(`plab run training.members=${members} failed`);
  const seconds = (performance.now() - started) / 1000;
  const provenance = findProvenance(results);
  return { seconds, parts: provenance.sessions[provenance.sessions.length - 1].seconds! };
}

function findProvenance(folder: string): Provenance {
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === 'provenance.json') return JSON.parse(readFileSync(join(entry.parentPath, entry.name), 'utf8')) as Provenance;
  }
  throw new Error(`no provenance.json under ${folder}`);
}

interface ReferenceRun {
  /** The whole process, as timed from here. */
  seconds: number;
  learner_accuracy: number[];
  joint_accuracy: number[];
  /** Where the script's time went, as it measured it: training steps, and evaluation (test sets and representations). */
  parts: { training: number; evaluation: number };
}

function referenceRun(threads: number): ReferenceRun {
  const started = performance.now();
  const result = runReference<Omit<ReferenceRun, 'seconds' | 'parts'> & { seconds: ReferenceRun['parts'] }>('default_run.py', [embeddedMnistRoot(), String(threads)], threads);
  return { learner_accuracy: result.learner_accuracy, joint_accuracy: result.joint_accuracy, parts: result.seconds, seconds: (performance.now() - started) / 1000 };
}

/** Seconds per training step of the default run's population (R = 5, Adam, batch 64) and per evaluation of one task's test set. */
function plabParts(threads: number): { step: number; evaluation: number } {
  setNumThreads(threads);
  const generator = new Generator(0);
  const model = new MLP({ inputShape: [784], hidden: [120, 84], numClasses: 10, members: MEMBERS });
  initializeMembers(model);
  const learner = new Learner(model, new Adam(model.parameters(), { lr: 1e-3 }));
  const batch = keep({ inputs: ops.rand([64, MEMBERS, 784], generator), targets: ops.randint(0, 10, [64, MEMBERS], generator) });
  const test = keep({ images: ops.rand([TEST_SAMPLES, MEMBERS, 784], generator), labels: ops.randint(0, 10, [TEST_SAMPLES, MEMBERS], generator) });
  try {
    return {
      step: 1 / bestRate(() => void learner.trainStep(batch), 1, 1),
      evaluation: 1 / bestRate(() => void evaluate(model, test, { numClasses: 10 }), 1, 1),
    };
  } finally {
    learner.dispose();
    for (const tensor of [batch.inputs, batch.targets, test.images, test.labels]) tensor.dispose();
  }
}

/**
 * The lowest ratio a whole run could reach: PyTorch's seed as it spent its time (training steps and
 * evaluation; start-up, data and saving the rest), against plab doing the same steps and
 * evaluations at the rates measured alone and nothing else (no start-up, data, metrics or writing).
 */
function ceiling(threads: number, reference: ReferenceRun): string {
  const ours = plabParts(threads);
  const theirs = runReference<{ step: number; evaluation: number }>('default_run_parts.py', [String(threads)]);
  const stepRatio = ours.step / (MEMBERS * theirs.step);
  const evaluationRatio = ours.evaluation / (MEMBERS * theirs.evaluation);
  const { training, evaluation } = reference.parts;
  const bound = (training * stepRatio + evaluation * evaluationRatio) / reference.seconds;
  return [
    `    ceiling: a training step at R = ${MEMBERS} ${(1000 * ours.step).toFixed(2)} ms against PyTorch's ${(1000 * theirs.step).toFixed(2)} ms x ${MEMBERS} (${stepRatio.toFixed(2)}x);` +
      ` evaluating a task's ${TEST_SAMPLES} test images ${(1000 * ours.evaluation).toFixed(1)} ms against ${(1000 * theirs.evaluation).toFixed(1)} ms x ${MEMBERS} (${evaluationRatio.toFixed(2)}x)`,
    `    PyTorch's seed spent ${training.toFixed(1)} s in training steps and ${evaluation.toFixed(1)} s evaluating, of ${reference.seconds.toFixed(1)} s:` +
      ` at those ratios, and with nothing else to do, plab's ${MEMBERS} members could reach ${bound.toFixed(2)}x PyTorch's ${MEMBERS} seeds one after another, no lower`,
  ].join('\n');
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const list = (values: number[]) => values.map((value) => value.toFixed(1)).join(', ');

function split(run: PlabRun): string {
  const { total, ...parts } = run.parts;
  const measured = Object.values(parts).reduce((a, b) => a + b, 0);
  const shares = Object.entries(parts).map(([part, seconds]) => `${part} ${seconds.toFixed(1)} s (${((100 * seconds) / run.seconds).toFixed(0)}%)`);
  const setUp = total - measured;
  const startUp = run.seconds - total;
  return `${shares.join(', ')}, set-up ${setUp.toFixed(1)} s (${((100 * setUp) / run.seconds).toFixed(0)}%), process start-up ${startUp.toFixed(1)} s (${((100 * startUp) / run.seconds).toFixed(0)}%)`;
}

// This machine's speed drifts by 10-15% between consecutive 20-second runs (a shared VM), so the
// sides alternate, several rounds, and the medians are compared.
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const threads = getNumThreads();
const loadAtStart = loadavg()[0];
const references: ReturnType<typeof referenceRun>[] = [];
const ones: PlabRun[] = [];
const fives: PlabRun[] = [];
for (let round = 0; round < rounds; round += 1) {
  references.push(referenceRun(1));
  ones.push(plabRun(1, 1));
  fives.push(plabRun(5, 1));
}
const reference = references[references.length - 1];
const torchSeconds = median(references.map((run) => run.seconds));
const one = median(ones.map((run) => run.seconds));
const five = median(fives.map((run) => run.seconds));
const fiveRun = fives.find((run) => run.seconds === five)!;
const medianReference = references.find((run) => run.seconds === torchSeconds)!;
console.log(`Default experiment (Split-MNIST, MLP, Adam, 5 epochs/task, expert + joint, evaluation, representations and weights every 50 steps), wall time of the whole process, median of ${rounds} alternating rounds, 1 thread`);
console.log(`  PyTorch script, 1 seed     ${torchSeconds.toFixed(1)} s [${list(references.map((run) => run.seconds))}] (final accuracy ${(reference.learner_accuracy.reduce((a, b) => a + b) / 5).toFixed(3)}, joint ${(reference.joint_accuracy.reduce((a, b) => a + b) / 5).toFixed(3)})`);
console.log(`  plab, 1 member             ${one.toFixed(1)} s [${list(ones.map((run) => run.seconds))}]   ratio ${(one / torchSeconds).toFixed(2)}x PyTorch (target <= 1.0x)`);
console.log(`  plab, 5 members            ${five.toFixed(1)} s [${list(fives.map((run) => run.seconds))}]   ratio ${(five / (5 * torchSeconds)).toFixed(2)}x PyTorch's 5 seeds one after another (${(5 * torchSeconds).toFixed(1)} s; target <= 0.6x)`);
console.log(`    where plab's 5-member time went: ${split(fiveRun)}`);
console.log(ceiling(1, medianReference));
// Issue point 5: the same on two threads (plab's intra-op and BLAS threads; PyTorch's intra-op threads).
const referenceTwo = referenceRun(2);
const fiveTwo = plabRun(5, 2);
console.log(`  2 threads: PyTorch 1 seed ${referenceTwo.seconds.toFixed(1)} s; plab 5 members ${fiveTwo.seconds.toFixed(1)} s   ratio ${(fiveTwo.seconds / (5 * referenceTwo.seconds)).toFixed(2)}x PyTorch's 5 seeds one after another`);
console.log(`    where plab's 5-member time went: ${split(fiveTwo)}`);
console.log(ceiling(2, referenceTwo));
setNumThreads(threads);
// Wall times on a shared machine are upper bounds; the load says how shared it was.
console.log(`  load average (1 min): ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
