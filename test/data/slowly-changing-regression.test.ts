// The slowly-changing regression stream (Dohare et al. 2021, 2024): the slow bits flip one at a
// time every T examples and only they stay put; the targets are the LTU network's outputs computed
// here independently; a member's stream depends on its seed alone, byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EpochBatches } from '../../src/cl/batches.js';
import { prepareExperiment } from '../../src/cl/from-config.js';
import { RegressionStreamSource } from '../../src/cl/stream-source.js';
import { composeConfig } from '../../src/config/index.js';
import { SlowlyChangingRegression, type SlowlyChangingRegressionOptions } from '../../src/data/index.js';
import { Generator, scope } from '../../src/tensor/index.js';

const options: SlowlyChangingRegressionOptions = { inputs: 8, flippingBits: 5, flipEvery: 7, targetHidden: 12, beta: 0.7, examples: 70 };

function rows(stream: SlowlyChangingRegression, member: number, start = 0, count = options.examples): { inputs: number[][]; targets: number[] } {
  return scope(() => {
    const { inputs, targets } = stream.segment(member, start, count);
    const flat = Array.from(inputs.data() as Float32Array);
    return { inputs: Array.from({ length: count }, (_, row) => flat.slice(row * options.inputs, (row + 1) * options.inputs)), targets: Array.from(targets.data() as Float32Array) };
  });
}

test('the f slow bits stay put for T examples and then exactly one of them flips; the other bits are drawn anew', () => {
  const stream = new SlowlyChangingRegression(options, [11, 12]);
  for (const member of [0, 1]) {
    const { inputs } = rows(stream, member);
    assert.ok(inputs.flat().every((bit) => bit === 0 || bit === 1), 'every input is a bit');
    const slow = inputs.map((row) => row.slice(0, options.flippingBits).join(''));
    for (let example = 1; example < options.examples; example += 1) {
      const changed = [...slow[example]].filter((bit, index) => bit !== slow[example - 1][index]).length;
      assert.equal(changed, example % options.flipEvery === 0 ? 1 : 0, `member ${member}, example ${example}: ${changed} slow bits changed`);
    }
    // The flips follow the member's schedule: bit flips[j] changes before example (j + 1)·T.
    for (let flip = 0; flip < stream.flips[member].length; flip += 1) {
      const at = (flip + 1) * options.flipEvery;
      const bit = stream.flips[member][flip];
      assert.notEqual(inputs[at][bit], inputs[at - 1][bit], `member ${member}: flip ${flip} inverts bit ${bit}`);
    }
    // The fast bits are not held: over the stream each of them takes both values, and consecutive
    // examples differ in them far more often than a held bit would (never within a period).
    for (let bit = options.flippingBits; bit < options.inputs; bit += 1) {
      assert.deepEqual(new Set(inputs.map((row) => row[bit])), new Set([0, 1]), `fast bit ${bit} of member ${member} takes both values`);
    }
    const fastChanges = inputs.slice(1).filter((row, index) => row.slice(options.flippingBits).join('') !== inputs[index].slice(options.flippingBits).join('')).length;
    assert.ok(fastChanges > options.examples / 2, `the fast bits change between most consecutive examples (${fastChanges} of ${options.examples - 1})`);
  }
});

test('the targets are the LTU network of ±1 weights with thresholds β·(m + 1) − (negative weights), computed independently', () => {
  const stream = new SlowlyChangingRegression(options, [5]);
  const network = stream.targets[0];
  const m = options.inputs;
  assert.ok([...network.inputWeights, ...network.outputWeights, network.outputBias].every((weight) => weight === 1 || weight === -1), 'every weight is ±1');
  const { inputs, targets } = rows(stream, 0);
  inputs.forEach((x, example) => {
    let expected = network.outputBias;
    for (let unit = 0; unit < options.targetHidden; unit += 1) {
      const weights = network.inputWeights.slice(unit * (m + 1), (unit + 1) * (m + 1));
      const negative = weights.filter((weight) => weight < 0).length;
      // The constant input 1 is the last of the m + 1 inputs.
      const input = [...x, 1].reduce((sum, bit, index) => sum + bit * weights[index], 0);
      if (input > options.beta * (m + 1) - negative) expected += network.outputWeights[unit];
    }
    assert.equal(targets[example], expected, `example ${example}`);
  });
  assert.ok(new Set(targets).size > 2, `the target varies with the input (${[...new Set(targets)].join(', ')})`);
});

test("threshold=released_code counts as the authors' code: (m − Σ input weights + constant weight)/2, the same weights and inputs", () => {
  const paper = new SlowlyChangingRegression(options, [5]);
  const code = new SlowlyChangingRegression({ ...options, threshold: 'released_code' }, [5]);
  const m = options.inputs;
  const network = code.targets[0];
  assert.deepEqual(network.inputWeights, paper.targets[0].inputWeights);
  for (let unit = 0; unit < options.targetHidden; unit += 1) {
    const weights = network.inputWeights.slice(unit * (m + 1), (unit + 1) * (m + 1));
    const sum = weights.slice(0, m).reduce((a, b) => a + b, 0);
    assert.equal(network.thresholds[unit], Math.fround(options.beta * (m + 1) - (m - sum + weights[m]) / 2));
  }
  assert.deepEqual(rows(code, 0).inputs, rows(paper, 0).inputs, 'the inputs do not depend on the rule');
  // At the paper's m = 20 and β = 0.7 (threshold 14.7 − S), the integer input at which a unit starts
  // to fire is the same under both rules for a constant weight of +1, and 2 higher in the code's for −1.
  const wide = { ...options, inputs: 20, flippingBits: 15, targetHidden: 40 };
  const [paper20, code20] = [new SlowlyChangingRegression(wide, [6]), new SlowlyChangingRegression({ ...wide, threshold: 'released_code' }, [6])];
  const constants = new Set<number>();
  for (let unit = 0; unit < wide.targetHidden; unit += 1) {
    const constant = paper20.targets[0].inputWeights[unit * 21 + 20];
    constants.add(constant);
    const fires = (threshold: number) => Math.floor(threshold) + 1;
    assert.equal(fires(code20.targets[0].thresholds[unit]) - fires(paper20.targets[0].thresholds[unit]), constant === 1 ? 0 : 2, `unit ${unit}`);
  }
  assert.deepEqual(constants, new Set([1, -1]), 'both signs of the constant weight occur');
});

test("a member's stream depends on its seed alone: same seed, same bytes; member r is the same whatever R; any segment is rebuilt alone", () => {
  const pair = new SlowlyChangingRegression(options, [21, 22]);
  const again = new SlowlyChangingRegression(options, [21, 22]);
  const alone = new SlowlyChangingRegression(options, [22]);
  assert.deepEqual(rows(again, 0), rows(pair, 0));
  assert.deepEqual(rows(again, 1), rows(pair, 1));
  assert.deepEqual(rows(alone, 0), rows(pair, 1), 'member 1 of two draws what a run of one with its seed draws');
  assert.deepEqual(alone.targets[0], pair.targets[1]);
  assert.notDeepEqual(rows(pair, 0).inputs, rows(pair, 1).inputs, 'two seeds, two streams');
  // A segment starting mid-period is what the whole stream holds there (the slow bits replayed from
  // the flips); its random bits come from its own stream, so bins of one size tile the stream.
  const whole = rows(pair, 1, 0, 70);
  const bins = [0, 1, 2, 3, 4].map((bin) => rows(pair, 1, bin * 14, 14));
  assert.deepEqual(bins.flatMap((bin) => bin.inputs.map((row) => row.slice(0, options.flippingBits))), whole.inputs.map((row) => row.slice(0, options.flippingBits)));
  assert.throws(() => pair.segment(0, 60, 20), /outside the stream's 70/);
});

test('the stream as a task source: one bin per task, every member at once, batches in the stream order', () => {
  const stream = new SlowlyChangingRegression(options, [31, 32]);
  const source = new RegressionStreamSource(stream, 14, 3);
  assert.equal(source.numTasks, 5);
  scope(() => {
    const train = source.train(2);
    assert.deepEqual(train.images.shape, [14, 2, options.inputs]);
    assert.deepEqual(train.labels.shape, [14, 2]);
    assert.equal(train.ordered, true);
    const expected = [0, 1].map((member) => rows(stream, member, 28, 14));
    const batches = new EpochBatches(train, 1, [new Generator(0), new Generator(1)]);
    let index = 0;
    for (const batch of batches.epoch()) {
      for (const member of [0, 1]) {
        assert.deepEqual(Array.from(batch.inputs.select(1, member).data() as Float32Array), expected[member].inputs[index]);
        assert.equal((batch.targets.data() as Float32Array)[member], expected[member].targets[index]);
      }
      index += 1;
    }
    assert.equal(index, 14);
    assert.equal(source.test().labels.shape[0], 0, 'no test set: the error is the online one');
    assert.deepEqual(source.snapshotSamples(1).images.shape, [3, 2, options.inputs]);
  });
});

test('scenario=slowly_changing_regression composes with the paper\'s defaults, and bad combinations are refused naming the key', () => {
  const run = (overrides: string[]) => composeConfig(['+experiment=scr_backprop', ...overrides]);
  const config = run([]);
  assert.equal(config.scenario.type, 'slowly_changing_regression');
  if (config.scenario.type !== 'slowly_changing_regression') return;
  assert.deepEqual(
    [config.scenario.inputs, config.scenario.flipping_bits, config.scenario.flip_every, config.scenario.target_hidden, config.scenario.target_beta, config.scenario.examples, config.scenario.bin_size],
    [20, 15, 10_000, 100, 0.7, 1_000_000, 20_000],
  );
  assert.throws(() => run(['scenario.flipping_bits=21']), /scenario.flipping_bits=21 exceeds scenario.inputs=20/);
  assert.throws(() => run(['scenario.examples=30000']), /not a multiple of scenario.bin_size=20000/);
  assert.throws(() => run(['scenario.num_tasks=10']), /examples\/bin_size = 50 bins/);
  assert.throws(() => run(['training.epochs_per_task=2']), /training.epochs_per_task=1/);
  assert.throws(() => run(['training.batch_size=3']), /training.batch_size=3 does not divide/);
  assert.throws(() => run(['training.expert_baseline=true']), /training.expert_baseline=false/);
  assert.throws(() => composeConfig(['scenario=slowly_changing_regression', 'model=cnn']), /use model=mlp/);
  assert.throws(() => run(["logging.measures=[probes]"]), /drop probes from logging.measures/);
  const prepared = prepareExperiment(composeConfig(['+experiment=scr_backprop', 'scenario.examples=40000', 'training.members=2']));
  try {
    assert.equal(prepared.dataset, null, 'no dataset is read');
    assert.equal(prepared.settings.loss, 'mse');
    assert.deepEqual(prepared.source.inputShape, [20]);
    assert.equal(prepared.source.numTasks, 2);
  } finally {
    prepared.release();
  }
});
