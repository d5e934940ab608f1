/**
 * The server's side of the opening handshake, byte for byte over raw `net` sockets: refusals
 * with their exact status lines (RFC 6455 §4.2.1, §4.4), the handshake timeout against a
 * slow-loris client, the head size limit, and frames that a client sends together with its
 * request (before the 101) — for the standalone server and for one attached to `node:http`.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { describe, test } from 'node:test';
import { Opcode } from '../../src/core/ws/opcode.js';
import { serve, WebSocketServer } from '../../src/node/websocket-server.js';
import { clientFrame } from '../core/ws/helpers.js';
import {
  closeHttp,
  listenLocal,
  RawClient,
  rawExchange,
  rawSocket,
  readAll,
  recorder,
  SAMPLE_ACCEPT,
  until,
  upgradeRequest,
  within,
} from './helpers.js';

type Handler = ConstructorParameters<typeof WebSocketServer>[0]['handler'];

/** A server under test: standalone, or a `WebSocketServer` attached to `node:http`. */
interface Target {
  readonly port: number;
  close(): Promise<void>;
}

const hosts = {
  async standalone(handler: Handler, handshakeTimeout = 10_000): Promise<Target> {
    const server = await serve({ port: 0, handler, handshakeTimeout, closeTimeout: 500 });
    return { port: server.address!.port, close: () => server.close() };
  },
  async 'node:http'(handler: Handler, handshakeTimeout = 10_000): Promise<Target> {
    const http = createHttpServer((_req, res) => res.end('plain http'));
    const wss = new WebSocketServer({ handler, handshakeTimeout, closeTimeout: 500 }).attach(http);
    const port = await listenLocal(http);
    return {
      port,
      close: async () => {
        await wss.close();
        await closeHttp(http);
      },
    };
  },
} as const;

/** Split a raw HTTP answer into its status line, lower-cased fields and body. */
function parseAnswer(raw: string): { status: string; fields: Map<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no complete head in ${JSON.stringify(raw)}`);
  const [status, ...lines] = raw.slice(0, end).split('\r\n');
  const fields = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: status!, fields, body: raw.slice(end + 4) };
}

for (const [hostName, host] of Object.entries(hosts)) {
  describe(`handshake refusals and limits (${hostName})`, { timeout: 30_000 }, () => {
    test('a valid request gets 101 with the §1.3 sample accept value', async (t) => {
      const target = await host({});
      t.after(() => target.close());
      const client = await RawClient.open(target.port);
      t.after(() => client.socket.destroy());
      const answer = parseAnswer(`${client.head}\r\n\r\n`);
      assert.equal(answer.status, 'HTTP/1.1 101 Switching Protocols');
      assert.equal(answer.fields.get('upgrade')?.toLowerCase(), 'websocket');
      assert.equal(answer.fields.get('connection')?.toLowerCase(), 'upgrade');
      assert.equal(answer.fields.get('sec-websocket-accept'), SAMPLE_ACCEPT);
      client.socket.destroy();
    });

    test('missing Sec-WebSocket-Key → 400 and the socket is closed', async (t) => {
      const target = await host({});
      t.after(() => target.close());
      const raw = await rawExchange(
        target.port,
        upgradeRequest({ overrides: { 'Sec-WebSocket-Key': undefined } }),
      );
      const answer = parseAnswer(raw);
      assert.equal(answer.status, 'HTTP/1.1 400 Bad Request');
      assert.match(answer.body, /Sec-WebSocket-Key/);
      assert.equal(answer.fields.get('content-length'), String(Buffer.byteLength(answer.body)));
    });

    test('a key that is not base64 of 16 bytes → 400', async (t) => {
      const target = await host({});
      t.after(() => target.close());
      const raw = await rawExchange(
        target.port,
        upgradeRequest({ overrides: { 'Sec-WebSocket-Key': 'c2hvcnQ=' } }),
      );
      assert.equal(parseAnswer(raw).status, 'HTTP/1.1 400 Bad Request');
    });

    test('Sec-WebSocket-Version: 8 → 426 with Sec-WebSocket-Version: 13 (§4.4)', async (t) => {
      const target = await host({});
      t.after(() => target.close());
      const raw = await rawExchange(
        target.port,
        upgradeRequest({ overrides: { 'Sec-WebSocket-Version': '8' } }),
      );
      const answer = parseAnswer(raw);
      assert.equal(answer.status, 'HTTP/1.1 426 Upgrade Required');
      assert.equal(answer.fields.get('sec-websocket-version'), '13');
    });

    test('POST → 405 with Allow: GET (§4.2.1 item 1)', async (t) => {
      const target = await host({});
      t.after(() => target.close());
      const raw = await rawExchange(target.port, upgradeRequest({ method: 'POST' }));
      const answer = parseAnswer(raw);
      assert.equal(answer.status, 'HTTP/1.1 405 Method Not Allowed');
      assert.equal(answer.fields.get('allow'), 'GET');
    });

    test('an upgrade hook slower than handshakeTimeout drops the socket; open never runs', async (t) => {
      const opened: unknown[] = [];
      const target = await host(
        {
          upgrade: () => new Promise((resolve) => setTimeout(resolve, 600)),
          open: (ws) => opened.push(ws),
        },
        200,
      );
      t.after(() => target.close());
      const socket = await rawSocket(target.port);
      const received = readAll(socket);
      socket.write(upgradeRequest());
      const bytes = await within(received, 10_000, 'the server to drop the socket');
      assert.equal(bytes.length, 0);
      // Let the hook finish: the late result must not start a connection.
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.deepEqual(opened, []);
    });

    test('frames sent with the upgrade request (before the 101) are not lost', async (t) => {
      const serverSide = recorder();
      const target = await host({
        ...serverSide.handler,
        // An async hook: frames also arrive while it runs.
        upgrade: () =>
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50)),
      });
      t.after(() => target.close());
      const early = Buffer.concat([
        clientFrame({ opcode: Opcode.TEXT, payload: 'first' }),
        clientFrame({ opcode: Opcode.TEXT, payload: 'sec', fin: false }),
      ]);
      const client = await RawClient.open(target.port, { withRequest: early });
      t.after(() => client.socket.destroy());
      // The rest of the fragmented message after the 101.
      client.socket.write(clientFrame({ opcode: Opcode.CONTINUATION, payload: 'ond' }));
      await until(() => serverSide.messages().length >= 2, 'two messages');
      assert.deepEqual(
        serverSide.messages().map((m) => m.data.toString()),
        ['first', 'second'],
      );
      client.socket.destroy();
    });

    test('frames written right after the request, before the 101 arrives, are not lost', async (t) => {
      const serverSide = recorder();
      let release!: () => void;
      const target = await host({
        ...serverSide.handler,
        upgrade: () =>
          new Promise<undefined>((resolve) => {
            release = () => resolve(undefined);
          }),
      });
      t.after(() => target.close());
      const socket = await rawSocket(target.port);
      t.after(() => socket.destroy());
      socket.write(upgradeRequest());
      // Wait until the hook is running, then send frames while it holds the 101 back.
      await until(() => release !== undefined, 'the upgrade hook');
      socket.write(clientFrame({ opcode: Opcode.BINARY, payload: Buffer.from([1, 2, 3]) }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      await until(() => serverSide.messages().length >= 1, 'the early message');
      assert.deepEqual([...serverSide.messages()[0]!.data], [1, 2, 3]);
      socket.destroy();
    });
  });
}

describe('standalone-only answers', { timeout: 30_000 }, () => {
  // Behind node:http, its own headersTimeout guards the head; handshakeTimeout starts at
  // the 'upgrade' event.
  test('a slow-loris request is dropped after handshakeTimeout', async (t) => {
    const target = await hosts.standalone({}, 200);
    t.after(() => target.close());
    const socket = await rawSocket(target.port);
    const received = readAll(socket);
    // Half a request line, then silence: the server must not keep the socket.
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr');
    const bytes = await within(received, 10_000, 'the server to drop the socket');
    assert.equal(socket.destroyed, true);
    // Dropped, not answered: a half-sent request gets no response.
    assert.equal(bytes.length, 0);
  });

  test('a plain HTTP GET → 426 Upgrade Required with Upgrade: websocket', async (t) => {
    const target = await hosts.standalone({});
    t.after(() => target.close());
    const raw = await rawExchange(target.port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const answer = parseAnswer(raw);
    assert.equal(answer.status, 'HTTP/1.1 426 Upgrade Required');
    assert.equal(answer.fields.get('upgrade'), 'websocket');
    // RFC 9110 §7.8: a sender of Upgrade also sends the "upgrade" connection option.
    assert.equal(answer.fields.get('connection'), 'upgrade, close');
  });

  test('a request head over maxHeadBytes (16 KiB default) → 431', async (t) => {
    const target = await hosts.standalone({});
    t.after(() => target.close());
    const raw = await rawExchange(
      target.port,
      upgradeRequest({ overrides: { 'X-Padding': 'a'.repeat(20 * 1024) } }),
    );
    assert.equal(parseAnswer(raw).status, 'HTTP/1.1 431 Request Header Fields Too Large');
  });

  test('a malformed request line → 400', async (t) => {
    const target = await hosts.standalone({});
    t.after(() => target.close());
    const raw = await rawExchange(target.port, 'GET\r\n\r\n');
    assert.equal(parseAnswer(raw).status, 'HTTP/1.1 400 Bad Request');
  });
});
