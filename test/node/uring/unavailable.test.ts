/**
 * `wirekit/uring` where the transport cannot run: the entry imports without loading anything,
 * and asking for the transport throws `UringUnavailableError` (code `ERR_URING_UNAVAILABLE`)
 * with a reason and what to do. Runs everywhere: a child process points the entry at an addon
 * that does not exist, whether or not this checkout built one, and an addon whose ring setup
 * fails stands in for a kernel that refuses io_uring.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import {
  loadUring,
  serveUring,
  UringUnavailableError,
  UringUnavailableReason,
  uringAvailable,
} from '../../../src/node/uring/index.js';
import {
  createRing,
  type UringAddon,
  uringAddonPath,
} from '../../../src/node/uring/uring-addon.js';

const ENTRY = new URL('../../../src/node/uring/index.js', import.meta.url).href;

/** Loads the entry with the addon at `addonPath` and prints what loadUring and serveUring did. */
const PROBE = `
const uring = await import(${JSON.stringify(ENTRY)});
const seen = {};
try { uring.loadUring(); seen.load = 'loaded'; } catch (error) {
  seen.load = { name: error.name, code: error.code, reason: error.reason,
    typed: error instanceof uring.UringUnavailableError, message: error.message };
}
try { await uring.serveUring({ port: 0, handler: {} }); seen.serve = 'served'; } catch (error) {
  seen.serve = { code: error.code, reason: error.reason };
}
seen.available = uring.uringAvailable();
console.log(JSON.stringify(seen));
`;

function probe(addonPath: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', PROBE],
      { env: { ...process.env, WIREKIT_URING_ADDON: addonPath }, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Record<string, unknown>);
      },
    );
  });
}

describe('wirekit/uring when the transport is unavailable', { timeout: 30_000 }, () => {
  test('an addon that is not built: UringUnavailableError, reason not-built', async () => {
    const seen = await probe('/nonexistent/wirekit_uring.node');
    assert.deepEqual(seen['serve'], { code: 'ERR_URING_UNAVAILABLE', reason: 'not-built' });
    assert.equal(seen['available'], false);
    const load = seen['load'] as Record<string, unknown>;
    assert.equal(load['name'], 'UringUnavailableError');
    assert.equal(load['code'], 'ERR_URING_UNAVAILABLE');
    assert.equal(load['reason'], 'not-built');
    assert.equal(load['typed'], true);
    assert.match(String(load['message']), /npm run build:uring/);
  });

  test('a file that is not an addon: UringUnavailableError, reason load-failed', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wirekit-uring-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'wirekit_uring.node');
    writeFileSync(path, 'not a shared object');
    const seen = await probe(path);
    const load = seen['load'] as Record<string, unknown>;
    assert.equal(load['code'], 'ERR_URING_UNAVAILABLE');
    assert.equal(load['reason'], 'load-failed');
    assert.equal(seen['available'], false);
  });

  test('a kernel that refuses the ring: UringUnavailableError, reason kernel', () => {
    const refusing = {
      create() {
        throw Object.assign(new Error('io_uring_setup: Operation not permitted'), {
          code: 'ERR_URING_SYSCALL',
          errno: -1,
        });
      },
    } as unknown as UringAddon;
    assert.throws(
      () => createRing(refusing, {}, () => {}),
      (error: unknown) =>
        error instanceof UringUnavailableError &&
        error.reason === UringUnavailableReason.KERNEL &&
        error.code === ErrorCode.URING_UNAVAILABLE &&
        /io_uring_disabled/.test(error.message),
    );
  });

  test('the error is a WirekitError, and other WirekitErrors are not UringUnavailableErrors', () => {
    const error = new UringUnavailableError(UringUnavailableReason.NOT_BUILT, 'x');
    assert.ok(error instanceof WirekitError);
    assert.ok(!(new WirekitError(ErrorCode.TIMEOUT, 'x') instanceof UringUnavailableError));
  });

  test('in this process: loadUring agrees with whether the addon was built', () => {
    if (existsSync(uringAddonPath())) {
      // Built: either the transport runs (serve-uring.test.ts tests it) or the kernel refuses.
      try {
        loadUring();
        assert.equal(uringAvailable(), true);
      } catch (error) {
        assert.ok(error instanceof UringUnavailableError);
        assert.equal(error.reason, UringUnavailableReason.KERNEL);
        assert.equal(uringAvailable(), false);
      }
      return;
    }
    assert.throws(
      () => loadUring(),
      (error: unknown) =>
        error instanceof UringUnavailableError && error.reason === UringUnavailableReason.NOT_BUILT,
    );
    assert.equal(uringAvailable(), false);
    return assert.rejects(
      serveUring({ port: 0, handler: {} }),
      (error: unknown) => error instanceof UringUnavailableError,
    );
  });
});
