/**
 * The one dialer, `dial(target, options)`: TCP and TLS straight to the target, and both through
 * an HTTP proxy's CONNECT tunnel (RFC 9110 §9.3.6) — Debian's tinyproxy for the real thing
 * (plain and TLS targets, Basic credentials accepted and refused, a target port it refuses),
 * and a fake proxy in the test for what a real one rarely does: close early, reset, flood us
 * with header fields, answer something that is not HTTP, never answer, or send the target's
 * first bytes in the same read as its 200 (they must reach the next layer, TLS included).
 * Every failure is a `WirekitError` with its stable code, naming the proxy but never its
 * password, and leaves nothing open.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { dial } from '../../src/node/dial.js';
import { parseProxyUrl } from '../../src/node/proxy-url.js';
import { fakeProxy, tunnel } from '../helpers/fake-proxy.js';
import { startTinyproxy } from '../helpers/tinyproxy.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { until, within } from './helpers.js';

const PASSWORD = 'not-in-any-message';

/** A server on 127.0.0.1 that greets each connection with `hello <remote port>`, then echoes. */
async function greeter(
  secure: boolean,
): Promise<{ port: number; peers: number[]; servernames: unknown[]; close(): Promise<void> }> {
  const peers: number[] = [];
  const servernames: unknown[] = [];
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket): void => {
    socket.on('error', () => {});
    peers.push(socket.remotePort!);
    servernames.push((socket as TLSSocket).servername);
    socket.write(`hello ${socket.remotePort}\n`);
    socket.pipe(socket);
  };
  const server: Server = secure
    ? createTlsServer({ ...testCertificate(), ALPNProtocols: ['http/1.1'] }, onSocket)
    : createServer(onSocket);
  // Every TCP connection, also one whose TLS handshake never finished.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    peers,
    servernames,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP server that accepts and never writes. */
async function silent(): Promise<{ port: number; accepted(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The first line the socket reads (it is resumed: the dialer hands it over paused). */
async function firstLine(socket: Socket): Promise<string> {
  let text = '';
  const done = new Promise<string>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const end = text.indexOf('\n');
      if (end >= 0) resolve(text.slice(0, end));
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(text)}`)));
  });
  socket.resume();
  return within(done, 5_000, 'the first line');
}

async function failure(promise: Promise<unknown>): Promise<WirekitError> {
  const error = await promise.then(
    () => assert.fail('expected the dial to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WirekitError, `not a WirekitError: ${String(error)}`);
  assert.ok(!error.message.includes(PASSWORD), error.message);
  return error;
}

const tls = (): { ca: string } => ({ ca: testCertificate().cert });

describe('dial: direct', { timeout: 30_000 }, () => {
  for (const secure of [false, true]) {
    test(`${secure ? 'TLS' : 'TCP'}: a connected socket, handshake done, nothing lost before resume()`, async (t) => {
      const server = await greeter(secure);
      t.after(() => server.close());
      const socket = await dial(
        { secure, hostname: '127.0.0.1', port: server.port },
        { tls: { ...tls(), servername: 'localhost' } },
      );
      t.after(() => socket.destroy());
      assert.equal(await firstLine(socket), `hello ${socket.localPort}`);
      if (secure) {
        assert.equal((socket as TLSSocket).authorized, true);
        assert.equal((socket as TLSSocket).alpnProtocol, 'http/1.1');
        assert.deepEqual(server.servernames, ['localhost']);
      }
    });
  }

  test('refused: ERR_CONNECTION_LOST with the socket error as the cause', async () => {
    const gone = await silent();
    await gone.close();
    const error = await failure(dial({ secure: false, hostname: '127.0.0.1', port: gone.port }));
    assert.equal(error.code, ErrorCode.CONNECTION_LOST);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  });

  test('connectTimeout covers the TLS handshake; an abort signal, given before or during', async (t) => {
    const server = await silent();
    t.after(() => server.close());
    const target = { secure: true, hostname: '127.0.0.1', port: server.port };
    const timedOut = await failure(dial(target, { connectTimeout: 150 }));
    assert.equal(timedOut.code, ErrorCode.TIMEOUT);
    assert.match(timedOut.message, /connectTimeout/);

    const before = server.accepted();
    const early = await failure(dial(target, { signal: AbortSignal.abort('stop') }));
    assert.equal(early.code, ErrorCode.ABORTED);
    assert.equal(early.cause, 'stop');
    assert.equal(server.accepted(), before, 'no connection was made for a signal already aborted');

    const controller = new AbortController();
    const dialing = dial(target, { signal: controller.signal });
    await until(() => server.accepted() === before + 1, 'the connection');
    controller.abort();
    assert.equal((await failure(dialing)).code, ErrorCode.ABORTED);
  });
});

describe('dial: through tinyproxy', { timeout: 60_000 }, () => {
  for (const secure of [false, true]) {
    test(`${secure ? 'TLS' : 'TCP'} target: CONNECT, then the target's bytes through the tunnel`, async (t) => {
      const proxy = await startTinyproxy();
      t.after(() => proxy.stop());
      const server = await greeter(secure);
      t.after(() => server.close());
      const socket = await dial(
        { secure, hostname: '127.0.0.1', port: server.port },
        { proxy: parseProxyUrl(proxy.url), tls: { ...tls(), servername: 'localhost' } },
      );
      t.after(() => socket.destroy());
      const line = await firstLine(socket);
      // The server's peer is the proxy, not our socket.
      assert.equal(server.peers.length, 1);
      assert.notEqual(server.peers[0], socket.localPort);
      assert.equal(line, `hello ${server.peers[0]}`);
      assert.deepEqual(proxy.connects(), [`127.0.0.1:${server.port}`]);
      if (secure) {
        assert.equal((socket as TLSSocket).authorized, true);
        assert.deepEqual(
          server.servernames,
          ['localhost'],
          'SNI is the target, through the tunnel',
        );
      }
      socket.write('echo\n');
      let echoed = '';
      socket.on('data', (chunk: Buffer) => {
        echoed += chunk.toString();
      });
      await until(() => echoed.includes('echo\n'), 'the echo through the tunnel');
    });
  }

  test('Basic credentials: accepted when right; 407 → ERR_PROXY naming the proxy, never the password', async (t) => {
    const proxy = await startTinyproxy({ auth: { user: 'alice', password: PASSWORD } });
    t.after(() => proxy.stop());
    const server = await greeter(false);
    t.after(() => server.close());
    const target = { secure: false, hostname: '127.0.0.1', port: server.port };

    const socket = await dial(target, { proxy: parseProxyUrl(proxy.urlWith('alice', PASSWORD)) });
    t.after(() => socket.destroy());
    assert.match(await firstLine(socket), /^hello /);

    const missing = await failure(dial(target, { proxy: parseProxyUrl(proxy.url) }));
    assert.equal(missing.code, ErrorCode.PROXY);
    assert.equal(missing.status, 407);
    assert.ok(missing.message.includes(proxy.url), missing.message);
    assert.match(missing.message, /proxy authentication required; give them in the proxy URL/);
    assert.match(missing.message, /challenge: Basic realm=/);

    const wrong = proxy.urlWith('alice', `wrong-${PASSWORD}`);
    const refused = await failure(dial(target, { proxy: parseProxyUrl(wrong) }));
    assert.equal(refused.code, ErrorCode.PROXY);
    // tinyproxy answers wrong credentials with 401 (RFC 9110 would have 407): both read alike.
    assert.ok(refused.status === 401 || refused.status === 407, String(refused.status));
    assert.match(refused.message, /proxy authentication required, and the credentials .* refused/);
    assert.equal(server.peers.length, 1, 'refused CONNECTs never reached the server');
  });

  test('a target port the proxy refuses (ConnectPort): ERR_PROXY with its 403', async (t) => {
    const server = await greeter(false);
    t.after(() => server.close());
    const proxy = await startTinyproxy({ connectPorts: [server.port === 443 ? 444 : 443] });
    t.after(() => proxy.stop());
    const error = await failure(
      dial(
        { secure: false, hostname: '127.0.0.1', port: server.port },
        { proxy: parseProxyUrl(proxy.url) },
      ),
    );
    assert.equal(error.code, ErrorCode.PROXY);
    assert.equal(error.status, 403);
    assert.ok(error.message.includes(`CONNECT 127.0.0.1:${server.port}`), error.message);
    assert.equal(server.peers.length, 0);
  });

  test('an unreachable proxy: ERR_CONNECTION_LOST naming it', async () => {
    const gone = await silent();
    await gone.close();
    const error = await failure(
      dial(
        { secure: false, hostname: '127.0.0.1', port: 9 },
        { proxy: parseProxyUrl(`http://u:${PASSWORD}@127.0.0.1:${gone.port}`) },
      ),
    );
    assert.equal(error.code, ErrorCode.CONNECTION_LOST);
    assert.ok(error.message.includes(`proxy http://127.0.0.1:${gone.port}`), error.message);
  });
});

describe('dial: a misbehaving proxy', { timeout: 30_000 }, () => {
  const target = { secure: false, hostname: '127.0.0.1', port: 9 } as const;

  test('the CONNECT request: authority-form, Host, Proxy-Authorization; IPv6 in brackets', async (t) => {
    const proxy = await fakeProxy((_head, client) => client.end('HTTP/1.1 403 Forbidden\r\n\r\n'));
    t.after(() => proxy.close());
    const url = `http://al%40ice:${PASSWORD}@127.0.0.1:${proxy.port}`;
    await failure(dial({ ...target, hostname: '::1', port: 8443 }, { proxy: parseProxyUrl(url) }));
    const credentials = Buffer.from(`al@ice:${PASSWORD}`).toString('base64');
    assert.equal(
      proxy.requests[0],
      `CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic ${credentials}`,
    );
  });

  const broken: [what: string, answer: (client: Socket) => void, check: RegExp][] = [
    ['closes before answering', (client) => client.end(), /closed the connection before answering/],
    [
      'resets before answering',
      (client) => client.resetAndDestroy(),
      /reset the connection|closed the connection/,
    ],
    [
      'answers half a head, then closes',
      (client) => client.end('HTTP/1.1 200 OK\r\nX-A: 1\r\n'),
      /closed the connection before answering/,
    ],
    [
      'answers something that is not HTTP',
      (client) => client.write('SSH-2.0-OpenSSH_9.2\r\n\r\n'),
      /cannot be read/,
    ],
    [
      'floods us with header fields (past maxHeadBytes)',
      (client) => {
        client.write('HTTP/1.1 200 OK\r\n');
        const field = `X-Flood: ${'a'.repeat(1000)}\r\n`;
        for (let i = 0; i < 40 && !client.destroyed; i++) client.write(field);
      },
      /cannot be read: .*maxHeadBytes/,
    ],
  ];
  for (const [what, answer, check] of broken) {
    test(`a proxy that ${what}: ERR_PROXY naming the proxy, nothing left open`, async (t) => {
      const proxy = await fakeProxy((_head, client) => answer(client));
      t.after(() => proxy.close());
      const url = `http://u:${PASSWORD}@127.0.0.1:${proxy.port}`;
      const error = await failure(dial(target, { proxy: parseProxyUrl(url) }));
      assert.equal(error.code, ErrorCode.PROXY, error.message);
      assert.match(error.message, check);
      assert.ok(error.message.includes(`proxy http://127.0.0.1:${proxy.port}`), error.message);
      await until(() => proxy.closedCount() === proxy.accepted(), 'the proxy connection closed');
    });
  }

  test('a proxy that never answers: ERR_TIMEOUT within connectTimeout, naming the proxy', async (t) => {
    const proxy = await fakeProxy(() => {});
    t.after(() => proxy.close());
    const started = performance.now();
    const error = await failure(
      dial(target, { proxy: parseProxyUrl(proxy.url), connectTimeout: 200 }),
    );
    assert.equal(error.code, ErrorCode.TIMEOUT);
    assert.ok(performance.now() - started < 2_000);
    assert.ok(error.message.includes(`proxy ${proxy.url} to open the tunnel`), error.message);
    await until(() => proxy.closedCount() === 1, 'the proxy connection closed');
  });

  test('an abort while the proxy has not answered: ERR_ABORTED, the proxy connection closed', async (t) => {
    const proxy = await fakeProxy(() => {});
    t.after(() => proxy.close());
    const controller = new AbortController();
    const dialing = dial(target, { proxy: parseProxyUrl(proxy.url), signal: controller.signal });
    await until(() => proxy.requests.length === 1, 'the CONNECT request');
    controller.abort();
    assert.equal((await failure(dialing)).code, ErrorCode.ABORTED);
    await until(() => proxy.closedCount() === 1, 'the proxy connection closed');
  });

  test("the target's first bytes in the same read as the 200 reach the reader", async (t) => {
    const server = await greeter(false);
    t.after(() => server.close());
    const proxy = await fakeProxy((head, client) => tunnel(head, client, { withFirstBytes: true }));
    t.after(() => proxy.close());
    const socket = await dial(
      { secure: false, hostname: '127.0.0.1', port: server.port },
      { proxy: parseProxyUrl(proxy.url) },
    );
    t.after(() => socket.destroy());
    assert.equal(await firstLine(socket), `hello ${server.peers[0]}`);
  });

  test('bytes after the 200 and before the TLS handshake go to TLS (which refuses them)', async (t) => {
    const server = await greeter(true);
    t.after(() => server.close());
    const garbage = Buffer.from('not a TLS record\r\n');
    // Control: the same proxy without the extra bytes works.
    const clean = await fakeProxy((head, client) => tunnel(head, client));
    t.after(() => clean.close());
    const ok = await dial(
      { secure: true, hostname: '127.0.0.1', port: server.port },
      { proxy: parseProxyUrl(clean.url), tls: tls() },
    );
    ok.destroy();
    const proxy = await fakeProxy((head, client) => tunnel(head, client, { extra: garbage }));
    t.after(() => proxy.close());
    const error = await failure(
      dial(
        { secure: true, hostname: '127.0.0.1', port: server.port },
        { proxy: parseProxyUrl(proxy.url), tls: tls() },
      ),
    );
    assert.equal(error.code, ErrorCode.CONNECTION_LOST);
    assert.match(String((error.cause as NodeJS.ErrnoException).code), /SSL|TLS/);
  });
});
