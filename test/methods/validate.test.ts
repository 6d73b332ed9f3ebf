// buildMethods builds the configured methods in hook order; combinations a method cannot run in are
// one clear error naming both settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMethods, MethodConfigError, type MethodSection, type MethodsConfig, validateMethods } from '../../src/cl/methods/index.js';

function config(method: Partial<MethodSection>, optimizer: Partial<MethodsConfig['optimizer']> = {}, model: MethodsConfig['model'] = { name: 'mlp', hidden: [120, 84] }): MethodsConfig {
  return { seed: 0, method: { rule: 'SL', ...method }, optimizer: { name: 'sgd', lr: 0.1, momentum: 0, weight_decay: 0, ...optimizer }, model, training: { members: 2 } };
}

const nte = { inv_temperature: 1, z: null, max_delta: 1, gradients: 'current', expansion: 'origin', zero_noise: 1e-6, prune_only: false, prune_rate: null } as const;
const ogd = { variant: 'average_gradient', memory: 200, eps: 1e-8 } as const;

test('buildMethods: every method, in the order their hooks must run', () => {
  const methods = buildMethods(
    config({
      l2: 0.01,
      l1: 1,
      ogd,
      replay: { buffer_size: 10, policy: 'reservoir', batch_ratio: 1 },
      shrink_perturb: { shrink: 0.4, noise: 0.001, every: 'task', form: 'ash_adams' },
      continual_backprop: { replacement_rate: 1e-4, decay_rate: 0.99, maturity_threshold: 100 },
      ewc: { lambda: 100, mode: 'separate', gamma: 1, fisher_samples: 1000 },
    }),
  );
  assert.deepEqual(
    methods.map((method) => method.name),
    ['replay', 'l2', 'l1', 'ewc', 'ogd', 'continual_backprop', 'shrink_perturb'],
  );
  assert.deepEqual(
    buildMethods(
      config({
        lwf: { lambda: 1, temperature: 2 },
        si: { c: 0.1, xi: 1e-3 },
        mas: { lambda: 1, samples: 10 },
        der: { buffer_size: 10, alpha: 0.5, beta: 0.5 },
        er_ace: { buffer_size: 10 },
        agem: { buffer_size: 10, sample_size: 4 },
        ewc: { lambda: 100, mode: 'online', gamma: 1, fisher_samples: 1000 },
      }),
    ).map((method) => method.name),
    ['lwf', 'ewc', 'si', 'mas', 'der', 'er_ace', 'agem'],
  );
  assert.deepEqual(buildMethods(config({})), []);
  assert.deepEqual(buildMethods(config({ nte })).map((method) => method.name), ['nte']);
  assert.deepEqual(buildMethods(config({ nte: { ...nte, prune_only: true, prune_rate: 0.01 } })).map((method) => method.name), ['nte_pruning']);
});

const bad: [string, MethodsConfig, RegExp[]][] = [
  ['NTE with Adam', config({ nte }, { name: 'adam' }), [/method\.nte/, /optimizer=adam/]],
  ['NTE with momentum', config({ nte }, { momentum: 0.9 }), [/method\.nte/, /optimizer\.momentum=0\.9/]],
  ['NTE with weight decay', config({ nte }, { weight_decay: 0.01 }), [/method\.nte/, /optimizer\.weight_decay=0\.01/]],
  ['NTE with an L1 penalty', config({ nte, l1: 1 }), [/method\.nte/, /method\.l1/]],
  ['NTE with EWC', config({ nte, ewc: { lambda: 1, mode: 'online', gamma: 1, fisher_samples: null } }), [/method\.nte/, /method\.ewc/]],
  ['NTE with OGD', config({ nte, ogd }), [/method\.nte/, /method\.ogd/]],
  ['NTE with shrink and perturb', config({ nte, shrink_perturb: { shrink: 0.4, noise: 0.01, every: 'task', form: 'dohare' } }), [/method\.nte/, /method\.shrink_perturb/]],
  ['pruning with Adam', config({ nte: { ...nte, prune_only: true } }, { name: 'adam' }), [/pruning/, /optimizer=adam/]],
  ['prune_rate without prune_only', config({ nte: { ...nte, prune_rate: 0.1 } }), [/method\.nte\.prune_rate/, /prune_only/]],
  ['continual backprop on a ResNet', config({ continual_backprop: { replacement_rate: 1e-4, decay_rate: 0.99, maturity_threshold: 100 } }, {}, { name: 'resnet' }), [/method\.continual_backprop/, /model=resnet/]],
  ['NTE with LwF', config({ nte, lwf: { lambda: 1, temperature: 2 } }), [/method\.nte/, /method\.lwf/]],
  ['NTE with A-GEM', config({ nte, agem: { buffer_size: 10, sample_size: 4 } }), [/method\.nte/, /method\.agem/]],
  ['ER-ACE with the RL rule', config({ rule: 'RL', er_ace: { buffer_size: 10 } }), [/method\.er_ace/, /method\.rule=RL/]],
  ['GDumb with replay', config({ gdumb: { buffer_size: 10, epochs: 1, batch_size: 4, lr: 0.05 }, replay: { buffer_size: 10, policy: 'reservoir', batch_ratio: 1 } }), [/method\.gdumb/, /method\.replay/]],
  ['GDumb with iCaRL', config({ gdumb: { buffer_size: 10, epochs: 1, batch_size: 4, lr: 0.05 }, icarl: { memory_size: 10, batch_ratio: 1 } }), [/method\.gdumb/, /method\.icarl/, /nearest-mean-of-exemplars classifier would replace the predictions/, /remove one of them/]],
  ['GDumb with spectral regularisation', config({ gdumb: { buffer_size: 10, epochs: 1, batch_size: 4, lr: 0.05 }, spectral: { lambda: 0.001, power: 2, iterations: 1 } }), [/method\.gdumb/, /method\.spectral would act on updates that never count/]],
  ['L1 on a linear model', config({ l1: 1 }, {}, { name: 'mlp', hidden: [] }), [/method\.l1/, /model\.hidden=\[\]/]],
];

for (const [name, settings, patterns] of bad) {
  test(`bad combination is a clear error: ${name}`, () => {
    assert.throws(
      () => buildMethods(settings),
      (error: unknown) => {
        assert.ok(error instanceof MethodConfigError, `${error}`);
        for (const pattern of patterns) assert.match(error.message, pattern);
        return true;
      },
    );
  });
}

test('several problems are reported together', () => {
  assert.throws(
    () => validateMethods(config({ nte, l1: 1, l2: 1 }, { name: 'adam' })),
    (error: unknown) => error instanceof MethodConfigError && error.problems.length === 3 && error.keys.includes('method.l2'),
  );
});

test('good combinations pass: OGD with Adam and an L1 penalty (seed 001), replay with NTE, continual backprop on a CNN', () => {
  validateMethods(config({ ogd, l1: 1 }, { name: 'adam' }));
  validateMethods(config({ nte, replay: { buffer_size: 10, policy: 'class_balanced', batch_ratio: 0.5 } }));
  validateMethods(config({ continual_backprop: { replacement_rate: 1e-4, decay_rate: 0.99, maturity_threshold: 100 } }, {}, { name: 'cnn', hidden: [] }));
});
