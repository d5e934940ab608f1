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
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import {
  constants,
  createServer as createHttp2Server,
  type Http2SecureServer,
  type Http2Server,
  type ServerHttp2Session,
  type ServerHttp2Stream,
  type Settings,
} from 'node:http2';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { ErrorCode, WirekitError } from '../core/errors.js';
import { BodyFraming } from '../core/http1/body-framing.js';
import { RequestReader } from '../core/http1/request-reader.js';
import { CloseCode, closeReasonBytes } from '../core/ws/close-code.js';
import { checkExtendedConnect, extendedConnectResponse } from '../core/ws/extended-connect.js';
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
import { type Heartbeat, heartbeatFor } from './heartbeat.js';
import { refusal, switchingProtocols } from './http-answer.js';
import { DEFAULT_SESSION_WINDOW } from './http2-defaults.js';
import type { Http3ServeOptions } from './http3/h3-server.js';
import { nodePlatform } from './node-platform.js';
import { type PubSubOptions, resolvePubSub } from './pubsub/pubsub-options.js';
import { type PubSubStats, TopicRegistry } from './pubsub/topic-registry.js';
import { processReadBuffer } from './shared-read-buffer.js';
import {
  headerListSource,
  headerObjectSource,
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
  /**
   * Look at or add to the header fields of the accepting answer just before it is written: the
   * 101 of an HTTP/1.1 upgrade, the 200 of an extended CONNECT (HTTP/2, HTTP/3; names are
   * lower-cased there and connection-specific ones left out): a `Set-Cookie`, say. Added fields
   * are checked as any other (no CR, LF or NUL).
   */
  readonly responseHeaders?: (
    headers: (readonly [name: string, value: string])[],
    request: UpgradeRequestInfo,
  ) => void;
  /** Drop a socket whose handshake (request and `upgrade` hook) takes longer. Default 10 000 ms. */
  readonly handshakeTimeout?: number;
  /** Largest request head accepted (431 beyond). Default 16 KiB. */
  readonly maxHeadBytes?: number;
  /** permessage-deflate (RFC 7692): `true` or settings. Default off. */
  readonly deflate?: boolean | DeflateConfig;
  /**
   * How received bytes reach `message`. By default every TCP and TLS connection reads into one
   * buffer shared by the process (no allocation per read, no stream events) and each message
   * is copied out of it, so `data` is yours to keep. `true` (64 KiB) or a size: this server's
   * connections read into their own shared buffer and `data` is a view of it, valid only during
   * the `message` callback — copy what you keep (async iteration copies for you), as with
   * uWebSockets.js. `false`: Node's `'data'` events, a fresh chunk per read.
   */
  readonly readBuffer?: boolean | number;
  /** HTTP/2 settings of RFC 8441 sessions (`initialWindowSize`, `maxConcurrentStreams`, ...).
   * `enableConnectProtocol` is always on. */
  readonly http2Settings?: Settings;
  /** The session-level receive window of HTTP/2 sessions, in bytes (all streams together).
   * Default 4 MiB (HTTP/2's own 64 KiB throttles many busy WebSockets on one session). */
  readonly http2WindowSize?: number;
  /** With `listen({ http2: true })`: serve HTTP/2 streams that are not WebSocket CONNECTs
   * (pages, APIs). Default: 404. */
  readonly http2Stream?: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;
  /** Topics (`ws.subscribe`, `server.publish`): limits, slow subscribers, a broker. */
  readonly pubsub?: PubSubOptions;
}

/** Where to listen. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one. Default 9001. */
  readonly port?: number;
  /** Address to bind. Default `127.0.0.1`. */
  readonly host?: string;
  /** Serve `wss://`: `key`, `cert` (and any `tls.createServer` option). */
  readonly tls?: TlsOptions;
  /**
   * Also serve WebSockets over HTTP/2 (RFC 8441) on the same port: with `tls`, by ALPN (`h2`
   * or `http/1.1`); without, by the HTTP/2 connection preface (h2c with prior knowledge) —
   * other bytes are HTTP/1.1.
   */
  readonly http2?: boolean;
  /**
   * Also serve WebSockets over HTTP/3 (RFC 9220) on UDP (default: the same port number), from
   * `wirekit/http3` (loaded only then; needs the optional `@matrixai/quic`). HTTP/1.1 answers
   * advertise it with `Alt-Svc: h3=":port"` (RFC 7838).
   */
  readonly http3?: Http3ServeOptions;
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
  readonly #sessions = new Set<ServerHttp2Session>();
  #h2: Http2Server | undefined;
  readonly #handshakeTimeout: number;
  readonly #deflate: ResolvedDeflate | undefined;
  readonly #readBuffer: Buffer | undefined;
  /** Payloads are views of {@link #readBuffer} (`readBuffer: true` or a size). */
  readonly #borrowPayloads: boolean;
  readonly #topics: TopicRegistry;
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
  }

  /**
   * Publish to every subscriber of `topic` (see `Connection.subscribe`) on this server and,
   * with a broker, beyond it. The message is framed once (and compressed once for subscribers
   * whose compression keeps no context) and the same bytes join each subscriber's next write.
   * A string is text and bytes are binary unless `isBinary` says otherwise; `data` is not kept.
   * Subscribers that are closing are skipped. Returns how many of this server's subscribers it
   * was queued for.
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
    const address = this.#listeners[0]?.address();
    return address === null || typeof address === 'string' ? undefined : address;
  }

  /** Listen on TCP (or TLS with `tls`). Resolves with the bound address. */
  listen(options: ListenOptions = {}): Promise<AddressInfo> {
    // The TLS handshake is bounded by `handshakeTimeout` too: a client that opens TCP and never
    // starts TLS would otherwise hold its socket for Node's default 120 s (the upgrade timer
    // starts only at 'secureConnection'), and `close()` would wait for it all that time.
    const server = options.tls
      ? createTlsServer({
          handshakeTimeout: this.#handshakeTimeout,
          ...(options.http2 ? { ALPNProtocols: ['h2', 'http/1.1'] } : {}),
          ...options.tls,
        })
      : createNetServer();
    const h2 = options.http2 ? this.#http2Sessions() : undefined;
    if (options.tls) {
      server.on('secureConnection', (socket: TLSSocket) => {
        if (h2 !== undefined && socket.alpnProtocol === 'h2') h2.emit('connection', socket);
        else this.acceptSocket(socket);
      });
    } else if (h2 !== undefined) {
      server.on('connection', (socket: Socket) =>
        sniffPreface(socket, h2, this.#handshakeTimeout, (plain) => {
          this.acceptSocket(plain);
        }),
      );
    } else {
      server.on('connection', (socket: Socket) => this.acceptSocket(socket));
    }
    // A TLS handshake failure is the peer's problem; never let it crash the process.
    server.on('tlsClientError', (_error: Error, socket: Duplex) => socket.destroy());
    // Every accepted TCP socket, so `close()` can also drop those still in their TLS handshake
    // (not yet seen by acceptSocket) instead of waiting for their handshake timeout, and the
    // sockets of HTTP/2 sessions. A plain HTTP/1.1 listener hands each socket to acceptSocket
    // at once, where the handshake and then the connection track it: its sockets carry no
    // second entry and listener.
    if (options.tls || options.http2) {
      (server as RawTracking)[kRawSockets] = this.#raw;
      server.on('connection', trackRaw);
    }
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
      // Not an upgrade at all: 426 names the protocol to switch to (RFC 9110 §15.5.22). One
      // with an Upgrade field but no `upgrade` connection option goes to the core's checks,
      // which answer 400 (RFC 6455 §4.2.1).
      if (!event.upgrade && event.headers.get('upgrade') === undefined) {
        this.#refuse(socket, 426, 'this is a WebSocket endpoint', [['Upgrade', 'websocket']]);
        return;
      }
      // RFC 6455 §4.1: the handshake is a GET without a body; bytes of one would be read as
      // frames after the 101.
      if (event.framing !== BodyFraming.NONE && event.contentLength !== 0) {
        this.#refuse(socket, 400, 'a WebSocket upgrade request has no body');
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
      this.#upgrade(info, event.version, socket, head, pending).then(undefined, (error) =>
        this.#handshakeFailed(socket, error),
      );
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
    this.#upgrade(info, request.httpVersion, socket as Socket, head, pending).then(
      undefined,
      (error) => this.#handshakeFailed(socket, error),
    );
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

  /** HTTP/1.1 (RFC 6455 §4.2): check the upgrade request, then the shared steps. */
  #upgrade(
    base: UpgradeRequestInfo,
    httpVersion: string,
    socket: Socket,
    head: Buffer,
    pending: PendingHandshake,
  ): Promise<void> {
    const check = checkUpgradeRequest({ method: base.method, httpVersion, headers: base.headers });
    const channel: HandshakeChannel = {
      stream: socket,
      head,
      refuse: (status, message, headers) => this.#refuse(socket, status, message, headers),
      accept: (protocol, extensions) => {
        if (!check.ok) return;
        const fields = [...acceptHeaders(check.key, { protocol, extensions }, nodePlatform)];
        this.#options.responseHeaders?.(fields, base);
        socket.write(switchingProtocols(fields));
      },
    };
    if (!check.ok) {
      channel.refuse(check.error.status ?? 400, check.error.message, check.headers);
      return Promise.resolve();
    }
    return this.#establish(
      { ...base, protocols: check.protocols, origin: check.origin },
      check.extensions,
      channel,
      pending,
    );
  }

  /**
   * The steps every transport shares once its request is valid: the path, permessage-deflate
   * (RFC 7692 §5), `selectProtocol`, the `upgrade` hook (which may be async or refuse), the
   * transport's success answer, and the connection.
   */
  async #establish(
    info: UpgradeRequestInfo,
    extensionsOffer: string | undefined,
    channel: HandshakeChannel,
    pending: PendingHandshake,
  ): Promise<void> {
    const options = this.#options;
    const stream = channel.stream;
    if (options.path !== undefined && info.path !== options.path) {
      channel.refuse(404, `no WebSocket endpoint at ${info.path}`, []);
      return;
    }
    let deflate: DeflateAgreement | undefined;
    if (this.#deflate !== undefined && extensionsOffer !== undefined) {
      const offers = parseExtensionHeader(extensionsOffer);
      if (offers === undefined) {
        channel.refuse(400, 'malformed Sec-WebSocket-Extensions header', []);
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
        channel.refuse(error.status ?? 403, error.message, headers);
      } else {
        channel.refuse(500, 'upgrade failed', []);
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
    channel.accept(protocol, deflate?.response);
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
    connection.start(channel.head);
  }

  /**
   * Take an HTTP/2 stream (RFC 8441): an extended CONNECT with `:protocol websocket` becomes a
   * connection on this stream; any other CONNECT is refused. Returns `false` for a stream that
   * is not a CONNECT, which the caller may serve itself (pages, APIs).
   */
  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
    if (headers[':method'] !== 'CONNECT') return false;
    if (this.#closePromise !== undefined) {
      // Resetting with an error code also emits it on the stream: never let it go uncaught.
      stream.on('error', destroyOnError);
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return true;
    }
    const pending = this.#track(stream);
    const source = headerObjectSource(headers);
    const check = checkExtendedConnect(source);
    const channel: HandshakeChannel = {
      stream,
      head: EMPTY,
      refuse: (status, message, extra) => refuseStream(stream, status, message, extra),
      accept: (protocol, extensions) => {
        if (!check.ok || stream.destroyed) return;
        const fields = extendedConnectResponse(check, { protocol, extensions }, nodePlatform);
        const hook = this.#options.responseHeaders;
        if (hook !== undefined) {
          const extra: (readonly [string, string])[] = [];
          hook(extra, info);
          // RFC 9113 §8.2.2 (and RFC 9114 §4.2): no connection-specific fields.
          for (const [name, value] of extra) {
            const lower = name.toLowerCase();
            if (!CONNECTION_SPECIFIC.has(lower)) fields[lower] = value;
          }
        }
        stream.respond(fields);
      },
    };
    if (!check.ok) {
      channel.refuse(check.error.status ?? 400, check.error.message, Object.entries(check.headers));
      return true;
    }
    const info: UpgradeRequestInfo = {
      method: 'CONNECT',
      url: check.path,
      path: pathOf(check.path),
      headers: source,
      protocols: check.protocols,
      origin: check.origin,
      remoteAddress: stream.session?.socket?.remoteAddress ?? '',
      incoming: undefined,
    };
    this.#establish(info, check.extensions, channel, pending).then(undefined, (error) =>
      this.#handshakeFailed(stream, error),
    );
    return true;
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
    server.updateSettings({ enableConnectProtocol: true });
    server.on('session', (session: ServerHttp2Session) => this.#trackSession(session));
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      if (this.handleStream(stream, headers)) return;
      if (other !== undefined) other(stream, headers);
      else refuseStream(stream, 404, 'not found', []);
    });
    return this;
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

  /** Answer with an error status and close the socket (it stays tracked until it closes). */
  #refuse(socket: Duplex, status: number, message: string, headers: HeaderPairs = []): void {
    if (socket.destroyed) {
      // Its 'close' may have been emitted already: stop tracking it now.
      const pending = this.#pending.get(socket);
      if (pending !== undefined) this.#untrack(socket, pending);
      return;
    }
    socket.end(refusal(status, message, headers));
    // Drain (and drop) whatever the client still sends, so its FIN is seen and the socket closes.
    socket.resume();
    // A peer that never closes its side does not keep the socket.
    const timer = setTimeout(() => socket.destroy(), this.#connectionOptions.closeTimeout);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  /** An unbound HTTP/2 server used only to run sessions on sockets this server accepted. */
  #http2Sessions(): Http2Server {
    if (this.#h2 === undefined) {
      const h2 = createHttp2Server({
        settings: { ...this.#options.http2Settings, enableConnectProtocol: true },
      });
      this.attachHttp2(h2, this.#options.http2Stream);
      this.#h2 = h2;
    }
    return this.#h2;
  }

  #isSessionSocket(raw: Socket): boolean {
    // `session.socket` is a Proxy (and with TLS the TLS socket over `raw`), never `=== raw`:
    // the peer's address and port name the TCP connection, so that close() leaves a session's
    // socket to the session and its GOAWAY can leave.
    for (const session of this.#sessions) {
      const socket = session.socket as Socket | undefined; // undefined once destroyed
      if (socket?.remotePort === raw.remotePort && socket?.remoteAddress === raw.remoteAddress)
        return true;
    }
    return false;
  }

  #trackSession(session: ServerHttp2Session): void {
    this.#sessions.add(session);
    session.setLocalWindowSize(this.#options.http2WindowSize ?? DEFAULT_SESSION_WINDOW);
    session.on('error', () => session.destroy());
    session.once('close', () => this.#sessions.delete(session));
    if (this.#closePromise !== undefined) session.close();
  }

  /** Watch a socket during its handshake: timeout, errors, early close. */
  #track(socket: Duplex): PendingHandshake {
    const pending: PendingHandshake = {
      timer: setTimeout(() => {
        socket.destroy();
        // A socket destroyed before it was tracked emits no 'close' any more.
        this.#untrack(socket, pending);
      }, this.#handshakeTimeout),
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
    // HTTP/2 sessions end with a GOAWAY once their WebSocket streams are gone.
    for (const session of this.#sessions) session.close();
    // Whatever is left never became a connection (a TLS handshake in progress): drop it.
    for (const raw of this.#raw) if (!this.#isSessionSocket(raw)) raw.destroy();
    // After a GOAWAY Node only ends a session's socket and waits for the peer's FIN; a client
    // that keeps its TCP open (a stream it never read to the end) would hold close() forever.
    // The peers get closeTimeout, then they are dropped.
    const lingering = setTimeout(() => {
      for (const raw of this.#raw) raw.destroy();
    }, this.#connectionOptions.closeTimeout);
    lingering.unref();
    await Promise.all(listenersClosed);
    clearTimeout(lingering);
  }

  #checkDrained(): void {
    if (this.#drained !== undefined && this.#connections.size === 0 && this.#pending.size === 0) {
      this.#drained();
      this.#drained = undefined;
    }
  }
}

/** What differs between an HTTP/1.1 upgrade and an HTTP/2 extended CONNECT. */
interface HandshakeChannel {
  /** The bytes of the connection-to-be: a socket, or an HTTP/2 stream. */
  readonly stream: Duplex;
  /** Bytes read past the HTTP/1.1 request (none for HTTP/2). */
  readonly head: Buffer;
  /** Answer with an error status and stop. */
  refuse(status: number, message: string, headers: HeaderPairs): void;
  /** Answer success: a 101 (HTTP/1.1) or `:status 200` (HTTP/2). */
  accept(protocol: string | undefined, extensions: string | undefined): void;
}

/** Refuse an HTTP/2 stream: a status, the fields, a short text body, END_STREAM. */
function refuseStream(
  stream: ServerHttp2Stream,
  status: number,
  message: string,
  headers: HeaderPairs,
): void {
  if (stream.destroyed || stream.headersSent) return;
  const fields: Record<string, string | number> = {
    ':status': status,
    'content-type': 'text/plain; charset=utf-8',
  };
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    // RFC 9113 §8.2.2: connection-specific fields do not exist in HTTP/2; leave them out.
    if (!CONNECTION_SPECIFIC.has(lower)) fields[lower] = value;
  }
  try {
    stream.respond(fields);
  } catch {
    // A field Node refuses: no answer can be sent, so reset the stream.
    stream.on('error', destroyOnError);
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream.end(`${message}\n`);
  stream.resume();
}

const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** The HTTP/2 connection preface (RFC 9113 §3.4) starts with these bytes. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

/**
 * On a cleartext port serving both protocols: look at the first bytes; the HTTP/2 preface
 * (prior knowledge, RFC 9113 §3.3) goes to the HTTP/2 sessions, anything else is HTTP/1.1.
 * A peer that has not sent enough to tell within `timeoutMs` is dropped, as a handshake
 * would be.
 */
function sniffPreface(
  socket: Socket,
  h2: Http2Server,
  timeoutMs: number,
  http1: (socket: Socket) => void,
): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(destroySocket, timeoutMs, socket);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isH2 && seen.length < PREFACE.length) return; // could still be either
    stopSniffing();
    socket.pause();
    socket.unshift(seen);
    // The HTTP/2 session reads what is buffered itself (on its next tick); HTTP/1.1 reads by
    // 'data' events, which resume delivers.
    if (isH2) h2.emit('connection', socket);
    else {
      http1(socket);
      socket.resume();
    }
  };
  const onError = (): void => {
    socket.destroy();
  };
  const stopSniffing = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('close', stopSniffing);
  };
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('close', stopSniffing);
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

const kRawSockets = Symbol('wirekit.rawSockets');
/** A listener that keeps its accepted sockets in its WebSocket server's set. */
type RawTracking = NetServer & { [kRawSockets]?: Set<Socket> };

// Listeners shared by every accepted socket (`this` is the listener, then the socket), not a
// closure and a `once` wrapper per socket: Node sets `socket.server` on accepted sockets, so
// the set is found through it.
function trackRaw(this: RawTracking, raw: Socket): void {
  this[kRawSockets]?.add(raw);
  raw.on('close', forgetRaw);
}
function forgetRaw(this: Socket & { server?: RawTracking }): void {
  this.server?.[kRawSockets]?.delete(this);
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
): Promise<ListeningServer<Data>> {
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
  let listener: Awaited<ReturnType<typeof serveHttp3>>;
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
  const closeTcp = server.close.bind(server);
  // The HTTP/3 listener closes with the server, after its WebSockets said goodbye.
  Object.defineProperties(server, {
    close: {
      value: async (code?: number, reason?: string): Promise<void> => {
        await closeTcp(code, reason);
        await listener.close();
      },
    },
    http3: { value: listener },
  });
  return server as ListeningServer<Data>;
}

/** A server that {@link serve} started: it has an address until it is closed. */
export type ListeningServer<Data = unknown> = WebSocketServer<Data> & {
  readonly address: AddressInfo;
};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
