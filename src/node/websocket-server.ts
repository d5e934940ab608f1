/**
 * The WebSocket server's public face: options, the one handler object, `connections`, pub/sub,
 * `close()`. The ways in are transports (`transports/`), each turning its byte stream into
 * opening requests this server decides on:
 * - `serve()` / {@link WebSocketServer.listen}: a TCP or TLS listener (`transports/listener.ts`)
 *   whose sockets are read by wirekit's own HTTP/1.1 handshake (`transports/http1-server.ts`)
 *   or, with `http2`, run HTTP/2 sessions (`transports/h2-server.ts`, RFC 8441);
 * - {@link WebSocketServer.handleUpgrade}: the `'upgrade'` event of an existing `http`/`https`
 *   server, or a framework's (Express, Fastify, Hono's node server);
 * - {@link WebSocketServer.acceptSocket}: any connected socket you accepted yourself;
 * - {@link WebSocketServer.attachHttp2}, {@link WebSocketServer.handleStream}: streams of an
 *   existing `http2` server.
 *
 * Then, the same for every transport: the path, permessage-deflate (RFC 7692 §5),
 * `selectProtocol`, and the `upgrade` hook, which may refuse (throw {@link rejectUpgrade}) or
 * return the connection's `data` (sync or async); the transport answers and the connection
 * starts. A handshake that does not finish within `handshakeTimeout` is dropped.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Http2SecureServer, Http2Server, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCode, WirekitError } from '../core/errors.js';
import { CloseCode, closeReasonBytes } from '../core/ws/close-code.js';
import { parseExtensionHeader } from '../core/ws/extension-header.js';
import type { HeaderPairs } from '../core/ws/header-source.js';
import { type DeflateAgreement, negotiateDeflate } from '../core/ws/permessage-deflate.js';
import { Connection } from './connection.js';
import { type ResolvedConnectionOptions, resolveConnectionOptions } from './connection-options.js';
import { type ResolvedDeflate, resolveDeflate } from './deflate-config.js';
import { type Heartbeat, heartbeatFor } from './heartbeat.js';
import { refusal } from './http-answer.js';
// Types only: `wirekit` loads nothing of `wirekit/http3` unless `serve({ http3 })` asks for it.
import type { Http3Listener, Http3ServeOptions } from './http3/h3-server.js';
import { resolvePubSub } from './pubsub/pubsub-options.js';
import { type PubSubStats, TopicRegistry } from './pubsub/topic-registry.js';
import type { ListenOptions, ServerHandler, ServerOptions } from './server-options.js';
import { processReadBuffer } from './shared-read-buffer.js';
import { H2ServerTransport } from './transports/h2-server.js';
import { Http1ServerTransport } from './transports/http1-server.js';
import { Listener } from './transports/listener.js';
import type {
  OpeningRequest,
  ServerTransport,
  UpgradeHost,
} from './transports/server-transport.js';
import { pathOf } from './upgrade-request.js';
import { createCompression } from './zlib-codec.js';

export type { ListenOptions, ServerHandler, ServerOptions };

/**
 * Refuse an upgrade from the `upgrade` hook with an HTTP status: `throw rejectUpgrade(403,
 * 'origin not allowed')`.
 */
export function rejectUpgrade(
  status: number,
  message = '',
  headers: HeaderPairs = [],
): WirekitError & {
  /** Extra fields sent with the refusal, e.g. `WWW-Authenticate` with a 401. */
  headers: HeaderPairs;
} {
  // Checked here, in the hook that calls it, rather than when the answer is sent: a refusal is
  // a client error or a server error status, and its fields must be writable.
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `rejectUpgrade needs a status from 400 to 599, not ${status}`,
    );
  }
  refusal(status, message, headers); // throws ERR_HTTP_INVALID_HEADER for a bad field
  const error = new WirekitError(
    ErrorCode.WS_UPGRADE_REJECTED,
    message || `upgrade refused with ${status}`,
    { status },
  );
  return Object.assign(error, { headers });
}

/** A WebSocket server. */
export class WebSocketServer<Data = unknown> {
  readonly #handler: ServerHandler<Data>;
  readonly #options: ServerOptions<Data>;
  readonly #connectionOptions: ResolvedConnectionOptions;
  readonly #heartbeat: Heartbeat | undefined;
  readonly #connections = new Set<Connection<Data>>();
  readonly #pending = new Map<Duplex, PendingHandshake>();
  readonly #handshakeTimeout: number;
  readonly #deflate: ResolvedDeflate | undefined;
  readonly #readBuffer: Buffer | undefined;
  /** Payloads are views of {@link #readBuffer} (`readBuffer: true` or a size). */
  readonly #borrowPayloads: boolean;
  readonly #topics: TopicRegistry;
  /** This server as its transports see it. */
  readonly #host: UpgradeHost;
  readonly #http1: Http1ServerTransport;
  readonly #h2: H2ServerTransport;
  /** Transports that hold listeners or sessions, for close(). */
  readonly #transports: ServerTransport[] = [];
  readonly #listeners: Listener[] = [];
  readonly #onDispose = (connection: Connection<Data>): void => {
    this.#connections.delete(connection);
    this.#checkDrained();
  };
  #closePromise: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  #http3: Http3Listener | undefined;

  /**
   * A server with `options` (handler, limits, compression) that answers the upgrades handed to
   * `handleUpgrade`; {@link serve} creates one and listens.
   */
  constructor(options: ServerOptions<Data>) {
    this.#options = options;
    this.#handler = options.handler;
    this.#connectionOptions = resolveConnectionOptions(options, true);
    this.#handshakeTimeout = options.handshakeTimeout ?? 10_000;
    this.#deflate = resolveDeflate(options.deflate, true);
    const readBuffer = options.readBuffer;
    this.#borrowPayloads = readBuffer !== undefined && readBuffer !== false;
    this.#readBuffer =
      readBuffer === undefined
        ? processReadBuffer()
        : readBuffer === false
          ? undefined
          : Buffer.allocUnsafe(readBuffer === true ? 64 * 1024 : readBuffer);
    this.#heartbeat = heartbeatFor(this.#connectionOptions);
    this.#topics = new TopicRegistry(
      resolvePubSub(options.pubsub),
      this.#connectionOptions.maxBackpressure,
    );
    const server = this;
    this.#host = {
      get closing(): boolean {
        return server.#closePromise !== undefined;
      },
      track: (stream) => this.#track(stream),
      untrack: (stream) => {
        const pending = this.#pending.get(stream);
        if (pending !== undefined) this.#untrack(stream, pending);
      },
      establish: (request) => {
        this.#establish(request).then(undefined, (error) =>
          this.#handshakeFailed(request.stream, error),
        );
      },
      handshakeFailed: (stream, error) => this.#handshakeFailed(stream, error),
    };
    const transportOptions = options as ServerOptions<unknown>;
    this.#http1 = new Http1ServerTransport(
      this.#host,
      transportOptions,
      this.#connectionOptions.closeTimeout,
    );
    this.#h2 = new H2ServerTransport(this.#host, transportOptions);
    this.#transports.push(this.#h2);
  }

  /**
   * Publish to every subscriber of `topic` (see `Connection.subscribe`) on this server and,
   * with a broker, beyond it. The message is framed once (and compressed once for subscribers
   * whose compression keeps no context); the messages of one topic in one tick go to each
   * subscriber as one shared batch, written without a copy in one write per subscriber.
   * A string is text and bytes are binary unless `isBinary` says otherwise; `data` is not kept.
   * Subscribers that are closing are skipped (a connection leaves its topics when it starts
   * closing). Returns how many of this server's subscribers it is queued for.
   */
  publish(
    topic: string,
    data: string | Uint8Array,
    isBinary: boolean = typeof data !== 'string',
  ): number {
    return this.#topics.publish(topic, data, isBinary, undefined);
  }

  /** How many of this server's connections are subscribed to `topic`. */
  subscribers(topic: string): number {
    return this.#topics.subscribers(topic);
  }

  /** Pub/sub counters: published, delivered, dropped, frames built. */
  get pubsubStats(): PubSubStats {
    return this.#topics.stats;
  }

  /** Open connections. */
  get connections(): ReadonlySet<Connection<Data>> {
    return this.#connections;
  }

  /** The address of the first listener, once listening. */
  get address(): AddressInfo | undefined {
    return this.#listeners[0]?.address;
  }

  /**
   * The HTTP/3 listener (RFC 9220) that `serve({ http3 })` started beside TCP: its UDP port
   * and how many QUIC connections are open. `undefined` on a server started without `http3`.
   * It closes with the server, once the server's WebSockets are gone.
   */
  get http3(): Http3Listener | undefined {
    return this.#http3;
  }

  /**
   * @internal Serve HTTP/3 with `listener` (made by `serveHttp3` on this server's
   * `handleStream`): {@link http3} shows it, and `close()` closes it after the WebSockets said
   * goodbye, as it releases the other transports.
   */
  useHttp3(listener: Http3Listener): void {
    this.#http3 = listener;
    this.addTransport(() => ({
      stop(): void {},
      release: () => listener.close(),
    }));
  }

  /** Listen on TCP (or TLS with `tls`). Resolves with the bound address. */
  listen(options: ListenOptions = {}): Promise<AddressInfo> {
    const listener = new Listener(
      options,
      this.#http1,
      options.http2 ? this.#h2 : undefined,
      this.#handshakeTimeout,
    );
    this.#listeners.push(listener);
    this.#transports.push(listener);
    return listener.listen(options.port ?? 9001, options.host ?? '127.0.0.1');
  }

  /**
   * @internal Add a transport that is not built in (HTTP/3, io_uring): `make` gets this
   * server's {@link UpgradeHost} to hand it opening requests; `close()` stops and releases
   * what it returns.
   */
  addTransport<T extends ServerTransport>(make: (host: UpgradeHost) => T): T {
    const transport = make(this.#host);
    this.#transports.push(transport);
    return transport;
  }

  /**
   * Take over a connected socket whose HTTP request has not been read: parse it with wirekit's
   * HTTP/1.1 reader, then upgrade or refuse.
   */
  acceptSocket(socket: Socket): void {
    this.#http1.acceptSocket(socket);
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
    this.#http1.handleUpgrade(request, socket, head);
  }

  /**
   * Attach to an `http`/`https` server's `'upgrade'` event. With a `path` in the options and
   * other `'upgrade'` listeners on the server (another attached server, say), upgrades to other
   * paths are left to them; as the only listener it refuses them with 404, so none hangs.
   */
  attach(server: {
    on(
      event: 'upgrade',
      listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
    ): unknown;
    listenerCount(event: 'upgrade'): number;
  }): this {
    const path = this.#options.path;
    server.on('upgrade', (req, socket, head) => {
      const mine = path === undefined || pathOf(req.url ?? '/') === path;
      if (mine || server.listenerCount('upgrade') === 1) this.handleUpgrade(req, socket, head);
    });
    return this;
  }

  /**
   * Take an HTTP/2 stream (RFC 8441): an extended CONNECT with `:protocol websocket` becomes a
   * connection on this stream; any other CONNECT is refused. Returns `false` for a stream that
   * is not a CONNECT, which the caller may serve itself (pages, APIs).
   */
  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
    return this.#h2.handleStream(stream, headers);
  }

  /**
   * Serve RFC 8441 WebSockets on an existing `http2` server (its `'stream'` event; never add a
   * `'request'` listener to the same server, or Node's compatibility layer answers the CONNECT
   * streams itself). Enables SETTINGS_ENABLE_CONNECT_PROTOCOL on it. Streams that are not a
   * CONNECT go to `other`, or get 404.
   */
  attachHttp2(
    server: Http2Server | Http2SecureServer,
    other?: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void,
  ): this {
    this.#h2.attach(server, other);
    return this;
  }

  /**
   * The steps every transport shares once its request is valid: the path, permessage-deflate
   * (RFC 7692 §5), `selectProtocol`, the `upgrade` hook (which may be async or refuse), the
   * transport's success answer, and the connection.
   */
  async #establish(request: OpeningRequest): Promise<void> {
    const options = this.#options;
    const { stream, info } = request;
    const pending = this.#pending.get(stream);
    if (pending === undefined) {
      // Timed out or gone before its request was read to the end.
      stream.destroy();
      return;
    }
    if (options.path !== undefined && info.path !== options.path) {
      request.refuse(404, `no WebSocket endpoint at ${info.path}`, []);
      return;
    }
    let deflate: DeflateAgreement | undefined;
    if (this.#deflate !== undefined && request.extensionsOffer !== undefined) {
      const offers = parseExtensionHeader(request.extensionsOffer);
      if (offers === undefined) {
        request.refuse(400, 'malformed Sec-WebSocket-Extensions header', []);
        return;
      }
      deflate = negotiateDeflate(offers, this.#deflate.negotiation);
    }
    // Read nothing more while the hook runs (it may be slow: an auth lookup): what the client
    // sends meanwhile waits in the kernel and the stream's buffer, not in ours without bound.
    stream.pause();
    let data: Data;
    let protocol: string | undefined;
    try {
      protocol = options.selectProtocol?.(info.protocols, info);
      if (protocol !== undefined && !info.protocols.includes(protocol)) {
        throw new WirekitError(
          ErrorCode.INVALID_ARGUMENT,
          `selectProtocol chose ${JSON.stringify(protocol)}, which was not offered`,
        );
      }
      const hook = this.#handler.upgrade;
      const result = hook === undefined ? (undefined as Data) : hook.call(this.#handler, info);
      // Any thenable (another realm's Promise, a library's), not only this realm's Promise.
      data = isThenable(result) ? await result : result;
    } catch (error) {
      if (this.#pending.get(stream) !== pending) return; // timed out meanwhile
      if (error instanceof WirekitError && error.code === ErrorCode.WS_UPGRADE_REJECTED) {
        const headers = (error as WirekitError & { headers?: HeaderPairs }).headers ?? [];
        request.refuse(error.status ?? 403, error.message, headers);
      } else {
        request.refuse(500, 'upgrade failed', []);
        process.emitWarning(
          `wirekit: upgrade hook failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return;
    }
    // Timed out, gone, or the server is closing: the connection never starts.
    if (!this.#untrack(stream, pending) || stream.destroyed || this.#closePromise !== undefined) {
      stream.destroy();
      return;
    }
    const head = request.accept(protocol, deflate?.response);
    const connection = new Connection<Data>({
      socket: stream,
      role: 'server',
      handler: this.#handler,
      data,
      options: this.#connectionOptions,
      heartbeat: this.#heartbeat,
      protocol: protocol ?? '',
      extensions: deflate?.response ?? '',
      onDispose: this.#onDispose,
      remoteAddress: info.remoteAddress,
      traits: request.traits,
      sharedReadBuffer: this.#readBuffer,
      borrowPayloads: this.#borrowPayloads,
      topics: this.#topics,
      compression:
        deflate === undefined
          ? undefined
          : createCompression(deflate.params, 'server', this.#deflate!.settings),
    });
    this.#connections.add(connection);
    // Resume first: the flow starts on the next tick, after start() attached its listener (and
    // a pause start() makes for backpressure still wins).
    stream.resume();
    connection.start(head);
  }

  /** Something unexpected failed during a handshake: drop the stream, warn, never crash. */
  #handshakeFailed(stream: Duplex, error: unknown): void {
    stream.destroy();
    const pending = this.#pending.get(stream);
    if (pending !== undefined) this.#untrack(stream, pending);
    process.emitWarning(
      `wirekit: WebSocket handshake failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  /** Watch a stream during its handshake: timeout, errors, early close. */
  #track(stream: Duplex): void {
    const pending: PendingHandshake = {
      timer: setTimeout(() => {
        stream.destroy();
        // A stream destroyed before it was tracked emits no 'close' any more.
        this.#untrack(stream, pending);
      }, this.#handshakeTimeout),
      onClose: () => this.#untrack(stream, pending),
    };
    pending.timer.unref();
    this.#pending.set(stream, pending);
    stream.on('error', destroyOnError);
    stream.once('close', pending.onClose);
  }

  /** The handshake is over (or the stream is gone); `false` if it was already untracked. */
  #untrack(stream: Duplex, pending: PendingHandshake): boolean {
    if (this.#pending.get(stream) !== pending) return false;
    clearTimeout(pending.timer);
    this.#pending.delete(stream);
    stream.off('error', destroyOnError);
    stream.off('close', pending.onClose);
    this.#checkDrained();
    return true;
  }

  /**
   * Stop listening, close every connection with `code` (default 1001 going away) and drop
   * pending handshakes. Resolves when every socket is closed.
   * @throws {WirekitError} `ERR_WS_INVALID_CLOSE_CODE` or `ERR_WS_CONTROL_TOO_LARGE` for a
   * code or reason that may not be sent.
   */
  close(code: number = CloseCode.GOING_AWAY, reason = 'server shutting down'): Promise<void> {
    // Misuse throws here, before any connection is closed, not halfway through.
    closeReasonBytes(code, reason);
    this.#closePromise ??= this.#shutDown(code, reason);
    return this.#closePromise;
  }

  async #shutDown(code: number, reason: string): Promise<void> {
    this.#topics.close();
    for (const transport of this.#transports) transport.stop();
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    for (const stream of [...this.#pending.keys()]) stream.destroy();
    for (const connection of this.#connections) connection.close(code, reason);
    this.#checkDrained();
    await drained;
    // Sessions end (an HTTP/2 GOAWAY) once their WebSocket streams are gone; listeners drop
    // what never became a connection. Peers that linger get closeTimeout.
    const closeTimeout = this.#connectionOptions.closeTimeout;
    await Promise.all(this.#transports.map((transport) => transport.release(closeTimeout)));
  }

  #checkDrained(): void {
    if (this.#drained !== undefined && this.#connections.size === 0 && this.#pending.size === 0) {
      this.#drained();
      this.#drained = undefined;
    }
  }
}

/** A stream in its opening handshake. */
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
 * Start a WebSocket server listening on TCP (or TLS) and resolve once it listens. With `http3`
 * it also listens on UDP for WebSockets over HTTP/3, and `server.http3` is that listener.
 *
 * @example
 * ```ts
 * const server = await serve({ port: 9001, handler: {
 *   message(ws, data, isBinary) { ws.send(data, isBinary); },
 * }});
 * ```
 */
export function serve<Data = unknown>(
  options: ServeOptions<Data> & { readonly http3: Http3ServeOptions },
): Promise<ListeningServer<Data, Http3Listener>>;
/** Start a WebSocket server on TCP (or TLS) only: `server.http3` is `undefined`. */
export function serve<Data = unknown>(
  options: ServeOptions<Data> & { readonly http3?: undefined },
): Promise<ListeningServer<Data, undefined>>;
/** Start a WebSocket server whose `http3` option is known only at run time. */
export function serve<Data = unknown>(options: ServeOptions<Data>): Promise<ListeningServer<Data>>;
export async function serve<Data = unknown>(
  options: ServeOptions<Data>,
): Promise<ListeningServer<Data>> {
  if (options.http3 !== undefined) return serveWithHttp3(options, options.http3);
  const server = new WebSocketServer<Data>(options);
  await server.listen(options);
  return server as ListeningServer<Data>;
}

/** `serve()` with an HTTP/3 listener beside TCP: `wirekit/http3` is loaded only here. The
 * UDP port is the TCP port unless `http3.port` says otherwise (browsers look there first). */
async function serveWithHttp3<Data>(
  options: ServeOptions<Data>,
  http3: Http3ServeOptions,
): Promise<ListeningServer<Data, Http3Listener>> {
  const { serveHttp3 } = await import('./http3/h3-server.js');
  let altSvc = '';
  const own = options.responseHeaders;
  const server = new WebSocketServer<Data>({
    ...options,
    responseHeaders(fields, request) {
      fields.push(['alt-svc', altSvc]);
      own?.(fields, request);
    },
  });
  const address = await server.listen(options);
  let listener: Http3Listener;
  try {
    listener = await serveHttp3((stream, headers) => server.handleStream(stream, headers), {
      host: options.host ?? '127.0.0.1',
      port: address.port,
      ...http3,
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  altSvc = `h3=":${listener.port}"`;
  server.useHttp3(listener);
  return server as ListeningServer<Data, Http3Listener>;
}

/**
 * A server that {@link serve} started: it has an address until it is closed, and `http3` is
 * its HTTP/3 listener when `serve` was given `http3` (`Http3`: `Http3Listener` then,
 * `undefined` without it, either when only the run time knows).
 */
export type ListeningServer<
  Data = unknown,
  Http3 extends Http3Listener | undefined = Http3Listener | undefined,
> = WebSocketServer<Data> & {
  /** The bound address, family and port (the one the kernel chose when `port` 0 was asked). */
  readonly address: AddressInfo;
  /** The HTTP/3 listener: its UDP port and open QUIC connections (see `serve`'s `http3`). */
  readonly http3: Http3;
};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
