/**
 * The contract between `connect()` and its transports, client side. A client transport opens a
 * WebSocket over its protocol — HTTP/1.1 on a dialed socket (`http1-client.ts`), RFC 8441 on a
 * stream of an HTTP/2 session (`h2-client.ts`), later RFC 9220 over QUIC — and turns the stream
 * into the shared `Connection` with `clientConnection` and its `StreamTraits`.
 * `connect()` picks the transport from its options and does nothing else.
 */
import type { ConnectOptions } from '../connect-options.js';
import type { Connection } from '../connection.js';

/** One way for the client to open a WebSocket. */
export interface ClientTransport {
  /**
   * Open a WebSocket to `url`; resolves with the open, started connection. Misuse (a bad URL,
   * header, subprotocol or proxy URL) throws a `WirekitError` synchronously, before any I/O;
   * failures reject with one: `ERR_TIMEOUT`, `ERR_ABORTED`, `ERR_CONNECTION_LOST`, `ERR_PROXY`,
   * `ERR_WS_HANDSHAKE` (the server's status and the start of its refusal's body).
   */
  open<Data>(url: string | URL, options: ConnectOptions<Data>): Promise<Connection<Data>>;
}
