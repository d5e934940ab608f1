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
import { type ConnectionOptions as TlsConnectionOptions, connect as tlsConnect } from 'node:tls';
import { ErrorCode, WirekitError } from '../core/errors.js';
import { ResponseReader } from '../core/http1/response-reader.js';
import { encodeRequestHead } from '../core/http1/write-head.js';
import { checkUpgradeResponse, upgradeRequestHeaders } from '../core/ws/client-handshake.js';
import { extendedConnectRequest } from '../core/ws/extended-connect.js';
import { generateKey } from '../core/ws/handshake-key.js';
import type { HeaderPairs } from '../core/ws/header-source.js';
import { deflateOffer, PERMESSAGE_DEFLATE } from '../core/ws/permessage-deflate.js';
import { type ClientConnectionInit, clientConnection } from './client-connection.js';
import type { ClientTlsOptions, ConnectOptions } from './connect-options.js';
import type { Connection } from './connection.js';
import { resolveConnectionOptions } from './connection-options.js';
import { resolveDeflate } from './deflate-config.js';
import { Http2WebSocketSession } from './http2-session.js';
import { nodePlatform } from './node-platform.js';
import { headerListSource } from './upgrade-request.js';
import { parseWebSocketUrl, type WebSocketTarget } from './websocket-url.js';

const SNIPPET_BYTES = 256;

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

export type { ClientConnectionInit, ClientTlsOptions, ConnectOptions, WebSocketTarget };
export { clientConnection, parseWebSocketUrl };
