/**
 * permessage-deflate with a real browser (RFC 7692): headless Chromium (Debian's package,
 * driven by `playwright-core`), whose WebSocket offers `permessage-deflate;
 * client_max_window_bits`, against wirekit's server with `deflate: true` (shared contexts, so
 * no context takeover either way), `{ mode: 'dedicated' }` (context takeover both ways), and
 * dedicated with 9-bit windows and every message compressed. Messages flow both ways — the
 * server pushes on open, the page sends and the server echoes — through a byte-counting TCP
 * relay that shows both directions were compressed; the page's `ws.extensions` must be what
 * the server answered, and the close is clean on both sides.
 *
 * The test fails (never skips) when /usr/bin/chromium is missing: `.ci/run` installs it.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DeflateConfig } from '../../src/node/deflate-config.js';
import { serve } from '../../src/node/websocket-server.js';
import { skewedBinary, wordText } from '../conformance/deflate-payloads.js';
import { closeHttp, deferred, listenLocal, until, within } from '../node/helpers.js';
import { launchChromium, testChromiumInstalled } from './chromium.js';

/** Messages the server pushes when the page connects. */
const PUSHED: readonly { readonly data: string | Buffer; readonly isBinary: boolean }[] = [
  { data: wordText(64 * 1024, 21).toString(), isBinary: false },
  { data: skewedBinary(16 * 1024, 22), isBinary: true },
  { data: 'small push ✓', isBinary: false },
];

/** JSON lines: compress well with any window. */
function jsonLines(count: number, salt: string): string {
  return Array.from(
    { length: count },
    (_, i) => `{"seq":${i},"salt":"${salt}","text":"héllo wörld ✓","ok":${i % 2 === 0}}\n`,
  ).join('');
}

/** One message the page sends: [kind, payload]; a binary payload as a byte array. */
type Sent = readonly ['text', string] | readonly ['binary', number[]];

function bytesOf([kind, payload]: Sent): Buffer {
  return kind === 'text' ? Buffer.from(payload) : Buffer.from(payload);
}

const SENT: readonly Sent[] = [
  ['text', jsonLines(1000, 'a')],
  ['text', jsonLines(1000, 'a')],
  ['binary', [...Buffer.from(jsonLines(300, 'b'))]],
  ['text', ''],
  ['binary', []],
  ['text', 'short one 𝄞'],
  ['text', jsonLines(2000, 'c')],
];

interface PageResult {
  readonly extensions: string;
  readonly pushed: readonly { readonly kind: string; readonly hex: string }[];
  readonly echoesOk: readonly boolean[];
  readonly close: { readonly code: number; readonly reason: string; readonly wasClean: boolean };
}

/** Runs in the page: connect, take the pushed messages, send, compare echoes, close. */
function pageExchange(args: {
  url: string;
  pushed: number;
  sent: readonly Sent[];
  pageCloses: boolean;
}): Promise<PageResult> {
  const toHex = (bytes: Uint8Array): string =>
    Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('page timed out')), 30_000);
    const ws = new WebSocket(args.url);
    ws.binaryType = 'arraybuffer';
    const received: (string | ArrayBuffer)[] = [];
    ws.addEventListener('message', (event: MessageEvent) => {
      received.push(event.data as string | ArrayBuffer);
      if (received.length === args.pushed) {
        for (const [kind, payload] of args.sent)
          ws.send(kind === 'text' ? (payload as string) : new Uint8Array(payload as number[]));
      }
      if (received.length === args.pushed + args.sent.length && args.pageCloses)
        ws.close(1000, 'page done');
    });
    ws.addEventListener('close', (event: Event) => {
      const closeEvent = event as Event & { code: number; reason: string; wasClean: boolean };
      clearTimeout(timer);
      const pushed = received
        .slice(0, args.pushed)
        .map((data) =>
          typeof data === 'string'
            ? { kind: 'text', hex: toHex(new TextEncoder().encode(data)) }
            : { kind: 'binary', hex: toHex(new Uint8Array(data)) },
        );
      const echoesOk = args.sent.map(([kind, payload], i) => {
        const echo = received[args.pushed + i];
        if (kind === 'text') return echo === payload;
        if (!(echo instanceof ArrayBuffer)) return false;
        const bytes = new Uint8Array(echo);
        const want = payload as number[];
        return bytes.length === want.length && bytes.every((b, k) => b === want[k]);
      });
      resolve({
        extensions: ws.extensions,
        pushed,
        echoesOk,
        close: { code: closeEvent.code, reason: closeEvent.reason, wasClean: closeEvent.wasClean },
      });
    });
  });
}

/** A TCP relay to `port` counting the bytes of each direction. */
async function countingRelay(port: number): Promise<{
  server: Server;
  port: number;
  toServer: () => number;
  toPage: () => number;
  close: () => Promise<void>;
}> {
  let toServer = 0;
  let toPage = 0;
  const sockets: Socket[] = [];
  const server = createServer((page) => {
    const upstream = tcpConnect({ host: '127.0.0.1', port });
    sockets.push(page, upstream);
    page.on('data', (chunk: Buffer) => {
      toServer += chunk.length;
    });
    upstream.on('data', (chunk: Buffer) => {
      toPage += chunk.length;
    });
    page.pipe(upstream);
    upstream.pipe(page);
    page.on('error', () => upstream.destroy());
    upstream.on('error', () => page.destroy());
    page.on('close', () => upstream.end());
    upstream.on('close', () => page.end());
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    server,
    port: (server.address() as { port: number }).port,
    toServer: () => toServer,
    toPage: () => toPage,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Session {
  offer: string | undefined;
  extensions: string | undefined;
  readonly messages: { data: Buffer; isBinary: boolean }[];
  readonly closed: ReturnType<typeof deferred<{ code: number; wasClean: boolean }>>;
}

const CASES: readonly {
  readonly name: string;
  readonly deflate: boolean | DeflateConfig;
  /** What the server must answer to Chromium's offer. */
  readonly answer: string;
  readonly pageCloses: boolean;
}[] = [
  {
    name: 'deflate: true (shared contexts)',
    deflate: true,
    answer: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    pageCloses: true,
  },
  {
    name: "{ mode: 'dedicated' }",
    deflate: { mode: 'dedicated' },
    answer: 'permessage-deflate',
    pageCloses: false,
  },
  {
    name: "{ mode: 'dedicated', 9-bit windows, threshold 0 }",
    deflate: { mode: 'dedicated', serverMaxWindowBits: 9, clientMaxWindowBits: 9, threshold: 0 },
    answer: 'permessage-deflate; server_max_window_bits=9; client_max_window_bits=9',
    pageCloses: true,
  },
];

testChromiumInstalled();

describe('headless Chromium ↔ wirekit server with permessage-deflate', { timeout: 180_000 }, () => {
  let browser: Browser | undefined;
  let page: Page | undefined;
  // The page comes from a real http://127.0.0.1 origin: Chromium refuses loopback WebSockets
  // from about:blank.
  const pageServer = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>wirekit deflate</title><p>wirekit deflate</p>');
  });

  before(async () => {
    const port = await listenLocal(pageServer);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`, { timeout: 30_000 });
  });

  after(async () => {
    await page?.close();
    await browser?.close();
    if (pageServer.listening) await closeHttp(pageServer);
  });

  for (const { name, deflate, answer, pageCloses } of CASES) {
    test(`${name}: both ways compressed, extensions as answered, clean close`, async (t) => {
      assert.ok(page !== undefined, 'Chromium did not launch');
      const sessions: Session[] = [];
      const server = await serve<Session>({
        port: 0,
        host: '127.0.0.1',
        deflate,
        pingInterval: 0,
        idleTimeout: 0,
        handler: {
          upgrade(request) {
            const session: Session = {
              offer: request.headers.get('sec-websocket-extensions'),
              extensions: undefined,
              messages: [],
              closed: deferred(),
            };
            sessions.push(session);
            return session;
          },
          open(ws) {
            ws.data.extensions = ws.extensions;
            for (const { data, isBinary } of PUSHED) ws.send(data, isBinary);
          },
          message(ws, data, isBinary) {
            ws.data.messages.push({ data, isBinary });
            ws.send(data, isBinary);
            if (!pageCloses && ws.data.messages.length === SENT.length)
              ws.close(4001, 'server done');
          },
          close(ws, code, _reason, wasClean) {
            ws.data.closed.resolve({ code, wasClean });
          },
        },
      });
      const relay = await countingRelay(server.address!.port);
      try {
        const result = await within(
          page.evaluate(pageExchange, {
            url: `ws://127.0.0.1:${relay.port}/`,
            pushed: PUSHED.length,
            sent: SENT,
            pageCloses,
          }),
          60_000,
          'the page exchange',
        );
        await until(() => sessions.length === 1, 'the server session');
        const session = sessions[0]!;
        t.diagnostic(`Chromium offered: ${session.offer}; wirekit answered: ${session.extensions}`);
        assert.match(session.offer ?? '', /^permessage-deflate; client_max_window_bits$/);
        assert.equal(session.extensions, answer, 'the server answered as configured');
        assert.equal(result.extensions, answer, "the page's ws.extensions is the answer");
        // Server → page.
        assert.deepEqual(
          result.pushed,
          PUSHED.map(({ data, isBinary }) => ({
            kind: isBinary ? 'binary' : 'text',
            hex: Buffer.from(data).toString('hex'),
          })),
        );
        // Page → server, and the echoes back.
        assert.deepEqual(
          result.echoesOk,
          SENT.map(() => true),
          'every echo matched in the page',
        );
        assert.deepEqual(
          session.messages.map((m) => ({ isBinary: m.isBinary, hex: m.data.toString('hex') })),
          SENT.map(([kind, payload]) => ({
            isBinary: kind === 'binary',
            hex: bytesOf([kind, payload] as Sent).toString('hex'),
          })),
        );
        // Both directions went compressed: far fewer bytes crossed than the messages hold.
        const pageBytes = SENT.reduce((sum, entry) => sum + bytesOf(entry).length, 0);
        const serverBytes =
          pageBytes + PUSHED.reduce((sum, { data }) => sum + Buffer.byteLength(data), 0);
        t.diagnostic(`page → server ${relay.toServer()} B for ${pageBytes} B of messages`);
        t.diagnostic(`server → page ${relay.toPage()} B for ${serverBytes} B of messages`);
        assert.ok(relay.toServer() < pageBytes / 3, 'Chromium compressed what it sent');
        assert.ok(relay.toPage() < serverBytes / 2, 'wirekit compressed what it sent');
        // A clean close, from the page or from the server.
        const expected = pageCloses
          ? { code: 1000, reason: 'page done', wasClean: true }
          : { code: 4001, reason: 'server done', wasClean: true };
        assert.deepEqual(result.close, expected, "the page's CloseEvent");
        assert.deepEqual(await within(session.closed.promise, 10_000, 'the server close'), {
          code: pageCloses ? 1000 : 4001,
          wasClean: true,
        });
      } finally {
        await server.close();
        await relay.close();
      }
    });
  }
});
