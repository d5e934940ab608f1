/**
 * One slot of a {@link ClientPool}: a request writer and a connection, lent out together.
 *
 * @module
 */
import type { RequestBuilder, RequestWriter } from '../../core/http1/request-writer.js';
import type { HttpConnection } from './http-connection.js';
import type { HttpResponse } from './http-response.js';

/**
 * A complete request pipeline lent by a {@link ClientPool}: its own `writer` (host, default
 * headers and base path of the pool, one reused buffer) and its own `connection` (with its
 * response reader). Nothing is shared between slots. Both objects stay the same for the life
 * of the pool: a reconnect replaces only the socket.
 *
 * Give it back with {@link PoolSlot.release} or by scope exit (`using slot = await
 * pool.acquire()`). Releasing while a request is still in flight aborts that request (its
 * response would otherwise reach the next borrower).
 *
 * @example
 * ```ts
 * import { ClientPool } from 'wirekit/http';
 * const pool = await ClientPool.create({ url: 'https://api.example.com', basePath: '/v3',
 *   defaultHeaders: { 'X-API-KEY': key }, connections: 4 });
 * {
 *   using slot = await pool.acquire();
 *   const response = await slot.send(slot.writer.post('/order').body(orderJson));
 *   console.log(response.status);
 * } // released here
 * ```
 */
export class PoolSlot {
  /** Builds this slot's requests; `finish()` views are valid until its next request. */
  readonly writer: RequestWriter;
  /** This slot's connection; reconnected by `acquire()` when it needs it. */
  readonly connection: HttpConnection;
  /** Position in the pool (0-based), stable for the pool's life. */
  readonly index: number;
  readonly #release: (slot: PoolSlot) => void;

  /** Built by the pool; `release` is the pool's return path. */
  constructor(
    writer: RequestWriter,
    connection: HttpConnection,
    index: number,
    release: (slot: PoolSlot) => void,
  ) {
    this.writer = writer;
    this.connection = connection;
    this.index = index;
    this.#release = release;
  }

  /** `this.connection.send(request)`: see {@link HttpConnection.send}. */
  send(request: Uint8Array | RequestBuilder): Promise<HttpResponse> {
    return this.connection.send(request);
  }

  /** Returns the slot to its pool (a second call does nothing). Do not use it afterwards. */
  release(): void {
    this.#release(this);
  }

  /** Releases the slot at the end of a `using` scope (Node ≥ 20.4 defines `Symbol.dispose`). */
  [Symbol.dispose](): void {
    this.#release(this);
  }
}
