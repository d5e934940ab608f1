/**
 * The WebSocket client: `connect('ws://…' | 'wss://…', options)` resolves with an open
 * {@link Connection} once the opening handshake succeeded. It picks the transport from the
 * options and delegates: HTTP/1.1 (RFC 6455 §4.1, `transports/http1-client.ts`) by default,
 * HTTP/2 (RFC 8441, `transports/h2-client.ts`) with `http2`, HTTP/3 (RFC 9220,
 * `http3/h3-client.ts`, loaded only then) with `http3`. TLS is chosen by the scheme; the
 * socket comes from the one dialer (`dial.ts`: TCP, TLS, an HTTP proxy's CONNECT tunnel).
 * Failures reject with a `WirekitError`: `ERR_TIMEOUT` (connect or handshake), `ERR_ABORTED`
 * (the signal), `ERR_CONNECTION_LOST` (refused, reset, TLS failure; the socket error is the
 * `cause`), `ERR_PROXY` (the proxy did not open the tunnel), `ERR_WS_HANDSHAKE` (a refusal with
 * its status and the start of its body, a wrong accept key, an extension or subprotocol that
 * was not offered).
 */
import { ErrorCode, WirekitError } from '../core/errors.js';
import type { ClientTlsOptions, ConnectOptions } from './connect-options.js';
import type { Connection } from './connection.js';
import type { ClientTransport } from './transports/client-transport.js';
import { h2Client } from './transports/h2-client.js';
import { http1Client } from './transports/http1-client.js';

/** `http2: 'prefer'` falls back to HTTP/1.1. */
const h2 = h2Client(http1Client);

/**
 * RFC 9220 through `wirekit/http3` (`http3/h3-client.ts`), loaded only when asked for;
 * `'prefer'` falls back to the transports the other options ask for when QUIC is missing or
 * its handshake fails or times out.
 */
const h3: ClientTransport = {
  async open<Data>(url: string | URL, options: ConnectOptions<Data>): Promise<Connection<Data>> {
    try {
      const { connectHttp3 } = await import('./http3/h3-client.js');
      return await connectHttp3(url, options);
    } catch (error) {
      const fallback =
        options.http3 === 'prefer' &&
        error instanceof WirekitError &&
        (error.code === ErrorCode.HTTP3_UNAVAILABLE ||
          error.code === ErrorCode.QUIC_HANDSHAKE ||
          error.code === ErrorCode.TIMEOUT ||
          error.code === ErrorCode.CONNECTION_LOST);
      if (!fallback) throw error;
      const { http3: _, ...rest } = options;
      return connect(url, rest);
    }
  },
};

/** The transport `options` ask for. */
function transportFor(options: ConnectOptions<unknown>): ClientTransport {
  if (options.http3 === true || options.http3 === 'prefer') return h3;
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
