/**
 * The page the browser interop test loads: plain HTML with a script that drives the browser's
 * own `WebSocket` and checks what comes back inside the page, then reports plain JSON results
 * (for `page.evaluate`). Served over http:// or https:// by a tiny `node:http`/`node:https`
 * server on 127.0.0.1, so the page's origin is a real one and `wss://` is not mixed content.
 */
import {
  createServer as createHttpServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TlsOptions } from 'node:tls';
import { closeHttp, listenLocal } from '../node/helpers.js';

/** A CloseEvent as the page saw it. */
export interface PageClose {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** `echoRoundTrip(url, protocols, code, reason)`: text and binary echoed, then a close. */
export interface EchoResult {
  readonly protocol: string;
  readonly extensions: string;
  readonly textOk: boolean;
  readonly binaryOk: boolean;
  readonly close: PageClose;
}

/** `serverCloses(url)`: the server closes after the page's first message. */
export interface ServerCloseResult {
  readonly errors: number;
  readonly close: PageClose;
}

/** `largeRoundTrip(url, size)`: one big binary message echoed. */
export interface LargeResult {
  readonly echoLength: number;
  readonly echoOk: boolean;
  readonly close: PageClose;
}

/** `refused(url)`: an upgrade the server answers with an error status. */
export interface RefusedResult {
  /** Event types in the order they fired. */
  readonly events: readonly string[];
  readonly close: PageClose;
}

/** The byte at `index` of the pattern both the page and the test use for large messages. */
export function patternByte(index: number): number {
  return (index * 31 + 7) & 0xff;
}

/** The page's script: plain browser JavaScript (no module, no build step). */
const PAGE_SCRIPT = `
'use strict';
// Every wait is bounded, so a broken server fails the evaluate call instead of hanging it.
function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('page timed out waiting for ' + what)), 30000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
function closeOf(event) {
  return { code: event.code, reason: event.reason, wasClean: event.wasClean };
}
function open(url, protocols) {
  const ws = new WebSocket(url, protocols);
  ws.binaryType = 'arraybuffer';
  const state = { ws, messages: [], waiters: [], errors: 0 };
  ws.addEventListener('message', (event) => {
    state.messages.push(event.data);
    for (const waiter of state.waiters.splice(0)) waiter();
  });
  ws.addEventListener('error', () => { state.errors++; });
  state.closed = new Promise((resolve) =>
    ws.addEventListener('close', (event) => resolve(closeOf(event)), { once: true }));
  state.opened = bounded(new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    state.closed.then((close) => reject(new Error('closed before open: ' + close.code)));
  }), 'open');
  state.received = (count) => bounded(new Promise((resolve) => {
    const check = () => state.messages.length >= count ? resolve(state.messages.slice(0, count))
      : state.waiters.push(check);
    check();
  }), count + ' messages');
  return state;
}
function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
function pattern(size) {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}
const TEXT = 'hello from Chromium ✓ — ünïcødé 𝄞';
const BINARY = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);

window.echoRoundTrip = async (url, protocols, code, reason) => {
  const s = open(url, protocols);
  await s.opened;
  s.ws.send(TEXT);
  s.ws.send(BINARY.buffer);
  const [text, binary] = await s.received(2);
  const textOk = text === TEXT;
  const binaryOk = binary instanceof ArrayBuffer && sameBytes(new Uint8Array(binary), BINARY);
  s.ws.close(code, reason);
  const close = await bounded(s.closed, 'close');
  return { protocol: s.ws.protocol, extensions: s.ws.extensions, textOk, binaryOk, close };
};

window.serverCloses = async (url) => {
  const s = open(url, []);
  await s.opened;
  s.ws.send('close me, please');
  const close = await bounded(s.closed, 'the server to close');
  return { errors: s.errors, close };
};

window.largeRoundTrip = async (url, size) => {
  const s = open(url, []);
  await s.opened;
  const bytes = pattern(size);
  s.ws.send(bytes);
  const [echo] = await s.received(1);
  const echoOk = echo instanceof ArrayBuffer && sameBytes(new Uint8Array(echo), bytes);
  s.ws.close(1000, 'large done');
  const close = await bounded(s.closed, 'close');
  return { echoLength: echo.byteLength, echoOk, close };
};

window.refused = async (url) => {
  const ws = new WebSocket(url);
  const events = [];
  for (const type of ['open', 'message', 'error']) ws.addEventListener(type, () => events.push(type));
  const close = await bounded(new Promise((resolve) => ws.addEventListener('close', (event) => {
    events.push('close');
    resolve(closeOf(event));
  })), 'close');
  return { events, close };
};
`;

/** The page's HTML. */
export const PAGE_HTML: string = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>wirekit browser interop</title></head>
<body><p>wirekit browser interop</p><script>${PAGE_SCRIPT}</script></body>
</html>
`;

/** A server for the page: `origin` is `http://127.0.0.1:port` or `https://…` with `tls`. */
export interface PageServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serve {@link PAGE_HTML} at `/` (404 elsewhere) over HTTP, or HTTPS with `tls`. */
export async function servePage(tls: TlsOptions | undefined): Promise<PageServer> {
  const respond = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.url !== '/') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    response.end(PAGE_HTML);
  };
  const server: HttpServer | HttpsServer =
    tls === undefined ? createHttpServer(respond) : createHttpsServer(tls, respond);
  const port = await listenLocal(server);
  return {
    origin: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    close: () => closeHttp(server),
  };
}
