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
}

/** The bound address of a {@link UringWebSocketServer}. */
export interface UringAddress {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly port: number;
}

/** A WebSocket server on io_uring, listening. */
export class UringWebSocketServer<Data = unknown> {
  /** The WebSocket server running the upgrades and connections. */
  readonly server: WebSocketServer<Data>;
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

/** Start a WebSocket server on io_uring; resolves once it listens. */
export async function serveUring<Data = unknown>(
  options: ServeUringOptions<Data>,
): Promise<UringWebSocketServer<Data>> {
  const host = options.host ?? '127.0.0.1';
  const address = isIP(host) === 0 ? (await lookup(host)).address : host;
  const server = new WebSocketServer<Data>(options);
  const sockets: (UringSocket | undefined)[] = [];
  const sink: UringSink = {
    open(slot) {
      const socket = new UringSocket(loop, slot);
      sockets[slot] = socket;
      server.acceptSocket(socket as unknown as Socket);
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
