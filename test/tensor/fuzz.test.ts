// Every function the addon exports, called many times with random and hostile arguments
// (wrong types, negative and huge sizes, bad dtype codes and device strings, released tensors):
// each call must return or throw a JavaScript Error naming the call, never abort the process.
// The calls run in a child process, so that a SIGABRT or SIGSEGV fails this test instead of
// taking the test runner down. 40 rounds (about 1,500 calls): each c10::Error records a C++
// backtrace, which makes a failing call cost milliseconds.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const script = `
import { native } from './src/tensor/native.ts';
// A fixed xorshift stream, so that a failing call is reproduced by running the test again.
let state = 0x9e3779b9;
const random = () => { state ^= state << 13; state ^= state >>> 17; state ^= state << 5; return (state >>> 0) / 4294967296; };
const pick = (values) => values[Math.floor(random() * values.length)];
const made = () => native.fromTypedArray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], 6);
const released = made();
native.release(released);
const devices = ['cpu', 'cuda:x', 'cuda:-1', 'gpu0', 'cuda:99999999999', '', 'cpu:0', 'meta', ':', 'cuda:0'];
// Sizes are either small or far beyond memory: a size that fits the address space but not RAM
// would be zero-filled and bring in the OOM killer, which is the memory planner's business.
const numbers = [-1, 0, 1, 2, 3, 5, 7, -2147483649, 1e15, 2 ** 53, 1.5, NaN, Infinity, -Infinity];
const operators = [
  ['add', 'Tensor'], ['zeros', ''], ['ones', ''], ['to', 'device'], ['to', 'dtype'], ['_to_copy', ''],
  ['matmul', ''], ['reshape', ''], ['index_select', ''], ['sum', 'dim_IntList'], ['empty', 'memory_format'],
  ['randn', 'generator'], ['cat', ''], ['eye', ''], ['full', ''],
].map(([name, overload]) => native.resolveOperator(name, overload));
const value = (depth = 0) => {
  switch (Math.floor(random() * 11)) {
    case 0: return pick(numbers);
    case 1: return pick(devices);
    case 2: return made();
    case 3: return released;
    case 4: return depth < 2 ? Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1)) : [];
    case 5: return pick([null, undefined, true, false, {}, () => 1, Symbol('s'), 10n]);
    case 6: return new Float64Array(Math.floor(random() * 4));
    case 7: return pick(numbers.map((n) => Math.abs(n) < 100 ? n : 1));
    case 8: return pick(operators);
    case 9: return new native.GeneratorHandle(0, 'cpu');
    default: return pick([-1, 1e13, 40]);
  }
};
const names = Object.keys(native).filter((name) => typeof native[name] === 'function' && name !== 'GeneratorHandle');
const counts = { calls: 0, errors: 0 };
const unnamed = [];
const messages = {};
const call = (label, body) => {
  counts.calls += 1;
  try { body(); } catch (error) {
    counts.errors += 1;
    if (!(error instanceof Error) || !error.message) unnamed.push(label);
    else messages[label] ??= error.message;
  }
};
for (let round = 0; round < 40; round += 1) {
  for (const name of names) {
    const args = Array.from({ length: Math.floor(random() * 5) }, () => value());
    call(name, () => native[name](...args));
  }
  if (round % 10 === 0) native.setNumThreads(1);
  call('callOperator', () => native.callOperator(pick(operators), ...Array.from({ length: 1 + Math.floor(random() * 5) }, () => value())));
  call('GeneratorHandle', () => new native.GeneratorHandle(value(), value()));
  const generator = new native.GeneratorHandle(1, 'cpu');
  call('Generator.manualSeed', () => generator.manualSeed(value()));
  call('Generator.setState', () => generator.setState(value()));
}
native.setNumThreads(1);
const named = {};
const keep = (label, body) => { try { body(); named[label] = 'no error'; } catch (error) { named[label] = error.message; } };
const toDevice = native.resolveOperator('to', 'device');
for (const device of ['cuda:x', 'cuda:-1', 'gpu0']) {
  keep(".to('" + device + "')", () => native.callOperator(toDevice, made(), device, 6));
  keep("zeros on '" + device + "'", () => native.callOperator(operators[1], [2], null, null, device));
  keep("fromTypedArray on '" + device + "'", () => native.fromTypedArray(new Float32Array(1), [1], 6, device));
  keep("Generator on '" + device + "'", () => new native.GeneratorHandle(0, device));
}
keep('operatorSchema(-1)', () => native.operatorSchema(-1));
keep('operatorSchema(1e9)', () => native.operatorSchema(1e9));
keep("operatorSchema('x')", () => native.operatorSchema('x'));
keep('setNumThreads(1e9)', () => native.setNumThreads(1e9));
keep('setNumThreads(1e300)', () => native.setNumThreads(1e300));
keep("setNumThreads('x')", () => native.setNumThreads('x'));
keep("backward('x')", () => native.backward('x'));
native.setNumThreads(1);
// Every message starts with the call it came from: 'name: ...' or an operator's 'aten::name(...)'.
const unprefixed = Object.entries(messages).filter(([, message]) => !/^[A-Za-z_][\\w.]*(::[\\w.]+)?[:(]/.test(message)).map(([label, message]) => label + ' -> ' + message);
console.log(JSON.stringify({ counts, unnamed, named, unprefixed }));
`;

test('random and hostile arguments to every native entry throw JavaScript errors, never abort', () => {
  const root = join(import.meta.dirname, '..', '..');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(run.signal, null, `the process was killed by ${run.signal}: ${run.stderr.slice(-2000)}`);
  assert.equal(run.status, 0, run.stderr.slice(-2000));
  const { counts, unnamed, named, unprefixed } = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    counts: { calls: number; errors: number }; unnamed: string[]; named: Record<string, string>; unprefixed: string[];
  };
  assert.ok(counts.calls > 1200, `only ${counts.calls} calls`);
  assert.ok(counts.errors > counts.calls / 4, `${counts.errors} of ${counts.calls} calls threw`);
  assert.deepEqual(unnamed, [], 'errors without a message');
  assert.deepEqual(unprefixed, [], 'errors that do not name their call');
  for (const device of ['cuda:x', 'cuda:-1', 'gpu0']) {
    assert.match(named[`.to('${device}')`], /^aten::to\.device\(.*(device|Device)/, device);
    assert.match(named[`zeros on '${device}'`], /^aten::zeros\(/, device);
    assert.match(named[`fromTypedArray on '${device}'`], /^tensor: /, device);
    assert.match(named[`Generator on '${device}'`], /^Generator: /, device);
  }
  assert.match(named['operatorSchema(-1)'], /^operatorSchema: unknown operator id -1/);
  assert.match(named['operatorSchema(1e9)'], /^operatorSchema: unknown operator id 1e\+09/);
  assert.match(named["operatorSchema('x')"], /number/);
  assert.match(named['setNumThreads(1e9)'], /^setNumThreads: the number of threads must be a whole number from 1 to 1024, got 1e\+09/);
  assert.match(named['setNumThreads(1e300)'], /^setNumThreads: the number of threads must be a whole number from 1 to 1024, got 1e\+300/);
  assert.equal(named["setNumThreads('x')"], 'setNumThreads: an argument has the wrong type: A number was expected');
  assert.equal(named["backward('x')"], 'backward: an argument has the wrong type: An array was expected');
  console.log(JSON.stringify(named, null, 1));
});
