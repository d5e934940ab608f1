/**
 * The server's HTTP/2 transport (RFC 8441): an extended CONNECT with `:protocol websocket` on a
 * stream of an HTTP/2 session becomes an {@link OpeningRequest} for the server, answered with
 * `:status 200` on success; the WebSocket then runs on that stream.
 *
 * Sessions come from the server's own listener (by ALPN `h2` or the h2c preface, see
 * `listener.ts`) or from an existing `http2` server ({@link H2ServerTransport.attach}). They
 * are tracked so that the server's `close()` ends each with a GOAWAY once its WebSocket streams
 * are gone.
 */
import {
  constants,
  createServer as createHttp2Server,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkExtendedConnect, extendedConnectResponse } from '../../core/ws/extended-connect.js';
import type { HeaderPairs } from '../../core/ws/header-source.js';
import { DEFAULT_SESSION_WINDOW } from '../http2-defaults.js';
import { nodePlatform } from '../node-platform.js';
import type { ServerOptions } from '../server-options.js';
import { headerObjectSource, pathOf, type UpgradeRequestInfo } from '../upgrade-request.js';
import { H2_STREAM_TRAITS } from './h2-stream-traits.js';
import type { ServerTransport, UpgradeHost } from './server-transport.js';

/** Handles the streams of an `http2` server that are not WebSocket CONNECTs. */
type OtherStreams = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void;

const EMPTY = Buffer.alloc(0);

/** WebSocket streams over HTTP/2 for one server, and the sessions they run on. */
export class H2ServerTransport implements ServerTransport {
  readonly #host: UpgradeHost;
  readonly #options: ServerOptions<unknown>;
  readonly #sessions = new Set<ServerHttp2Session>();
  #sessionServer: Http2Server | undefined;

  constructor(host: UpgradeHost, options: ServerOptions<unknown>) {
    this.#host = host;
    this.#options = options;
  }

  /**
   * Take an HTTP/2 stream: an extended CONNECT becomes an opening request; any other CONNECT is
   * refused. Returns `false` for a stream that is not a CONNECT, which the caller may serve.
   */
  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): boolean {
    if (headers[':method'] !== 'CONNECT') return false;
    const host = this.#host;
    if (host.closing) {
      // Resetting with an error code also emits it on the stream: never let it go uncaught.
      stream.on('error', destroyOnError);
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return true;
    }
    host.track(stream);
    const source = headerObjectSource(headers);
    const check = checkExtendedConnect(source);
    if (!check.ok) {
      refuseStream(
        stream,
        check.error.status ?? 400,
        check.error.message,
        Object.entries(check.headers),
      );
      return true;
    }
    const info: UpgradeRequestInfo = {
      method: 'CONNECT',
      url: check.path,
      path: pathOf(check.path),
      headers: source,
      protocols: check.protocols,
      origin: check.origin,
      remoteAddress: stream.session?.socket?.remoteAddress ?? '',
      incoming: undefined,
    };
    host.establish({
      stream,
      info,
      extensionsOffer: check.extensions,
      traits: H2_STREAM_TRAITS,
      refuse: (status, message, extra) => refuseStream(stream, status, message, extra),
      accept: (protocol, extensions) => {
        if (stream.destroyed) return EMPTY;
        const fields = extendedConnectResponse(check, { protocol, extensions }, nodePlatform);
        const hook = this.#options.responseHeaders;
        if (hook !== undefined) {
          const extra: (readonly [string, string])[] = [];
          hook(extra, info);
          // RFC 9113 §8.2.2 (and RFC 9114 §4.2): no connection-specific fields.
          for (const [name, value] of extra) {
            const lower = name.toLowerCase();
            if (!CONNECTION_SPECIFIC.has(lower)) fields[lower] = value;
          }
        }
        stream.respond(fields);
        return EMPTY;
      },
    });
    return true;
  }

  /**
   * Serve WebSockets on an existing `http2` server (its `'stream'` event). Enables
   * SETTINGS_ENABLE_CONNECT_PROTOCOL on it (RFC 8441 §3). Streams that are not a CONNECT go to
   * `other`, or get 404.
   */
  attach(server: Http2Server | Http2SecureServer, other?: OtherStreams): void {
    server.updateSettings({ enableConnectProtocol: true });
    server.on('session', (session: ServerHttp2Session) => this.#trackSession(session));
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      if (this.handleStream(stream, headers)) return;
      if (other !== undefined) other(stream, headers);
      else refuseStream(stream, 404, 'not found', []);
    });
  }

  /** An unbound HTTP/2 server that runs sessions on sockets the server's listener accepted. */
  sessionServer(): Http2Server {
    if (this.#sessionServer === undefined) {
      const h2 = createHttp2Server({
        settings: { ...this.#options.http2Settings, enableConnectProtocol: true },
      });
      this.attach(h2, this.#options.http2Stream);
      this.#sessionServer = h2;
    }
    return this.#sessionServer;
  }

  /** Whether `raw` carries one of this transport's sessions (`close()` leaves it to them). */
  isSessionSocket(raw: Socket): boolean {
    // `session.socket` is a Proxy (and with TLS the TLS socket over `raw`), never `=== raw`:
    // the peer's address and port name the TCP connection, so that close() leaves a session's
    // socket to the session and its GOAWAY can leave.
    for (const session of this.#sessions) {
      const socket = session.socket as Socket | undefined; // undefined once destroyed
      if (socket?.remotePort === raw.remotePort && socket?.remoteAddress === raw.remoteAddress)
        return true;
    }
    return false;
  }

  #trackSession(session: ServerHttp2Session): void {
    this.#sessions.add(session);
    session.setLocalWindowSize(this.#options.http2WindowSize ?? DEFAULT_SESSION_WINDOW);
    session.on('error', () => session.destroy());
    session.once('close', () => this.#sessions.delete(session));
    if (this.#host.closing) session.close();
  }

  /** Nothing to stop: sessions that start while the server closes are closed at once. */
  stop(): void {}

  /** HTTP/2 sessions end with a GOAWAY once their WebSocket streams are gone. */
  release(): Promise<void> {
    for (const session of this.#sessions) session.close();
    return Promise.resolve();
  }
}

/** Refuse an HTTP/2 stream: a status, the fields, a short text body, END_STREAM. */
function refuseStream(
  stream: ServerHttp2Stream,
  status: number,
  message: string,
  headers: HeaderPairs,
): void {
  if (stream.destroyed || stream.headersSent) return;
  const fields: Record<string, string | number> = {
    ':status': status,
    'content-type': 'text/plain; charset=utf-8',
  };
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    // RFC 9113 §8.2.2: connection-specific fields do not exist in HTTP/2; leave them out.
    if (!CONNECTION_SPECIFIC.has(lower)) fields[lower] = value;
  }
  try {
    stream.respond(fields);
  } catch {
    // A field Node refuses: no answer can be sent, so reset the stream.
    stream.on('error', destroyOnError);
    stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream.end(`${message}\n`);
  stream.resume();
}

const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

function destroyOnError(this: Duplex): void {
  this.destroy();
}
