/**
 * The client side of WebSocket over HTTP/3 (RFC 9220): one QUIC connection with its HTTP/3
 * session, on which any number of WebSockets open as extended CONNECT request streams.
 *
 * @example
 * ```ts
 * import { Http3WebSocketSession } from 'wirekit/http3';
 * const session = await Http3WebSocketSession.connect('wss://127.0.0.1:4433', { tls: { ca } });
 * const [a, b] = await Promise.all([session.openWebSocket('/a'), session.openWebSocket('/b')]);
 * a.send('over one QUIC connection');
 * await session.close();
 * ```
 */
import { ErrorCode, WirekitError } from '../../core/errors.js';
import type { FieldSection } from '../../core/qpack/field-section.js';
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
import type { ClientTlsOptions } from '../tls-options.js';
import { H2_STREAM_TRAITS } from '../transports/h2-stream-traits.js';
import { websocketConnectOffer } from '../websocket-connect-offer.js';
import { parseWebSocketUrl, type WebSocketTarget } from '../websocket-url.js';
import { Http3Link, type Http3LinkOwner } from './h3-link.js';
import type { Http3Stream } from './h3-stream.js';
import { connectQuic } from './quic-client.js';
import type { QuicCloseInfo } from './quic-connection.js';
import type { QuicTransportOptions } from './quic-options.js';

/** Options of {@link Http3WebSocketSession.connect}. */
export interface Http3SessionOptions extends Omit<QuicTransportOptions, 'alpn'> {
  /** CA, server name and verification, as for `wss://` over TCP (client certificates are not
   * sent over QUIC). */
  readonly tls?: ClientTlsOptions;
  /** Give up if the QUIC handshake and the server's SETTINGS take longer. Default 10 000 ms. */
  readonly connectTimeout?: number;
  /** Give up the QUIC handshake alone after this long (`ERR_TIMEOUT`, as a peer that never
   * answers gets). Default: `connectTimeout`. */
  readonly handshakeTimeout?: number;
  /** Abort connecting. */
  readonly signal?: AbortSignal;
}

/** Options of one WebSocket on a session: {@link ConnectOptions} without the transport parts. */
export type Http3WebSocketOptions<Data> = Omit<
  ConnectOptions<Data>,
  'tls' | 'connectTimeout' | 'maxHeadBytes' | 'http2' | 'proxy'
>;

type Waiter = (status: number, fields: FieldSection) => void;

/** Errors of a stream waiting for its answer: its `close` says what matters. */
function ignoreError(): void {}

/**
 * The start of a refused stream's body, for the error (RFC 9220 §3 takes RFC 8441 §5's
 * answer: anything but 200 refuses, and its body says why — an auth challenge, a reason): up
 * to `REFUSAL_SNIPPET_BYTES` of DATA, or less when the stream ends first (FIN, or a reset).
 * Resolves with what arrived when `giveUp` fires (the handshake timeout or the caller's abort:
 * the caller has rejected by then, so the read lets go of the stream and nothing waits on it).
 */
function readRefusalBody(stream: Http3Stream, giveUp: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const snippet = new RefusalSnippet();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      stream.off('data', onData);
      stream.off('end', finish);
      stream.off('close', finish);
      giveUp.removeEventListener('abort', finish);
      resolve(snippet.text());
    };
    const onData = (chunk: Uint8Array): void => {
      if (snippet.add(chunk)) finish();
    };
    if (stream.destroyed) {
      finish();
      return;
    }
    stream.on('data', onData);
    stream.once('end', finish);
    stream.once('close', finish);
    giveUp.addEventListener('abort', finish, { once: true });
  });
}

class ClientOwner implements Http3LinkOwner {
  readonly waiters: Map<number, Waiter> = new Map();
  settled: (() => void) | undefined;
  lost: ((info: QuicCloseInfo) => void) | undefined;
  closedInfo: QuicCloseInfo | undefined;

  response(_link: Http3Link, stream: Http3Stream, status: number, fields: FieldSection): void {
    if (status < 200) return;
    const waiter = this.waiters.get(stream.id);
    this.waiters.delete(stream.id);
    waiter?.(status, fields);
  }

  settings(): void {
    this.settled?.();
  }

  closed(_link: Http3Link, info: QuicCloseInfo): void {
    this.closedInfo = info;
    this.lost?.(info);
    for (const waiter of this.waiters.values()) waiter(0, undefined as unknown as FieldSection);
    this.waiters.clear();
  }
}

/** A QUIC connection that opens WebSockets as HTTP/3 streams (RFC 9220). */
export class Http3WebSocketSession {
  readonly #link: Http3Link;
  readonly #owner: ClientOwner;
  readonly #target: WebSocketTarget;
  readonly #connections = new Set<Connection<unknown>>();
  #closeWhenEmpty = false;

  private constructor(link: Http3Link, owner: ClientOwner, target: WebSocketTarget) {
    this.#link = link;
    this.#owner = owner;
    this.#target = target;
  }

  /**
   * Open a QUIC connection to `url`'s origin (UDP, same port unless `port` differs in the URL)
   * and wait for the server's SETTINGS. Rejects with `ERR_WS_HANDSHAKE` when the server does
   * not enable extended CONNECT (RFC 9220 §3), `ERR_QUIC_HANDSHAKE`, `ERR_TIMEOUT`,
   * `ERR_ABORTED`, or `ERR_HTTP3_UNAVAILABLE` without the QUIC package.
   */
  static async connect(
    url: string | URL,
    options: Http3SessionOptions = {},
  ): Promise<Http3WebSocketSession> {
    const target = parseWebSocketUrl(url);
    if (!target.secure)
      throw new WirekitError(ErrorCode.INVALID_ARGUMENT, 'HTTP/3 needs a wss:// URL (QUIC is TLS)');
    const timeout = options.connectTimeout ?? 10_000;
    const name = `HTTP/3 session to https://${target.host}`;
    const tls = options.tls ?? {};
    return deadline(
      {
        timeout,
        signal: options.signal,
        timeoutMessage: `${name} was not ready in time (connectTimeout ${timeout} ms)`,
        abortMessage: `${name} was aborted`,
      },
      async (giveUp) => {
        const quic = await connectQuic({
          ...options,
          host: target.hostname,
          port: target.port,
          handshakeTimeout: options.handshakeTimeout ?? timeout,
          signal: giveUp,
          ...(tls.ca === undefined ? {} : { ca: tls.ca as string | Uint8Array }),
          ...(tls.servername === undefined ? {} : { servername: tls.servername }),
          ...(tls.rejectUnauthorized === undefined
            ? {}
            : { rejectUnauthorized: tls.rejectUnauthorized }),
        });
        const owner = new ClientOwner();
        const link = new Http3Link(quic, 'client', owner);
        try {
          await new Promise<void>((resolve, reject) => {
            if (link.hasSettings) resolve();
            owner.settled = resolve;
            owner.lost = (info) =>
              reject(
                new WirekitError(
                  ErrorCode.CONNECTION_LOST,
                  `${name} closed before its SETTINGS (code 0x${info.code.toString(16)})`,
                ),
              );
            giveUp.addEventListener('abort', () => reject(giveUp.reason), { once: true });
          });
        } catch (error) {
          link.closeConnection(0x10c, 'cancelled');
          throw error;
        }
        owner.settled = undefined;
        owner.lost = undefined;
        if (link.h3.peerSettings?.enableConnectProtocol !== true) {
          link.closeConnection(0x100, '');
          throw new WirekitError(
            ErrorCode.WS_HANDSHAKE,
            `${name}: the server does not enable extended CONNECT (RFC 9220 §3)`,
          );
        }
        return new Http3WebSocketSession(link, owner, target);
      },
    );
  }

  /** WebSockets open on this session. */
  get size(): number {
    return this.#connections.size;
  }

  /** The QUIC connection is closing or closed. */
  get closed(): boolean {
    return this.#link.quic.closed;
  }

  /**
   * Open a WebSocket on a new request stream: an extended CONNECT to `path` (RFC 9220 §3),
   * answered with 200.
   */
  openWebSocket<Data = undefined>(
    path = '/',
    options: Http3WebSocketOptions<Data> = {},
  ): Promise<Connection<Data>> {
    const target = this.#target;
    const deflate = resolveDeflate(options.deflate, false);
    const request = websocketConnectOffer('https', target.host, path, options, deflate);
    // Checked before any I/O: misuse throws here, as over HTTP/1.1 and HTTP/2.
    extendedConnectRequest(request);
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
            reject(new WirekitError(ErrorCode.CONNECTION_LOST, 'the HTTP/3 session is closed'));
            return;
          }
          let stream: Http3Stream;
          try {
            stream = this.#link.openWebSocket(request);
          } catch (cause) {
            reject(
              cause instanceof WirekitError
                ? cause
                : new WirekitError(ErrorCode.CONNECTION_LOST, `could not open a stream`, { cause }),
            );
            return;
          }
          const onGiveUp = (): void => {
            this.#owner.waiters.delete(stream.id);
            stream.off('close', onEarlyClose);
            stream.close(8);
            reject(giveUp.reason);
          };
          // The server reset the stream (refused it, or shut down) before any answer.
          const onEarlyClose = (): void => {
            if (!this.#owner.waiters.delete(stream.id)) return;
            giveUp.removeEventListener('abort', onGiveUp);
            reject(
              new WirekitError(
                ErrorCode.CONNECTION_LOST,
                `the server ended the stream of ${path} before answering`,
              ),
            );
          };
          stream.on('error', ignoreError);
          stream.once('close', onEarlyClose);
          giveUp.addEventListener('abort', onGiveUp, { once: true });
          const expected = {
            ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
            extensions: deflate === undefined ? [] : [PERMESSAGE_DEFLATE],
          };
          this.#owner.waiters.set(stream.id, (status, fields) => {
            giveUp.removeEventListener('abort', onGiveUp);
            stream.off('close', onEarlyClose);
            if (status === 0) {
              stream.off('error', ignoreError);
              reject(
                new WirekitError(
                  ErrorCode.CONNECTION_LOST,
                  `the HTTP/3 connection closed before ${path} was answered`,
                ),
              );
              return;
            }
            if (status !== 200) {
              // Refused: the error quotes the start of the body, as over HTTP/1.1 and HTTP/2
              // (`ignoreError` stays: a reset while the body is read only ends the read).
              void readRefusalBody(stream, giveUp).then((snippet) => {
                stream.close(8);
                const refused = checkExtendedConnectResponse(status, fields, expected, snippet);
                reject(
                  refused.ok
                    ? new WirekitError(ErrorCode.WS_HANDSHAKE, `server answered ${status}`, {
                        status,
                      })
                    : refused.error,
                );
              });
              return;
            }
            stream.off('error', ignoreError);
            const result = checkExtendedConnectResponse(status, fields, expected);
            if (!result.ok) {
              stream.close(8);
              reject(result.error);
              return;
            }
            const connection = clientConnection<Data>({
              stream,
              // An HTTP/3 stream ends as an HTTP/2 one (FIN, then `close(0)` after a clean close).
              traits: H2_STREAM_TRAITS,
              chosen: result,
              deflate,
              options,
              connectionOptions,
              remoteAddress: this.#link.quic.remoteAddress,
              onDispose: (gone) => {
                this.#connections.delete(gone as Connection<unknown>);
                if (this.#closeWhenEmpty && this.#connections.size === 0) void this.close();
              },
            });
            if (connection instanceof Error) {
              stream.close(8);
              reject(connection);
              return;
            }
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
   * Close the session: open WebSockets are closed with `code` (default 1001) and, once they
   * are gone (at most `closeTimeout` ms, default 2 000), the QUIC connection with H3_NO_ERROR.
   */
  async close(code = 1001, reason = 'session closing', closeTimeout = 2_000): Promise<void> {
    for (const connection of this.#connections) connection.close(code, reason);
    if (this.#connections.size > 0) {
      const end = performance.now() + closeTimeout;
      while (this.#connections.size > 0 && performance.now() < end && !this.closed)
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.#link.closeConnection(0x100, '');
  }
}

/**
 * `connect(url, { http3: true })`: one WebSocket on its own HTTP/3 session, which closes when
 * the WebSocket is gone.
 */
export async function connectHttp3<Data>(
  url: string | URL,
  options: ConnectOptions<Data>,
): Promise<Connection<Data>> {
  const target = parseWebSocketUrl(url);
  const session = await Http3WebSocketSession.connect(url, {
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  try {
    const connection = await session.openWebSocket<Data>(target.resource, options);
    session.closeWhenEmpty();
    return connection;
  } catch (error) {
    void session.close();
    throw error;
  }
}
