// The method registry is the one list of methods: its order is the hook order docs/methods.md
// documents, and the method group's schema and `plab config show method` come from it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { methodKeys, methodRegistry, type MethodDefinition } from '../../src/cl/methods/index.js';
import { formatHelp } from '../../src/config/index.js';
import { method } from '../../src/config/groups/method.js';

const selection = (definition: MethodDefinition) => ('rule' in definition ? `method.rule=${definition.rule}` : `+method.${definition.key}`);

test("docs/methods.md's hook-order table lists the registry's methods in its order", () => {
  const text = readFileSync(new URL('../../docs/methods.md', import.meta.url), 'utf8');
  const rows = [...text.matchAll(/^\| (\d+) \| `([^`]+)` \|/gm)].map((match) => [Number(match[1]), match[2]]);
  assert.deepEqual(
    rows,
    methodRegistry.map((definition, index) => [index + 1, selection(definition as MethodDefinition)]),
  );
});

test('the method group is the registry: method.rule offers SL and each rule, and each remedy is its optional key', () => {
  assert.equal(method.common, methodKeys);
  assert.deepEqual(methodKeys.rule.choices, ['SL', 'RL', 'Bio']);
  const remedies = methodRegistry.flatMap((definition) => ('key' in definition ? [definition.key] : []));
  assert.deepEqual(Object.keys(methodKeys), ['rule', ...remedies]);
  for (const key of remedies) assert.equal(methodKeys[key].optional, true, key);
});

test('plab config show method lists every method in hook order with its help, and every key of each', () => {
  const help = formatHelp({ group: 'method' });
  const listed = methodRegistry.map((definition, index) => help.indexOf(`  ${index + 1}. ${selection(definition as MethodDefinition)}: ${definition.help}`));
  assert.ok(listed.every((at) => at >= 0), `every method listed: ${listed}`);
  assert.deepEqual([...listed].sort((a, b) => a - b), listed, 'in hook order');
  for (const [name, spec] of Object.entries(methodKeys)) {
    assert.match(help, new RegExp(`^ {4}method\\.${name} `, 'm'), name);
    for (const sub of Object.keys(spec.keys ?? {})) assert.match(help, new RegExp(`^ {4}method\\.${name}\\.${sub} `, 'm'), `${name}.${sub}`);
  }
  assert.match(help, /e\.g\. \+method\.replay\.buffer_size=1000 /);
});
