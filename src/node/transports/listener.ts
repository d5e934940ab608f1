/**
 * The server's TCP or TLS listener: accepts sockets and hands each to the transport that speaks
 * its protocol — HTTP/1.1 (`http1-server.ts`) or, with `http2`, HTTP/2 (`h2-server.ts`): over
 * TLS by ALPN (RFC 7301: `h2` or `http/1.1`), in cleartext by the HTTP/2 connection preface
 * (prior knowledge, RFC 9113 §3.3).
 */
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { ListenOptions } from '../server-options.js';
import type { H2ServerTransport } from './h2-server.js';
import type { Http1ServerTransport } from './http1-server.js';
import type { ServerTransport } from './server-transport.js';

/** One listening socket of a server. */
export class Listener implements ServerTransport {
  readonly #server: NetServer;
  readonly #h2: H2ServerTransport | undefined;
  /** Accepted sockets (with TLS or HTTP/2 only): see {@link release}. */
  readonly #raw = new Set<Socket>();
  #closed: Promise<void> | undefined;

  /**
   * A listener handing HTTP/1.1 sockets to `http1` and, when `h2` is given, HTTP/2 ones to its
   * sessions. `handshakeTimeout` bounds the TLS handshake and the preface sniffing.
   */
  constructor(
    options: ListenOptions,
    http1: Http1ServerTransport,
    h2: H2ServerTransport | undefined,
    handshakeTimeout: number,
  ) {
    this.#h2 = h2;
    // The TLS handshake is bounded by `handshakeTimeout` too: a client that opens TCP and never
    // starts TLS would otherwise hold its socket for Node's default 120 s (the upgrade timer
    // starts only at 'secureConnection'), and `close()` would wait for it all that time.
    const server = options.tls
      ? createTlsServer({
          handshakeTimeout,
          ...(h2 !== undefined ? { ALPNProtocols: ['h2', 'http/1.1'] } : {}),
          ...options.tls,
        })
      : createNetServer();
    const sessions = h2?.sessionServer();
    if (options.tls) {
      server.on('secureConnection', (socket: TLSSocket) => {
        if (sessions !== undefined && socket.alpnProtocol === 'h2')
          sessions.emit('connection', socket);
        else http1.acceptSocket(socket);
      });
    } else if (sessions !== undefined) {
      server.on('connection', (socket: Socket) =>
        sniffPreface(socket, handshakeTimeout, (isH2) => {
          if (isH2) sessions.emit('connection', socket);
          else http1.acceptSocket(socket);
        }),
      );
    } else {
      server.on('connection', (socket: Socket) => http1.acceptSocket(socket));
    }
    // A TLS handshake failure is the peer's problem; never let it crash the process.
    server.on('tlsClientError', (_error: Error, socket: Duplex) => socket.destroy());
    // Every accepted TCP socket, so `close()` can also drop those still in their TLS handshake
    // (not yet seen by the HTTP/1.1 transport) instead of waiting for their handshake timeout,
    // and the sockets of HTTP/2 sessions. A plain HTTP/1.1 listener hands each socket to the
    // transport at once, where the handshake and then the connection track it: its sockets
    // carry no second entry and listener.
    if (options.tls || h2 !== undefined) {
      (server as RawTracking)[kRawSockets] = this.#raw;
      server.on('connection', trackRaw);
    }
    this.#server = server;
  }

  /** Listen on `port` and `host`; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo> {
    const server = this.#server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server.address() as AddressInfo);
      });
    });
  }

  /** The bound address, while listening. */
  get address(): AddressInfo | undefined {
    const address = this.#server.address();
    return address === null || typeof address === 'string' ? undefined : address;
  }

  stop(): void {
    const server = this.#server;
    this.#closed ??= new Promise<void>((resolve) =>
      server.listening ? server.close(() => resolve()) : resolve(),
    );
  }

  async release(closeTimeout: number): Promise<void> {
    this.stop();
    const raw = this.#raw;
    const h2 = this.#h2;
    // Whatever is left never became a connection (a TLS handshake in progress): drop it.
    for (const socket of raw) if (h2 === undefined || !h2.isSessionSocket(socket)) socket.destroy();
    // After a GOAWAY Node only ends a session's socket and waits for the peer's FIN; a client
    // that keeps its TCP open (a stream it never read to the end) would hold close() forever.
    // The peers get closeTimeout, then they are dropped.
    const lingering = setTimeout(() => {
      for (const socket of raw) socket.destroy();
    }, closeTimeout);
    lingering.unref();
    await this.#closed;
    clearTimeout(lingering);
  }
}

/** The HTTP/2 connection preface (RFC 9113 §3.4) starts with these bytes. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

/**
 * On a cleartext port serving both protocols: look at the first bytes; the HTTP/2 preface
 * (prior knowledge, RFC 9113 §3.3) goes to the HTTP/2 sessions, anything else is HTTP/1.1.
 * A peer that has not sent enough to tell within `timeoutMs` is dropped, as a handshake
 * would be.
 */
function sniffPreface(socket: Socket, timeoutMs: number, route: (isH2: boolean) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(destroySocket, timeoutMs, socket);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isH2 && seen.length < PREFACE.length) return; // could still be either
    stopSniffing();
    socket.pause();
    socket.unshift(seen);
    // The HTTP/2 session reads what is buffered itself (on its next tick); HTTP/1.1 reads by
    // 'data' events, which resume delivers.
    route(isH2);
    if (!isH2) socket.resume();
  };
  const onError = (): void => {
    socket.destroy();
  };
  const stopSniffing = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('close', stopSniffing);
  };
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('close', stopSniffing);
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

const kRawSockets = Symbol('wirekit.rawSockets');
/** A listener that keeps its accepted sockets in a set. */
type RawTracking = NetServer & { [kRawSockets]?: Set<Socket> };

// Listeners shared by every accepted socket (`this` is the listener, then the socket), not a
// closure and a `once` wrapper per socket: Node sets `socket.server` on accepted sockets, so
// the set is found through it.
function trackRaw(this: RawTracking, raw: Socket): void {
  this[kRawSockets]?.add(raw);
  raw.on('close', forgetRaw);
}
function forgetRaw(this: Socket & { server?: RawTracking }): void {
  this.server?.[kRawSockets]?.delete(this);
}
