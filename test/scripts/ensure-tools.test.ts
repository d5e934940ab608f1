/**
 * scripts/ensure-tools.js, which `npm test` and `.ci/run` run first, tried without installing
 * anything: `--dry-run`, with `WIREKIT_ASSUME_MISSING` standing in for tools this machine has.
 * As root it plans `apt-get update` then one `apt-get install`; as another user it stops with
 * the one command that installs them. The io_uring addon the wirekit/uring suites load is
 * built when missing (`npm run build:uring`), after liburing-dev is installed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../scripts/ensure-tools.js', import.meta.url));
const IS_ROOT = process.getuid?.() === 0;

function ensureTools(
  assumeMissing: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [SCRIPT, '--dry-run'],
      { env: { ...process.env, WIREKIT_ASSUME_MISSING: assumeMissing }, timeout: 30_000 },
      (error, stdout, stderr) => {
        done({ code: error === null ? 0 : (error.code as number | null), stdout, stderr });
      },
    );
  });
}

describe('scripts/ensure-tools.js --dry-run', { timeout: 60_000 }, () => {
  test('missing tools: installed with apt as root, else the one command to run', async () => {
    const result = await ensureTools('chromium,openssl');
    const install = 'apt-get install -y --no-install-recommends openssl chromium';
    if (IS_ROOT) {
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /chromium \(for test\/interop\//);
      assert.ok(
        result.stdout.includes(`would run: apt-get update\nwould run: ${install}\n`),
        result.stdout,
      );
    } else {
      assert.equal(result.code, 1);
      assert.ok(result.stderr.includes(`sudo apt-get update && sudo ${install}`), result.stderr);
    }
  });

  test('liburing-dev and the io_uring addon: installed, then built', async () => {
    const result = await ensureTools('liburing,uring-addon');
    const install = 'apt-get install -y --no-install-recommends liburing-dev';
    if (IS_ROOT) {
      assert.equal(result.code, 0, result.stderr);
      assert.ok(
        result.stdout.endsWith(
          `would run: apt-get update\nwould run: ${install}\n` +
            'would run: npm run build:uring (the io_uring addon is missing or stale)\n',
        ),
        result.stdout,
      );
    } else {
      assert.equal(result.code, 1);
      assert.ok(result.stderr.includes(`sudo apt-get update && sudo ${install}`), result.stderr);
    }
  });

  test('only the addon missing: it is built, nothing installed', async () => {
    const result = await ensureTools('uring-addon');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      'ensure-tools: every tool the tests need is installed\n' +
        'would run: npm run build:uring (the io_uring addon is missing or stale)\n',
    );
  });

  test('an unknown tool name in WIREKIT_ASSUME_MISSING is refused', async () => {
    const result = await ensureTools('not-a-tool');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown tool: not-a-tool/);
  });
});
