// The progress line names the task and epoch, the step, the elapsed time and ETA, loss and accuracy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressBar } from '../../src/cli/progress.js';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY: false, write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

test('a progress line shows the phase, the step out of the total, elapsed<ETA and the detail', () => {
  const { stream, text } = capture();
  const bar = new ProgressBar(stream);
  bar.update({ label: 'task 2/5 epoch 3', done: 80, total: 320, detail: 'loss 0.1234 acc 0.969' }, true);
  assert.match(text(), /^task 2\/5 epoch 3 \[#{6}\.{18}\]  25% step 80\/320 \d+:\d\d<\d+:\d\d loss 0\.1234 acc 0\.969\n$/);
  bar.done('task 2/5 done');
  assert.ok(text().endsWith('task 2/5 done\n'));
});

test('a quiet progress bar writes nothing', () => {
  const { stream, text } = capture();
  const bar = new ProgressBar(stream, true);
  bar.update({ label: 'task 1/5 epoch 1', done: 1, total: 2 }, true);
  bar.done('finished');
  assert.equal(text(), '');
});
