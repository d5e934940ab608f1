/**
 * `serveUring()`: the WebSocket server on the io_uring transport. The same options and handler
 * as `serve()` (upgrade hook, path, subprotocols, permessage-deflate, limits, heartbeat,
 * backpressure, `readBuffer`), the same {@link Connection} objects; only the sockets differ:
 * accepted, read and written by one io_uring ring in Node's event loop (see uring-loop.ts and
 * native/uring/). Each accepted connection is a {@link UringSocket} handed to
 * `WebSocketServer.acceptSocket`, so the HTTP upgrade and the connection run wirekit's own code.
 *
 * Throws {@link UringUnavailableError} when the addon is not built or the kernel refuses
 * io_uring; `serve()` is the fallback.
 *
 * @example
 * ```ts
 * import { serveUring } from 'wirekit/uring';
 * const server = await serveUring({ port: 9001, handler: {
 *   message(ws, data, isBinary) { ws.send(data, isBinary); },
 * }});
 * ```
 */
import { lookup } from 'node:dns/promises';
import { isIP, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { CloseCode } from '../../core/ws/close-code.js';
import type { Connection } from '../connection.js';
import { type ServerOptions, WebSocketServer } from '../websocket-server.js';
import type { RingOptions, RingStats } from './uring-addon.js';
import { UringLoop, type UringSink } from './uring-loop.js';
import { UringSocket } from './uring-socket.js';

/** Options of {@link serveUring}: the server's options, where to listen, the ring's sizes. */
export interface ServeUringOptions<Data = unknown> extends ServerOptions<Data> {
  /** TCP port; 0 picks a free one. Default 9001. */
  readonly port?: number;
  /** Address to bind (a name is looked up once). Default `127.0.0.1`. */
  readonly host?: string;
  /** Listen backlog. Default 511. */
  readonly backlog?: number;
  /** Ring sizes (connections, receive buffers, queue depths). */
  readonly ring?: RingOptions;
  /**
   * Serve `wss://`: Node's TLS (a `tls.Server`'s options: `key`, `cert`, `ca`, `SNICallback`,
   * ticket keys…) runs over each io_uring socket, as over a TCP socket in `serve()`. The
   * handshake is bounded by `handshakeTimeout`. See BENCHMARKS.md ("io_uring transport") for
   * what it costs against `serve({ tls })`.
   */
  readonly tls?: TlsOptions;
}

/** The bound address of a {@link UringWebSocketServer}. */
export interface UringAddress {
  /** The bound IP address, e.g. `127.0.0.1` or `::`. */
  readonly address: string;
  /** Address family of the listening socket. */
  readonly family: 'IPv4' | 'IPv6';
  /** The bound TCP port (the one the kernel chose when `port` 0 was asked). */
  readonly port: number;
}

/** A WebSocket server on io_uring, listening. */
export class UringWebSocketServer<Data = unknown> {
  /** The WebSocket server running the upgrades and connections. */
  readonly server: WebSocketServer<Data>;
  /** Where the server listens, known once `serveUring` resolved. */
  readonly address: UringAddress;
  readonly #loop: UringLoop;
  #closing: Promise<void> | undefined;

  /** @internal Use {@link serveUring}. */
  constructor(server: WebSocketServer<Data>, loop: UringLoop, address: UringAddress) {
    this.server = server;
    this.#loop = loop;
    this.address = address;
  }

  /** Open connections. */
  get connections(): ReadonlySet<Connection<Data>> {
    return this.server.connections;
  }

  /** The ring's counters: open sockets, buffers out, `io_uring_enter` calls, wake-ups. */
  stats(): RingStats {
    return this.#loop.stats();
  }

  /**
   * Stop listening, close every connection with `code` (default 1001) as `WebSocketServer.close`
   * does, and release the ring once every socket is closed.
   */
  close(code: number = CloseCode.GOING_AWAY, reason = 'server shutting down'): Promise<void> {
    this.#closing ??= this.#shutDown(code, reason);
    return this.#closing;
  }

  async #shutDown(code: number, reason: string): Promise<void> {
    this.#loop.stopListening();
    try {
      await this.server.close(code, reason);
    } finally {
      // Sockets refused during the shutdown may still be closing: the ring closes them.
      this.#loop.dispose();
    }
  }
}

/**
 * A `tls.Server` that never listens: each io_uring socket is handed to it as a new connection
 * (`'connection'`), it runs Node's TLS over the socket (through Node's stream wrapper, since the
 * socket has no libuv handle) and hands the secured socket to the WebSocket server. A failed
 * or timed-out handshake destroys the socket, which frees its slot.
 */
function tlsOver<Data>(server: WebSocketServer<Data>, options: ServeUringOptions<Data>) {
  const tls = createTlsServer({
    handshakeTimeout: options.handshakeTimeout ?? 10_000,
    ...options.tls,
  });
  tls.on('secureConnection', (socket: TLSSocket) => {
    // A TLS socket over a JavaScript stream has no peer name of its own: the io_uring socket
    // under it (found through Node's wrapper, when this Node lays it out so) knows it.
    const under = (socket as { _handle?: { _parentWrap?: { stream?: unknown } } })._handle
      ?._parentWrap?.stream;
    if (under instanceof UringSocket)
      Object.defineProperty(socket, 'remoteAddress', { value: under.remoteAddress });
    server.acceptSocket(socket);
  });
  tls.on('tlsClientError', (_error: Error, socket: TLSSocket) => socket.destroy());
  return tls;
}

/** Start a WebSocket server on io_uring; resolves once it listens. */
export async function serveUring<Data = unknown>(
  options: ServeUringOptions<Data>,
): Promise<UringWebSocketServer<Data>> {
  const host = options.host ?? '127.0.0.1';
  const address = isIP(host) === 0 ? (await lookup(host)).address : host;
  const server = new WebSocketServer<Data>(options);
  const sockets: (UringSocket | undefined)[] = [];
  const secure = options.tls === undefined ? undefined : tlsOver(server, options);
  const sink: UringSink = {
    open(slot) {
      const socket = new UringSocket(loop, slot);
      sockets[slot] = socket;
      if (secure === undefined) server.acceptSocket(socket as unknown as Socket);
      else {
        // Node's TLS copies each read into OpenSSL at once: no copy of ours is needed.
        socket.lendData();
        secure.emit('connection', socket);
      }
    },
    data(slot, buffer, length) {
      sockets[slot]?.received(buffer, length);
    },
    end(slot) {
      sockets[slot]?.peerEnded();
    },
    error(slot, errno) {
      sockets[slot]?.failed(errno);
    },
    drain(slot) {
      sockets[slot]?.drained();
    },
    closed(slot) {
      const socket = sockets[slot];
      sockets[slot] = undefined;
      socket?.closed();
    },
  };
  const loop = new UringLoop(sink, options.ring);
  let port: number;
  try {
    port = loop.listen(address, options.port ?? 9001, options.backlog ?? 511);
  } catch (error) {
    loop.dispose();
    throw error;
  }
  const family = isIP(address) === 6 ? 'IPv6' : 'IPv4';
  return new UringWebSocketServer(server, loop, { address, family, port });
}
