/**
 * A QUIC server on one `node:dgram` socket: datagrams are routed to their connection by
 * destination connection ID; an Initial packet for an unknown ID opens a connection (up to
 * `maxConnections`; past it the handshake is answered with CONNECTION_REFUSED, RFC 9000 §20.1);
 * a version quiche does not speak gets a Version Negotiation packet (RFC 9000 §6).
 *
 * @example
 * ```ts
 * import { listenQuic } from 'wirekit/http3';
 * const server = await listenQuic({
 *   key, cert, port: 4433,
 *   connection(connection) {
 *     connection.handler = {
 *       data(c, id, bytes, fin) { c.write(id, bytes, fin); },
 *       reset() {}, stopSending() {}, drain() {}, close() {},
 *     };
 *   },
 * });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { type LookupOptions, lookup } from 'node:dns';
import { isIPv6 } from 'node:net';
import { ErrorCode, WirekitError } from '../../core/errors.js';
import { CID_LENGTH, cidKey, datagramCidKey, isInitialV1 } from './connection-id.js';
import { loadQuicBinding, type QuicBinding, type QuicheConfig } from './quic-binding.js';
import { QuicConnection } from './quic-connection.js';
import {
  isLoopback,
  type QuicServerTls,
  type QuicTransportOptions,
  type ResolvedQuicOptions,
  resolveQuicOptions,
  serverConfig,
  udpPayloadFor,
} from './quic-options.js';

/** Options of {@link listenQuic}. */
export interface QuicServerOptions extends QuicTransportOptions, QuicServerTls {
  /** Address to bind. Default `::` (every address, IPv4 too). */
  readonly host?: string;
  /** UDP port. Default 0 (one the system picks; read {@link QuicServer.address}). */
  readonly port?: number;
  /** Connections at most (handshaking ones included); Initial packets past it are dropped.
   * Default 10 000. */
  readonly maxConnections?: number;
  /** Each connection whose handshake finished; set its `handler` here. */
  readonly connection: (connection: QuicConnection) => void;
}

/** Smallest datagram carrying a client Initial packet (RFC 9000 §14.1). */
const MIN_INITIAL = 1200;

/** A listening QUIC server. */
export class QuicServer {
  readonly #socket: Socket;
  readonly #binding: QuicBinding;
  readonly #config: QuicheConfig;
  /** For loopback peers (made on first use): datagrams up to 64 KiB. */
  #loopbackConfig: QuicheConfig | undefined;
  readonly #tls: QuicServerTls;
  readonly #options: ResolvedQuicOptions;
  readonly #onConnection: (connection: QuicConnection) => void;
  readonly #maxConnections: number;
  readonly #byCid = new Map<string, QuicConnection>();
  readonly #keys = new Map<QuicConnection, readonly string[]>();
  readonly #refused = new Set<QuicConnection>();
  readonly #local: { host: string; port: number };
  readonly #negotiation = Buffer.allocUnsafe(1350);
  #closing: Promise<void> | undefined;
  #closed = false;
  #whenEmpty: (() => void) | undefined;

  /** @internal Use {@link listenQuic}. */
  constructor(
    socket: Socket,
    binding: QuicBinding,
    config: QuicheConfig,
    tls: QuicServerTls,
    options: ResolvedQuicOptions,
    maxConnections: number,
    onConnection: (connection: QuicConnection) => void,
  ) {
    this.#socket = socket;
    this.#binding = binding;
    this.#config = config;
    this.#tls = tls;
    this.#options = options;
    this.#maxConnections = maxConnections;
    this.#onConnection = onConnection;
    const address = socket.address();
    this.#local = { host: address.address, port: address.port };
    socket.on('message', this.#onMessage);
  }

  /** The bound address and UDP port. */
  get address(): {
    /** The bound IP address, e.g. `127.0.0.1`. */
    readonly address: string;
    /** The bound UDP port (the one the kernel chose when 0 was asked). */
    readonly port: number;
    /** `'IPv4'` or `'IPv6'`. */
    readonly family: string;
  } {
    return this.#socket.address();
  }

  /** Connections open now (handshaking and draining ones included, refused ones not). */
  get connections(): number {
    return this.#keys.size - this.#refused.size;
  }

  /**
   * Close every connection with the application error `code` (e.g. H3_NO_ERROR, 0x100) and
   * `reason` (each sends its CONNECTION_CLOSE now), wait at most `drainMs` for handshaking
   * ones, then close the socket: the draining periods of RFC 9000 §10.2.2 end with it.
   */
  close(code = 0, reason = '', drainMs = 1000): Promise<void> {
    this.#closing ??= this.#shutdown(code, reason, drainMs);
    return this.#closing;
  }

  async #shutdown(code: number, reason: string, drainMs: number): Promise<void> {
    this.#closed = true;
    for (const connection of [...this.#keys.keys()]) connection.close(code, reason);
    if (this.#open() > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#whenEmpty = resolve;
        timer = setTimeout(resolve, drainMs);
      });
      clearTimeout(timer);
    }
    for (const connection of [...this.#keys.keys()]) connection.abandon();
    // The CONNECTION_CLOSE datagrams are queued on the socket: let them leave first.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => this.#socket.close(resolve));
  }

  /** @internal */
  sendDatagram(connection: QuicConnection, buffer: Buffer, offset: number, length: number): void {
    this.#socket.send(buffer, offset, length, connection.remotePort, connection.remoteAddress);
  }

  /** @internal */
  established(connection: QuicConnection): void {
    if (this.#refused.has(connection)) return;
    this.#onConnection(connection);
  }

  /** @internal */
  closing(_connection: QuicConnection): void {
    if (this.#whenEmpty !== undefined && this.#open() === 0) this.#whenEmpty();
  }

  /** Connections not closing yet. */
  #open(): number {
    let open = 0;
    for (const connection of this.#keys.keys()) if (!connection.closed) open++;
    return open;
  }

  /** @internal */
  released(connection: QuicConnection): void {
    const keys = this.#keys.get(connection);
    if (keys === undefined) return;
    for (const key of keys) if (this.#byCid.get(key) === connection) this.#byCid.delete(key);
    this.#keys.delete(connection);
    this.#refused.delete(connection);
    if (this.#whenEmpty !== undefined && this.#open() === 0) this.#whenEmpty();
  }

  readonly #onMessage = (datagram: Buffer, remote: RemoteInfo): void => {
    const key = datagramCidKey(datagram);
    if (key === undefined) return;
    const connection = this.#byCid.get(key);
    if (connection !== undefined) {
      connection.receive(datagram);
      return;
    }
    if ((datagram[0]! & 0x80) === 0 || this.#closed) return;
    this.#accept(datagram, remote, key);
  };

  #configFor(peer: string): QuicheConfig {
    const options = this.#options;
    if (options.maxUdpPayload !== undefined || !isLoopback(peer)) return this.#config;
    this.#loopbackConfig ??= serverConfig(
      this.#binding,
      this.#tls,
      options,
      udpPayloadFor(options, peer),
    );
    return this.#loopbackConfig;
  }

  #accept(datagram: Buffer, remote: RemoteInfo, odcidKey: string): void {
    const binding = this.#binding;
    if (!isInitialV1(datagram)) {
      let header: { version: number; dcid: Uint8Array; scid: Uint8Array };
      try {
        header = binding.Header.fromSlice(datagram, CID_LENGTH);
      } catch {
        return;
      }
      if (binding.versionIsSupported(header.version)) return;
      // RFC 9000 §6.1: an unknown version gets the versions we speak.
      const out = this.#negotiation;
      const length = binding.negotiateVersion(header.scid, header.dcid, out);
      this.#socket.send(Buffer.from(out.subarray(0, length)), remote.port, remote.address);
      return;
    }
    // RFC 9000 §14.1: a server MUST discard an Initial in a datagram under 1200 bytes.
    if (datagram.length < MIN_INITIAL) return;
    const scid = randomBytes(CID_LENGTH);
    const peer = { host: remote.address, port: remote.port };
    let conn: ReturnType<QuicBinding['Connection']['accept']>;
    try {
      conn = binding.Connection.accept(scid, null, this.#local, peer, this.#configFor(peer.host));
    } catch {
      return;
    }
    const connection = new QuicConnection(
      conn,
      this,
      { from: peer, to: this.#local },
      true,
      this.#options.handshakeTimeout,
    );
    const keys = [cidKey(scid), odcidKey];
    for (const key of keys) this.#byCid.set(key, connection);
    this.#keys.set(connection, keys);
    const refuse = this.connections > this.#maxConnections;
    if (refuse) {
      // quiche's client ignores a CONNECTION_CLOSE that comes alone in an Initial packet, and
      // one sent after the server's flight lets it see a handshake finish first: a refused
      // Initial is dropped instead, and the client's handshake timeout ends its attempt.
      this.#refused.add(connection);
      connection.abandon();
      return;
    }
    connection.receive(datagram);
  }
}

type LookupCallback = (error: Error | null, address: string, family: number) => void;

/** Whether `host` is an IP literal (IPv6 has a colon; an IPv4 literal is digits and dots, which
 * no host name is, as a top-level label is never all digits). */
function isLiteral(host: string): boolean {
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c === 0x3a) return true;
    if (c !== 0x2e && (c < 0x30 || c > 0x39)) return false;
  }
  return host.length > 0;
}

/**
 * The server socket's resolver: every datagram goes to an address a datagram came from, an IP
 * literal, which is answered at once (Node's default defers it to the next tick and tests it
 * with regular expressions on every send); a host name to bind goes to `dns.lookup`.
 */
function literalLookup(
  host: string,
  options: number | LookupOptions,
  callback: LookupCallback,
): void {
  if (isLiteral(host)) {
    callback(null, host, host.includes(':') ? 6 : 4);
    return;
  }
  const family = typeof options === 'number' ? options : (options.family ?? 0);
  lookup(
    host,
    { family: family === 'IPv6' ? 6 : family === 'IPv4' ? 4 : Number(family) },
    callback,
  );
}

/** Listen for QUIC connections on a UDP socket. Throws `ERR_HTTP3_UNAVAILABLE` without the
 * optional `@matrixai/quic` package, `ERR_INVALID_ARGUMENT` on a bad key or certificate. */
export async function listenQuic(options: QuicServerOptions): Promise<QuicServer> {
  const binding = await loadQuicBinding();
  const resolved = resolveQuicOptions(options);
  const maxConnections = options.maxConnections ?? 10_000;
  if (!Number.isSafeInteger(maxConnections) || maxConnections < 1)
    throw new WirekitError(ErrorCode.INVALID_ARGUMENT, 'maxConnections must be at least 1');
  const config = serverConfig(binding, options, resolved);
  const host = options.host ?? '::';
  const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', lookup: literalLookup });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // Bursts of many streams arrive faster than one loop turn drains them: room for them.
  trySetBuffers(socket);
  socket.on('error', () => {
    // A send to a vanished peer (ICMP unreachable) is not the server's failure.
  });
  return new QuicServer(
    socket,
    binding,
    config,
    options,
    resolved,
    maxConnections,
    options.connection,
  );
}

/** Larger socket buffers where the system allows (it caps them at its own maximum). */
export function trySetBuffers(socket: Socket): void {
  try {
    socket.setRecvBufferSize(4 * 1024 * 1024);
    socket.setSendBufferSize(4 * 1024 * 1024);
  } catch {
    // The system refused: keep its defaults.
  }
}
