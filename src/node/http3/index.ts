/**
 * wirekit/http3: QUIC (and, on it, WebSocket over HTTP/3, RFC 9220) from a native QUIC stack.
 *
 * Nothing here is loaded by `wirekit` itself. The QUIC stack is the optional peer dependency
 * `@matrixai/quic` (quiche with prebuilt binaries in its platform packages; install it with
 * `npm install @matrixai/quic`); without it the functions here throw `ERR_HTTP3_UNAVAILABLE`
 * with that command. wirekit drives quiche's binding directly over `node:dgram`: it owns the
 * UDP socket, one timer per connection and the send batching.
 *
 * @example
 * ```ts
 * import { connectQuic, listenQuic } from 'wirekit/http3';
 * const server = await listenQuic({ key, cert, host: '127.0.0.1', connection(c) {} });
 * const client = await connectQuic({ host: '127.0.0.1', port: server.address.port, ca: cert });
 * client.close();
 * await server.close();
 * ```
 *
 * @module wirekit/http3
 */
import { loadQuicBinding } from './quic-binding.js';

export { ByteSlab } from './byte-slab.js';
export {
  connectHttp3,
  type Http3SessionOptions,
  type Http3WebSocketOptions,
  Http3WebSocketSession,
} from './h3-client.js';
export {
  type Http3Listener,
  type Http3ServeOptions,
  type Http3StreamHook,
  serveHttp3,
} from './h3-server.js';
export { QUIC_INSTALL, QUIC_PACKAGE } from './quic-binding.js';
export { connectQuic, describeClose, type QuicClientOptions } from './quic-client.js';
export {
  type QuicCloseInfo,
  QuicCloseSource,
  QuicConnection,
  type QuicStreamHandler,
} from './quic-connection.js';
export {
  QUIC_DEFAULTS,
  type QuicClientTls,
  type QuicServerTls,
  type QuicTransportOptions,
} from './quic-options.js';
export { listenQuic, QuicServer, type QuicServerOptions } from './quic-server.js';

/**
 * Load the QUIC stack now: resolves when HTTP/3 can run here, rejects with
 * `ERR_HTTP3_UNAVAILABLE` (and the install command) when it cannot.
 */
export async function loadHttp3(): Promise<void> {
  await loadQuicBinding();
}
