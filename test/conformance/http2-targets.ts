/**
 * Conformance targets over HTTP/2 (RFC 8441): the same cases as over TCP and TLS, with each
 * WebSocket on one stream of an HTTP/2 session, cleartext (h2c, prior knowledge) or TLS (h2,
 * ALPN). The raw side speaks `node:http2` only and does the extended CONNECT by hand — as a
 * client against wirekit's server, as a server against wirekit's client — then wraps the bare
 * stream in a {@link RawPeer}.
 *
 * What "the connection" means here: a stream. "The implementation closes TCP" (RFC 6455
 * §7.1.1) becomes END_STREAM on that stream (RFC 8441 §5: the stream's closure is the TCP
 * close), which `RawPeer.expectEnd` sees as the stream's `'end'`; the session stays up. So the
 * raw side deliberately shares one session between cases (one per target), and every case
 * also checks that a WebSocket ending leaves the session and later streams unharmed.
 *
 * The wirekit client is exercised both ways: over h2c through `connect(url, { http2: true })`
 * (one session per WebSocket, closed with it) and over h2 through one `Http2WebSocketSession`
 * whose `openWebSocket` opens every case's WebSocket on the same session.
 *
 * @example
 * ```ts
 * runConformance(serverH2Target('h2c'));
 * ```
 */
import type { ClientHttp2Session } from 'node:http2';
import { type Connection, type ConnectionHandler, connect } from '../../src/index.js';
import { Http2WebSocketSession } from '../../src/node/http2-session.js';
import { serve, type WebSocketServer } from '../../src/node/websocket-server.js';
import { testCertificate } from '../helpers/tls-cert.js';
import {
  closeRawSession,
  type H2Kind,
  openRawSession,
  type RawH2Server,
  rawExtendedConnect,
  rawH2Server,
  wsUrlOf,
} from '../http2/raw-h2.js';
import { RawPeer } from './raw-peer.js';
import { type ConformanceTarget, TARGET_LIMITS } from './targets.js';

const echo: ConnectionHandler = {
  message(ws, data, isBinary) {
    if (ws.readyState === 1) ws.send(data, isBinary);
  },
};

function describeKind(kind: H2Kind): string {
  return kind === 'h2' ? 'HTTP/2 over TLS (h2)' : 'HTTP/2 cleartext (h2c)';
}

/** wirekit's server (`serve({ http2: true })`), with raw streams of one client session. */
export function serverH2Target(kind: H2Kind): ConformanceTarget {
  let server: WebSocketServer | undefined;
  let session: ClientHttp2Session | undefined;
  const peers: RawPeer[] = [];
  return {
    name: `server over ${describeKind(kind)}`,
    side: 'server',
    async open() {
      if (server === undefined) {
        server = await serve({
          port: 0,
          handler: echo,
          http2: true,
          ...TARGET_LIMITS,
          ...(kind === 'h2' ? { tls: testCertificate() } : {}),
        });
      }
      // One session for every case; a case never takes it down (a new one only if it did).
      if (session === undefined || session.closed || session.destroyed)
        session = await openRawSession(kind, server.address!.port);
      const { status, headers, stream } = await rawExtendedConnect(session, '/');
      if (status !== 200) {
        stream.destroy();
        throw new Error(`extended CONNECT answered ${status}: ${JSON.stringify(headers)}`);
      }
      // No key was sent, so no accept value may come back; no HTTP/1.1 upgrade fields either
      // (RFC 8441 §5).
      for (const name of ['sec-websocket-accept', 'upgrade', 'connection']) {
        if (headers[name] !== undefined) {
          stream.destroy();
          throw new Error(`the 200 carries ${name}: ${JSON.stringify(headers)}`);
        }
      }
      // The raw TCP peer's socket answers the server's FIN with its own (no allowHalfOpen); an
      // HTTP/2 stream is half-open by default, so answer END_STREAM with END_STREAM the same way.
      stream.once('end', () => stream.end());
      const peer = new RawPeer(stream, 'client', Buffer.alloc(0));
      peers.push(peer);
      return peer;
    },
    async close() {
      for (const peer of peers) peer.destroy();
      if (session !== undefined) await closeRawSession(session);
      await server?.close();
    },
  };
}

/**
 * wirekit's client against a raw HTTP/2 server that answers every CONNECT with 200: h2c
 * through `connect(url, { http2: true })`, h2 through one shared `Http2WebSocketSession`.
 */
export function clientH2Target(kind: H2Kind): ConformanceTarget {
  let raw: RawH2Server | undefined;
  let shared: Http2WebSocketSession | undefined;
  const peers: RawPeer[] = [];
  const clients: Connection[] = [];
  const viaSession = kind === 'h2';
  const tls = { ca: testCertificate().cert };
  return {
    name: `client over ${describeKind(kind)}, ${viaSession ? 'one Http2WebSocketSession' : 'connect({ http2: true })'}`,
    side: 'client',
    async open() {
      raw ??= await rawH2Server(kind);
      const url = wsUrlOf(kind, raw.port, '/');
      const options = { handler: echo, ...TARGET_LIMITS } as const;
      let connecting: Promise<Connection>;
      if (viaSession) {
        if (shared === undefined || shared.closed)
          shared = await Http2WebSocketSession.connect(url, { tls });
        connecting = shared.openWebSocket('/', options);
      } else {
        connecting = connect(url, { ...options, http2: true });
      }
      const accepted = await raw.nextStream();
      const method = accepted.headers[':method'];
      const protocol = accepted.headers[':protocol'];
      if (method !== 'CONNECT' || protocol !== 'websocket' || accepted.headers[':path'] !== '/')
        throw new Error(`bad extended CONNECT: ${JSON.stringify(accepted.headers)}`);
      clients.push(await connecting);
      const peer = new RawPeer(accepted.stream, 'server', Buffer.alloc(0));
      peers.push(peer);
      return peer;
    },
    async close() {
      for (const peer of peers) peer.destroy();
      for (const client of clients) client.terminate();
      await shared?.close();
      await raw?.close();
    },
  };
}
