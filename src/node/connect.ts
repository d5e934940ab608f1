/**
 * The WebSocket client: `connect('ws://…' | 'wss://…', options)` resolves with an open
 * {@link Connection} once the opening handshake succeeded. It picks the transport from the
 * options and delegates: HTTP/1.1 (RFC 6455 §4.1, `transports/http1-client.ts`) by default,
 * HTTP/2 (RFC 8441, `transports/h2-client.ts`) with `http2`. TLS is chosen by the scheme; the
 * socket comes from the one dialer (`dial.ts`: TCP, TLS, an HTTP proxy's CONNECT tunnel).
 * Failures reject with a `WirekitError`: `ERR_TIMEOUT` (connect or handshake), `ERR_ABORTED`
 * (the signal), `ERR_CONNECTION_LOST` (refused, reset, TLS failure; the socket error is the
 * `cause`), `ERR_PROXY` (the proxy did not open the tunnel), `ERR_WS_HANDSHAKE` (a refusal with
 * its status and the start of its body, a wrong accept key, an extension or subprotocol that
 * was not offered).
 */
import type { ClientTlsOptions, ConnectOptions } from './connect-options.js';
import type { Connection } from './connection.js';
import type { ClientTransport } from './transports/client-transport.js';
import { h2Client } from './transports/h2-client.js';
import { http1Client } from './transports/http1-client.js';

/** `http2: 'prefer'` falls back to HTTP/1.1. */
const h2 = h2Client(http1Client);

/** The transport `options` ask for. */
function transportFor(options: ConnectOptions<unknown>): ClientTransport {
  return options.http2 === true || options.http2 === 'prefer' ? h2 : http1Client;
}

/**
 * Open a WebSocket connection.
 *
 * @example
 * ```ts
 * const ws = await connect('ws://127.0.0.1:9001');
 * ws.send('hello');
 * for await (const { data } of ws) console.log(data.toString());
 * ```
 */
export function connect<Data = undefined>(
  url: string | URL,
  options: ConnectOptions<Data> = {},
): Promise<Connection<Data>> {
  return transportFor(options as ConnectOptions<unknown>).open(url, options);
}

export type { ClientTlsOptions, ConnectOptions };
