/**
 * One HTTP/1.1 client connection: a socket driven by the sans-IO {@link ResponseReader}.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { ErrorCode, WirekitError } from '../../core/errors.js';
import type { HeaderList } from '../../core/http1/header-list.js';
import type { HttpLimits } from '../../core/http1/http-limits.js';
import type { RequestBuilder } from '../../core/http1/request-writer.js';
import type { ResponseHead } from '../../core/http1/response-head.js';
import { ResponseReader } from '../../core/http1/response-reader.js';
import { dial } from '../dial.js';
import { type ProxyOption, resolveProxy } from '../proxy-option.js';
import type { ProxyEndpoint } from '../proxy-url.js';
import type { ClientTlsOptions } from '../tls-options.js';
import { type HttpOrigin, parseHttpOrigin } from './http-origin.js';
import { HttpResponse } from './http-response.js';

/** Options of {@link HttpConnection}. */
export interface HttpConnectionOptions {
  /** Give up if TCP (and the proxy's tunnel, and TLS) is not ready within this many ms.
   * Default 10 000. */
  readonly connectTimeout?: number;
  /**
   * Fail a request when no byte of its response arrives for this many ms (measured from the
   * send, then from each chunk received). The connection is poisoned. Default 30 000; `0` for
   * none.
   */
  readonly readTimeout?: number;
  /** Disable Nagle's algorithm (`TCP_NODELAY`). Default true: requests are small. */
  readonly noDelay?: boolean;
  /** TLS settings for `https:`. */
  readonly tls?: ClientTlsOptions;
  /** Limits of the response reader (head size, header count, body size, chunk line). */
  readonly limits?: Partial<HttpLimits>;
  /**
   * Connect through an HTTP proxy's CONNECT tunnel (RFC 9110 §9.3.6; requests then go to the
   * origin through it, as over a direct connection): a proxy URL
   * `'http://[user:password@]host[:port]'`, or `'env'` for the proxy the environment names,
   * read once by the constructor — `https_proxy` then `HTTPS_PROXY` for `https:`, `http_proxy`
   * then `HTTP_PROXY` for `http:` (lower case first, as curl and undici; an empty value is
   * unset; `https:` never falls back to `http_proxy`), none when `no_proxy` / `NO_PROXY` lists
   * the host (`*`, `example.com` / `.example.com` for a domain and its subdomains, `host:port`,
   * IP literals, CIDR ranges). A proxy that does not open the tunnel fails the connect with
   * `ERR_PROXY`.
   */
  readonly proxy?: ProxyOption;
}

/** What an {@link HttpConnection} is doing; see {@link HttpConnection.state}. */
export const HttpConnectionState = {
  /** Not connected yet, or the last (re)connect failed: call `reconnect()`. */
  DISCONNECTED: 'disconnected',
  /** A connect is in progress. */
  CONNECTING: 'connecting',
  /** Connected, no request in flight: `send` may be called. */
  IDLE: 'idle',
  /** A request awaits its response. */
  BUSY: 'busy',
  /** Unusable after a transport error, timeout, protocol error, `Connection: close` or a
   * close by the server: `send` fails fast; call `reconnect()`. */
  POISONED: 'poisoned',
  /** Closed by `close()`. */
  CLOSED: 'closed',
} as const;

export type HttpConnectionState = (typeof HttpConnectionState)[keyof typeof HttpConnectionState];

const DISCONNECTED = HttpConnectionState.DISCONNECTED;
const CONNECTING = HttpConnectionState.CONNECTING;
const IDLE = HttpConnectionState.IDLE;
const BUSY = HttpConnectionState.BUSY;
const POISONED = HttpConnectionState.POISONED;
const CLOSED = HttpConnectionState.CLOSED;

const EMPTY_BODY = Buffer.alloc(0);
const NOOP = (): void => {};

/**
 * An HTTP/1.1 client connection to one origin, after nexus-async-net's `AsyncHttpConnection`:
 * you write requests with a `RequestWriter` (the bytes it returns, or the builder itself) and
 * `send` them one at a time; the connection is kept alive and reused for the next request.
 *
 * - **One request at a time.** A `send` while a response is awaited throws
 *   `ERR_HTTP_CONNECTION_BUSY` (no hidden queue: use a {@link ClientPool} for concurrency).
 * - **Framing cannot be mismatched.** The request method, which decides how the response is
 *   delimited (RFC 9112 §6.3: no body after HEAD), is read from the request bytes themselves.
 * - **Stale connections.** When the server closes a kept-alive connection while it is idle, or
 *   closes or resets it before the first byte of the response, `send` rejects with
 *   `ERR_HTTP_STALE_CONNECTION`: the request was not answered; `reconnect()` and resend it if
 *   it is idempotent (RFC 9112 §9.3.1).
 * - **Poisoning.** After a transport error (`ERR_CONNECTION_LOST`), a read timeout
 *   (`ERR_TIMEOUT`), a malformed or oversized response (`ERR_HTTP_PARSE`, `ERR_HTTP_LIMIT`), a
 *   `Connection: close` response or an idle close, the socket is destroyed and every later
 *   `send` rejects at once with `ERR_HTTP_CONNECTION_POISONED` (its `cause` is the first error)
 *   until `reconnect()`. The reader and its limits survive reconnects.
 * - **Hot path.** Per request: one promise, the write, the reader fed straight from socket
 *   chunks; the body is a view of the chunk when it lies in one. No per-request closures or
 *   timers (the read timeout is one timer per connection, re-armed with `refresh()`).
 *
 * While idle the socket does not keep the process alive (like Node's keep-alive agent).
 *
 * @example
 * ```ts
 * import { HttpConnection, RequestWriter } from 'wirekit/http';
 * const connection = await HttpConnection.connect('https://api.example.com', { readTimeout: 5000 });
 * const writer = new RequestWriter({ host: 'api.example.com', basePath: '/v3' });
 * let response;
 * try {
 *   response = await connection.send(writer.get('/ticker').query('symbol', 'BTC-USD'));
 * } catch (error) {
 *   if (connection.needsReconnect) await connection.reconnect(); // then retry if idempotent
 *   throw error;
 * }
 * console.log(response.status, response.json());
 * await connection.close();
 * ```
 */
export class HttpConnection {
  readonly #origin: HttpOrigin;
  readonly #connectTimeout: number;
  readonly #readTimeout: number;
  readonly #noDelay: boolean;
  readonly #tls: ClientTlsOptions;
  readonly #proxy: ProxyEndpoint | undefined;
  readonly #reader: ResponseReader;

  #state: HttpConnectionState = DISCONNECTED;
  #socket: Socket | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** Why the connection is poisoned or disconnected. */
  #cause: WirekitError | undefined;
  /** An idle close was seen and no send has reported it yet. */
  #staleUnreported = false;
  /** Ends the connect in progress (rejecting `reconnect()` with its reason), while connecting. */
  #connecting: AbortController | null = null;

  // The request in flight.
  #tunnel = false; // it is a CONNECT
  #resolve: ((response: HttpResponse) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;
  #gotBytes = false;
  #eof = false;
  #head: ResponseHead | null = null;
  #first: Buffer | null = null;
  #parts: Buffer[] | null = null;
  #total = 0;

  /**
   * A connection to the origin of `url` (`http:` or `https:`), not yet connected: call
   * {@link HttpConnection.reconnect}, or use {@link HttpConnection.connect}.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` for a bad URL or option.
   */
  constructor(url: string | URL, options: HttpConnectionOptions = {}) {
    this.#origin = parseHttpOrigin(url);
    this.#connectTimeout = checkTime('connectTimeout', options.connectTimeout ?? 10_000, 1);
    this.#readTimeout = checkTime('readTimeout', options.readTimeout ?? 30_000, 0);
    this.#noDelay = options.noDelay ?? true;
    this.#tls = options.tls ?? {};
    this.#proxy = resolveProxy(options.proxy, this.#origin);
    this.#reader = new ResponseReader(options.limits ?? {});
  }

  /**
   * Connects to the origin of `url`.
   * @throws {WirekitError} `ERR_TIMEOUT` (connect timeout), `ERR_CONNECTION_LOST` (refused,
   * unreachable, TLS failure; the socket error is the `cause`), `ERR_PROXY` (the proxy did not
   * open the tunnel).
   */
  static async connect(
    url: string | URL,
    options: HttpConnectionOptions = {},
  ): Promise<HttpConnection> {
    const connection = new HttpConnection(url, options);
    await connection.reconnect();
    return connection;
  }

  /** See {@link HttpConnectionState}. */
  get state(): HttpConnectionState {
    return this.#state;
  }

  /** Whether `send` would fail until `reconnect()`: disconnected, poisoned or closed. */
  get needsReconnect(): boolean {
    const state = this.#state;
    return state === POISONED || state === DISCONNECTED || state === CLOSED;
  }

  /** The error that poisoned or disconnected the connection, if any. */
  get cause(): WirekitError | undefined {
    return this.#cause;
  }

  /** The origin, e.g. `https://api.example.com:8443`. */
  get origin(): string {
    return this.#origin.href;
  }

  /** The `Host` field value requests to this origin need, e.g. `api.example.com:8443`. */
  get host(): string {
    return this.#origin.host;
  }

  /**
   * Opens a new socket, dropping the current one and all unread input; the reader, its limits
   * and options are kept. Rejects like {@link HttpConnection.connect}; the connection is then
   * `disconnected` and may be reconnected again.
   * @throws {WirekitError} `ERR_HTTP_CONNECTION_BUSY` while a request is in flight or a
   * connect is in progress.
   */
  reconnect(): Promise<void> {
    if (this.#state === BUSY || this.#state === CONNECTING) {
      throw new WirekitError(
        ErrorCode.HTTP_CONNECTION_BUSY,
        `reconnect while ${this.#state === BUSY ? 'a request is in flight' : 'connecting'}`,
      );
    }
    this.#detach();
    this.#reader.reset();
    this.#state = CONNECTING;
    this.#cause = undefined;
    this.#staleUnreported = false;
    // close() and abort() end the connect in progress through this signal; their error, not
    // ERR_ABORTED, is what reconnect() rejects with.
    const controller = new AbortController();
    this.#connecting = controller;
    const origin = this.#origin;
    return dial(origin, {
      tls: this.#tls,
      alpn: ['http/1.1'],
      connectTimeout: this.#connectTimeout,
      signal: controller.signal,
      proxy: this.#proxy,
      noDelay: this.#noDelay,
      name: `connect to ${origin.href}`,
    }).then(
      (socket) => {
        if (this.#connecting !== controller || controller.signal.aborted) {
          // close() or abort() took over meanwhile.
          socket.on('error', NOOP);
          socket.destroy();
          throw this.#connectFailed(controller, undefined);
        }
        this.#connecting = null;
        this.#socket = socket;
        socket.on('data', this.#onData);
        socket.on('end', this.#onEnd);
        socket.on('close', this.#onClose);
        socket.on('error', this.#onError);
        // The dialer hands the socket over paused: bytes it holds (sent before any request)
        // reach #onData now, and poison the connection as they should.
        socket.resume();
        socket.unref();
        this.#state = IDLE;
        if (this.#timer === null && this.#readTimeout > 0) {
          this.#timer = setTimeout(this.#onTimeout, this.#readTimeout);
          this.#timer.unref();
        }
      },
      (error: unknown) => {
        throw this.#connectFailed(controller, error);
      },
    );
  }

  // The error reconnect() rejects with: the reason close() or abort() gave, else the dialer's.
  // When this connect is still the current one, the connection is disconnected with it.
  #connectFailed(controller: AbortController, error: unknown): WirekitError {
    const failure: WirekitError = controller.signal.aborted
      ? (controller.signal.reason as WirekitError)
      : error instanceof WirekitError
        ? error
        : new WirekitError(ErrorCode.CONNECTION_LOST, 'connection closed while connecting', {
            cause: error,
          });
    if (this.#connecting === controller) {
      this.#connecting = null;
      if (this.#state === CONNECTING) {
        this.#state = DISCONNECTED;
        this.#cause = failure;
      }
    }
    return failure;
  }

  /**
   * Sends one request and resolves with its final response. `request` is the bytes a
   * `RequestWriter` returned (`finish()`; they are written before this returns, so the writer
   * may be reused as soon as the response arrives), or the builder itself (`finish()` is
   * called for you).
   *
   * Rejects with `ERR_HTTP_STALE_CONNECTION`, `ERR_CONNECTION_LOST`, `ERR_TIMEOUT`,
   * `ERR_HTTP_PARSE`, `ERR_HTTP_LIMIT` (the connection is then poisoned), or at once with
   * `ERR_HTTP_CONNECTION_POISONED` (or the stale error an idle close left) when the connection
   * needs a reconnect. Never retries.
   * @throws {WirekitError} `ERR_HTTP_CONNECTION_BUSY` while the previous response is awaited.
   */
  send(request: Uint8Array | RequestBuilder): Promise<HttpResponse> {
    const state = this.#state;
    if (state !== IDLE) return this.#refuse(state);
    const bytes = request instanceof Uint8Array ? request : request.finish();
    const socket = this.#socket!;
    const method = methodOf(bytes);
    this.#reader.expect(method);
    this.#tunnel = method === 'CONNECT';
    this.#state = BUSY;
    this.#gotBytes = false;
    const promise = new Promise<HttpResponse>(this.#capture);
    if (this.#timer !== null) this.#timer.refresh();
    socket.ref();
    socket.write(bytes);
    return promise;
  }

  /**
   * Destroys the socket now: a request in flight rejects with `ERR_CONNECTION_LOST`, and the
   * connection is poisoned (reconnect to use it again).
   */
  abort(reason = 'aborted by the caller'): void {
    const error = new WirekitError(ErrorCode.CONNECTION_LOST, reason);
    if (this.#state === BUSY) this.#fail(error, false);
    else if (this.#state === IDLE) this.#poison(error, false);
    else if (this.#state === CONNECTING) this.#connecting?.abort(error);
  }

  /**
   * Closes the socket; a request in flight rejects with `ERR_CONNECTION_LOST`. Resolves once
   * the socket is closed. `reconnect()` may open it again.
   */
  close(): Promise<void> {
    const error = new WirekitError(ErrorCode.CONNECTION_LOST, 'connection closed by the caller');
    // Taken first: failing a request in flight lets go of the socket, which is still closing.
    const socket = this.#socket;
    if (this.#state === BUSY) this.#fail(error, false);
    else if (this.#state === CONNECTING) this.#connecting?.abort(error); // rejects reconnect()
    this.#state = CLOSED;
    this.#cause = error;
    this.#staleUnreported = false;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#socket = null;
    if (socket === null || socket.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      socket.removeAllListeners('data');
      socket.off('end', this.#onEnd);
      socket.off('close', this.#onClose);
      socket.off('error', this.#onError);
      socket.on('error', NOOP);
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  /** `await using connection = await HttpConnection.connect(…)` closes it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // --- request lifecycle -------------------------------------------------------------------

  /** The executor of every request promise: one function per connection, not per request. */
  readonly #capture = (
    resolve: (response: HttpResponse) => void,
    reject: (error: unknown) => void,
  ): void => {
    this.#resolve = resolve;
    this.#reject = reject;
  };

  #refuse(state: HttpConnectionState): Promise<HttpResponse> {
    if (state === BUSY) {
      throw new WirekitError(
        ErrorCode.HTTP_CONNECTION_BUSY,
        'send while the previous response is awaited: one request at a time per connection',
      );
    }
    if (this.#staleUnreported) {
      this.#staleUnreported = false;
      return Promise.reject(this.#cause);
    }
    const why =
      state === CONNECTING
        ? 'is still connecting'
        : state === CLOSED
          ? 'was closed'
          : state === DISCONNECTED
            ? 'is not connected'
            : 'is poisoned';
    return Promise.reject(
      new WirekitError(
        ErrorCode.HTTP_CONNECTION_POISONED,
        `connection to ${this.#origin.href} ${why}${this.#cause === undefined ? '' : `: ${this.#cause.message}`}; reconnect`,
        this.#cause === undefined ? {} : { cause: this.#cause },
      ),
    );
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#state !== BUSY) {
      // RFC 9112 §9.3: nothing may arrive between responses; a server that sends anything (a
      // 408 before closing, say) is ending the connection. No request was sent on it.
      this.#poison(
        new WirekitError(
          ErrorCode.HTTP_STALE_CONNECTION,
          `${this.#origin.href} sent ${chunk.length} bytes while no request was pending`,
        ),
        true,
      );
      return;
    }
    this.#gotBytes = true;
    this.#reader.receive(chunk);
    this.#drain();
  };

  readonly #onEnd = (): void => {
    if (this.#state === BUSY) {
      this.#eof = true;
      this.#reader.receiveEof();
      this.#drain(); // ends a close-delimited body, or fails
    } else if (this.#state === IDLE) {
      this.#poison(this.#staleError('closed the idle connection'), true);
    }
  };

  readonly #onClose = (): void => {
    if (this.#state === BUSY) this.#lost(undefined);
    else if (this.#state === IDLE) {
      this.#poison(this.#staleError('closed the idle connection'), true);
    }
  };

  readonly #onError = (error: Error): void => {
    if (this.#state === BUSY) this.#lost(error);
    else if (this.#state === IDLE) {
      this.#poison(this.#staleError(`reset the idle connection (${error.message})`, error), true);
    }
  };

  readonly #onTimeout = (): void => {
    if (this.#state !== BUSY) return; // fired while idle: nothing to time
    this.#fail(
      new WirekitError(
        ErrorCode.TIMEOUT,
        `no response bytes from ${this.#origin.href} for ${this.#readTimeout} ms (readTimeout)`,
      ),
      false,
    );
  };

  // Pulls reader events until more input is needed or the response is complete.
  #drain(): void {
    const reader = this.#reader;
    for (;;) {
      const event = reader.next();
      switch (event.type) {
        case 'need-data':
          if (this.#timer !== null) this.#timer.refresh(); // readTimeout counts from this chunk
          return;
        case 'informational':
          continue; // RFC 9110 §15.2: 1xx interim responses; the final one follows
        case 'head':
          this.#head = event;
          continue;
        case 'body': {
          const data = event.data;
          // The reader hands out views of the chunks it was fed, which are Buffers.
          const view = Buffer.isBuffer(data)
            ? data
            : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
          if (this.#first === null) this.#first = view;
          else if (this.#parts === null) this.#parts = [this.#first, view];
          else this.#parts.push(view);
          this.#total += view.length;
          continue;
        }
        case 'end':
          this.#complete(event.trailers);
          return;
        case 'closed':
          // EOF before any byte of a response.
          this.#lost(undefined);
          return;
        case 'paused':
          return; // not reached: 'end' completes the response first
        case 'error':
          if (this.#eof) this.#lost(event.error);
          else this.#fail(event.error, false);
          return;
      }
    }
  }

  #complete(trailers: HeaderList): void {
    const head = this.#head!;
    const parts = this.#parts;
    const body = parts !== null ? Buffer.concat(parts, this.#total) : (this.#first ?? EMPTY_BODY);
    const resolve = this.#resolve!;
    this.#clearRequest();
    this.#state = IDLE;
    const socket = this.#socket!;
    const switched = head.status === 101 || (this.#tunnel && head.status < 300);
    if (!head.keepAlive || switched) {
      // RFC 9112 §9.6: after `Connection: close` (or a close-delimited body, or HTTP/1.0
      // without keep-alive) no further request may be sent; after a 101 (RFC 9110 §15.2.2) or
      // a 2xx to CONNECT (RFC 9110 §9.3.6) the connection no longer carries HTTP.
      this.#poison(
        new WirekitError(
          ErrorCode.CONNECTION_LOST,
          switched
            ? 'the connection left HTTP (101 Switching Protocols or a CONNECT tunnel)'
            : 'the server ended the connection after the response (Connection: close)',
        ),
        false,
      );
    } else if (this.#reader.bufferedBytes > 0) {
      this.#poison(
        new WirekitError(
          ErrorCode.HTTP_PARSE,
          'the server sent bytes after the response, which was not requested',
          { status: 502 },
        ),
        false,
      );
    } else if (socket.writableLength > 0) {
      // The server answered before it read the whole request (an early 413, say). The unsent
      // rest still points into the caller's writer buffer, which may be reused as soon as this
      // resolves: drop the connection (RFC 9112 §9.6 lets a client stop sending then).
      this.#poison(
        new WirekitError(
          ErrorCode.CONNECTION_LOST,
          'the server answered before the whole request was sent',
        ),
        false,
      );
    } else {
      socket.unref();
    }
    resolve(new HttpResponse(head, body, trailers));
  }

  // The transport ended or failed while a request was in flight.
  #lost(cause: Error | undefined): void {
    if (this.#gotBytes) {
      this.#fail(
        new WirekitError(
          ErrorCode.CONNECTION_LOST,
          `connection to ${this.#origin.href} lost during the response${cause === undefined ? '' : `: ${cause.message}`}`,
          cause === undefined ? {} : { cause },
        ),
        false,
      );
      return;
    }
    this.#fail(
      this.#staleError(
        cause === undefined
          ? 'closed the connection before answering'
          : `reset the connection before answering (${cause.message})`,
        cause,
      ),
      false,
    );
  }

  #staleError(what: string, cause?: Error): WirekitError {
    return new WirekitError(
      ErrorCode.HTTP_STALE_CONNECTION,
      `${this.#origin.href} ${what}; reconnect (and resend if idempotent)`,
      cause === undefined ? {} : { cause },
    );
  }

  // Rejects the request in flight and poisons the connection.
  #fail(error: WirekitError, staleUnreported: boolean): void {
    const reject = this.#reject;
    this.#clearRequest();
    this.#poison(error, staleUnreported);
    reject?.(error);
  }

  #poison(error: WirekitError, staleUnreported: boolean): void {
    this.#state = POISONED;
    this.#cause = error;
    this.#staleUnreported = staleUnreported;
    this.#detach();
    this.#reader.reset();
  }

  #clearRequest(): void {
    this.#resolve = null;
    this.#reject = null;
    this.#head = null;
    this.#first = null;
    this.#parts = null;
    this.#total = 0;
    this.#eof = false;
  }

  // Drops the socket: no more events from it reach this connection.
  #detach(): void {
    const socket = this.#socket;
    if (socket === null) return;
    this.#socket = null;
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onClose);
    socket.off('error', this.#onError);
    socket.on('error', NOOP);
    socket.destroy();
  }
}

// The method decides the response framing (RFC 9112 §6.3): read it from the request line so
// the bytes and the expectation cannot disagree. Only HEAD and CONNECT frame differently.
function methodOf(bytes: Uint8Array): string {
  if (bytes[0] === 0x48) {
    // 'HEAD '
    if (bytes[1] === 0x45 && bytes[2] === 0x41 && bytes[3] === 0x44 && bytes[4] === 0x20)
      return 'HEAD';
  } else if (
    bytes[0] === 0x43 && // 'CONNECT '
    bytes[1] === 0x4f &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x4e &&
    bytes[4] === 0x45 &&
    bytes[5] === 0x43 &&
    bytes[6] === 0x54 &&
    bytes[7] === 0x20
  ) {
    return 'CONNECT';
  }
  return 'GET';
}

function checkTime(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be a number of ms >= ${min}, got ${String(value)}`,
    );
  }
  return value;
}
