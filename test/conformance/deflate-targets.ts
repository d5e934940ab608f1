/**
 * Conformance targets with permessage-deflate (RFC 7692): wirekit's server or client as an echo
 * endpoint with `deflate` options, and a raw peer that negotiates the extension by hand — its
 * own offer (against the server) or its own answer (against the client) — and then compresses
 * with its own codec ({@link DeflatePeer}). The same compression cases run against each.
 */
import { randomBytes } from 'node:crypto';
import {
  createServer as createNetServer,
  connect as netConnect,
  type Server,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import {
  type Connection,
  type ConnectionHandler,
  type ConnectionOptions,
  connect,
  serve,
  type WebSocketServer,
} from '../../src/index.js';
import type { DeflateConfig } from '../../src/node/deflate-config.js';
import { acceptFor, readRawHead } from '../helpers/raw-handshake.js';
import { testCertificate } from '../helpers/tls-cert.js';
import {
  type AgreementRequest,
  agreementFromAnswer,
  answerFor,
  DeflatePeer,
  type DeflatePeerOptions,
  offerFor,
  parseExtensions,
} from './deflate-peer.js';
import { RawPeer, WAIT_MS } from './raw-peer.js';
import { TARGET_LIMITS } from './targets.js';

/** A wirekit endpoint with deflate on, and a way to open negotiated peers to it. */
export interface DeflateTarget {
  /** e.g. `server over TCP, deflate {"mode":"dedicated"}`. */
  readonly name: string;
  readonly side: 'server' | 'client';
  /** The wirekit side's compression mode (shared: no context takeover either way). */
  readonly mode: 'shared' | 'dedicated';
  /** The wirekit side's message size limit (cases about 1009 need it). */
  readonly maxMessageSize: number;
  /**
   * A connection whose handshake agreed `request` (as far as the wirekit side allows), or
   * agreed no extension at all for `'none'`.
   */
  open(request: AgreementRequest | 'none', options?: DeflatePeerOptions): Promise<DeflatePeer>;
  close(): Promise<void>;
}

/** The server target also exposes its raw handshake. */
export interface DeflateServerTarget extends DeflateTarget {
  /** Send an upgrade request with this `Sec-WebSocket-Extensions` (none if `undefined`). */
  handshake(offer: string | undefined): Promise<ServerHandshake>;
}

/** What the wirekit server answered. */
export interface ServerHandshake {
  /** The whole response head. */
  readonly head: string;
  /** Its `Sec-WebSocket-Extensions`, if any. */
  readonly extensions: string | undefined;
  /** The connection, when the answer was a 101. */
  readonly peer: RawPeer | undefined;
}

/** The client target also exposes its raw handshake. */
export interface DeflateClientTarget extends DeflateTarget {
  /** Let the wirekit client connect; answer its offer with `answer(offer)` (no header for
   * `undefined`). */
  handshake(answer: (offer: string | undefined) => string | undefined): Promise<ClientHandshake>;
}

/** How the wirekit client took an answer. */
export interface ClientHandshake {
  /** The client's `Sec-WebSocket-Extensions` offer, if any. */
  readonly offer: string | undefined;
  /** The open connection, or why `connect()` rejected. */
  readonly client: Connection | Error;
  readonly peer: RawPeer;
}

const echo: ConnectionHandler = {
  message(ws, data, isBinary) {
    if (ws.readyState === 1) ws.send(data, isBinary);
  },
};

function header(head: string, name: string): string | undefined {
  const match = new RegExp(`\\r\\n${name}: *([^\\r]*)`, 'i').exec(head);
  return match?.[1];
}

function describeConfig(deflate: boolean | DeflateConfig): string {
  return `deflate ${JSON.stringify(deflate)}`;
}

/** The mode a config resolves to: shared on a server and dedicated on a client by default. */
function modeOf(deflate: boolean | DeflateConfig, server: boolean): 'shared' | 'dedicated' {
  const mode = typeof deflate === 'object' ? deflate.mode : undefined;
  return mode ?? (server ? 'shared' : 'dedicated');
}

/**
 * Connect to a WebSocket server on 127.0.0.1:`port` and send an upgrade request with this
 * `Sec-WebSocket-Extensions` (none if `undefined`); a 101 gives a raw client peer.
 */
export async function openRawClient(
  port: number,
  transport: 'tcp' | 'tls',
  offer: string | undefined,
): Promise<ServerHandshake & { readonly socket: Socket }> {
  const socket: Socket =
    transport === 'tls'
      ? tlsConnect({ host: '127.0.0.1', port, ca: testCertificate().cert })
      : netConnect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${offer === undefined ? '' : `Sec-WebSocket-Extensions: ${offer}\r\n`}\r\n`,
  );
  const { head, rest } = await readRawHead(socket, WAIT_MS);
  const extensions = header(head, 'Sec-WebSocket-Extensions');
  if (!head.startsWith('HTTP/1.1 101 ')) {
    socket.destroy();
    return { head, extensions, peer: undefined, socket };
  }
  if (header(head, 'Sec-WebSocket-Accept') !== acceptFor(key)) {
    socket.destroy();
    throw new Error(`wrong Sec-WebSocket-Accept: ${head}`);
  }
  return { head, extensions, peer: new RawPeer(socket, 'client', rest), socket };
}

/**
 * Answer a WebSocket client's upgrade request on an accepted `socket` with a 101 carrying
 * `answer(offer)` as `Sec-WebSocket-Extensions` (none for `undefined`); returns the offer and
 * a raw server peer.
 */
export async function answerRawUpgrade(
  socket: Duplex,
  answer: (offer: string | undefined) => string | undefined,
): Promise<{ readonly offer: string | undefined; readonly peer: RawPeer }> {
  const { head, rest } = await readRawHead(socket, WAIT_MS);
  const key = header(head, 'Sec-WebSocket-Key');
  if (!head.startsWith('GET / HTTP/1.1\r\n') || key === undefined)
    throw new Error(`bad upgrade request: ${head}`);
  const offer = header(head, 'Sec-WebSocket-Extensions');
  const extensions = answer(offer);
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extensions === undefined ? '' : `Sec-WebSocket-Extensions: ${extensions}\r\n`}\r\n`,
  );
  return { offer, peer: new RawPeer(socket, 'server', rest) };
}

/** wirekit's echo server with `deflate`, and raw clients that make their own offers. */
export function deflateServerTarget(
  transport: 'tcp' | 'tls',
  deflate: boolean | DeflateConfig,
  limits: ConnectionOptions = {},
): DeflateServerTarget {
  let server: WebSocketServer | undefined;
  const sockets: Socket[] = [];
  const options = { ...TARGET_LIMITS, ...limits };
  const handshake = async (offer: string | undefined): Promise<ServerHandshake> => {
    if (server === undefined) {
      server = await serve({
        port: 0,
        host: '127.0.0.1',
        handler: echo,
        deflate,
        ...options,
        ...(transport === 'tls' ? { tls: testCertificate() } : {}),
      });
    }
    const result = await openRawClient(server.address!.port, transport, offer);
    sockets.push(result.socket);
    return result;
  };
  return {
    name: `server over ${transport.toUpperCase()}, ${describeConfig(deflate)}`,
    side: 'server',
    mode: modeOf(deflate, true),
    maxMessageSize: options.maxMessageSize ?? 16 * 1024 * 1024,
    handshake,
    async open(request, peerOptions = {}) {
      const offer = request === 'none' ? undefined : offerFor(request);
      const { head, extensions, peer } = await handshake(offer);
      if (peer === undefined) throw new Error(`handshake refused: ${head}`);
      if (offer === undefined || extensions === undefined) {
        if (extensions !== undefined) throw new Error(`an extension nobody offered: ${head}`);
        return new DeflatePeer(peer, undefined, '', peerOptions);
      }
      return new DeflatePeer(peer, agreementFromAnswer(offer, extensions), extensions, peerOptions);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await server?.close();
    },
  };
}

/** wirekit's echo client with `deflate`, and a raw server that writes its own answers. */
export function deflateClientTarget(
  transport: 'tcp' | 'tls',
  deflate: boolean | DeflateConfig,
  limits: ConnectionOptions = {},
): DeflateClientTarget {
  let server: Server | undefined;
  let port = 0;
  const waiting: ((socket: Socket) => void)[] = [];
  const sockets: Socket[] = [];
  const clients: Connection[] = [];
  const options = { ...TARGET_LIMITS, ...limits };
  const handshake = async (
    answer: (offer: string | undefined) => string | undefined,
  ): Promise<ClientHandshake> => {
    if (server === undefined) {
      const onSocket = (socket: Socket): void => {
        socket.setNoDelay(true);
        sockets.push(socket);
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
    const connecting = connect(`${scheme}://127.0.0.1:${port}/`, {
      handler: echo,
      deflate,
      ...options,
      tls: { ca: testCertificate().cert },
    }).then(
      (client) => {
        clients.push(client);
        return client;
      },
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    const socket = await accepted;
    const { offer, peer } = await answerRawUpgrade(socket, answer);
    const client = await connecting;
    return { offer, client, peer };
  };
  return {
    name: `client over ${transport.toUpperCase()}, ${describeConfig(deflate)}`,
    side: 'client',
    mode: modeOf(deflate, false),
    maxMessageSize: options.maxMessageSize ?? 16 * 1024 * 1024,
    handshake,
    async open(request, peerOptions = {}) {
      let answer: string | undefined;
      const { offer, client, peer } = await handshake((offered) => {
        if (request === 'none' || offered === undefined) return undefined;
        answer = answerFor(offered, request);
        return answer;
      });
      if (client instanceof Error) {
        peer.destroy();
        throw client;
      }
      if (answer === undefined || offer === undefined) {
        if (client.extensions !== '') throw new Error(`client agreed ${client.extensions}`);
        return new DeflatePeer(peer, undefined, '', peerOptions);
      }
      if (parseExtensions(client.extensions)[0]?.name !== 'permessage-deflate')
        throw new Error(`the client did not take the answer: ${client.extensions}`);
      return new DeflatePeer(peer, agreementFromAnswer(offer, answer), offer, peerOptions);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      for (const client of clients) client.terminate();
      await new Promise<void>((resolve) =>
        server === undefined ? resolve() : server.close(() => resolve()),
      );
    },
  };
}
