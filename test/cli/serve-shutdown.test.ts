/**
 * Graceful shutdown of `wirekit serve`: SIGTERM (and SIGINT, as Ctrl-C) closes every connection
 * with 1001 going away (RFC 6455 §7.4.1), completes the close handshakes and exits 0.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connect } from '../../src/index.js';
import { startCli, startServe, stopAllCli } from './cli-process.js';

after(stopAllCli);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: clients see a clean close with 1001 and serve exits 0`, async () => {
    const { server, url } = await startServe();
    let reportClose: (close: { code: number; reason: string; wasClean: boolean }) => void =
      () => {};
    const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
      reportClose = resolve;
    });
    const library = await connect(url, {
      handler: {
        close(_ws, code, reason, wasClean) {
          reportClose({ code, reason, wasClean });
        },
      },
    });
    const cli = startCli('connect', url); // stdin stays open: only the server ends this session
    await cli.waitFor('stderr', /^connected/);
    await server.waitFor('stderr', /opened \(2 open\)/);

    server.child.kill(signal);

    assert.deepEqual(await closed, {
      code: 1001,
      reason: 'server shutting down',
      wasClean: true,
    });
    assert.equal(library.readyState, 3);
    assert.deepEqual(await cli.exit(), { code: 0, signal: null });
    assert.match(cli.stderr, /closed: code 1001, reason "server shutting down"\n$/);
    assert.deepEqual(await server.exit(), { code: 0, signal: null });
    assert.match(server.stderr, new RegExp(`${signal}: closing 2 connection\\(s\\) with 1001`));
    assert.match(server.stderr, /\nclosed\n$/);
  });
}
