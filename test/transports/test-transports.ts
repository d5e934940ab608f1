/**
 * The one list of test transports: every suite that runs over "each transport" (the
 * conformance suite and its compression groups, the Node API suites: backpressure, heartbeat,
 * limits, close) loops over {@link testTransports}. An entry says everything a test needs to
 * put a WebSocket on that transport:
 *
 * - `serve`: options for a wirekit server on 127.0.0.1, port 0 (spread into `serve()`);
 * - `connect`: options for a wirekit client (spread into `connect(url, …)`), and `url(port)`;
 * - `rawClients(port)`: raw client peers that do the opening handshake by hand against a
 *   server on that port — an HTTP/1.1 upgrade on a fresh socket (RFC 6455 §4.1), or an
 *   extended CONNECT on a new stream of one raw HTTP/2 session (RFC 8441 §4, §5), or of one
 *   raw HTTP/3 connection (RFC 9220 §3);
 * - `rawServer()`: a raw server a wirekit client connects to, answering by hand.
 *
 * The raw sides use `node:net`, `node:tls`, `node:http2` and `node:crypto` only (no wirekit
 * code), except HTTP/3, which Node lacks: there wirekit's QUIC endpoint carries the core's
 * sans-IO `Http3Session`, pumped by hand, with none of wirekit's WebSocket code
 * (`raw-h3.ts`). Each hands back a {@link RawPeer} on the bare socket or stream, which writes
 * exact frames and checks exact replies. A new transport is one more entry here.
 *
 * @example
 * ```ts
 * for (const transport of testTransports()) {
 *   const server = await serve({ ...transport.serve, handler: echo });
 *   const raw = transport.rawClients(server.address!.port);
 *   const { peer } = await raw.open();
 *   const ws = await connect(transport.url(server.address!.port), transport.connect);
 * }
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { ClientHttp2Session, IncomingHttpHeaders } from 'node:http2';
import { createServer as createNetServer, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  createServer as createTlsServer,
  type TLSSocket,
  type TlsOptions,
  connect as tlsConnect,
} from 'node:tls';
import type { ClientTlsOptions } from '../../src/node/connect.js';
import { RawPeer, WAIT_MS } from '../conformance/raw-peer.js';
import { acceptFor, readRawHead } from '../helpers/raw-handshake.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { within } from '../helpers/within.js';
import {
  closeRawSession,
  type H2Kind,
  openRawSession,
  rawExtendedConnect,
  rawH2Server,
} from '../http2/raw-h2.js';
import { openRawH3, type RawH3Connection, rawH3Server } from '../node/http3/raw-h3.js';

/** The transports of the list. */
export type TransportName = 'tcp' | 'tls' | 'h2c' | 'h2' | 'h3';

/** `serve()` options that put a wirekit server on this transport (spread into the call). */
export interface ServeVia {
  readonly port: 0;
  readonly host: '127.0.0.1';
  readonly tls?: TlsOptions;
  readonly http2?: boolean;
  /** HTTP/3 beside TLS: UDP on the TCP port (`serve({ http3 })`). */
  readonly http3?: { readonly key: string; readonly cert: string };
}

/** `connect()` options that put a wirekit client on this transport (spread into the call). */
export interface ConnectVia {
  readonly tls?: ClientTlsOptions;
  readonly http2?: boolean;
  readonly http3?: boolean;
}

/** What a raw client asks for in its opening handshake. */
export interface RawRequest {
  /** Request target. Default `/`. */
  readonly path?: string;
  /** Extra request fields (e.g. `Sec-WebSocket-Extensions`), added to the required ones. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** How the server answered a raw client's opening handshake. */
export interface RawAnswer {
  /** 101 (HTTP/1.1) or 200 (HTTP/2, HTTP/3) when it accepted; the refusal's status otherwise. */
  readonly status: number;
  /** The response fields, names in lower case, repeated values joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The response head as text: the HTTP/1.1 head, or the HTTP/2 fields one per line. */
  readonly head: string;
  /** The connection after an accepting answer (checked: RFC 6455 §4.1, RFC 8441 §5). */
  readonly peer: RawPeer | undefined;
}

/** Raw client peers of one server; `close()` ends everything they opened. */
export interface RawClients {
  /** One opening handshake by hand; resolves with the answer, whatever it was. */
  open(request?: RawRequest): Promise<RawAnswer>;
  /** Like {@link open}, and fails unless the server accepted: the peer. */
  peer(request?: RawRequest): Promise<RawPeer>;
  close(): Promise<void>;
}

/** A WebSocket opening request a raw server received, not answered yet. */
export interface RawServerRequest {
  readonly path: string;
  /** The request fields, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Accept (101, or 200 on HTTP/2) with `fields` added; the connection as a raw peer. */
  accept(fields?: Readonly<Record<string, string>>): RawPeer;
}

/** A raw server that wirekit clients connect to; `close()` ends every connection. */
export interface RawServer {
  readonly port: number;
  /** The WebSocket URL of `path` on this server. */
  url(path?: string): string;
  /** The next opening request (waits up to `ms`, default 10 s); fails if it is not a
   * WebSocket opening request. */
  nextRequest(ms?: number): Promise<RawServerRequest>;
  close(): Promise<void>;
}

/** One transport of the list. */
export interface TestTransport {
  readonly name: TransportName;
  /** For test titles, e.g. `HTTP/2 over TLS (h2)`. */
  readonly description: string;
  /** The HTTP version the opening handshake rides on. */
  readonly http: '1.1' | '2' | '3';
  readonly scheme: 'ws' | 'wss';
  readonly serve: ServeVia;
  readonly connect: ConnectVia;
  /** The URL of a wirekit server on 127.0.0.1:`port` over this transport. */
  url(port: number, path?: string): string;
  /** Raw client peers for a server on 127.0.0.1:`port`. */
  rawClients(port: number): RawClients;
  /** A raw server on 127.0.0.1, port 0. */
  rawServer(): Promise<RawServer>;
}

const HOST = '127.0.0.1';

function urlOf(scheme: 'ws' | 'wss', port: number, path = '/'): string {
  return `${scheme}://${HOST}:${port}${path}`;
}

/** Field lines of an HTTP/1.1 head (after its start line), names in lower case. */
function headFields(head: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    fields[name] = fields[name] === undefined ? value : `${fields[name]}, ${value}`;
  }
  return fields;
}

/** HTTP/2 fields as strings (pseudo-fields included), repeated values joined. */
function h2Fields(headers: IncomingHttpHeaders): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) fields[name] = Array.isArray(value) ? value.join(', ') : value;
  return fields;
}

function h2Head(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
}

/** `peer()` from `open()`: the peer of an accepting answer, or an error naming the answer. */
function peerOf(open: (request?: RawRequest) => Promise<RawAnswer>) {
  return async (request?: RawRequest): Promise<RawPeer> => {
    const answer = await open(request);
    if (answer.peer === undefined) throw new Error(`the handshake was refused: ${answer.head}`);
    return answer.peer;
  };
}

/** A queue of things that arrive on their own and are taken by bounded waits. */
function arrivals<T>(what: string): {
  push(item: T | Error): void;
  next(ms?: number): Promise<T>;
} {
  const queued: (T | Error)[] = [];
  const waiting: ((item: T | Error) => void)[] = [];
  const settle = (item: T | Error): Promise<T> =>
    item instanceof Error ? Promise.reject(item) : Promise.resolve(item);
  return {
    push(item) {
      const wake = waiting.shift();
      if (wake !== undefined) wake(item);
      else queued.push(item);
    },
    next(ms = WAIT_MS) {
      const first = queued.shift();
      if (first !== undefined) return settle(first);
      return within(
        new Promise<T | Error>((resolve) => waiting.push(resolve)).then(settle),
        ms,
        what,
      );
    },
  };
}

// --- HTTP/1.1 (RFC 6455 §4), over TCP or TLS

function http1Clients(secure: boolean, port: number): RawClients {
  const sockets = new Set<Socket>();
  const open = async (request: RawRequest = {}): Promise<RawAnswer> => {
    const socket: Socket = secure
      ? tlsConnect({ host: HOST, port, ca: testCertificate().cert })
      : netConnect({ host: HOST, port });
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    const key = randomBytes(16).toString('base64');
    const fields: Record<string, string> = {
      Host: `${HOST}:${port}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': key,
      'Sec-WebSocket-Version': '13',
      ...request.headers,
    };
    const lines = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`GET ${request.path ?? '/'} HTTP/1.1\r\n${lines.join('')}\r\n`);
    const { head, rest } = await readRawHead(socket, WAIT_MS).catch((error: unknown) => {
      socket.destroy();
      throw error;
    });
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
    const headers = headFields(head);
    if (status !== 101) {
      socket.destroy();
      return { status, headers, head, peer: undefined };
    }
    if (headers['sec-websocket-accept'] !== acceptFor(key)) {
      socket.destroy();
      throw new Error(`wrong Sec-WebSocket-Accept (RFC 6455 §4.1): ${head}`);
    }
    return { status, headers, head, peer: new RawPeer(socket, 'client', rest) };
  };
  return {
    open,
    peer: peerOf(open),
    async close() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

async function http1Server(secure: boolean): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const requests = arrivals<RawServerRequest>('a WebSocket request on the raw server');
  const onSocket = (socket: Socket | TLSSocket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    socket.on('error', () => {});
    readRawHead(socket, WAIT_MS).then(
      ({ head, rest }) => {
        const headers = headFields(head);
        const path = /^GET (\S+) HTTP\/1\.1$/.exec(head.split('\r\n')[0] ?? '')?.[1];
        const key = headers['sec-websocket-key'];
        if (
          path === undefined ||
          key === undefined ||
          headers.upgrade?.toLowerCase() !== 'websocket' ||
          headers['sec-websocket-version'] !== '13'
        ) {
          socket.destroy();
          requests.push(new Error(`not a WebSocket upgrade request (RFC 6455 §4.1): ${head}`));
          return;
        }
        requests.push({
          path,
          headers,
          accept(fields = {}) {
            const extra = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`);
            socket.write(
              `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extra.join('')}\r\n`,
            );
            return new RawPeer(socket, 'server', rest);
          },
        });
      },
      () => socket.destroy(),
    );
  };
  const server = secure ? createTlsServer(testCertificate(), onSocket) : createNetServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (path) => urlOf(secure ? 'wss' : 'ws', port, path),
    nextRequest: (ms) => requests.next(ms),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// --- HTTP/2 (RFC 8441), cleartext with prior knowledge (h2c) or TLS with ALPN (h2)

/**
 * Streams of one raw client session (opened on first use, again if it went away): a
 * WebSocket ending ends its stream, never the session, so later cases share it.
 */
function h2Clients(kind: H2Kind, port: number): RawClients {
  let session: Promise<ClientHttp2Session> | undefined;
  const streams = new Set<Duplex>();
  const live = async (): Promise<ClientHttp2Session> => {
    const current = await session?.catch(() => undefined);
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    session = openRawSession(kind, port);
    return session;
  };
  const open = async (request: RawRequest = {}): Promise<RawAnswer> => {
    const overrides: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {}))
      overrides[name.toLowerCase()] = value;
    const answer = await rawExtendedConnect(await live(), request.path ?? '/', overrides);
    streams.add(answer.stream);
    answer.stream.once('close', () => streams.delete(answer.stream));
    const headers = h2Fields(answer.headers);
    const head = h2Head(headers);
    if (answer.status !== 200) {
      answer.stream.destroy();
      return { status: answer.status, headers, head, peer: undefined };
    }
    // No key was sent, so no accept value may come back; no HTTP/1.1 upgrade fields either
    // (RFC 8441 §5).
    for (const name of ['sec-websocket-accept', 'upgrade', 'connection']) {
      if (headers[name] !== undefined) {
        answer.stream.destroy();
        throw new Error(`the 200 carries ${name} (RFC 8441 §5): ${head}`);
      }
    }
    // A TCP socket without allowHalfOpen answers FIN with FIN; an HTTP/2 stream is half-open
    // by default, so answer the server's END_STREAM (its "TCP close") with ours the same way.
    answer.stream.once('end', () => answer.stream.end());
    return {
      status: 200,
      headers,
      head,
      peer: new RawPeer(answer.stream, 'client', Buffer.alloc(0)),
    };
  };
  return {
    open,
    peer: peerOf(open),
    async close() {
      // Streams first: a paused stream holding unread data would keep a graceful GOAWAY
      // waiting until closeRawSession gives up on it.
      for (const stream of streams) stream.destroy();
      const current = await session?.catch(() => undefined);
      if (current !== undefined) await closeRawSession(current);
    },
  };
}

async function h2Server(kind: H2Kind): Promise<RawServer> {
  // Streams are queued unanswered: `accept` answers them.
  const raw = await rawH2Server(kind, { answer: () => undefined });
  const streams: Duplex[] = [];
  return {
    port: raw.port,
    url: (path) => urlOf(kind === 'h2' ? 'wss' : 'ws', raw.port, path),
    async nextRequest(ms) {
      const { stream, headers } = await raw.nextStream(ms);
      streams.push(stream);
      const fields = h2Fields(headers);
      const path = fields[':path'];
      if (
        fields[':method'] !== 'CONNECT' ||
        fields[':protocol'] !== 'websocket' ||
        fields['sec-websocket-version'] !== '13' ||
        path === undefined
      ) {
        stream.destroy();
        throw new Error(`not an RFC 8441 extended CONNECT: ${h2Head(fields)}`);
      }
      return {
        path,
        headers: fields,
        accept(extra = {}) {
          const fields: Record<string, string> = {};
          for (const [name, value] of Object.entries(extra)) fields[name.toLowerCase()] = value;
          stream.respond({ ':status': 200, ...fields });
          return new RawPeer(stream, 'server', Buffer.alloc(0));
        },
      };
    },
    async close() {
      for (const stream of streams) stream.destroy();
      await raw.close();
    },
  };
}

// --- HTTP/3 (RFC 9220): QUIC from wirekit's endpoint, HTTP/3 from the core's session

/**
 * Streams of one raw HTTP/3 client connection (opened on first use, again if it went away):
 * a WebSocket ending ends its stream, never the connection, so later cases share it.
 */
function h3Clients(port: number): RawClients {
  let link: Promise<RawH3Connection> | undefined;
  const live = async (): Promise<RawH3Connection> => {
    const current = await link?.catch(() => undefined);
    if (current !== undefined && !current.quic.closed) return current;
    link = openRawH3(port);
    return link;
  };
  const open = async (request: RawRequest = {}): Promise<RawAnswer> => {
    const raw = await live();
    const stream = raw.extendedConnect(request.path ?? '/', request.headers ?? {});
    const { status, fields: headers } = await raw.response(stream).catch((error: unknown) => {
      stream.destroy();
      throw error;
    });
    const head = h2Head(headers);
    if (status !== 200) {
      stream.destroy();
      return { status, headers, head, peer: undefined };
    }
    // RFC 9220 §3 takes RFC 8441 §5 as it is: no accept value, no HTTP/1.1 upgrade fields.
    for (const name of ['sec-websocket-accept', 'upgrade', 'connection']) {
      if (headers[name] !== undefined) {
        stream.destroy();
        throw new Error(`the 200 carries ${name} (RFC 9220 §3, RFC 8441 §5): ${head}`);
      }
    }
    // The server's FIN is its "TCP close": answer it with ours, as a TCP socket would.
    stream.once('end', () => stream.end());
    return { status: 200, headers, head, peer: new RawPeer(stream, 'client', Buffer.alloc(0)) };
  };
  return {
    open,
    peer: peerOf(open),
    async close() {
      const current = await link?.catch(() => undefined);
      if (current !== undefined) await current.shutdown();
    },
  };
}

async function h3Server(): Promise<RawServer> {
  const raw = await rawH3Server();
  return {
    port: raw.port,
    url: (path) => urlOf('wss', raw.port, path),
    async nextRequest(ms) {
      const { stream, fields: section } = await raw.nextRequest(ms);
      const fields: Record<string, string> = {};
      const { names, values } = section;
      for (let i = 0; i < names.length; i++) {
        const seen = fields[names[i]!];
        fields[names[i]!] = seen === undefined ? values[i]! : `${seen}, ${values[i]!}`;
      }
      const path = fields[':path'];
      if (
        fields[':method'] !== 'CONNECT' ||
        fields[':protocol'] !== 'websocket' ||
        fields['sec-websocket-version'] !== '13' ||
        path === undefined
      ) {
        stream.destroy();
        throw new Error(`not an RFC 9220 extended CONNECT: ${h2Head(fields)}`);
      }
      return {
        path,
        headers: fields,
        accept(extra = {}) {
          const answer: Record<string, string> = { ':status': '200' };
          for (const [name, value] of Object.entries(extra)) answer[name.toLowerCase()] = value;
          stream.respond(answer);
          return new RawPeer(stream, 'server', Buffer.alloc(0));
        },
      };
    },
    close: () => raw.close(),
  };
}

// --- the list

/** An entry whose WebSockets ride on HTTP/2 streams: its name is the raw HTTP/2 kind. */
export type H2Transport = TestTransport & { readonly name: H2Kind };

/** For suites about HTTP/2 itself (sessions, streams, SETTINGS): `list.filter(isHttp2)`. */
export function isHttp2(transport: TestTransport): transport is H2Transport {
  return transport.http === '2';
}

let list: readonly TestTransport[] | undefined;

/**
 * Every transport, in order: tcp, tls, h2c, h2, h3. The test certificate is made on the first call
 * (once per test process; openssl must be installed).
 */
export function testTransports(): readonly TestTransport[] {
  if (list !== undefined) return list;
  const { key, cert } = testCertificate();
  const serverTls: TlsOptions = { key, cert };
  const clientTls: ClientTlsOptions = { ca: cert };
  list = [
    {
      name: 'tcp',
      description: 'TCP',
      http: '1.1',
      scheme: 'ws',
      serve: { port: 0, host: HOST },
      connect: {},
      url: (port, path) => urlOf('ws', port, path),
      rawClients: (port) => http1Clients(false, port),
      rawServer: () => http1Server(false),
    },
    {
      name: 'tls',
      description: 'TLS',
      http: '1.1',
      scheme: 'wss',
      serve: { port: 0, host: HOST, tls: serverTls },
      connect: { tls: clientTls },
      url: (port, path) => urlOf('wss', port, path),
      rawClients: (port) => http1Clients(true, port),
      rawServer: () => http1Server(true),
    },
    {
      name: 'h2c',
      description: 'HTTP/2 cleartext (h2c)',
      http: '2',
      scheme: 'ws',
      serve: { port: 0, host: HOST, http2: true },
      connect: { http2: true },
      url: (port, path) => urlOf('ws', port, path),
      rawClients: (port) => h2Clients('h2c', port),
      rawServer: () => h2Server('h2c'),
    },
    {
      name: 'h2',
      description: 'HTTP/2 over TLS (h2)',
      http: '2',
      scheme: 'wss',
      serve: { port: 0, host: HOST, tls: serverTls, http2: true },
      connect: { tls: clientTls, http2: true },
      url: (port, path) => urlOf('wss', port, path),
      rawClients: (port) => h2Clients('h2', port),
      rawServer: () => h2Server('h2'),
    },
    {
      name: 'h3',
      description: 'HTTP/3 over QUIC (h3)',
      http: '3',
      scheme: 'wss',
      serve: { port: 0, host: HOST, tls: serverTls, http3: { key, cert } },
      connect: { tls: clientTls, http3: true },
      url: (port, path) => urlOf('wss', port, path),
      rawClients: (port) => h3Clients(port),
      rawServer: () => h3Server(),
    },
  ];
  return list;
}

/** The transport called `name`, for a test that is about that transport's own bytes. */
export function testTransport(name: TransportName): TestTransport {
  const found = testTransports().find((transport) => transport.name === name);
  if (found === undefined) throw new Error(`no test transport ${name}`);
  return found;
}
