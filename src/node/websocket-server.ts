/**
 * The WebSocket server: accepts upgrades and runs the connections with one handler object.
 *
 * Three ways in, one path after the HTTP head is known:
 * - `serve()` / {@link WebSocketServer.listen}: a TCP or TLS listener whose sockets are parsed
 *   by wirekit's own HTTP/1.1 reader (no `node:http` on the path);
 * - {@link WebSocketServer.handleUpgrade}: the `'upgrade'` event of an existing `http`/`https`
 *   server, or a framework's (Express, Fastify, Hono's node server);
 * - {@link WebSocketServer.acceptSocket}: any connected socket you accepted yourself.
 *
 * Then: the core checks the request (RFC 6455 §4.2.1; refusals get 400/405/426 with a short
 * body), `selectProtocol` picks a subprotocol, the `upgrade` hook may refuse (throw
 * {@link rejectUpgrade}) or return the connection's `data` (sync or async), and the 101 answer
 * goes out. A handshake that does not finish within `handshakeTimeout` is dropped.
 */
import type { IncomingMessage } from 'node:http';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { ErrorCode, WirekitError } from '../core/errors.js';
import { RequestReader } from '../core/http1/request-reader.js';
import { CloseCode } from '../core/ws/close-code.js';
import { parseExtensionHeader } from '../core/ws/extension-header.js';
import type { HeaderPairs } from '../core/ws/header-source.js';
import { type DeflateAgreement, negotiateDeflate } from '../core/ws/permessage-deflate.js';
import { acceptHeaders, checkUpgradeRequest } from '../core/ws/server-handshake.js';
import { Connection, type ConnectionHandler } from './connection.js';
import {
  type ConnectionOptions,
  type ResolvedConnectionOptions,
  resolveConnectionOptions,
} from './connection-options.js';
import { type DeflateConfig, type ResolvedDeflate, resolveDeflate } from './deflate-config.js';
import { Heartbeat } from './heartbeat.js';
import { refusal, switchingProtocols } from './http-answer.js';
import { nodePlatform } from './node-platform.js';
import {
  headerListSource,
  incomingHeaders,
  pathOf,
  type UpgradeRequestInfo,
} from './upgrade-request.js';
import { createCompression } from './zlib-codec.js';

/** The server's handler: connection callbacks plus the upgrade hook. */
export interface ServerHandler<Data = unknown> extends ConnectionHandler<Data> {
  /**
   * Decide on an upgrade request after the protocol checks passed: return the connection's
   * `data` (or a promise of it) to accept; throw {@link rejectUpgrade}`(status, message)` to
   * refuse (auth, origin check). Any other error refuses with 500.
   */
  upgrade?(request: UpgradeRequestInfo): Data | Promise<Data>;
}

/** Options of a {@link WebSocketServer}. */
export interface ServerOptions<Data = unknown> extends ConnectionOptions {
  /** The callbacks, shared by every connection. */
  readonly handler: ServerHandler<Data>;
  /** Accept upgrades only on this path (others get 404). Default: any path. */
  readonly path?: string;
  /** Choose one of the offered subprotocols, or none. Default: none. */
  readonly selectProtocol?: (
    protocols: readonly string[],
    request: UpgradeRequestInfo,
  ) => string | undefined;
  /** Drop a socket whose handshake (request and `upgrade` hook) takes longer. Default 10 000 ms. */
  readonly handshakeTimeout?: number;
  /** Largest request head accepted (431 beyond). Default 16 KiB. */
  readonly maxHeadBytes?: number;
  /** permessage-deflate (RFC 7692): `true` or settings. Default off. */
  readonly deflate?: boolean | DeflateConfig;
}

/** Where to listen. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one. Default 9001. */
  readonly port?: number;
  /** Address to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Serve `wss://`: `key`, `cert` (and any `tls.createServer` option). */
  readonly tls?: TlsOptions;
}

/**
 * Refuse an upgrade from the `upgrade` hook with an HTTP status: `throw rejectUpgrade(403,
 * 'origin not allowed')`.
 */
export function rejectUpgrade(
  status: number,
  message = '',
  headers: HeaderPairs = [],
): WirekitError & { headers: HeaderPairs } {
  const error = new WirekitError(
    ErrorCode.WS_UPGRADE_REJECTED,
    message || `upgrade refused with ${status}`,
    { status },
  );
  return Object.assign(error, { headers });
}

const EMPTY = Buffer.alloc(0);

/** A WebSocket server. */
export class WebSocketServer<Data = unknown> {
  readonly #handler: ServerHandler<Data>;
  readonly #options: ServerOptions<Data>;
  readonly #connectionOptions: ResolvedConnectionOptions;
  readonly #heartbeat: Heartbeat | undefined;
  readonly #connections = new Set<Connection<Data>>();
  readonly #pending = new Map<Duplex, PendingHandshake>();
  readonly #listeners: NetServer[] = [];
  readonly #raw = new Set<Socket>();
  readonly #handshakeTimeout: number;
  readonly #deflate: ResolvedDeflate | undefined;
  readonly #onDispose = (connection: Connection<Data>): void => {
    this.#connections.delete(connection);
    this.#checkDrained();
  };
  #closePromise: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(options: ServerOptions<Data>) {
    this.#options = options;
    this.#handler = options.handler;
    this.#connectionOptions = resolveConnectionOptions(options, true);
    this.#handshakeTimeout = options.handshakeTimeout ?? 10_000;
    this.#deflate = resolveDeflate(options.deflate, true);
    const { pingInterval, idleTimeout, pongTimeout } = this.#connectionOptions;
    const periods = [pingInterval, idleTimeout, pingInterval > 0 ? pongTimeout : 0].filter(
      (p) => p > 0,
    );
    this.#heartbeat = periods.length > 0 ? new Heartbeat(Math.min(...periods)) : undefined;
  }

  /** Open connections. */
  get connections(): ReadonlySet<Connection<Data>> {
    return this.#connections;
  }

  /** The address of the first listener, once listening. */
  get address(): AddressInfo | undefined {
    const address = this.#listeners[0]?.address();
    return address === null || typeof address === 'string' ? undefined : address;
  }

  /** Listen on TCP (or TLS with `tls`). Resolves with the bound address. */
  listen(options: ListenOptions = {}): Promise<AddressInfo> {
    // Fix (tests: server-tls.test.ts): bound the TLS handshake by `handshakeTimeout` too. Without
    // it, a client that opens TCP and never starts TLS holds its socket for Node's default 120 s
    // (our timer only starts at 'secureConnection'), and `close()` waits for it all that time.
    const server = options.tls
      ? createTlsServer({ handshakeTimeout: this.#handshakeTimeout, ...options.tls })
      : createNetServer();
    server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) =>
      this.acceptSocket(socket),
    );
    // A TLS handshake failure is the peer's problem; never let it crash the process.
    server.on('tlsClientError', (_error: Error, socket: Duplex) => socket.destroy());
    // Every accepted TCP socket, so `close()` can also drop those still in their TLS handshake
    // (not yet seen by acceptSocket) instead of waiting for their handshake timeout.
    server.on('connection', (raw: Socket) => {
      this.#raw.add(raw);
      raw.once('close', () => this.#raw.delete(raw));
    });
    this.#listeners.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 9001, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /**
   * Take over a connected socket whose HTTP request has not been read: parse it with wirekit's
   * HTTP/1.1 reader, then upgrade or refuse.
   */
  acceptSocket(socket: Socket): void {
    if (this.#closePromise !== undefined) {
      socket.destroy();
      return;
    }
    const reader = new RequestReader({ maxHeadBytes: this.#options.maxHeadBytes ?? 16 * 1024 });
    const pending = this.#track(socket);
    const onData = (chunk: Buffer): void => {
      reader.receive(chunk);
      const event = reader.next();
      if (event.type === 'need-data') return;
      socket.off('data', onData);
      if (event.type === 'error') {
        this.#refuse(socket, event.error.status ?? 400, event.error.message);
        return;
      }
      if (event.type !== 'head') {
        socket.destroy();
        return;
      }
      if (!event.upgrade) {
        this.#refuse(socket, 426, 'this is a WebSocket endpoint', [['Upgrade', 'websocket']]);
        return;
      }
      // An upgrade GET has no body: after its end the reader pauses and hands over the bytes
      // that follow (the client's first frames, if it did not wait for the 101).
      let next = reader.next();
      while (next.type === 'body') next = reader.next();
      const paused = next.type === 'end' && reader.next().type === 'paused';
      const head = paused ? Buffer.from(reader.takeRemaining()) : EMPTY;
      const info: UpgradeRequestInfo = {
        method: event.method,
        url: event.target,
        path: pathOf(event.target),
        headers: headerListSource(event.headers),
        protocols: [],
        origin: undefined,
        remoteAddress: socket.remoteAddress ?? '',
        incoming: undefined,
      };
      void this.#upgrade(info, event.version, socket, head, pending);
    };
    socket.on('data', onData);
  }

  /**
   * Upgrade a request that `node:http` parsed: call from the server's `'upgrade'` event.
   *
   * @example
   * ```ts
   * const wss = new WebSocketServer({ handler });
   * httpServer.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head));
   * ```
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closePromise !== undefined) {
      socket.destroy();
      return;
    }
    const pending = this.#track(socket);
    const url = request.url ?? '/';
    const info: UpgradeRequestInfo = {
      method: request.method ?? 'GET',
      url,
      path: pathOf(url),
      headers: incomingHeaders(request),
      protocols: [],
      origin: undefined,
      remoteAddress: request.socket.remoteAddress ?? '',
      incoming: request,
    };
    void this.#upgrade(info, request.httpVersion, socket as Socket, head, pending);
  }

  /** Attach to an `http`/`https` server's `'upgrade'` event (for `path`, or every path). */
  attach(server: {
    on(
      event: 'upgrade',
      listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
    ): unknown;
  }): this {
    server.on('upgrade', (req, socket, head) => this.handleUpgrade(req, socket, head));
    return this;
  }

  async #upgrade(
    base: UpgradeRequestInfo,
    httpVersion: string,
    socket: Socket,
    head: Buffer,
    pending: PendingHandshake,
  ): Promise<void> {
    const options = this.#options;
    if (options.path !== undefined && base.path !== options.path) {
      this.#refuse(socket, 404, `no WebSocket endpoint at ${base.path}`);
      return;
    }
    const check = checkUpgradeRequest({ method: base.method, httpVersion, headers: base.headers });
    if (!check.ok) {
      this.#refuse(socket, check.error.status ?? 400, check.error.message, check.headers);
      return;
    }
    // RFC 7692 §5: accept the first permessage-deflate offer we can honour, if enabled.
    let deflate: DeflateAgreement | undefined;
    if (this.#deflate !== undefined && check.extensions !== undefined) {
      const offers = parseExtensionHeader(check.extensions);
      if (offers === undefined) {
        this.#refuse(socket, 400, 'malformed Sec-WebSocket-Extensions header');
        return;
      }
      deflate = negotiateDeflate(offers, this.#deflate.negotiation);
    }
    const info: UpgradeRequestInfo = { ...base, protocols: check.protocols, origin: check.origin };
    // Bytes that arrive while the hook runs must not be lost: hold them until the connection starts.
    const early: Buffer[] = [];
    const hold = (chunk: Buffer): void => {
      early.push(chunk);
    };
    socket.on('data', hold);
    let data: Data;
    let protocol: string | undefined;
    let responseHead: Buffer;
    try {
      protocol = options.selectProtocol?.(check.protocols, info);
      if (protocol !== undefined && !check.protocols.includes(protocol)) {
        throw new WirekitError(
          ErrorCode.INVALID_ARGUMENT,
          `selectProtocol chose ${JSON.stringify(protocol)}, which was not offered`,
        );
      }
      const hook = this.#handler.upgrade;
      const result = hook === undefined ? (undefined as Data) : hook.call(this.#handler, info);
      data = result instanceof Promise ? await result : result;
      responseHead = switchingProtocols(
        acceptHeaders(check.key, { protocol, extensions: deflate?.response }, nodePlatform),
      );
    } catch (error) {
      socket.off('data', hold);
      if (this.#pending.get(socket) !== pending) return; // timed out meanwhile
      if (error instanceof WirekitError && error.code === ErrorCode.WS_UPGRADE_REJECTED) {
        const headers = (error as WirekitError & { headers?: HeaderPairs }).headers ?? [];
        this.#refuse(socket, error.status ?? 403, error.message, headers);
      } else {
        this.#refuse(socket, 500, 'upgrade failed');
        process.emitWarning(
          `wirekit: upgrade hook failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return;
    }
    socket.off('data', hold);
    // Timed out, gone, or the server is closing: the connection never starts.
    if (!this.#untrack(socket, pending) || socket.destroyed || this.#closePromise !== undefined) {
      socket.destroy();
      return;
    }
    socket.write(responseHead);
    const connection = new Connection<Data>({
      socket,
      role: 'server',
      handler: this.#handler,
      data,
      options: this.#connectionOptions,
      heartbeat: this.#heartbeat,
      protocol: protocol ?? '',
      extensions: deflate?.response ?? '',
      onDispose: this.#onDispose,
      compression:
        deflate === undefined
          ? undefined
          : createCompression(deflate.params, 'server', this.#deflate!.settings),
    });
    this.#connections.add(connection);
    const first = early.length === 0 ? head : Buffer.concat([head, ...early]);
    connection.start(first);
  }

  /** Answer with an error status and close the socket (it stays tracked until it closes). */
  #refuse(socket: Duplex, status: number, message: string, headers: HeaderPairs = []): void {
    if (socket.destroyed) return;
    socket.end(refusal(status, message, headers));
    // A peer that never closes its side does not keep the socket.
    const timer = setTimeout(() => socket.destroy(), this.#connectionOptions.closeTimeout);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  /** Watch a socket during its handshake: timeout, errors, early close. */
  #track(socket: Duplex): PendingHandshake {
    const pending: PendingHandshake = {
      timer: setTimeout(() => socket.destroy(), this.#handshakeTimeout),
      onClose: () => this.#untrack(socket, pending),
    };
    pending.timer.unref();
    this.#pending.set(socket, pending);
    socket.on('error', destroyOnError);
    socket.once('close', pending.onClose);
    return pending;
  }

  /** The handshake is over (or the socket is gone); `false` if it was already untracked. */
  #untrack(socket: Duplex, pending: PendingHandshake): boolean {
    if (this.#pending.get(socket) !== pending) return false;
    clearTimeout(pending.timer);
    this.#pending.delete(socket);
    socket.off('error', destroyOnError);
    socket.off('close', pending.onClose);
    this.#checkDrained();
    return true;
  }

  /**
   * Stop listening, close every connection with `code` (default 1001 going away) and drop
   * pending handshakes. Resolves when every socket is closed.
   */
  close(code: number = CloseCode.GOING_AWAY, reason = 'server shutting down'): Promise<void> {
    this.#closePromise ??= this.#shutDown(code, reason);
    return this.#closePromise;
  }

  async #shutDown(code: number, reason: string): Promise<void> {
    const listenersClosed = this.#listeners.map(
      (listener) =>
        new Promise<void>((resolve) =>
          listener.listening ? listener.close(() => resolve()) : resolve(),
        ),
    );
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    for (const socket of [...this.#pending.keys()]) socket.destroy();
    for (const connection of this.#connections) connection.close(code, reason);
    this.#checkDrained();
    await drained;
    // Whatever is left never became a connection (a TLS handshake in progress): drop it.
    for (const raw of this.#raw) raw.destroy();
    await Promise.all(listenersClosed);
  }

  #checkDrained(): void {
    if (this.#drained !== undefined && this.#connections.size === 0 && this.#pending.size === 0) {
      this.#drained();
      this.#drained = undefined;
    }
  }
}

/** A socket in its opening handshake. */
interface PendingHandshake {
  readonly timer: NodeJS.Timeout;
  readonly onClose: () => void;
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Options of {@link serve}: the server's options and where to listen. */
export interface ServeOptions<Data = unknown> extends ServerOptions<Data>, ListenOptions {}

/**
 * Start a WebSocket server listening on TCP (or TLS) and resolve once it listens.
 *
 * @example
 * ```ts
 * const server = await serve({ port: 9001, handler: {
 *   message(ws, data, isBinary) { ws.send(data, isBinary); },
 * }});
 * ```
 */
export async function serve<Data = unknown>(
  options: ServeOptions<Data>,
): Promise<WebSocketServer<Data>> {
  const server = new WebSocketServer<Data>(options);
  await server.listen(options);
  return server;
}
