/**
 * The transports the conformance suite runs over. A target starts the wirekit side (a server,
 * or a client) as an echo endpoint — text back as text, binary as binary, the behaviour
 * Autobahn's fuzzing peers expect — and `open()` returns a {@link RawPeer} connected to it
 * after an opening handshake done by hand. The same cases run against every target; a new
 * transport (HTTP/2, HTTP/3) adds a target here, not a copy of the cases.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer as createNetServer,
  connect as netConnect,
  type Server,
  type Socket,
} from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import {
  type Connection,
  type ConnectionHandler,
  type ConnectionOptions,
  connect,
  serve,
  type WebSocketServer,
} from '../../src/index.js';
import { acceptFor, readRawHead } from '../helpers/raw-handshake.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { RawPeer, WAIT_MS } from './raw-peer.js';

export interface ConformanceTarget {
  /** e.g. `server over TCP`. */
  readonly name: string;
  /** Which wirekit side the cases exercise. */
  readonly side: 'server' | 'client';
  /** A new connection to the wirekit side, handshake done. */
  open(): Promise<RawPeer>;
  /** Stop everything this target started. */
  close(): Promise<void>;
}

/** Options every target applies to the wirekit side (limits the cases rely on). */
export const TARGET_LIMITS: ConnectionOptions = {
  maxMessageSize: 16 * 1024 * 1024,
  closeTimeout: 2_000,
  pingInterval: 0,
  idleTimeout: 0,
};

const echo: ConnectionHandler = {
  message(ws, data, isBinary) {
    if (ws.readyState === 1) ws.send(data, isBinary);
  },
};

/** wirekit's server, with a raw client peer doing the handshake by hand. */
export function serverTarget(transport: 'tcp' | 'tls'): ConformanceTarget {
  let server: WebSocketServer | undefined;
  const peers: RawPeer[] = [];
  return {
    name: `server over ${transport.toUpperCase()}`,
    side: 'server',
    async open() {
      if (server === undefined) {
        const cert = testCertificate();
        server = await serve({
          port: 0,
          handler: echo,
          ...TARGET_LIMITS,
          ...(transport === 'tls' ? { tls: cert } : {}),
        });
      }
      const port = server.address!.port;
      const socket: Socket =
        transport === 'tls'
          ? tlsConnect({ host: '127.0.0.1', port, ca: testCertificate().cert })
          : netConnect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      const key = randomBytes(16).toString('base64');
      socket.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      const { head, rest } = await readRawHead(socket, WAIT_MS);
      if (
        !head.startsWith('HTTP/1.1 101 ') ||
        !head.includes(`\r\nSec-WebSocket-Accept: ${acceptFor(key)}`)
      ) {
        socket.destroy();
        throw new Error(`handshake failed: ${head}`);
      }
      const peer = new RawPeer(socket, 'client', rest);
      peers.push(peer);
      return peer;
    },
    async close() {
      for (const peer of peers) peer.destroy();
      await server?.close();
    },
  };
}

/** wirekit's client, connecting to a raw server peer that does the handshake by hand. */
export function clientTarget(transport: 'tcp' | 'tls'): ConformanceTarget {
  let server: Server | undefined;
  let port = 0;
  const waiting: ((socket: Socket) => void)[] = [];
  const peers: RawPeer[] = [];
  const clients: Connection[] = [];
  return {
    name: `client over ${transport.toUpperCase()}`,
    side: 'client',
    async open() {
      if (server === undefined) {
        const onSocket = (socket: Socket): void => {
          socket.setNoDelay(true);
          waiting.shift()?.(socket);
        };
        server =
          transport === 'tls'
            ? createTlsServer(testCertificate(), onSocket)
            : createNetServer(onSocket);
        await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
        port = (server.address() as { port: number }).port;
      }
      const accepted = new Promise<Socket>((resolve) => waiting.push(resolve));
      const scheme = transport === 'tls' ? 'wss' : 'ws';
      const client = connect(`${scheme}://127.0.0.1:${port}/`, {
        handler: echo,
        ...TARGET_LIMITS,
        tls: { ca: testCertificate().cert },
      });
      const socket = await accepted;
      const { head, rest } = await readRawHead(socket, WAIT_MS);
      const key = /\r\nSec-WebSocket-Key: *([^\r]+)/i.exec(head)?.[1];
      if (!head.startsWith('GET / HTTP/1.1\r\n') || key === undefined)
        throw new Error(`bad upgrade request: ${head}`);
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
      );
      clients.push(await client);
      const peer = new RawPeer(socket, 'server', rest);
      peers.push(peer);
      return peer;
    },
    async close() {
      for (const peer of peers) peer.destroy();
      for (const client of clients) client.terminate();
      await new Promise<void>((resolve) =>
        server === undefined ? resolve() : server.close(() => resolve()),
      );
    },
  };
}
