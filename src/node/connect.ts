/**
 * The WebSocket client: `connect('ws://…' | 'wss://…', options)` resolves with an open
 * {@link Connection} once the opening handshake (RFC 6455 §4.1) succeeded.
 *
 * TLS is chosen by the scheme. The request is written by the http1 core, the answer read by its
 * `ResponseReader` (which hands over any frames that arrived with the 101), and checked by the
 * core's handshake rules. Failures reject with a `WirekitError`: `ERR_TIMEOUT` (connect or
 * handshake), `ERR_CONNECTION_LOST` (refused, reset, TLS failure; the socket error is the
 * `cause`), `ERR_WS_HANDSHAKE` (a non-101 answer with its status and the start of its body, a
 * wrong accept key, an extension or subprotocol that was not offered).
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions as TlsConnectionOptions, connect as tlsConnect } from 'node:tls';
import { ErrorCode, WirekitError } from '../core/errors.js';
import { ResponseReader } from '../core/http1/response-reader.js';
import { encodeRequestHead } from '../core/http1/write-head.js';
import { checkUpgradeResponse, upgradeRequestHeaders } from '../core/ws/client-handshake.js';
import { extendedConnectRequest } from '../core/ws/extended-connect.js';
import { generateKey } from '../core/ws/handshake-key.js';
import type { HeaderPairs } from '../core/ws/header-source.js';
import {
  acceptDeflateResponse,
  deflateOffer,
  PERMESSAGE_DEFLATE,
} from '../core/ws/permessage-deflate.js';
import { Connection, type ConnectionHandler } from './connection.js';
import {
  type ConnectionOptions,
  type ResolvedConnectionOptions,
  resolveConnectionOptions,
} from './connection-options.js';
import { type DeflateConfig, type ResolvedDeflate, resolveDeflate } from './deflate-config.js';
import { heartbeatFor } from './heartbeat.js';
import { Http2WebSocketSession } from './http2-session.js';
import { nodePlatform } from './node-platform.js';
import { processReadBuffer } from './shared-read-buffer.js';
import { headerListSource } from './upgrade-request.js';
import { createCompression } from './zlib-codec.js';

/** TLS settings for `wss://`. */
export interface ClientTlsOptions {
  /** Trusted CA certificates (PEM), replacing the system's. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Server name for SNI and certificate checks. Default: the URL's host name. */
  readonly servername?: string;
  /** Verify the server certificate. Default true; turn off only in tests. */
  readonly rejectUnauthorized?: boolean;
  /** Client certificate and key (PEM), for mutual TLS. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
}

/** Options of {@link connect}. */
export interface ConnectOptions<Data = unknown> extends ConnectionOptions {
  /** Callbacks; without `message`, iterate the connection to read messages. */
  readonly handler?: ConnectionHandler<Data>;
  /** Initial `connection.data`. */
  readonly data?: Data;
  /** Subprotocols to offer, most preferred first. */
  readonly protocols?: readonly string[];
  /** Extra request header fields (auth tokens, cookies). */
  readonly headers?: HeaderPairs | Readonly<Record<string, string>>;
  /** `Origin` to send. */
  readonly origin?: string;
  /** Give up if TCP (and TLS) is not connected within this many ms. Default 10 000. */
  readonly connectTimeout?: number;
  /** Give up if the server's 101 has not arrived within this many ms of connecting. Default 10 000. */
  readonly handshakeTimeout?: number;
  /** TLS settings for `wss://`. */
  readonly tls?: ClientTlsOptions;
  /** Largest response head accepted. Default 16 KiB. */
  readonly maxHeadBytes?: number;
  /** Abort connecting: the promise rejects with `ERR_ABORTED` and the socket is destroyed. */
  readonly signal?: AbortSignal;
  /** Offer permessage-deflate (RFC 7692): `true` or settings. Default off. */
  readonly deflate?: boolean | DeflateConfig;
  /**
   * Connect over HTTP/2 (RFC 8441): `true` requires it (TLS with ALPN `h2` for `wss://`, h2c
   * with prior knowledge for `ws://`) and fails if the server does not enable WebSockets over
   * HTTP/2; `'prefer'` falls back to HTTP/1.1 then. The session is closed with the connection;
   * to open several WebSockets on one session use `Http2WebSocketSession`.
   */
  readonly http2?: boolean | 'prefer';
  /**
   * Read into one reused buffer (this one, or a new one of this many bytes) instead of a fresh
   * chunk per read (`net.Socket` `onread`): no allocation per read. The price: a message's
   * `data` is valid only during its `message` callback — copy what you keep (async iteration
   * copies for you). HTTP/1.1 only.
   */
  readonly readBuffer?: number | Uint8Array;
}

/** Default ports by scheme (RFC 6455 §3). */
const DEFAULT_PORT = { 'ws:': 80, 'wss:': 443 } as const;
const SNIPPET_BYTES = 256;

/** A WebSocket URL checked as RFC 6455 §3 and the WHATWG constructor do. */
export interface WebSocketTarget {
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: number;
  /** `Host` header value. */
  readonly host: string;
  /** Path and query for the request line. */
  readonly resource: string;
  readonly href: string;
}

/** Parse and check a WebSocket URL; `http:`/`https:` map to `ws:`/`wss:` as in browsers. */
export function parseWebSocketUrl(input: string | URL): WebSocketTarget {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch (cause) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `invalid WebSocket URL ${JSON.stringify(String(input))}`,
      { cause },
    );
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `a WebSocket URL needs ws: or wss:, not ${url.protocol}`,
    );
  }
  // §3: fragment identifiers MUST NOT be used in WebSocket URIs.
  if (url.hash !== '')
    throw new WirekitError(ErrorCode.INVALID_ARGUMENT, 'a WebSocket URL may not have a fragment');
  const secure = url.protocol === 'wss:';
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    secure,
    hostname,
    port: url.port === '' ? DEFAULT_PORT[url.protocol as 'ws:' | 'wss:'] : Number(url.port),
    host: url.host,
    resource: `${url.pathname || '/'}${url.search}`,
    href: url.href,
  };
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
  if (options.http2 === true || options.http2 === 'prefer') return connectOverHttp2(url, options);
  return connectHttp1(url, options);
}

/** What {@link clientConnection} needs once a transport's handshake was accepted. */
export interface ClientConnectionInit<Data> {
  readonly stream: Duplex;
  /** The subprotocol and extensions answer the handshake check accepted. */
  readonly chosen: {
    readonly protocol: string | undefined;
    readonly extensions: string | undefined;
  };
  readonly deflate: ResolvedDeflate | undefined;
  readonly options: ConnectOptions<Data>;
  readonly connectionOptions: ResolvedConnectionOptions;
  readonly remoteAddress?: string;
  readonly onDispose?: (connection: Connection<Data>) => void;
  readonly reusedReadBuffer?: boolean;
}

/**
 * The steps every client transport shares after the server accepted (HTTP/1.1 101, HTTP/2
 * 200): check the permessage-deflate answer (RFC 7692 §7.1: a bad one fails the connection,
 * returned as the error) and build the connection, not started yet.
 */
export function clientConnection<Data>(
  init: ClientConnectionInit<Data>,
): Connection<Data> | WirekitError {
  const { deflate, options, connectionOptions, chosen } = init;
  const params =
    deflate === undefined
      ? undefined
      : acceptDeflateResponse(chosen.extensions, deflate.negotiation);
  if (params instanceof WirekitError) return params;
  return new Connection<Data>({
    socket: init.stream,
    role: 'client',
    handler: options.handler ?? {},
    data: options.data as Data,
    options: connectionOptions,
    heartbeat: heartbeatFor(connectionOptions),
    protocol: chosen.protocol ?? '',
    extensions: params === undefined ? '' : (chosen.extensions ?? ''),
    onDispose: init.onDispose,
    ...(init.remoteAddress === undefined ? {} : { remoteAddress: init.remoteAddress }),
    reusedReadBuffer: init.reusedReadBuffer ?? false,
    // Without a `readBuffer` of its own, a TCP or TLS connection reads into the process's shared
    // buffer and copies each message out (see ConnectionInit).
    ...(init.reusedReadBuffer === true ? {} : { sharedReadBuffer: processReadBuffer() }),
    compression:
      params === undefined ? undefined : createCompression(params, 'client', deflate!.settings),
  });
}

/**
 * RFC 8441 through a session of its own, closed when the connection is. Misuse (URL, headers,
 * subprotocols) throws before any I/O, as over HTTP/1.1.
 */
function connectOverHttp2<Data>(
  url: string | URL,
  options: ConnectOptions<Data>,
): Promise<Connection<Data>> {
  const target = parseWebSocketUrl(url);
  extendedConnectRequest({
    scheme: target.secure ? 'https' : 'http',
    authority: target.host,
    path: target.resource,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
  return openOverHttp2(url, target, options);
}

async function openOverHttp2<Data>(
  url: string | URL,
  target: WebSocketTarget,
  options: ConnectOptions<Data>,
): Promise<Connection<Data>> {
  let session: Http2WebSocketSession;
  try {
    session = await Http2WebSocketSession.connect(url, {
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    const fallback =
      options.http2 === 'prefer' &&
      error instanceof WirekitError &&
      (error.code === ErrorCode.WS_HANDSHAKE || error.code === ErrorCode.CONNECTION_LOST);
    if (fallback) return connectHttp1(url, options);
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

function connectHttp1<Data>(
  url: string | URL,
  options: ConnectOptions<Data> = {},
): Promise<Connection<Data>> {
  const target = parseWebSocketUrl(url);
  const key = generateKey(nodePlatform);
  const deflate = resolveDeflate(options.deflate, false);
  const fields = upgradeRequestHeaders({
    host: target.host,
    key,
    ...(deflate === undefined ? {} : { extensions: deflateOffer(deflate.negotiation) }),
    ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
  const extra: HeaderPairs =
    options.headers === undefined
      ? []
      : Array.isArray(options.headers)
        ? (options.headers as HeaderPairs)
        : Object.entries(options.headers);
  // Written now so a bad header throws synchronously, before any socket exists.
  const request = encodeRequestHead({
    method: 'GET',
    target: target.resource,
    headers: [...fields, ...extra],
  });
  const connectionOptions = resolveConnectionOptions(options, false);

  return new Promise<Connection<Data>>((resolve, reject) => {
    const tls = options.tls ?? {};
    // With `readBuffer`, reads land in one reused buffer: copied while the handshake is parsed
    // (the HTTP reader keeps chunks), handed to the connection as views afterwards.
    let connection: Connection<Data> | undefined;
    const readBuffer =
      options.readBuffer === undefined
        ? undefined
        : typeof options.readBuffer === 'number'
          ? Buffer.allocUnsafe(options.readBuffer)
          : options.readBuffer;
    const onread =
      readBuffer === undefined
        ? {}
        : {
            onread: {
              buffer: readBuffer,
              callback: (length: number, buffer: Uint8Array): boolean => {
                const view = buffer.subarray(0, length);
                if (connection !== undefined) connection.receive(view);
                else onData(Buffer.from(view));
                return true; // keep reading (false would pause the socket)
              },
            },
          };
    const socket: Socket = target.secure
      ? tlsConnect({
          ...onread,
          host: target.hostname,
          port: target.port,
          ...(isIP(target.hostname) === 0
            ? { servername: tls.servername ?? target.hostname }
            : tls.servername === undefined
              ? {}
              : { servername: tls.servername }),
          ...(tls as TlsConnectionOptions),
          // An ALPN list would invite an h2 answer; WebSocket over TLS here is HTTP/1.1.
          ALPNProtocols: ['http/1.1'],
        })
      : netConnect({ host: target.hostname, port: target.port, ...onread });
    const reader = new ResponseReader({ maxHeadBytes: options.maxHeadBytes ?? 16 * 1024 });
    reader.expect('GET');
    let settled = false;
    let timer = setTimeout(
      () => fail(new WirekitError(ErrorCode.TIMEOUT, `connect to ${target.href} timed out`)),
      options.connectTimeout ?? 10_000,
    );
    let failure:
      | {
          status: number;
          statusText: string;
          headers: ReturnType<typeof headerListSource>;
          body: Buffer[];
        }
      | undefined;

    const signal = options.signal;
    const onAbort = (): void =>
      fail(
        new WirekitError(ErrorCode.ABORTED, `connecting to ${target.href} was aborted`, {
          cause: signal?.reason,
        }),
      );
    function cleanup(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    }
    function fail(error: WirekitError): void {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(error);
    }
    function onError(error: Error): void {
      fail(
        new WirekitError(
          ErrorCode.CONNECTION_LOST,
          `WebSocket connection to ${target.href} failed: ${error.message}`,
          { cause: error },
        ),
      );
    }
    function onEnd(): void {
      if (failure !== undefined) failWithStatus();
      else
        fail(
          new WirekitError(
            ErrorCode.CONNECTION_LOST,
            `server closed the connection during the WebSocket handshake with ${target.href}`,
          ),
        );
    }
    function failWithStatus(): void {
      const f = failure!;
      const snippet = Buffer.concat(f.body).subarray(0, SNIPPET_BYTES).toString('utf8');
      const result = checkUpgradeResponse(
        { status: f.status, statusText: f.statusText, headers: f.headers, bodySnippet: snippet },
        { key },
        nodePlatform,
      );
      if (!result.ok) fail(result.error);
    }
    function onConnected(): void {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          fail(
            new WirekitError(
              ErrorCode.TIMEOUT,
              `WebSocket handshake with ${target.href} timed out`,
            ),
          ),
        options.handshakeTimeout ?? 10_000,
      );
      timer.unref();
      if (connectionOptions.noDelay) socket.setNoDelay(true);
      socket.write(request);
    }
    function onData(chunk: Buffer): void {
      reader.receive(chunk);
      for (;;) {
        const event = reader.next();
        switch (event.type) {
          case 'need-data':
            return;
          case 'informational':
            continue; // 1xx interim answers other than 101 (e.g. 103 Early Hints)
          case 'head': {
            if (event.status !== 101) {
              failure = {
                status: event.status,
                statusText: event.reason,
                headers: headerListSource(event.headers),
                body: [],
              };
              continue;
            }
            const result = checkUpgradeResponse(
              { status: 101, headers: headerListSource(event.headers) },
              {
                key,
                ...(options.protocols === undefined ? {} : { protocols: options.protocols }),
                extensions: deflate === undefined ? [] : [PERMESSAGE_DEFLATE],
              },
              nodePlatform,
            );
            if (!result.ok) {
              fail(result.error);
              return;
            }
            const made = clientConnection<Data>({
              stream: socket,
              chosen: result,
              deflate,
              options,
              connectionOptions,
              reusedReadBuffer: readBuffer !== undefined,
            });
            if (made instanceof WirekitError) {
              fail(made);
              return;
            }
            // A 101 has no body: the reader ends the message and pauses; the rest is WebSocket.
            let next = reader.next();
            if (next.type === 'end') next = reader.next();
            const head = next.type === 'paused' ? reader.takeRemaining() : new Uint8Array(0);
            settled = true;
            cleanup();
            connection = made;
            resolve(connection);
            connection.start(Buffer.from(head.buffer, head.byteOffset, head.length));
            return;
          }
          case 'body':
            failure?.body.push(Buffer.from(event.data));
            if (failure !== undefined && Buffer.concat(failure.body).length >= SNIPPET_BYTES) {
              failWithStatus();
              return;
            }
            continue;
          case 'end':
          case 'closed':
          case 'paused':
            if (failure !== undefined) failWithStatus();
            else
              fail(
                new WirekitError(
                  ErrorCode.WS_HANDSHAKE,
                  `unexpected HTTP answer from ${target.href}`,
                ),
              );
            return;
          case 'error':
            fail(
              new WirekitError(
                ErrorCode.WS_HANDSHAKE,
                `invalid HTTP answer from ${target.href}: ${event.error.message}`,
                { cause: event.error, status: 502 },
              ),
            );
            return;
        }
      }
    }

    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once(target.secure ? 'secureConnect' : 'connect', onConnected);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
  });
}
