/**
 * permessage-deflate interop with `ws` (RFC 7692), both directions, every parameter
 * combination both support: `server_max_window_bits` and `client_max_window_bits` 9–15 each,
 * no context takeover on either side, thresholds on either side, the offer made by either
 * (ws's options against wirekit's defaults, and wirekit's options against ws's defaults).
 *
 * Each connection echoes a fixed set through the other side — small and large text, binary
 * that compresses and binary that does not, empty messages, a repeat (context takeover), and a
 * message over wirekit's `maxCompressedSize` — checks the answer's parameters, checks the
 * bytes on the wire show compression, and closes cleanly.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type PerMessageDeflateOptions, type RawData, WebSocket, WebSocketServer } from 'ws';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import type { DeflateConfig } from '../../src/node/deflate-config.js';
import { serve, type WebSocketServer as WirekitServer } from '../../src/node/websocket-server.js';
import { skewedBinary, wordText } from '../conformance/deflate-payloads.js';
import { parseExtensions } from '../conformance/deflate-peer.js';
import { echo } from '../helpers/echo.js';
import { closeHttp, listenLocal, until, within } from '../node/helpers.js';

const KiB = 1024;
const WINDOWS = [9, 10, 11, 12, 13, 14, 15];
const LIMITS = { pingInterval: 0, idleTimeout: 0, maxBackpressure: 64 * 1024 * KiB } as const;

interface Message {
  readonly data: string | Buffer;
  readonly isBinary: boolean;
}

/** What every connection exchanges. */
const MESSAGES: readonly Message[] = [
  { data: 'small text ✓', isBinary: false },
  { data: wordText(64 * KiB, 1).toString(), isBinary: false },
  { data: skewedBinary(32 * KiB, 2), isBinary: true },
  { data: randomBytes(8 * KiB), isBinary: true },
  { data: '', isBinary: false },
  { data: Buffer.alloc(0), isBinary: true },
  { data: wordText(3 * KiB, 3).toString(), isBinary: false },
  { data: wordText(3 * KiB, 3).toString(), isBinary: false },
  { data: Buffer.alloc(300 * KiB, 0x2a), isBinary: true },
  { data: 'after the large one', isBinary: false },
];

/** About 128 KiB of JSON lines that compress at least 3:1 even with a 512-byte window: the
 * wire size of its echo shows compression. */
const PROBE = Array.from(
  { length: 3000 },
  (_, i) => `{"id":${i % 97},"name":"wirekit","ok":true}\n`,
).join('');

function bytesOf(message: Message): Buffer {
  return typeof message.data === 'string' ? Buffer.from(message.data) : message.data;
}

function assertEchoes(got: readonly { data: Buffer; isBinary: boolean }[]): void {
  assert.equal(got.length, MESSAGES.length, 'every message echoed');
  for (const [i, message] of MESSAGES.entries()) {
    assert.equal(got[i]!.isBinary, message.isBinary, `message ${i} type`);
    assert.ok(got[i]!.data.equals(bytesOf(message)), `message ${i} content`);
  }
}

/** The accepted permessage-deflate parameters of an answer. */
function answered(header: string | undefined): ReadonlyMap<string, string | true> {
  assert.ok(header !== undefined, 'the answer has Sec-WebSocket-Extensions');
  const elements = parseExtensions(header);
  assert.equal(elements.length, 1);
  assert.equal(elements[0]!.name, 'permessage-deflate');
  return elements[0]!.params;
}

/** Window bits as an answer states them (absent: 15). */
function windowOf(params: ReadonlyMap<string, string | true>, name: string): number {
  const value = params.get(name);
  return value === undefined ? 15 : Number(value);
}

/** The no-context-takeover pattern of combination `i`. */
function takeover(i: number): { server: boolean; client: boolean } {
  return { server: (i & 1) === 1, client: (i & 2) === 2 };
}

interface Combination {
  readonly i: number;
  readonly server: number;
  readonly client: number;
}

const COMBINATIONS: readonly Combination[] = WINDOWS.flatMap((server, a) =>
  WINDOWS.map((client, b) => ({ i: a * WINDOWS.length + b, server, client })),
);

// ---------------------------------------------------------------------------------------------
// ws client → wirekit server

/** A wirekit echo server. */
async function wirekitServer(deflate: boolean | DeflateConfig): Promise<WirekitServer> {
  return serve({
    port: 0,
    host: '127.0.0.1',
    deflate,
    ...LIMITS,
    handler: echo,
  });
}

/** Run the exchange as a ws client; returns the answer's parameters. */
async function wsClientExchange(
  port: number,
  perMessageDeflate: PerMessageDeflateOptions | boolean,
): Promise<ReadonlyMap<string, string | true>> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
  let answer: string | undefined;
  socket.on('upgrade', (response: IncomingMessage) => {
    answer = response.headers['sec-websocket-extensions'];
  });
  const received: { data: Buffer; isBinary: boolean }[] = [];
  socket.on('message', (data: RawData, isBinary: boolean) =>
    received.push({ data: data as Buffer, isBinary }),
  );
  socket.on('error', () => {});
  const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) =>
    socket.addEventListener('close', (event) =>
      resolve({ code: event.code, wasClean: event.wasClean }),
    ),
  );
  try {
    await within(once(socket, 'open'), 10_000, 'the ws client to open');
    const params = answered(answer);
    for (const message of MESSAGES) socket.send(message.data, { binary: message.isBinary });
    await until(() => received.length >= MESSAGES.length, 'every echo', 20_000);
    assertEchoes(received);
    // The probe's echo crosses the wire compressed: far fewer bytes than it has.
    const tcp = (socket as unknown as { _socket: Socket })._socket;
    const before = tcp.bytesRead;
    socket.send(PROBE);
    await until(() => received.length > MESSAGES.length, 'the probe echo');
    assert.equal(received[MESSAGES.length]!.data.toString(), PROBE);
    assert.ok(tcp.bytesRead - before < PROBE.length / 3, 'the echo came compressed');
    socket.close(1000);
    assert.deepEqual(await within(closed, 10_000, 'the close'), { code: 1000, wasClean: true });
    return params;
  } finally {
    socket.terminate();
  }
}

describe('ws client → wirekit server: ws makes the offer', () => {
  let server: WirekitServer;
  before(async () => {
    server = await wirekitServer({ mode: 'dedicated', threshold: 0 });
  });
  after(() => server.close());

  for (const { i, server: s, client: c } of COMBINATIONS) {
    const nct = takeover(i);
    const threshold = [0, 1024, 16 * KiB][i % 3]!;
    test(`server_max_window_bits=${s} client_max_window_bits=${c} no_context_takeover ${JSON.stringify(nct)} ws threshold ${threshold}`, async () => {
      const params = await wsClientExchange(server.address!.port, {
        serverMaxWindowBits: s,
        clientMaxWindowBits: c,
        serverNoContextTakeover: nct.server,
        clientNoContextTakeover: nct.client,
        threshold,
      });
      assert.equal(windowOf(params, 'server_max_window_bits'), s);
      assert.equal(windowOf(params, 'client_max_window_bits'), c);
      assert.equal(params.has('server_no_context_takeover'), nct.server);
      assert.equal(params.has('client_no_context_takeover'), nct.client);
    });
  }

  test('ws defaults (client_max_window_bits without a value)', async () => {
    const params = await wsClientExchange(server.address!.port, true);
    assert.deepEqual([...params.keys()], []);
  });
});

describe('ws client → wirekit server: wirekit shapes the answer', () => {
  for (const { i, server: s, client: c } of COMBINATIONS) {
    const mode = i % 2 === 0 ? 'shared' : 'dedicated';
    const threshold = [0, 1024][(i >> 1) % 2]!;
    test(`wirekit serverMaxWindowBits ${s} clientMaxWindowBits ${c} mode ${mode} threshold ${threshold}`, async () => {
      const server = await wirekitServer({
        mode,
        threshold,
        serverMaxWindowBits: s,
        clientMaxWindowBits: c,
      });
      try {
        const params = await wsClientExchange(server.address!.port, true);
        assert.equal(windowOf(params, 'server_max_window_bits'), s);
        assert.equal(windowOf(params, 'client_max_window_bits'), c);
        assert.equal(params.has('server_no_context_takeover'), mode === 'shared');
        assert.equal(params.has('client_no_context_takeover'), mode === 'shared');
      } finally {
        await server.close();
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// wirekit client → ws server

interface WsEchoServer {
  readonly port: number;
  /** Response header lines of each handshake. */
  readonly answers: string[];
  /** Server-side TCP sockets of each connection. */
  readonly sockets: Socket[];
  close(): Promise<void>;
}

async function wsEchoServer(perMessageDeflate: PerMessageDeflateOptions): Promise<WsEchoServer> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate });
  const answers: string[] = [];
  const sockets: Socket[] = [];
  wss.on('headers', (headers: string[]) => {
    const line = headers.find((h) => /^sec-websocket-extensions:/i.test(h));
    answers.push(line === undefined ? '' : line.slice(line.indexOf(':') + 1).trim());
  });
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    sockets.push(request.socket as Socket);
    socket.on('message', (data: RawData, isBinary: boolean) =>
      socket.send(data as Buffer, { binary: isBinary }),
    );
  });
  const port = await listenLocal(http);
  return {
    port,
    answers,
    sockets,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeHttp(http);
    },
  };
}

/** Run the exchange as a wirekit client; returns the answer's parameters. */
async function wirekitClientExchange(
  server: WsEchoServer,
  deflate: boolean | DeflateConfig,
): Promise<ReadonlyMap<string, string | true>> {
  const received: { data: Buffer; isBinary: boolean }[] = [];
  let closeReport: { code: number; wasClean: boolean } | undefined;
  const client: Connection = await connect(`ws://127.0.0.1:${server.port}/`, {
    deflate,
    ...LIMITS,
    handler: {
      message(_ws, data, isBinary) {
        received.push({ data, isBinary });
      },
      close(_ws, code, _reason, wasClean) {
        closeReport = { code, wasClean };
      },
    },
  });
  try {
    const params = answered(client.extensions);
    assert.deepEqual(
      parseExtensions(server.answers.at(-1)!)[0]!.params,
      params,
      'the client took what ws answered',
    );
    for (const message of MESSAGES) client.send(message.data, message.isBinary);
    await until(
      () => received.length >= MESSAGES.length || closeReport !== undefined,
      'every echo',
      20_000,
    );
    assert.equal(closeReport, undefined, 'still open');
    assertEchoes(received);
    // The probe crosses the wire compressed both ways.
    const tcp = server.sockets.at(-1)!;
    const [read, written] = [tcp.bytesRead, tcp.bytesWritten];
    client.send(PROBE);
    await until(() => received.length > MESSAGES.length, 'the probe echo');
    assert.equal(received[MESSAGES.length]!.data.toString(), PROBE);
    assert.ok(tcp.bytesRead - read < PROBE.length / 3, 'wirekit sent the probe compressed');
    await until(() => tcp.bytesWritten > written, 'ws to have written the echo');
    assert.ok(tcp.bytesWritten - written < PROBE.length / 3, 'ws echoed it compressed');
    client.close(1000);
    await until(() => closeReport !== undefined, 'the close');
    assert.deepEqual(closeReport, { code: 1000, wasClean: true });
    return params;
  } finally {
    client.terminate();
  }
}

describe('wirekit client → ws server: wirekit makes the offer', () => {
  let server: WsEchoServer;
  before(async () => {
    server = await wsEchoServer({ threshold: 0 });
  });
  after(() => server.close());

  for (const { i, server: s, client: c } of COMBINATIONS) {
    const nct = takeover(i);
    const threshold = [0, 1024, 16 * KiB][i % 3]!;
    test(`serverMaxWindowBits ${s} clientMaxWindowBits ${c} no context takeover ${JSON.stringify(nct)} wirekit threshold ${threshold}`, async () => {
      const params = await wirekitClientExchange(server, {
        mode: 'dedicated',
        threshold,
        serverMaxWindowBits: s,
        clientMaxWindowBits: c,
        serverNoContextTakeover: nct.server,
        clientNoContextTakeover: nct.client,
      });
      assert.equal(windowOf(params, 'server_max_window_bits'), s);
      assert.equal(windowOf(params, 'client_max_window_bits'), c);
      assert.equal(params.has('server_no_context_takeover'), nct.server);
      assert.equal(params.has('client_no_context_takeover'), nct.client);
    });
  }

  test('shared mode (no context takeover either way)', async () => {
    const params = await wirekitClientExchange(server, { mode: 'shared' });
    assert.ok(params.has('server_no_context_takeover') && params.has('client_no_context_takeover'));
  });
});

describe('wirekit client → ws server: ws shapes the answer', () => {
  for (const { i, server: s, client: c } of COMBINATIONS) {
    const nct = takeover(i);
    test(`ws serverMaxWindowBits ${s} clientMaxWindowBits ${c} no context takeover ${JSON.stringify(nct)}`, async () => {
      const server = await wsEchoServer({
        serverMaxWindowBits: s,
        clientMaxWindowBits: c,
        serverNoContextTakeover: nct.server,
        clientNoContextTakeover: nct.client,
        threshold: [0, 1024][i % 2]!,
      });
      try {
        const params = await wirekitClientExchange(server, true);
        assert.equal(windowOf(params, 'server_max_window_bits'), s);
        assert.equal(windowOf(params, 'client_max_window_bits'), c);
        assert.equal(params.has('server_no_context_takeover'), nct.server);
        assert.equal(params.has('client_no_context_takeover'), nct.client);
      } finally {
        await server.close();
      }
    });
  }
});
