/**
 * The `ws` package as an interop peer: a recording wrapper around one `ws` socket (messages,
 * pings, pongs and its WHATWG-style close event, which carries `wasClean`), a `ws` client
 * opened against a wirekit server, and a `ws` server on `node:http`/`node:https` for the
 * wirekit client. Everything binds to 127.0.0.1 and is closed by the test that made it.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { testCertificate } from '../helpers/tls-cert.js';
import { closeHttp, deferred, listenLocal, until, within } from '../node/helpers.js';
import type { TestTransport } from '../transports/test-transports.js';

/** A message as `ws` delivered it. */
export interface ReceivedMessage {
  readonly data: Buffer;
  readonly isBinary: boolean;
}

/** What a side reported when its connection closed. */
export interface CloseReport {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** Options of a {@link WsPeer}. */
export interface WsPeerOptions {
  /** Send every received message back, as text or binary as it came. */
  readonly echo?: boolean;
}

/**
 * One `ws` socket with everything it received recorded.
 *
 * @example
 * ```ts
 * const peer = await openWsClient(transport, url);
 * peer.socket.send('hi');
 * const [reply] = await peer.waitForMessages(1);
 * ```
 */
export class WsPeer {
  readonly socket: WebSocket;
  readonly messages: ReceivedMessage[] = [];
  readonly pings: Buffer[] = [];
  readonly pongs: Buffer[] = [];
  readonly #closed = deferred<CloseReport>();

  constructor(socket: WebSocket, options: WsPeerOptions = {}) {
    this.socket = socket;
    const echo = options.echo === true;
    socket.on('message', (data: RawData, isBinary: boolean) => {
      // binaryType is 'nodebuffer' (the default): one Buffer per message, fragments joined.
      const message = { data: data as Buffer, isBinary };
      this.messages.push(message);
      if (echo) socket.send(message.data, { binary: isBinary });
    });
    socket.on('ping', (data: Buffer) => this.pings.push(data));
    socket.on('pong', (data: Buffer) => this.pongs.push(data));
    socket.on('error', () => {}); // reported through the close event (code 1006)
    // The EventTarget form is the one whose event says whether the close handshake completed.
    socket.addEventListener('close', (event) =>
      this.#closed.resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean }),
    );
  }

  /** The close event, bounded in time. */
  get closed(): Promise<CloseReport> {
    return within(this.#closed.promise, 10_000, 'the ws close event');
  }

  /** Resolve with the first `count` messages once that many arrived. */
  async waitForMessages(count: number, ms = 10_000): Promise<ReceivedMessage[]> {
    await until(() => this.messages.length >= count, `${count} ws messages`, ms);
    return this.messages.slice(0, count);
  }

  /** Drop the connection if a failed test left it open. */
  dispose(): void {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.terminate();
  }
}

/** Open a `ws` client to a wirekit server and wait until it is open. */
export async function openWsClient(
  transport: TestTransport,
  url: string,
  protocols: readonly string[] = [],
): Promise<WsPeer> {
  const socket = new WebSocket(
    url,
    [...protocols],
    transport.scheme === 'wss' ? { ca: testCertificate().cert } : {},
  );
  const peer = new WsPeer(socket);
  const failed = once(socket, 'error').then(([error]) => {
    throw error;
  });
  await within(Promise.race([once(socket, 'open'), failed]), 10_000, 'the ws client to open');
  failed.catch(() => {});
  return peer;
}

/** A `ws` server on `node:http` (TCP) or `node:https` (TLS) with its connections as peers. */
export interface WsServerPeer {
  readonly server: WebSocketServer;
  readonly url: string;
  /** The upgrade requests it accepted, in order. */
  readonly requests: IncomingMessage[];
  /** Resolve with the `n`-th (0-based) accepted connection. */
  connection(n?: number): Promise<WsPeer>;
  close(): Promise<void>;
}

/** Options of {@link startWsServer}. */
export interface WsServerPeerOptions extends WsPeerOptions {
  /** ws's own subprotocol choice; without it ws picks the first one offered. */
  readonly handleProtocols?: (protocols: Set<string>, request: IncomingMessage) => string | false;
}

/** Start a `ws` server for `transport` on 127.0.0.1 with a free port. */
export async function startWsServer(
  transport: TestTransport,
  options: WsServerPeerOptions = {},
): Promise<WsServerPeer> {
  const tls = transport.serve.tls;
  const http = tls === undefined ? createHttpServer() : createHttpsServer(tls);
  const server = new WebSocketServer({
    server: http,
    ...(options.handleProtocols === undefined ? {} : { handleProtocols: options.handleProtocols }),
  });
  const peers: WsPeer[] = [];
  const requests: IncomingMessage[] = [];
  server.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    requests.push(request);
    peers.push(new WsPeer(socket, options.echo === undefined ? {} : { echo: options.echo }));
  });
  const port = await listenLocal(http);
  return {
    server,
    url: `${transport.scheme}://127.0.0.1:${port}/`,
    requests,
    async connection(n = 0): Promise<WsPeer> {
      await until(() => peers.length > n, `ws server connection #${n}`);
      return peers[n]!;
    },
    async close(): Promise<void> {
      for (const peer of peers) peer.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeHttp(http);
    },
  };
}
