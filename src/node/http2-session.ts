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
import { ErrorCode, WirekitError } from '../core/errors.js';
import {
  checkExtendedConnectResponse,
  extendedConnectRequest,
} from '../core/ws/extended-connect.js';
import { deflateOffer, PERMESSAGE_DEFLATE } from '../core/ws/permessage-deflate.js';
import { clientConnection } from './client-connection.js';
import type { ClientTlsOptions, ConnectOptions } from './connect-options.js';
import type { Connection } from './connection.js';
import { resolveConnectionOptions } from './connection-options.js';
import { resolveDeflate } from './deflate-config.js';
import { DEFAULT_SESSION_WINDOW } from './http2-defaults.js';
import { headerObjectSource } from './upgrade-request.js';
import { parseWebSocketUrl, type WebSocketTarget } from './websocket-url.js';

/** Options of {@link Http2WebSocketSession.connect}. */
export interface Http2SessionOptions {
  /** TLS settings for `wss://`. */
  readonly tls?: ClientTlsOptions;
  /** Give up if the session (TCP, TLS, the server's SETTINGS) is not ready within this many
   * ms. Default 10 000. */
  readonly connectTimeout?: number;
  /** Our HTTP/2 settings (`initialWindowSize`, `maxConcurrentStreams`, ...). */
  readonly settings?: Settings;
  /** The session-level receive window (all streams together), in bytes. HTTP/2's default of
   * 64 KiB throttles many busy WebSockets on one session. Default 4 MiB. */
  readonly windowSize?: number;
  /** Abort connecting. */
  readonly signal?: AbortSignal;
}

/** Options of one WebSocket on a session: {@link ConnectOptions} without the transport parts. */
export type Http2WebSocketOptions<Data> = Omit<
  ConnectOptions<Data>,
  'tls' | 'connectTimeout' | 'maxHeadBytes' | 'http2'
>;

/** An HTTP/2 session that opens WebSockets as streams (RFC 8441). */
export class Http2WebSocketSession {
  readonly #session: ClientHttp2Session;
  readonly #target: WebSocketTarget;
  readonly #connections = new Set<Connection<unknown>>();
  #closeWhenEmpty = false;

  private constructor(session: ClientHttp2Session, target: WebSocketTarget) {
    this.#session = session;
    this.#target = target;
    // A session error ends its streams (each connection sees 1006); never crash the process.
    session.on('error', () => {});
  }

  /**
   * Connect to `url`'s origin and wait for the server's SETTINGS. Rejects with
   * `ERR_WS_HANDSHAKE` if the server does not enable the extended CONNECT protocol.
   */
  static connect(
    url: string | URL,
    options: Http2SessionOptions = {},
  ): Promise<Http2WebSocketSession> {
    const target = parseWebSocketUrl(url);
    const origin = `${target.secure ? 'https' : 'http'}://${target.host}`;
    const tls = options.tls ?? {};
    return new Promise<Http2WebSocketSession>((resolve, reject) => {
      const session = http2Connect(origin, {
        ...(options.settings === undefined ? {} : { settings: options.settings }),
        ...(target.secure
          ? { ...tls, ...(tls.servername === undefined ? {} : { servername: tls.servername }) }
          : {}),
      });
      const signal = options.signal;
      const timer = setTimeout(
        () =>
          fail(
            new WirekitError(
              ErrorCode.TIMEOUT,
              `HTTP/2 session to ${origin} was not ready in time`,
            ),
          ),
        options.connectTimeout ?? 10_000,
      );
      const onAbort = (): void =>
        fail(
          new WirekitError(ErrorCode.ABORTED, `connecting to ${origin} was aborted`, {
            cause: signal?.reason,
          }),
        );
      const onError = (error: Error): void => {
        // A TLS server that does not offer h2 by ALPN surfaces as a bare "Protocol error".
        const alpn = (session.socket as { alpnProtocol?: string | false } | undefined)
          ?.alpnProtocol;
        const hint =
          target.secure && alpn !== 'h2'
            ? ' (the server did not agree to h2 by ALPN: it may speak only HTTP/1.1)'
            : '';
        fail(
          new WirekitError(
            ErrorCode.CONNECTION_LOST,
            `HTTP/2 session to ${origin} failed: ${error.message}${hint}`,
            {
              cause: error,
            },
          ),
        );
      };
      const onClose = (): void =>
        fail(
          new WirekitError(
            ErrorCode.CONNECTION_LOST,
            `HTTP/2 session to ${origin} closed before its settings arrived`,
          ),
        );
      function cleanup(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        session.off('error', onError);
        session.off('close', onClose);
      }
      function fail(error: WirekitError): void {
        cleanup();
        session.destroy();
        reject(error);
      }
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      session.once('error', onError);
      session.once('close', onClose);
      session.once('connect', () => {
        session.setLocalWindowSize(options.windowSize ?? DEFAULT_SESSION_WINDOW);
      });
      session.once('remoteSettings', (settings: Settings) => {
        // RFC 8441 §3: no :protocol unless the server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1.
        if (settings.enableConnectProtocol !== true) {
          fail(
            new WirekitError(
              ErrorCode.WS_HANDSHAKE,
              `${origin} speaks HTTP/2 but does not enable WebSockets over it (no SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441 §3)`,
            ),
          );
          return;
        }
        cleanup();
        resolve(new Http2WebSocketSession(session, target));
      });
    });
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
    const request = extendedConnectRequest({
      scheme: target.secure ? 'https' : 'http',
      authority: target.host,
      path,
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(deflate === undefined ? {} : { extensions: deflateOffer(deflate.negotiation) }),
    });
    const connectionOptions = resolveConnectionOptions(options, false);
    return new Promise<Connection<Data>>((resolve, reject) => {
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
      const signal = options.signal;
      const timer = setTimeout(
        () => fail(new WirekitError(ErrorCode.TIMEOUT, `WebSocket CONNECT to ${path} timed out`)),
        options.handshakeTimeout ?? 10_000,
      );
      const onAbort = (): void =>
        fail(
          new WirekitError(ErrorCode.ABORTED, `opening ${path} was aborted`, {
            cause: signal?.reason,
          }),
        );
      const onError = (error: Error): void =>
        fail(
          new WirekitError(
            ErrorCode.CONNECTION_LOST,
            `WebSocket stream to ${path} failed: ${error.message}`,
            { cause: error },
          ),
        );
      const onClose = (): void =>
        fail(
          new WirekitError(
            ErrorCode.CONNECTION_LOST,
            `WebSocket stream to ${path} closed before the answer (RST_STREAM ${stream.rstCode ?? ''})`,
          ),
        );
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        stream.off('error', onError);
        stream.off('close', onClose);
      };
      const fail = (error: WirekitError): void => {
        cleanup();
        if (!stream.destroyed) {
          // Given up before an answer (timeout, abort): RST_STREAM(CANCEL), "no longer needed"
          // (RFC 9113 §8.7). An answer that was read and refused just closes the stream.
          const cancel = error.code === ErrorCode.TIMEOUT || error.code === ErrorCode.ABORTED;
          // The RST_STREAM we send would also come back as an 'error' on the stream.
          if (cancel) stream.on('error', ignoreError);
          stream.close(cancel ? http2Constants.NGHTTP2_CANCEL : http2Constants.NGHTTP2_NO_ERROR);
        }
        reject(error);
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('error', onError);
      stream.on('close', onClose);
      stream.once('response', (headers: IncomingHttpHeaders) => {
        const status = Number(headers[':status']);
        const result = checkExtendedConnectResponse(status, headerObjectSource(headers), {
          ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
          extensions: deflate === undefined ? [] : [PERMESSAGE_DEFLATE],
        });
        if (!result.ok) {
          fail(result.error);
          return;
        }
        const connection = clientConnection<Data>({
          stream,
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
        cleanup();
        this.#connections.add(connection as Connection<unknown>);
        resolve(connection);
        connection.start(Buffer.alloc(0));
      });
    });
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
    return new Promise<void>((resolve) => {
      if (this.#session.destroyed) resolve();
      // A session already closing (the server's GOAWAY arrived) ignores close() and never
      // calls back: wait for its 'close' instead.
      else if (this.#session.closed) this.#session.once('close', () => resolve());
      else this.#session.close(() => resolve());
    });
  }
}

function ignoreError(): void {}
