/**
 * A fixed set of keep-alive HTTP connections to one origin, lent out LIFO.
 *
 * @module
 */
import { ErrorCode, WirekitError } from '../../core/errors.js';
import { RequestWriter } from '../../core/http1/request-writer.js';
import type { HeaderInit } from '../../core/http1/write-head.js';
import { HttpConnection, type HttpConnectionOptions } from './http-connection.js';
import { parseHttpOrigin } from './http-origin.js';
import { PoolSlot } from './pool-slot.js';

/** How `acquire()` reconnects a slot that needs it. */
export interface ReconnectOptions {
  /** Connect attempts per `acquire()` before it rejects with the last error. Default 3. */
  readonly attempts?: number;
  /** Wait before the second attempt, in ms; doubled after each failure. Default 50. */
  readonly initialDelay?: number;
  /** Longest wait between attempts, in ms. Default 2000. */
  readonly maxDelay?: number;
}

/** Options of {@link ClientPool.create}. */
export interface ClientPoolOptions extends HttpConnectionOptions {
  /** The origin, `http://…` or `https://…`; a path becomes the base path unless `basePath`
   * is given. */
  readonly url: string | URL;
  /** Number of connections (slots), all connected by `create`. Default 1. */
  readonly connections?: number;
  /** Path prefix of every request, e.g. `/api/v3`. */
  readonly basePath?: string;
  /** Fields every request carries, after `Host` (e.g. an API key, `Accept`). */
  readonly defaultHeaders?: HeaderInit;
  /** Initial size of each slot's request buffer (it grows as needed). Default 1024. */
  readonly writerCapacity?: number;
  /** Reconnect attempts and backoff of `acquire()`. */
  readonly reconnect?: ReconnectOptions;
}

interface Waiter {
  readonly resolve: (slot: PoolSlot | Promise<PoolSlot>) => void;
  readonly reject: (error: unknown) => void;
}

interface Sleeper {
  readonly timer: NodeJS.Timeout;
  readonly wake: () => void;
}

/**
 * A pool of {@link HttpConnection}s to one origin, after nexus-async-net's `ClientPool`. Each
 * {@link PoolSlot} owns a whole pipeline (writer, connection, reader); nothing is shared.
 *
 * - `tryAcquire()` — the fast path: a connected idle slot at once, or `undefined`. No I/O, no
 *   reconnect, no waiting; never a poisoned, disconnected or busy slot.
 * - `acquire()` — the patient path: a connected slot if there is one, else a slot that needs a
 *   reconnect (reconnected inline, with backoff between attempts), else it waits for a release
 *   (waiters are served first come, first served).
 * - LIFO: the most recently released slot is lent first (its socket and buffers are warm);
 *   slots that need a reconnect go to the bottom.
 *
 * Failure model (the seed's, unchanged):
 * 1. A request fails: the caller gets the error. No retry (a late order is a wrong order).
 * 2. The connection dies: the slot is poisoned; when it comes back, the next `acquire()`
 *    reconnects it inline (the writer, its default headers and the reader survive).
 * 3. The reconnect fails: `acquire()` rejects with the error, the slot stays disconnected in the
 *    pool, and the next `acquire()` tries again.
 * 4. All connections dead: every `acquire()` tries to reconnect, so the pool recovers by itself
 *    when the server returns. No circuit-breaker state.
 *
 * @example
 * ```ts
 * import { ClientPool } from 'wirekit/http';
 * const pool = await ClientPool.create({ url: 'https://api.example.com', basePath: '/api/v3',
 *   defaultHeaders: { 'Content-Type': 'application/json' }, connections: 4 });
 * const slot = pool.tryAcquire() ?? (await pool.acquire());
 * try {
 *   const response = await slot.send(slot.writer.get('/ticker').query('symbol', 'BTC-USD'));
 *   console.log(response.json());
 * } finally {
 *   slot.release();
 * }
 * await pool.close();
 * ```
 */
export class ClientPool {
  readonly #slots: readonly PoolSlot[];
  /** Free slots; the top (end) is lent first. */
  readonly #free: PoolSlot[];
  /** 1 while a slot is lent out, by slot index. */
  readonly #held: Uint8Array;
  readonly #waiters: Waiter[] = [];
  readonly #sleepers = new Set<Sleeper>();
  readonly #attempts: number;
  readonly #initialDelay: number;
  readonly #maxDelay: number;
  #closed = false;

  private constructor(options: ClientPoolOptions) {
    const origin = parseHttpOrigin(options.url);
    const count = options.connections ?? 1;
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        `connections must be a positive integer, got ${String(count)}`,
      );
    }
    const reconnect = options.reconnect ?? {};
    this.#attempts = positive('reconnect.attempts', reconnect.attempts ?? 3, 1);
    this.#initialDelay = positive('reconnect.initialDelay', reconnect.initialDelay ?? 50, 0);
    this.#maxDelay = positive('reconnect.maxDelay', reconnect.maxDelay ?? 2000, 0);
    const basePath = options.basePath ?? (origin.pathname === '/' ? '' : origin.pathname);
    const release = (slot: PoolSlot): void => this.#release(slot);
    const slots: PoolSlot[] = [];
    for (let i = 0; i < count; i++) {
      const writer = new RequestWriter({
        host: origin.host,
        basePath,
        ...(options.defaultHeaders === undefined ? {} : { headers: options.defaultHeaders }),
        ...(options.writerCapacity === undefined
          ? {}
          : { initialCapacity: options.writerCapacity }),
      });
      slots.push(new PoolSlot(writer, new HttpConnection(origin.href, options), i, release));
    }
    this.#slots = slots;
    this.#free = slots.slice();
    this.#held = new Uint8Array(count);
  }

  /**
   * Builds a pool and connects every slot.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` for a bad option; the first connect error
   * (`ERR_TIMEOUT`, `ERR_CONNECTION_LOST`) if any slot fails to connect — then nothing stays
   * open.
   */
  static async create(options: ClientPoolOptions): Promise<ClientPool> {
    const pool = new ClientPool(options);
    const results = await Promise.allSettled(pool.#slots.map((s) => s.connection.reconnect()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      await pool.close();
      throw failed.reason;
    }
    return pool;
  }

  /** Number of slots. */
  get size(): number {
    return this.#slots.length;
  }

  /** Slots in the pool (not lent out), whether connected or not. */
  get available(): number {
    return this.#free.length;
  }

  /** Callers waiting in `acquire()` for a release. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A connected, idle slot, most recently released first, or `undefined` when there is none
   * (all lent out, or the free ones need a reconnect, or the pool is closed). No I/O.
   */
  tryAcquire(): PoolSlot | undefined {
    const free = this.#free;
    for (let i = free.length - 1; i >= 0; i--) {
      const slot = free[i]!;
      if (slot.connection.state === 'idle') {
        if (i === free.length - 1) free.pop();
        else free.splice(i, 1);
        this.#held[slot.index] = 1;
        return slot;
      }
    }
    return undefined;
  }

  /**
   * A connected slot: a free idle one at once; else a free one that needs a reconnect,
   * reconnected inline (up to `reconnect.attempts` tries with backoff); else the next slot
   * released (waiters are served in order).
   * @throws {WirekitError} the last reconnect error (the slot stays in the pool, disconnected,
   * and the next `acquire()` tries again); `ERR_HTTP_POOL_CLOSED` once the pool is closed.
   */
  acquire(): Promise<PoolSlot> {
    if (this.#closed) return Promise.reject(poolClosed());
    const slot = this.tryAcquire();
    if (slot !== undefined) return Promise.resolve(slot);
    const free = this.#free;
    if (free.length > 0) {
      const stale = free.pop()!;
      this.#held[stale.index] = 1;
      return this.#ready(stale);
    }
    return new Promise<PoolSlot>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  /**
   * Closes every connection (requests in flight reject with `ERR_CONNECTION_LOST`) and rejects
   * waiting `acquire()` calls with `ERR_HTTP_POOL_CLOSED`. Later `acquire()` calls reject and
   * `tryAcquire()` returns `undefined`.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const waiters = this.#waiters.splice(0);
    for (const w of waiters) w.reject(poolClosed());
    for (const s of this.#sleepers) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.#sleepers.clear();
    this.#free.length = 0;
    await Promise.all(this.#slots.map((s) => s.connection.close()));
  }

  /** `await using pool = await ClientPool.create(…)` closes it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #release(slot: PoolSlot): void {
    const i = slot.index;
    if (this.#held[i] === 0) return; // released twice
    this.#held[i] = 0;
    const connection = slot.connection;
    if (connection.state === 'busy') {
      // The response would reach the next borrower: drop it (the next acquire reconnects).
      connection.abort('pool slot released while its request was in flight');
    }
    if (this.#closed) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#held[i] = 1;
      waiter.resolve(this.#ready(slot));
      return;
    }
    if (connection.state === 'idle') this.#free.push(slot);
    else this.#free.unshift(slot); // needs a reconnect: lend the connected ones first
  }

  // Resolves with `slot` once it is connected, reconnecting with backoff; on failure gives the
  // slot back and rejects with the last error.
  #ready(slot: PoolSlot): Promise<PoolSlot> {
    const state = slot.connection.state;
    if (state === 'idle') return Promise.resolve(slot);
    return this.#reconnect(slot);
  }

  async #reconnect(slot: PoolSlot): Promise<PoolSlot> {
    let delay = this.#initialDelay;
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw poolClosed();
      try {
        await slot.connection.reconnect();
        if (this.#closed) throw poolClosed();
        return slot;
      } catch (error) {
        if (this.#closed) throw poolClosed();
        if (attempt >= this.#attempts) {
          this.#release(slot);
          throw error;
        }
      }
      await this.#sleep(delay);
      delay = Math.min(delay * 2, this.#maxDelay);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = {
        timer: setTimeout(() => {
          this.#sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.#sleepers.add(sleeper);
    });
  }
}

function poolClosed(): WirekitError {
  return new WirekitError(ErrorCode.HTTP_POOL_CLOSED, 'the client pool is closed');
}

function positive(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be a number >= ${min}, got ${String(value)}`,
    );
  }
  return value;
}
