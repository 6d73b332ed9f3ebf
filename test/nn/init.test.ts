// The Kaiming bounds against torch.nn.init itself (Debian's /usr/bin/python3): the bound that
// kaiming_uniform_ hands to uniform_, captured there, equals plab's to the last bit.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { activationGain, heUniformBound, kaimingUniformBound } from '../../src/nn/init.js';

const python = '/usr/bin/python3';
const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const skip = hasTorch ? false : 'no /usr/bin/python3 with torch (python3-torch)';

const FAN_INS = Array.from({ length: 400 }, (_, index) => index + 1);
// torch's nonlinearity argument for each activation plab's He initialisation scales by.
const NONLINEARITIES: [string, string][] = [
  ['relu', 'relu'],
  ['tanh', 'tanh'],
  ['leaky_relu', 'leaky_relu'],
  ['identity', 'linear'],
];

/** The bounds torch's kaiming_uniform_ passes to uniform_, per nonlinearity (and 'default': a = √5), per fan-in. */
function torchBounds(): Record<string, number[]> {
  const script = `
import json, math, torch
bounds = []
torch.Tensor.uniform_ = lambda self, low, high: bounds.append(high) or self
fans = ${JSON.stringify(FAN_INS)}
result = {}
for name, kwargs in [${NONLINEARITIES.map(([, torchName]) => `('${torchName}', {'nonlinearity': '${torchName}', 'a': ${torchName === 'leaky_relu' ? 0.01 : 0}})`).join(', ')}, ('default', {'a': math.sqrt(5)})]:
    bounds.clear()
    for fan in fans:
        torch.nn.init.kaiming_uniform_(torch.empty(1, fan), **kwargs)
    result[name] = list(bounds)
print(json.dumps(result))
`;
  const run = spawnSync(python, ['-c', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, number[]>;
}

test("He and PyTorch's default Kaiming bounds equal torch.nn.init.kaiming_uniform_'s to the last bit", { skip }, () => {
  const torch = torchBounds();
  for (const [activation, torchName] of NONLINEARITIES) {
    const differing = FAN_INS.filter((fan, index) => heUniformBound(fan, activationGain(activation)) !== torch[torchName][index]);
    assert.deepEqual(differing, [], `${activation}: fan-ins where plab's bound differs from torch's`);
  }
  const differing = FAN_INS.filter((fan, index) => kaimingUniformBound(fan) !== torch.default[index]);
  assert.deepEqual(differing, [], 'the default (a = √5): fan-ins where the bounds differ');
});
