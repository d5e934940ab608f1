/**
 * wirekit/http: an HTTP/1.1 REST client on Node.js sockets — {@link HttpConnection} (one
 * keep-alive connection, one request at a time) and {@link ClientPool} (LIFO slots, inline
 * reconnect, poisoning) — with the core's request writer and header list re-exported, so one
 * import covers a REST client.
 *
 * @example
 * ```ts
 * import { ClientPool } from 'wirekit/http';
 * const pool = await ClientPool.create({ url: 'http://127.0.0.1:8080', connections: 4 });
 * using slot = await pool.acquire();
 * const response = await slot.send(slot.writer.get('/health'));
 * ```
 *
 * @module wirekit/http
 */
export { ErrorCode, WirekitError } from '../../core/errors.js';
export { HeaderList } from '../../core/http1/header-list.js';
export { DEFAULT_HTTP_LIMITS, type HttpLimits } from '../../core/http1/http-limits.js';
export {
  type RequestBuilder,
  RequestWriter,
  type RequestWriterOptions,
} from '../../core/http1/request-writer.js';
export type { HeaderInit } from '../../core/http1/write-head.js';
export type { ProxyOption } from '../proxy-option.js';
export type { ClientTlsOptions } from '../tls-options.js';
export { ClientPool, type ClientPoolOptions, type ReconnectOptions } from './client-pool.js';
export {
  HttpConnection,
  type HttpConnectionOptions,
  HttpConnectionState,
} from './http-connection.js';
export { type HttpOrigin, parseHttpOrigin } from './http-origin.js';
export { HttpResponse } from './http-response.js';
export { PoolSlot } from './pool-slot.js';
