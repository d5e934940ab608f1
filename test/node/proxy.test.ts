/**
 * The WebSocket client through an HTTP proxy (`proxy` option): `connect()` over `ws://` and
 * `wss://` and an RFC 8441 WebSocket over HTTP/2 (h2 by ALPN through the tunnel, and h2c),
 * through Debian's tinyproxy started by the test — echo round trips, Basic credentials accepted
 * and refused, a target the proxy refuses — and through a fake proxy that sends the target's
 * first bytes in the same read as its 200 (they must reach the WebSocket and HTTP/2 layers).
 * Then `proxy: 'env'`: the environment's proxy and NO_PROXY, set here and restored after.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { Http2WebSocketSession } from '../../src/node/http2-session.js';
import { serve } from '../../src/node/websocket-server.js';
import { fakeProxy, tunnel } from '../helpers/fake-proxy.js';
import { startTinyproxy } from '../helpers/tinyproxy.js';
import { clientTls } from '../http2/h2-fixtures.js';
import { rawH2Server } from '../http2/raw-h2.js';
import {
  type TestTransport,
  testTransport,
  testTransports,
} from '../transports/test-transports.js';
import { until, within } from './helpers.js';

/** The HTTP/1.1 entries of the test transport list: tcp, tls. */
function http1Transports(): TestTransport[] {
  return testTransports().filter((t) => t.http === '1.1');
}

const PASSWORD = 'never-in-a-message';

/** The next message `connection` iterates, as text. */
async function nextText<Data>(connection: Connection<Data>): Promise<string> {
  const result = await within(connection[Symbol.asyncIterator]().next(), 10_000, 'a message');
  assert.equal(result.done, false, 'the connection ended instead of delivering a message');
  return result.value.data.toString();
}

async function rejection(promise: Promise<unknown>): Promise<WirekitError> {
  const error = await promise.then(
    () => assert.fail('expected the connect to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WirekitError, `not a WirekitError: ${String(error)}`);
  assert.ok(!error.message.includes(PASSWORD), error.message);
  return error;
}

/** An echo server (`echo:` + the message) over `serve`'s options. */
function echo(): { message(ws: Connection<unknown>, data: Buffer): void } {
  return {
    message(ws, data) {
      ws.send(`echo:${data.toString()}`);
    },
  };
}

/** Sets proxy variables for the duration of `run`, restoring every one after. */
async function withEnv(vars: Record<string, string>, run: () => Promise<void>): Promise<void> {
  const names = [
    'http_proxy',
    'HTTP_PROXY',
    'https_proxy',
    'HTTPS_PROXY',
    'no_proxy',
    'NO_PROXY',
    'REQUEST_METHOD',
  ];
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  for (const name of names) delete process.env[name];
  Object.assign(process.env, vars);
  try {
    await run();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('connect() through tinyproxy', { timeout: 60_000 }, () => {
  for (const transport of http1Transports()) {
    for (const readBuffer of [undefined, 4096]) {
      test(`${transport.scheme}://${readBuffer === undefined ? '' : ' with readBuffer'}: an echo round trip through the CONNECT tunnel`, async (t) => {
        const proxy = await startTinyproxy();
        t.after(() => proxy.stop());
        const server = await serve({ ...transport.serve, handler: echo() });
        t.after(() => server.close());
        const port = server.address!.port;
        const ws = await connect(transport.url(port, '/chat'), {
          ...transport.connect,
          proxy: proxy.url,
          ...(readBuffer === undefined ? {} : { readBuffer }),
        });
        t.after(() => ws.close());
        ws.send('ping');
        assert.equal(await nextText(ws), 'echo:ping');
        assert.deepEqual(proxy.connects(), [`127.0.0.1:${port}`], 'the server saw the proxy');
      });
    }
  }

  for (const kind of ['h2', 'h2c'] as const) {
    test(`HTTP/2 (${kind}): an RFC 8441 WebSocket through the tunnel, by connect() and by a session`, async (t) => {
      const proxy = await startTinyproxy();
      t.after(() => proxy.stop());
      const server = await serve({ ...testTransport(kind).serve, handler: echo() });
      t.after(() => server.close());
      const port = server.address!.port;
      const url = `${kind === 'h2' ? 'wss' : 'ws'}://127.0.0.1:${port}/h2`;
      const ws = await connect(url, { http2: true, tls: clientTls(), proxy: proxy.url });
      ws.send('over h2');
      assert.equal(await nextText(ws), 'echo:over h2');
      ws.close();

      const session = await Http2WebSocketSession.connect(url, {
        tls: clientTls(),
        proxy: proxy.url,
      });
      t.after(() => session.close());
      const [a, b] = await Promise.all([session.openWebSocket('/a'), session.openWebSocket('/b')]);
      a.send('a');
      b.send('b');
      assert.deepEqual([await nextText(a), await nextText(b)], ['echo:a', 'echo:b']);
      assert.deepEqual(proxy.connects(), [`127.0.0.1:${port}`, `127.0.0.1:${port}`]);
    });
  }

  test('Basic credentials: accepted; missing → 407, wrong → refused, as ERR_PROXY', async (t) => {
    const proxy = await startTinyproxy({ auth: { user: 'bob', password: PASSWORD } });
    t.after(() => proxy.stop());
    const [, tls] = http1Transports();
    const server = await serve({ ...tls!.serve, handler: echo() });
    t.after(() => server.close());
    const url = tls!.url(server.address!.port);
    const ws = await connect(url, { ...tls!.connect, proxy: proxy.urlWith('bob', PASSWORD) });
    ws.send('authorized');
    assert.equal(await nextText(ws), 'echo:authorized');
    ws.close();
    // The close handshake finishes on its own time: the refused attempts below must find the
    // server with no connection at all.
    await until(() => server.connections.size === 0, 'the authorized connection to close');

    const missing = await rejection(connect(url, { ...tls!.connect, proxy: proxy.url }));
    assert.equal(missing.code, ErrorCode.PROXY);
    assert.equal(missing.status, 407);
    assert.match(missing.message, /proxy authentication required/);
    const wrong = await rejection(
      connect(url, { ...tls!.connect, proxy: proxy.urlWith('bob', `x${PASSWORD}`) }),
    );
    assert.equal(wrong.code, ErrorCode.PROXY);
    assert.match(wrong.message, /credentials in the proxy URL were refused/);
    assert.equal(server.connections.size, 0);
  });

  test('a target the proxy refuses: ERR_PROXY with its 403; no HTTP/2 fallback hides it', async (t) => {
    const server = await serve({ port: 0, handler: echo() });
    t.after(() => server.close());
    const port = server.address!.port;
    const proxy = await startTinyproxy({ connectPorts: [port === 443 ? 444 : 443] });
    t.after(() => proxy.stop());
    for (const http2 of [false, 'prefer'] as const) {
      const error = await rejection(connect(`ws://127.0.0.1:${port}`, { proxy: proxy.url, http2 }));
      assert.equal(error.code, ErrorCode.PROXY);
      assert.equal(error.status, 403);
    }
  });
});

describe('connect() through a proxy that sends the target bytes with its 200', {
  timeout: 30_000,
}, () => {
  test('HTTP/1.1: a refusal that arrived with the 200 reaches the handshake reader', async (t) => {
    // A target that answers at once, before any request: its answer travels with the 200.
    const sockets = new Set<Socket>();
    const target = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden');
    });
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    t.after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => target.close(() => resolve()));
    });
    const proxy = await fakeProxy((head, client) => tunnel(head, client, { withFirstBytes: true }));
    t.after(() => proxy.close());
    const port = (target.address() as AddressInfo).port;
    const error = await rejection(
      connect(`ws://127.0.0.1:${port}/`, { proxy: proxy.url, handshakeTimeout: 5_000 }),
    );
    assert.equal(error.code, ErrorCode.WS_HANDSHAKE, error.message);
    assert.equal(error.status, 403);
  });

  test("h2c: the server's SETTINGS that arrived with the 200 reach HTTP/2", async (t) => {
    const raw = await rawH2Server('h2c');
    t.after(() => raw.close());
    const proxy = await fakeProxy((head, client) => tunnel(head, client, { withFirstBytes: true }));
    t.after(() => proxy.close());
    const session = await Http2WebSocketSession.connect(`ws://127.0.0.1:${raw.port}`, {
      proxy: proxy.url,
      connectTimeout: 5_000,
    });
    t.after(() => session.close());
    const opening = session.openWebSocket('/chat');
    await raw.nextStream();
    const ws = await opening;
    assert.equal(ws.readyState, 1);
    ws.close();
  });
});

describe("proxy: 'env'", { timeout: 60_000 }, () => {
  test('https_proxy for wss://, http_proxy for ws://; NO_PROXY that matches goes direct', async (t) => {
    const proxy = await startTinyproxy();
    t.after(() => proxy.stop());
    const [tcp, tls] = http1Transports();
    const plain = await serve({ ...tcp!.serve, handler: echo() });
    t.after(() => plain.close());
    const secure = await serve({ ...tls!.serve, handler: echo() });
    t.after(() => secure.close());
    const plainUrl = tcp!.url(plain.address!.port);
    const secureUrl = tls!.url(secure.address!.port);
    const roundTrip = async (url: string, options: object): Promise<void> => {
      const ws = await connect(url, { ...options, proxy: 'env' });
      ws.send('x');
      assert.equal(await nextText(ws), 'echo:x');
      ws.close();
    };

    // Without the opt-in the environment is not read.
    await withEnv(
      { http_proxy: 'http://127.0.0.1:1', https_proxy: 'http://127.0.0.1:1' },
      async () => {
        const ws = await connect(plainUrl);
        ws.close();
      },
    );

    await withEnv(
      { https_proxy: proxy.url, HTTP_PROXY: proxy.url, NO_PROXY: 'example.com' },
      async () => {
        await roundTrip(secureUrl, tls!.connect);
        await roundTrip(plainUrl, {});
      },
    );
    assert.deepEqual(proxy.connects(), [
      `127.0.0.1:${secure.address!.port}`,
      `127.0.0.1:${plain.address!.port}`,
    ]);

    // NO_PROXY matching the target (an IP literal; `host:port`): direct, the proxy sees nothing.
    const matching = ['127.0.0.1', `127.0.0.1:${secure.address!.port}`, '*'];
    for (const noProxy of matching) {
      await withEnv({ HTTPS_PROXY: proxy.url, no_proxy: noProxy }, () =>
        roundTrip(secureUrl, tls!.connect),
      );
    }
    assert.equal(proxy.connects().length, 2, 'NO_PROXY matched: no more CONNECTs');

    // A broken proxy from the environment fails loudly, naming it.
    await withEnv({ http_proxy: 'https://127.0.0.1:1' }, async () => {
      assert.throws(() => connect(plainUrl, { proxy: 'env' }), {
        code: ErrorCode.INVALID_ARGUMENT,
      });
    });
  });

  test('the env is read in a child process too (no variable leaks into this one)', async () => {
    const { execFile } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const module = fileURLToPath(new URL('../../src/node/proxy-from-env.js', import.meta.url));
    const script = `import(${JSON.stringify(module)}).then(({ proxyFromEnv }) => console.log(JSON.stringify([
      proxyFromEnv({ secure: true, hostname: 'api.example.com', port: 443 }),
      proxyFromEnv({ secure: true, hostname: 'db.internal', port: 443 }),
      proxyFromEnv({ secure: false, hostname: 'api.example.com', port: 80 }),
    ])))`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        {
          env: {
            PATH: process.env['PATH'] ?? '',
            HTTPS_PROXY: 'http://proxy.test:3128',
            NO_PROXY: '.internal',
          },
          timeout: 10_000,
        },
        (error, out) => (error === null ? resolve(out) : reject(error)),
      );
    });
    assert.deepEqual(JSON.parse(stdout), ['http://proxy.test:3128', null, null]);
    assert.equal(process.env['HTTPS_PROXY'] === 'http://proxy.test:3128', false);
  });
});
