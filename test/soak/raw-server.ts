/**
 * The raw servers of the soak, against which wirekit's client runs: one per transport (TCP,
 * TLS, HTTP/2 over TLS), each answering the opening handshake by hand (a 101 with the accept
 * key, or `:status 200` to an extended CONNECT) and handing the connection, as a
 * {@link RawLink} that keeps its TCP socket, to the case named in the request path
 * (`/raw/<case id>`). `close()` destroys whatever is left.
 *
 * @example
 * ```ts
 * const servers = await startRawServers();
 * const link = servers.linkFor(7); // resolves when case 7's client has connected
 * ```
 */
import { once } from 'node:events';
import { createSecureServer, type ServerHttp2Session } from 'node:http2';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { acceptFor, readRawHead } from '../helpers/raw-handshake.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { type Deferred, deferred } from '../node/helpers.js';
import { RawLink } from './raw-link.js';
import type { SoakTransport } from './soak-plan.js';

/** The raw servers, by transport. */
export interface RawServers {
  readonly ports: Readonly<Record<SoakTransport, number>>;
  /** The link of case `id`, once its client has connected and been answered. */
  linkFor(id: number): Promise<RawLink>;
  /** Forget case `id` (its link is destroyed by the case). */
  forget(id: number): void;
  close(): Promise<void>;
}

const HEAD_MS = 10_000;

function caseOf(path: string): number {
  const match = /^\/raw\/(\d+)/.exec(path);
  return match === null ? -1 : Number(match[1]);
}

/** Start the three raw servers on 127.0.0.1. */
export async function startRawServers(): Promise<RawServers> {
  const waiting = new Map<number, Deferred<RawLink>>();
  const sockets = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  const entry = (id: number): Deferred<RawLink> => {
    let found = waiting.get(id);
    if (found === undefined) {
      found = deferred<RawLink>();
      waiting.set(id, found);
    }
    return found;
  };
  const track = (tcp: Socket): void => {
    sockets.add(tcp);
    tcp.on('error', () => {});
    tcp.once('close', () => sockets.delete(tcp));
  };

  // HTTP/1.1: read the head, answer 101 (RFC 6455 §4.2.2).
  const answerUpgrade = async (stream: Duplex, tcp: Socket): Promise<void> => {
    try {
      const { head, rest } = await readRawHead(stream, HEAD_MS);
      const lines = head.split('\r\n');
      const key = /^sec-websocket-key:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? '';
      const id = caseOf(lines[0]?.split(' ')[1] ?? '');
      stream.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
      );
      entry(id).resolve(new RawLink(stream, tcp, 'server', rest));
    } catch {
      tcp.destroy();
    }
  };

  const tcpServer = createServer((tcp) => {
    track(tcp);
    void answerUpgrade(tcp, tcp);
  });
  const { key, cert } = testCertificate();
  const tlsServer = createServer((tcp) => {
    track(tcp);
    const tls = new TLSSocket(tcp, { isServer: true, key, cert, ALPNProtocols: ['http/1.1'] });
    tls.on('error', () => tcp.destroy());
    tls.once('secure', () => void answerUpgrade(tls, tcp));
  });
  // RFC 8441: SETTINGS_ENABLE_CONNECT_PROTOCOL, then `:status 200` to the CONNECT.
  const h2Server = createSecureServer({ key, cert, settings: { enableConnectProtocol: true } });
  const rawOf = new Map<number, Socket>();
  h2Server.on('connection', (tcp: Socket) => {
    track(tcp);
    rawOf.set(tcp.remotePort ?? -1, tcp);
    tcp.once('close', () => rawOf.delete(tcp.remotePort ?? -1));
  });
  h2Server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });
  h2Server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    const tcp = rawOf.get(stream.session?.socket?.remotePort ?? -1);
    if (headers[':method'] !== 'CONNECT' || tcp === undefined) {
      stream.close();
      return;
    }
    stream.respond({ ':status': 200 });
    entry(caseOf(String(headers[':path']))).resolve(
      new RawLink(stream, tcp, 'server', Buffer.alloc(0)),
    );
  });

  const listen = async (server: Server): Promise<number> => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  };
  const ports = {
    tcp: await listen(tcpServer),
    tls: await listen(tlsServer),
    h2: await listen(h2Server),
  };
  return {
    ports,
    linkFor: (id) => entry(id).promise,
    forget: (id) => {
      waiting.delete(id);
    },
    async close() {
      for (const session of sessions) session.destroy();
      for (const tcp of sockets) tcp.destroy();
      await Promise.all(
        [tcpServer, tlsServer, h2Server].map(
          (server) => new Promise<void>((resolve) => server.close(() => resolve())),
        ),
      );
    },
  };
}
