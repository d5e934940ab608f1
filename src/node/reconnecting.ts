/**
 * An opt-in client that keeps a WebSocket connection up: when the connection drops or the
 * server closes it, connect again after an exponential backoff with full jitter, run an
 * `onConnect` hook (to send subscriptions again), and keep delivering messages to one handler.
 * Nothing reconnects after the user's own `close()`.
 *
 * Sends while disconnected are queued (bounded by `maxQueuedBytes`) and written after the next
 * `onConnect`; with `maxQueuedBytes: 0` they throw instead. A connection the server or the
 * network is closing counts as disconnected: its sends are queued for the next one, never
 * thrown. After the helper's own `close()`, `send()` throws `ERR_WS_SEND_AFTER_CLOSE`: the
 * caller stopped the helper for good, so a send then is a bug in the caller, not a race with
 * the peer (the `Connection` underneath drops such sends instead, see `Connection.send`).
 */
import { ErrorCode, WirekitError } from '../core/errors.js';
import { closeReasonBytes } from '../core/ws/close-code.js';
import { ReadyState } from '../core/ws/ready-state.js';
import { type ConnectOptions, connect } from './connect.js';
import { type Connection, type ConnectionHandler, throwLater } from './connection.js';

/** Backoff settings: the delay before attempt n is `random() * min(maxDelay, initialDelay * factor^(n-1))`. */
export interface BackoffOptions {
  /** Upper bound of the first delay, in ms. Default 100. */
  readonly initialDelay?: number;
  /** Upper bound of any delay, in ms. Default 30 000. */
  readonly maxDelay?: number;
  /** Growth of the upper bound per attempt. Default 2. */
  readonly factor?: number;
}

/** Options of {@link reconnecting}. */
export interface ReconnectingOptions<Data = undefined>
  extends Omit<ConnectOptions<Data>, 'handler'>,
    BackoffOptions {
  /**
   * Callbacks of every connection, one after the other: `message` keeps receiving across
   * reconnects; `close` reports each connection's end (a reconnect may follow).
   */
  readonly handler?: ConnectionHandler<Data>;
  /**
   * Runs after each successful connect (the first one too), after `handler.open` and before
   * queued sends go out: send subscriptions or authentication here.
   */
  readonly onConnect?: (connection: Connection<Data>) => void;
  /** A reconnect is scheduled: `attempt` counts from 1 since the last stable connection. */
  readonly onReconnecting?: (attempt: number, delay: number) => void;
  /** A connect attempt failed (refused, timed out, handshake refused). */
  readonly onError?: (error: Error) => void;
  /** The helper stopped for good: after `close()`, `maxAttempts`, or `shouldReconnect` said no. */
  readonly onClose?: () => void;
  /**
   * Reconnect after the server or the network closed the connection with `code`? Default: always
   * (1001 going away, 1006 dropped, 1012 restart, and every other code alike).
   */
  readonly shouldReconnect?: (code: number, reason: string) => boolean;
  /**
   * Give up after this many reconnects in a row, counting every one since the last connection
   * that stayed up `resetAfter` ms (a server that accepts and then drops counts too). Default:
   * never.
   */
  readonly maxAttempts?: number;
  /** A connection that stayed open this long (ms) resets the backoff to attempt 1. Default 5 000. */
  readonly resetAfter?: number;
  /**
   * Bytes of messages queued while disconnected; a send past it throws `ERR_CONNECTION_LOST`.
   * 0: never queue, throw at once. Default 1 MiB.
   */
  readonly maxQueuedBytes?: number;
  /** Random numbers in [0, 1) for the jitter. Default `Math.random` (tests inject their own). */
  readonly random?: () => number;
}

/** `BackoffOptions` with defaults filled in. */
const DEFAULT_BACKOFF = { initialDelay: 100, maxDelay: 30_000, factor: 2 } as const;
const DEFAULT_RESET_AFTER = 5_000;
const DEFAULT_MAX_QUEUED = 1024 * 1024;

/**
 * The delay before reconnect `attempt` (1, 2, …): exponential backoff with full jitter, a
 * uniformly random wait below `min(maxDelay, initialDelay * factor^(attempt - 1))`.
 *
 * @example
 * ```ts
 * reconnectDelay(3, { initialDelay: 100 }, () => 0.5); // 0.5 * 400 = 200
 * ```
 */
export function reconnectDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialDelay ?? DEFAULT_BACKOFF.initialDelay;
  const max = options.maxDelay ?? DEFAULT_BACKOFF.maxDelay;
  const factor = options.factor ?? DEFAULT_BACKOFF.factor;
  const ceiling = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

interface QueuedSend {
  readonly data: string | Uint8Array;
  readonly isBinary: boolean;
}

/**
 * A connection that reconnects. Create it with {@link reconnecting}.
 */
export class ReconnectingConnection<Data = undefined> {
  readonly #url: string | URL;
  readonly #options: ReconnectingOptions<Data>;
  readonly #handler: ConnectionHandler<Data>;
  readonly #random: () => number;
  readonly #maxQueuedBytes: number;
  readonly #resetAfter: number;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;
  #connection: Connection<Data> | undefined;
  /** Cancels the connect attempt in flight; `undefined` when none is. */
  #inFlight: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #attempt = 0;
  #openedAt = 0;
  #stopping: { readonly code: number | undefined; readonly reason: string } | undefined;
  #done = false;
  #queue: QueuedSend[] = [];
  #queuedBytes = 0;

  /** @internal Use {@link reconnecting}. */
  constructor(url: string | URL, options: ReconnectingOptions<Data>) {
    this.#url = url;
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED;
    this.#resetAfter = options.resetAfter ?? DEFAULT_RESET_AFTER;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    const user = options.handler ?? {};
    // One handler for every connection of this helper (not one per connection). The user's
    // callbacks are passed on as they are (bound to their object), and only those given: a
    // connection without `message` queues messages for `for await`.
    this.#handler = {
      open: (connection) => this.#opened(connection),
      close: (connection, code, reason, wasClean) =>
        this.#connectionClosed(connection, code, reason, wasClean),
    };
    for (const name of ['message', 'drain', 'ping', 'pong'] as const) {
      const callback = user[name];
      if (callback !== undefined) Object.assign(this.#handler, { [name]: callback.bind(user) });
    }
    const signal = options.signal;
    if (signal !== undefined) {
      // The user's signal stops the helper for good, as close() does; each attempt has its own.
      const onAbort = (): void => this.close();
      if (signal.aborted) {
        this.#finish();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      void this.#closed.then(() => signal.removeEventListener('abort', onAbort));
    }
    this.#connect();
  }

  /** The open connection, or `undefined` while (re)connecting or after `close()`. */
  get connection(): Connection<Data> | undefined {
    return this.#connection;
  }

  /** Reconnect attempts since the last connection that stayed up `resetAfter` ms. */
  get attempt(): number {
    return this.#attempt;
  }

  /** Bytes of messages waiting for the next connection. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Resolves once the helper stopped for good (after `close()` or giving up). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /**
   * Send on the current connection; while disconnected, queue a copy for the next one. Returns
   * `false` when the message was queued or the socket is backpressured. Throws
   * `ERR_CONNECTION_LOST` when disconnected and the queue is full (or disabled), and
   * `ERR_WS_SEND_AFTER_CLOSE` after `close()`.
   */
  send(data: string | Uint8Array, isBinary: boolean = typeof data !== 'string'): boolean {
    if (this.#stopping !== undefined || this.#done) {
      throw new WirekitError(ErrorCode.WS_SEND_AFTER_CLOSE, 'cannot send: closed by close()');
    }
    const connection = this.#connection;
    if (connection !== undefined && connection.readyState === ReadyState.OPEN) {
      return connection.send(data, isBinary);
    }
    const size = byteLength(data);
    if (this.#queuedBytes + size > this.#maxQueuedBytes) {
      throw new WirekitError(
        ErrorCode.CONNECTION_LOST,
        `not connected, and queueing ${size} bytes would pass maxQueuedBytes (${this.#maxQueuedBytes})`,
      );
    }
    // Sends never keep the caller's bytes: queue a copy.
    this.#queue.push({ data: typeof data === 'string' ? data : data.slice(), isBinary });
    this.#queuedBytes += size;
    return false;
  }

  /**
   * Stop for good: close the current connection (with `code`/`reason`, see `Connection.close`),
   * or cancel the pending reconnect. Queued sends are dropped. Nothing reconnects afterwards.
   */
  close(code?: number, reason?: string): void {
    // Checked up front: a close requested while connecting is sent later, from a socket
    // callback, where it must not throw.
    closeReasonBytes(code, reason ?? '');
    if (this.#stopping !== undefined || this.#done) return;
    this.#stopping = { code, reason: reason ?? '' };
    this.#queue = [];
    this.#queuedBytes = 0;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const connection = this.#connection;
    if (connection !== undefined) connection.close(code, reason);
    else if (this.#inFlight !== undefined) this.#inFlight.abort();
    else this.#finish();
    // A cancelled attempt rejects; its failure handler then finishes.
  }

  #connect(): void {
    this.#timer = undefined;
    const attempt = new AbortController();
    this.#inFlight = attempt;
    const { handler: _, signal: __, ...connectOptions } = this.#options;
    connect<Data>(this.#url, {
      ...connectOptions,
      signal: attempt.signal,
      handler: this.#handler,
    }).then(
      () => {
        this.#inFlight = undefined;
      },
      (error: Error) => {
        this.#inFlight = undefined;
        if (this.#stopping !== undefined) {
          this.#finish();
          return;
        }
        this.#options.onError?.(error);
        this.#scheduleReconnect();
      },
    );
  }

  #opened(connection: Connection<Data>): void {
    this.#inFlight = undefined;
    this.#connection = connection;
    if (this.#stopping !== undefined) {
      // close() was called while this connection was being made.
      connection.close(this.#stopping.code, this.#stopping.reason);
      return;
    }
    this.#openedAt = performance.now();
    this.#options.handler?.open?.(connection);
    this.#options.onConnect?.(connection);
    // The hooks may have closed the connection; what is left waits for the next one.
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (let i = 0; i < queue.length; i++) {
      const item = queue[i]!;
      if (connection.readyState !== ReadyState.OPEN) {
        this.#queue = queue.slice(i);
        for (const rest of this.#queue) this.#queuedBytes += byteLength(rest.data);
        break;
      }
      connection.send(item.data, item.isBinary);
    }
  }

  #connectionClosed(
    connection: Connection<Data>,
    code: number,
    reason: string,
    wasClean: boolean,
  ): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
    try {
      this.#options.handler?.close?.(connection, code, reason, wasClean);
    } catch (error) {
      throwLater(error);
    }
    if (this.#stopping !== undefined) {
      this.#finish();
      return;
    }
    let again = true;
    try {
      again = this.#options.shouldReconnect?.(code, reason) ?? true;
    } catch (error) {
      // A throwing hook stops the helper rather than leaving it neither up nor finished.
      again = false;
      throwLater(error);
    }
    if (!again) {
      this.#finish();
      return;
    }
    // A connection that stayed up for a while was a success: start the backoff over.
    if (performance.now() - this.#openedAt >= this.#resetAfter) this.#attempt = 0;
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    // A hook that ran before (onError, handler.close) may have called close().
    if (this.#stopping !== undefined || this.#done) {
      this.#finish();
      return;
    }
    const attempt = this.#attempt + 1;
    const maxAttempts = this.#options.maxAttempts ?? Number.POSITIVE_INFINITY;
    if (attempt > maxAttempts) {
      this.#finish();
      return;
    }
    this.#attempt = attempt;
    const delay = reconnectDelay(attempt, this.#options, this.#random);
    // Armed first: onReconnecting may call close(), which cancels it.
    this.#timer = setTimeout(() => this.#connect(), delay);
    try {
      this.#options.onReconnecting?.(attempt, delay);
    } catch (error) {
      throwLater(error);
    }
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#connection = undefined;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#options.onClose?.();
    this.#resolveClosed();
  }
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
}

/**
 * Connect to `url` and keep the connection up until `close()`.
 *
 * @example
 * ```ts
 * const feed = reconnecting('wss://example.com/feed', {
 *   onConnect(connection) {
 *     connection.send(JSON.stringify({ subscribe: 'prices' }));
 *   },
 *   handler: {
 *     message(_connection, data) {
 *       console.log(JSON.parse(data.toString()));
 *     },
 *   },
 *   onReconnecting: (attempt, delay) => console.log(`retry ${attempt} in ${delay} ms`),
 * });
 * // later
 * feed.close();
 * await feed.closed;
 * ```
 */
export function reconnecting<Data = undefined>(
  url: string | URL,
  options: ReconnectingOptions<Data> = {},
): ReconnectingConnection<Data> {
  return new ReconnectingConnection<Data>(url, options);
}
