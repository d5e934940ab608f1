/**
 * WebSocket clients over HTTP/2 (RFC 8441): one session, many WebSockets, each on its own
 * stream opened by an extended CONNECT.
 *
 * Node's HTTP/2 client sends `:protocol` without checking that the server allowed it, so the
 * session waits for the server's SETTINGS and refuses to open WebSockets unless
 * SETTINGS_ENABLE_CONNECT_PROTOCOL is 1 (RFC 8441 §3: a client MUST NOT send `:protocol`
 * otherwise). `wss://` uses TLS with ALPN `h2`; `ws://` uses h2c with prior knowledge.
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect as http2Connect,
  constants as http2Constants,
  type IncomingHttpHeaders,
  type Settings,
} from 'node:http2';
import type { Duplex } from 'node:stream';
import { ErrorCode, WirekitError } from '../../core/errors.js';
import { RefusalSnippet } from '../../core/ws/client-handshake.js';
import {
  checkExtendedConnectResponse,
  extendedConnectRequest,
} from '../../core/ws/extended-connect.js';
import { PERMESSAGE_DEFLATE } from '../../core/ws/permessage-deflate.js';
import { clientConnection } from '../client-connection.js';
import type { ConnectOptions } from '../connect-options.js';
import type { Connection } from '../connection.js';
import { resolveConnectionOptions } from '../connection-options.js';
import { deadline } from '../deadline.js';
import { resolveDeflate } from '../deflate-config.js';
import { dial } from '../dial.js';
import { DEFAULT_SESSION_WINDOW } from '../http2-defaults.js';
import { type ProxyOption, resolveProxy } from '../proxy-option.js';
import type { ProxyEndpoint } from '../proxy-url.js';
import { watchSession } from '../session-watch.js';
import type { ClientTlsOptions } from '../tls-options.js';
import { headerObjectSource } from '../upgrade-request.js';
import { websocketConnectOffer } from '../websocket-connect-offer.js';
import { parseWebSocketUrl, type WebSocketTarget } from '../websocket-url.js';
import type { ClientTransport } from './client-transport.js';
import { H2_STREAM_TRAITS } from './h2-stream-traits.js';

/** Options of {@link Http2WebSocketSession.connect}. */
export interface Http2SessionOptions {
  /** TLS settings for `wss://`. */
  readonly tls?: ClientTlsOptions;
  /** Give up if the session (TCP, the proxy's tunnel, TLS, the server's SETTINGS) is not ready
   * within this many ms. Default 10 000. */
  readonly connectTimeout?: number;
  /** Our HTTP/2 settings (`initialWindowSize`, `maxConcurrentStreams`, ...). */
  readonly settings?: Settings;
  /** The session-level receive window (all streams together), in bytes. HTTP/2's default of
   * 64 KiB throttles many busy WebSockets on one session. Default 4 MiB. */
  readonly windowSize?: number;
  /** Abort connecting. */
  readonly signal?: AbortSignal;
  /** Connect through an HTTP proxy's CONNECT tunnel, or `'env'`: see `ConnectOptions.proxy`. */
  readonly proxy?: ProxyOption;
  /** After `close()`, wait this many ms for the graceful end (the GOAWAY out, the streams
   * done), then destroy the session. Default 5 000. */
  readonly closeTimeout?: number;
}

/** Options of one WebSocket on a session: {@link ConnectOptions} without the transport parts. */
export type Http2WebSocketOptions<Data> = Omit<
  ConnectOptions<Data>,
  'tls' | 'connectTimeout' | 'maxHeadBytes' | 'http2' | 'proxy'
>;

/**
 * An HTTP/2 session that opens WebSockets as streams (RFC 8441). When its TCP connection is
 * lost (the server killed, the connection reset or closed), every WebSocket on it closes with
 * 1006 at once, with or without a heartbeat: a loss Node's session itself misses (a reset while
 * one of its writes is in flight) is found within a quarter second (see session-watch.ts).
 */
export class Http2WebSocketSession {
  readonly #session: ClientHttp2Session;
  readonly #target: WebSocketTarget;
  readonly #connections = new Set<Connection<unknown>>();
  readonly #closeTimeout: number;
  #closeWhenEmpty = false;

  private constructor(session: ClientHttp2Session, target: WebSocketTarget, closeTimeout: number) {
    this.#session = session;
    this.#target = target;
    this.#closeTimeout = closeTimeout;
    // A session error ends its streams (each connection sees 1006); never crash the process.
    session.on('error', () => {});
  }

  /**
   * Connect to `url`'s origin (through `options.proxy` if given) and wait for the server's
   * SETTINGS. Rejects with `ERR_WS_HANDSHAKE` if the server does not enable the extended CONNECT
   * protocol, `ERR_CONNECTION_LOST` if it fails or (over TLS) does not agree to h2 by ALPN,
   * `ERR_PROXY` if the proxy does not open the tunnel, `ERR_TIMEOUT` or `ERR_ABORTED`.
   * @throws {WirekitError} `ERR_INVALID_ARGUMENT` for a bad URL or proxy URL, before any I/O.
   */
  static connect(
    url: string | URL,
    options: Http2SessionOptions = {},
  ): Promise<Http2WebSocketSession> {
    const target = parseWebSocketUrl(url);
    const proxy = resolveProxy(options.proxy, target);
    return Http2WebSocketSession.#open(target, proxy, options);
  }

  static async #open(
    target: WebSocketTarget,
    proxy: ProxyEndpoint | undefined,
    options: Http2SessionOptions,
  ): Promise<Http2WebSocketSession> {
    const origin = `${target.secure ? 'https' : 'http'}://${target.host}`;
    const name = `HTTP/2 session to ${origin}`;
    const timeout = options.connectTimeout ?? 10_000;
    const started = performance.now();
    const socket = await dial(target, {
      tls: options.tls,
      alpn: ['h2'],
      connectTimeout: timeout,
      signal: options.signal,
      proxy,
      name,
    });
    // RFC 9113 §3.2: over TLS, h2 is agreed by ALPN (RFC 7301). A server that chose another
    // protocol or none would answer our preface with an HTTP/1.1 error, or nothing.
    const alpn = (socket as { alpnProtocol?: string | false }).alpnProtocol;
    if (target.secure && alpn !== 'h2') {
      socket.destroy();
      throw new WirekitError(
        ErrorCode.CONNECTION_LOST,
        `${name} failed: the server did not agree to h2 by ALPN (it chose ${alpn === false || alpn === undefined ? 'none' : alpn}: it may speak only HTTP/1.1)`,
      );
    }
    // The session runs on the dialed socket; HTTP/2 reads whatever the socket already holds
    // (bytes that came with a proxy's answer) before reading on.
    const session = http2Connect(origin, {
      ...(options.settings === undefined ? {} : { settings: options.settings }),
      createConnection: () => socket,
    });
    session.once('connect', () => {
      // 'connect' comes on a later tick: the session may have failed (and been destroyed)
      // meanwhile, and setLocalWindowSize would then throw out of an event handler.
      if (!session.destroyed)
        session.setLocalWindowSize(options.windowSize ?? DEFAULT_SESSION_WINDOW);
    });
    try {
      await deadline(
        {
          // One connectTimeout covers the dial and the SETTINGS.
          timeout: Math.max(1, timeout - (performance.now() - started)),
          signal: options.signal,
          timeoutMessage: `${name} was not ready in time: no SETTINGS within ${timeout} ms (connectTimeout)`,
          abortMessage: `${name} was aborted`,
        },
        (giveUp) => remoteSettings(session, name, giveUp),
      );
    } catch (error) {
      session.on('error', ignoreError);
      session.destroy();
      throw error;
    }
    // A connection lost while a session write is in flight may go unreported: watch it.
    watchSession(session, socket);
    return new Http2WebSocketSession(session, target, options.closeTimeout ?? 5_000);
  }

  /** WebSockets open on this session. */
  get size(): number {
    return this.#connections.size;
  }

  /** The session is closed or closing: no more WebSockets can be opened. */
  get closed(): boolean {
    return this.#session.closed || this.#session.destroyed;
  }

  /**
   * Open a WebSocket on a new stream of this session (RFC 8441 §5): an extended CONNECT to
   * `path`, answered with 200.
   */
  openWebSocket<Data = undefined>(
    path = '/',
    options: Http2WebSocketOptions<Data> = {},
  ): Promise<Connection<Data>> {
    const target = this.#target;
    const deflate = resolveDeflate(options.deflate, false);
    // Built (and checked) before any I/O: misuse throws here, as over HTTP/1.1.
    const request = extendedConnectRequest(
      websocketConnectOffer(target.secure ? 'https' : 'http', target.host, path, options, deflate),
    );
    const connectionOptions = resolveConnectionOptions(options, false);
    return deadline(
      {
        timeout: options.handshakeTimeout ?? 10_000,
        signal: options.signal,
        timeoutMessage: `WebSocket CONNECT to ${path} timed out`,
        abortMessage: `opening ${path} was aborted`,
      },
      (giveUp) =>
        new Promise<Connection<Data>>((resolve, reject) => {
          if (this.closed) {
            reject(new WirekitError(ErrorCode.CONNECTION_LOST, 'the HTTP/2 session is closed'));
            return;
          }
          let stream: ClientHttp2Stream;
          try {
            stream = this.#session.request(request, { endStream: false });
          } catch (cause) {
            reject(
              new WirekitError(
                ErrorCode.CONNECTION_LOST,
                `could not open a stream: ${(cause as Error).message}`,
                { cause },
              ),
            );
            return;
          }
          const expected = {
            ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
            extensions: deflate === undefined ? [] : [PERMESSAGE_DEFLATE],
          };
          /** A non-200 answer whose body is being read for the error message. */
          let refusal: Refusal | undefined;
          let settled = false;
          const refused = (): void => {
            const { status, headers, body } = refusal!;
            const result = checkExtendedConnectResponse(
              status,
              headerObjectSource(headers),
              expected,
              body.text(),
            );
            fail(
              result.ok
                ? new WirekitError(ErrorCode.WS_HANDSHAKE, `server answered ${status}`, { status })
                : result.error,
            );
          };
          const onError = (error: Error): void => {
            if (refusal !== undefined) refused();
            else
              fail(
                new WirekitError(
                  ErrorCode.CONNECTION_LOST,
                  `WebSocket stream to ${path} failed: ${error.message}`,
                  { cause: error },
                ),
              );
          };
          const onClose = (): void => {
            if (refusal !== undefined) refused();
            else
              fail(
                new WirekitError(
                  ErrorCode.CONNECTION_LOST,
                  `WebSocket stream to ${path} closed before the answer (RST_STREAM ${stream.rstCode ?? ''})`,
                ),
              );
          };
          // Given up while reading a refusal's body: the refusal with what has arrived.
          const onGiveUp = (): void => (refusal !== undefined ? refused() : fail(giveUp.reason));
          const onData = (chunk: Buffer): void => {
            if (refusal!.body.add(chunk)) refused();
          };
          const cleanup = (): void => {
            giveUp.removeEventListener('abort', onGiveUp);
            stream.off('error', onError);
            stream.off('close', onClose);
            stream.off('data', onData);
            stream.off('end', refused);
          };
          const fail = (error: unknown): void => {
            if (settled) return;
            settled = true;
            cleanup();
            if (!stream.destroyed) {
              // Given up before an answer (timeout, abort): RST_STREAM(CANCEL), "no longer
              // needed" (RFC 9113 §8.7). An answer that was read and refused just closes the
              // stream.
              const cancel = giveUp.aborted;
              // The RST_STREAM we send would also come back as an 'error' on the stream.
              if (cancel) stream.on('error', ignoreError);
              stream.close(
                cancel ? http2Constants.NGHTTP2_CANCEL : http2Constants.NGHTTP2_NO_ERROR,
              );
            }
            reject(error);
          };
          giveUp.addEventListener('abort', onGiveUp, { once: true });
          stream.on('error', onError);
          stream.on('close', onClose);
          stream.once('response', (headers: IncomingHttpHeaders) => {
            const status = Number(headers[':status']);
            if (status !== 200) {
              // RFC 8441 §5: anything but 200 refuses. Its body (an auth challenge, a reason) is
              // read up to REFUSAL_SNIPPET_BYTES or its end, for the error, as over HTTP/1.1.
              refusal = { status, headers, body: new RefusalSnippet() };
              stream.on('data', onData);
              stream.once('end', refused);
              return;
            }
            const result = checkExtendedConnectResponse(
              status,
              headerObjectSource(headers),
              expected,
            );
            if (!result.ok) {
              fail(result.error);
              return;
            }
            const connection = clientConnection<Data>({
              stream,
              traits: H2_STREAM_TRAITS,
              chosen: result,
              deflate,
              options,
              connectionOptions,
              remoteAddress: this.#session.socket?.remoteAddress ?? '',
              onDispose: (gone) => {
                this.#connections.delete(gone as Connection<unknown>);
                if (this.#closeWhenEmpty && this.#connections.size === 0) void this.close();
              },
            });
            if (connection instanceof WirekitError) {
              fail(connection);
              return;
            }
            settled = true;
            cleanup();
            this.#connections.add(connection as Connection<unknown>);
            resolve(connection);
            connection.start(Buffer.alloc(0));
          });
        }),
    );
  }

  /** Close the session by itself once its last WebSocket is gone (used by `connect`). */
  closeWhenEmpty(): void {
    this.#closeWhenEmpty = true;
    if (this.#connections.size === 0) void this.close();
  }

  /**
   * Close the session: open WebSockets are closed with `code` (default 1001), then the
   * session ends with a GOAWAY once their streams are done.
   */
  close(code = 1001, reason = 'session closing'): Promise<void> {
    for (const connection of this.#connections) connection.close(code, reason);
    const session = this.#session;
    // A graceful end needs a transport that still works. A session whose connection was reset
    // while a write of it was in flight neither writes its GOAWAY nor reads again (Node stops
    // polling the socket), and even `destroy()` only ends its socket, which then waits for
    // that write for good: the socket and its TLS state would never be released. Past the
    // close timeout the session and its socket are destroyed.
    const transport = socketOf(session);
    const timer = setTimeout(() => {
      session.destroy();
      transport?.destroy();
    }, this.#closeTimeout);
    timer.unref();
    if (transport === undefined || transport.destroyed)
      session.once('close', () => clearTimeout(timer));
    else transport.once('close', () => clearTimeout(timer));
    return new Promise<void>((resolve) => {
      if (session.destroyed) {
        resolve();
        return;
      }
      session.once('close', () => resolve());
      // A session already closing (the server's GOAWAY arrived) ignores close(): its 'close'
      // comes by itself.
      if (!session.closed) session.close();
    });
  }
}

/**
 * WebSockets over HTTP/2 (RFC 8441), each through a session of its own that closes with it.
 * With `http2: 'prefer'`, a server that does not speak HTTP/2 or does not enable WebSockets
 * over it (`ERR_WS_HANDSHAKE` or `ERR_CONNECTION_LOST` before any stream) is tried again
 * through `fallback`.
 */
export function h2Client(fallback: ClientTransport): ClientTransport {
  return {
    open<Data>(url: string | URL, options: ConnectOptions<Data>): Promise<Connection<Data>> {
      const target = parseWebSocketUrl(url);
      resolveProxy(options.proxy, target); // a bad proxy URL throws here, before any I/O
      // Misuse (headers, subprotocols) throws before any I/O, as over HTTP/1.1.
      extendedConnectRequest({
        scheme: target.secure ? 'https' : 'http',
        authority: target.host,
        path: target.resource,
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
        ...(options.origin === undefined ? {} : { origin: options.origin }),
      });
      return openOverHttp2(url, target, options, fallback);
    },
  };
}

async function openOverHttp2<Data>(
  url: string | URL,
  target: WebSocketTarget,
  options: ConnectOptions<Data>,
  fallback: ClientTransport,
): Promise<Connection<Data>> {
  let session: Http2WebSocketSession;
  try {
    session = await Http2WebSocketSession.connect(url, {
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
      ...(options.closeTimeout === undefined ? {} : { closeTimeout: options.closeTimeout }),
    });
  } catch (error) {
    const fallBack =
      options.http2 === 'prefer' &&
      error instanceof WirekitError &&
      (error.code === ErrorCode.WS_HANDSHAKE || error.code === ErrorCode.CONNECTION_LOST);
    if (fallBack) return fallback.open(url, options);
    throw error;
  }
  try {
    const connection = await session.openWebSocket(target.resource, options);
    session.closeWhenEmpty();
    return connection;
  } catch (error) {
    void session.close();
    throw error;
  }
}

// The server's first SETTINGS (RFC 9113 §3.4), checked for RFC 8441 §3's
// SETTINGS_ENABLE_CONNECT_PROTOCOL.
function remoteSettings(
  session: ClientHttp2Session,
  name: string,
  giveUp: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      giveUp.removeEventListener('abort', onGiveUp);
      session.off('error', onError);
      session.off('close', onClose);
      session.off('remoteSettings', onSettings);
    };
    const fail = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    const onGiveUp = (): void => fail(giveUp.reason);
    const onError = (error: Error): void =>
      fail(
        new WirekitError(ErrorCode.CONNECTION_LOST, `${name} failed: ${error.message}`, {
          cause: error,
        }),
      );
    const onClose = (): void =>
      fail(
        new WirekitError(ErrorCode.CONNECTION_LOST, `${name} closed before its settings arrived`),
      );
    const onSettings = (settings: Settings): void => {
      // RFC 8441 §3: no :protocol unless the server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.
      if (settings.enableConnectProtocol !== true) {
        fail(
          new WirekitError(
            ErrorCode.WS_HANDSHAKE,
            `${name}: the server speaks HTTP/2 but does not enable WebSockets over it (no SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441 §3)`,
          ),
        );
        return;
      }
      cleanup();
      resolve();
    };
    giveUp.addEventListener('abort', onGiveUp, { once: true });
    session.once('error', onError);
    session.once('close', onClose);
    session.once('remoteSettings', onSettings);
  });
}

/**
 * The socket under a session. `session.socket` is a proxy that refuses `destroy()`; the socket
 * itself is kept under a symbol of Node's http2 module. `undefined` if this Node lays it out
 * differently (the session is then only destroyed, never its socket).
 */
function socketOf(session: ClientHttp2Session): Duplex | undefined {
  const key = Object.getOwnPropertySymbols(session).find((s) => s.description === 'socket');
  const socket =
    key === undefined ? undefined : (session as unknown as Record<symbol, unknown>)[key];
  return socket !== null &&
    typeof socket === 'object' &&
    typeof (socket as Duplex).destroy === 'function'
    ? (socket as Duplex)
    : undefined;
}

function ignoreError(): void {}

/** A refusal of an extended CONNECT, its body being read. */
interface Refusal {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: RefusalSnippet;
}
