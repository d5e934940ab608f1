/**
 * The one dialer of wirekit's clients: the WebSocket client over HTTP/1.1 (`connect`), the
 * HTTP/2 client (`Http2WebSocketSession`) and the REST client (`HttpConnection`, hence
 * `ClientPool`) all get their socket here — TCP, TLS, or either through an HTTP proxy's CONNECT
 * tunnel (RFC 9110 §9.3.6) — with one connect timeout and one abort signal over all of it.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions as TlsConnectionOptions, connect as tlsConnect } from 'node:tls';
import { ErrorCode, WirekitError } from '../core/errors.js';
import { deadline } from './deadline.js';
import { proxyTunnel } from './proxy-tunnel.js';
import type { ProxyEndpoint } from './proxy-url.js';
import { readInto } from './shared-read-buffer.js';
import type { ClientTlsOptions } from './tls-options.js';

/** Where {@link dial} connects. */
export interface DialTarget {
  /** TLS to the target (`wss:`, `https:`). */
  readonly secure: boolean;
  /** Host name or IP address (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
}

/** `net.Socket`'s `onread` option: reads land in `buffer` and go to `callback`. */
export interface DialReadBuffer {
  readonly buffer: Uint8Array;
  /** Return `false` to pause reading. The bytes are valid only until it returns. */
  readonly callback: (length: number, buffer: Uint8Array) => boolean;
}

/** Options of {@link dial}. */
export interface DialOptions {
  /** TLS settings, used when the target is secure. */
  readonly tls?: ClientTlsOptions | undefined;
  /** Protocols offered by ALPN (RFC 7301) when the target is secure. Default `['http/1.1']`. */
  readonly alpn?: readonly string[] | undefined;
  /** Give up if the socket (TCP, the proxy's tunnel, TLS) is not ready within this many ms:
   * `ERR_TIMEOUT`. Default 10 000. */
  readonly connectTimeout?: number | undefined;
  /** Give up when this fires: `ERR_ABORTED`. */
  readonly signal?: AbortSignal | undefined;
  /** Go through this HTTP proxy (see `resolveProxy`). */
  readonly proxy?: ProxyEndpoint | undefined;
  /** Largest head of the proxy's answer to CONNECT. Default 16 KiB. */
  readonly maxProxyHeadBytes?: number | undefined;
  /** Disable Nagle's algorithm (`TCP_NODELAY`). Default true. */
  readonly noDelay?: boolean | undefined;
  /** Read into this buffer (`onread`) instead of a fresh chunk per read. */
  readonly onread?: DialReadBuffer | undefined;
  /** What is being connected, for messages, e.g. `WebSocket connection to wss://…`. */
  readonly name?: string | undefined;
}

const NOOP = (): void => {};

/**
 * Connects to `target` and resolves with a connected `net.Socket`, or a `tls.TLSSocket` whose
 * handshake is done, with `TCP_NODELAY` set (unless `noDelay: false`).
 *
 * Through a proxy: TCP to the proxy, `CONNECT host:port` (with `Proxy-Authorization` when the
 * proxy URL has credentials), and for a secure target TLS through the tunnel with the target's
 * server name and the caller's TLS settings. Bytes the proxy sent after its 2xx are put back
 * into the socket (`unshift`) for the next layer; the socket is then paused.
 *
 * The caller attaches its `'data'` listener and calls `resume()` (or hands the socket to a layer
 * that reads it itself, as TLS and HTTP/2 do): the socket may come back paused, and nothing it
 * holds is lost until then.
 *
 * Failures reject with a `WirekitError`: `ERR_TIMEOUT` (`connectTimeout`, the proxy's answer
 * included), `ERR_ABORTED` (`signal`; the reason is the `cause`), `ERR_CONNECTION_LOST` (refused,
 * unreachable, reset, TLS failure, the proxy unreachable; the socket error is the `cause`),
 * `ERR_PROXY` (the proxy did not open the tunnel). Nothing stays open after a failure.
 *
 * @example
 * ```ts
 * import { dial } from './dial.js';
 * const socket = await dial(
 *   { secure: true, hostname: 'example.com', port: 443 },
 *   { connectTimeout: 5000, proxy: parseProxyUrl('http://127.0.0.1:3128') },
 * );
 * ```
 */
export function dial(target: DialTarget, options: DialOptions = {}): Promise<Socket> {
  const authority = authorityOf(target);
  const name = options.name ?? `connect to ${authority}`;
  const timeout = options.connectTimeout ?? 10_000;
  const proxy = options.proxy;
  let stage = '';
  return deadline(
    {
      timeout,
      signal: options.signal,
      timeoutMessage: () => `${name} timed out after ${timeout} ms (connectTimeout)${stage}`,
      abortMessage: `${name} was aborted`,
    },
    async (giveUp) => {
      if (proxy === undefined) return direct(target, options, name, giveUp);
      let socket: Socket | undefined;
      const raw = netConnect({ host: proxy.hostname, port: proxy.port });
      try {
        stage = ` connecting to proxy ${proxy.href}`;
        await ready(raw, 'connect', giveUp, (error) =>
          lost(`${name} failed: proxy ${proxy.href} is unreachable: ${error.message}`, error),
        );
        if (options.noDelay ?? true) raw.setNoDelay(true);
        stage = ` waiting for proxy ${proxy.href} to open the tunnel`;
        const rest = await proxyTunnel(
          raw,
          proxy,
          authority,
          options.maxProxyHeadBytes ?? 16 * 1024,
          giveUp,
        );
        // RFC 9110 §9.3.6: past the 2xx head the bytes are the target's; the next reader (our
        // caller, TLS or HTTP/2, which all read what is queued in the socket first) takes them.
        if (rest.length > 0) raw.unshift(Buffer.from(rest.buffer, rest.byteOffset, rest.length));
        if (!target.secure) {
          readIntoBuffer(raw, options.onread);
          return raw;
        }
        stage = ` in the TLS handshake through proxy ${proxy.href}`;
        // `onread` cannot be given to a TLS socket built on an existing one: applied below.
        socket = tlsConnect(tlsOptions(target, options, { socket: raw }));
        await ready(socket, 'secureConnect', giveUp, (error) =>
          lost(`${name} failed: ${error.message}`, error),
        );
        readIntoBuffer(socket, options.onread);
        return socket;
      } catch (error) {
        if (socket !== undefined) drop(socket);
        drop(raw);
        throw error;
      }
    },
  );
}

// TCP or TLS straight to the target.
async function direct(
  target: DialTarget,
  options: DialOptions,
  name: string,
  giveUp: AbortSignal,
): Promise<Socket> {
  const onread = options.onread === undefined ? {} : { onread: options.onread };
  const socket: Socket = target.secure
    ? tlsConnect(tlsOptions(target, options, onread))
    : netConnect({ host: target.hostname, port: target.port, ...onread });
  try {
    await ready(socket, target.secure ? 'secureConnect' : 'connect', giveUp, (error) =>
      lost(`${name} failed: ${error.message}`, error),
    );
  } catch (error) {
    drop(socket);
    throw error;
  }
  if (options.noDelay ?? true) socket.setNoDelay(true);
  return socket;
}

// The options of `tls.connect`: the target's server name for SNI and the certificate check
// (SNI takes no IP address, RFC 6066 §3: then `host` alone names what the certificate must
// match), the caller's settings, and the ALPN offer.
function tlsOptions(
  target: DialTarget,
  options: DialOptions,
  extra: { readonly socket: Socket } | { readonly onread?: DialReadBuffer },
): TlsConnectionOptions {
  const tls = options.tls ?? {};
  return {
    ...extra,
    host: target.hostname,
    port: target.port,
    ...(isIP(target.hostname) === 0
      ? { servername: tls.servername ?? target.hostname }
      : tls.servername === undefined
        ? {}
        : { servername: tls.servername }),
    ...(tls as TlsConnectionOptions),
    ALPNProtocols: [...(options.alpn ?? ['http/1.1'])],
  } as TlsConnectionOptions;
}

// Resolves on `event`; rejects with `failed(error)` on a socket error, or with the deadline's
// error when it gives up. Leaves no listener behind either way.
function ready(
  socket: Socket,
  event: 'connect' | 'secureConnect',
  giveUp: AbortSignal,
  failed: (error: Error) => WirekitError,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      socket.off(event, onReady);
      socket.off('error', onError);
      giveUp.removeEventListener('abort', onGiveUp);
    };
    const onReady = (): void => {
      done();
      resolve();
    };
    const onError = (error: Error): void => {
      done();
      reject(failed(error));
    };
    const onGiveUp = (): void => {
      done();
      reject(giveUp.reason);
    };
    if (giveUp.aborted) {
      reject(giveUp.reason);
      return;
    }
    socket.once(event, onReady);
    socket.on('error', onError);
    giveUp.addEventListener('abort', onGiveUp, { once: true });
  });
}

// A socket made by the dialer reads into the caller's buffer from now on, when it can (nothing
// is queued in it); otherwise it keeps `'data'` events, which the caller listens to as well.
function readIntoBuffer(socket: Socket, onread: DialReadBuffer | undefined): void {
  if (onread === undefined) return;
  const buffer = onread.buffer;
  readInto(
    socket,
    Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.length),
    onread.callback,
  );
}

function lost(message: string, cause: Error): WirekitError {
  return new WirekitError(ErrorCode.CONNECTION_LOST, message, { cause });
}

function drop(socket: Socket): void {
  socket.on('error', NOOP);
  socket.destroy();
}

/** `host:port` as CONNECT's authority-form (RFC 9112 §3.2.3): IPv6 in brackets. */
export function authorityOf(target: DialTarget): string {
  return isIP(target.hostname) === 6
    ? `[${target.hostname}]:${target.port}`
    : `${target.hostname}:${target.port}`;
}
