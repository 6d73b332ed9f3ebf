// The examples in examples/ as a researcher would run them: the checkout installed by path into a
// scratch project (npm install <checkout>, offline: a folder needs no registry), each script copied
// there and run with node, so that 'plasticity-lab' resolves through the package's exports map and
// built entry, not through src/. Each example asserts its own results and exits non-zero when one
// fails; the printed figures are checked here too.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

const checkout = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'plab-examples-'));

before(() => {
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'plab-examples-scratch', private: true, type: 'module' }));
  execFileSync('npm', ['install', checkout, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: scratch, stdio: 'pipe' });
  for (const file of readdirSync(join(checkout, 'examples'))) copyFileSync(join(checkout, 'examples', file), join(scratch, file));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function runExample(name: string): string {
  const result = spawnSync(process.execPath, [join(scratch, name)], { cwd: scratch, encoding: 'utf8' });
  assert.equal(result.status, 0, `${name} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

test('the scratch project resolves plasticity-lab to this checkout', () => {
  const resolved = execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('plasticity-lab'))"], { cwd: scratch, encoding: 'utf8' }).trim();
  assert.equal(realpathSync(new URL(resolved)), join(realpathSync(checkout), 'build', 'lib', 'index.js'));
});

test('the generated declarations type a TypeScript user of the package, and reject a wrong call', () => {
  const compile = (source: string) => {
    writeFileSync(join(scratch, 'typed.ts'), source);
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['typed.ts'] }));
    return spawnSync(process.execPath, [join(checkout, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', scratch], { encoding: 'utf8' });
  };
  const user = [
    "import { Learner, nn, optim, type Method, type Tensor } from 'plasticity-lab';",
    "const method: Method = { name: 'none', lossTerm: (): Tensor | null => null };",
    'const model = new nn.MLP({ inputShape: [4], hidden: [3], numClasses: 2, members: 1 });',
    'export const learner = new Learner(model, new optim.SGD(model.parameters(), { lr: 0.1 }), [method]);',
  ].join('\n');
  const typed = compile(user);
  assert.equal(typed.status, 0, typed.stdout);
  const wrong = compile(user.replace('numClasses: 2', "numClasses: 'two'"));
  assert.match(wrong.stdout, /typed\.ts.*error TS2322/);
});

test('a custom method hooked on the Learner keeps the weights near their start', () => {
  const [, free, anchored] = /free ([\d.]+), anchored ([\d.]+)/.exec(runExample('custom-method.mjs'))!.map(Number);
  assert.ok(anchored < 0.5 * free);
});

test('a custom metric joins the logged metrics of an experiment without a change to plab', () => {
  const printed = runExample('custom-metric.mjs');
  for (const layer of ['layer1', 'layer2']) assert.match(printed, new RegExp(`^${layer}: silent fraction per member 0\\.\\d{3}, 0\\.\\d{3}$`, 'm'));
});

test('a hand-written loop over Split-MNIST learns each task and forgets the first', () => {
  const output = runExample('split-mnist-loop.mjs');
  assert.match(output, /after task 2: task 0 0\.\d+\/0\.\d+, task 1 [\d.]+\/[\d.]+, task 2 0\.9\d+\/0\.9\d+/);
});
