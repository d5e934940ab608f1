/**
 * Helpers for the `wirekit/ws` tests: servers on free loopback ports, clients awaited until
 * open, and events awaited with a bound, so a missing event fails the test instead of hanging.
 */
import type { AddressInfo } from 'node:net';
import {
  type ClientOptions,
  type ServerOptions,
  WebSocket,
  WebSocketServer,
} from '../../../src/node/ws-compat/index.js';
import { within } from '../helpers.js';

/** How long any one awaited event may take before the test fails. */
export const EVENT_MS = 5_000;

/**
 * The first emission of `event` (its arguments), failing after {@link EVENT_MS}. Unlike
 * `events.once`, an `'error'` emitted meanwhile does not reject it.
 */
export function next<T extends unknown[] = unknown[]>(
  emitter: NodeJS.EventEmitter,
  event: string,
): Promise<T> {
  const emitted = new Promise<T>((resolve) => {
    emitter.once(event, (...args: unknown[]) => resolve(args as T));
  });
  return within(emitted, EVENT_MS, `'${event}'`);
}

/** A server listening on 127.0.0.1 and a free port, and its `ws://` URL. */
export async function startServer(
  options: Omit<ServerOptions, 'port' | 'server' | 'noServer'> = {},
): Promise<{ readonly wss: WebSocketServer; readonly url: string }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', ...options, port: 0 });
  await next(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  return { wss, url: `ws://127.0.0.1:${port}` };
}

/** A client, resolved once open (rejected with its error). */
export async function openClient(
  url: string,
  protocols?: string | string[],
  options?: ClientOptions,
): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols, options);
  await within(
    new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    }),
    EVENT_MS,
    `open of ${url}`,
  );
  return ws;
}

/** The server-side object of the next connection, with its request. */
export function nextConnection(wss: WebSocketServer): Promise<[WebSocket, unknown]> {
  return next<[WebSocket, unknown]>(wss, 'connection');
}

/** Close a server: terminate its clients, then wait for `'close'`. */
export async function stopServer(wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients ?? []) client.terminate();
  await within(
    new Promise<void>((resolve) => wss.close(() => resolve())),
    EVENT_MS,
    'server close',
  );
}

/** A `'close'` event's code and reason (as a string). */
export async function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('already closed');
  const [code, reason] = await next<[number, Buffer]>(ws, 'close');
  return { code, reason: reason.toString() };
}
