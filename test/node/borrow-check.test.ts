/**
 * The development check for borrowed payloads (`readBuffer` with WIREKIT_CHECK_BORROWED=1): a
 * callback sees the right bytes, and a view kept past its callback reads as empty at once.
 * Run in a child process: the variable is read when the module loads.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const child = new URL('./fixtures/borrow-check-child.js', import.meta.url).pathname;

function run(check: boolean): { during: string[]; keptLengths: number[] } {
  const env = { ...process.env, WIREKIT_CHECK_BORROWED: check ? '1' : '0' };
  const out = execFileSync(process.execPath, [child], { env, encoding: 'utf8', timeout: 20_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

test('with WIREKIT_CHECK_BORROWED=1 a borrowed payload kept past its callback reads as empty', () => {
  const { during, keptLengths } = run(true);
  assert.deepEqual(during, ['one', 'ping:p', 'two', 'three']);
  assert.deepEqual(keptLengths, [0, 0, 0, 0]);
});

test('without the check, borrowed payloads are views of the read buffer (lengths kept)', () => {
  const { during, keptLengths } = run(false);
  assert.deepEqual(during, ['one', 'ping:p', 'two', 'three']);
  assert.deepEqual(keptLengths, [3, 1, 3, 5]);
});
