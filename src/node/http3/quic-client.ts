/**
 * A QUIC client connection on its own connected `node:dgram` socket (the kernel filters
 * datagrams from other peers; no routing by connection ID is needed).
 *
 * The certificate is verified by quiche against `ca` (Node's root certificates by default)
 * and, for a host name, against that name; for an IP address, which RFC 6066 §3 keeps out of
 * SNI, the leaf certificate must list the address (checked here, as Node's `tls` does).
 *
 * @example
 * ```ts
 * import { connectQuic } from 'wirekit/http3';
 * const connection = await connectQuic({ host: '127.0.0.1', port: 4433, ca });
 * const id = connection.openStream();
 * connection.write(id, new TextEncoder().encode('hello'), true);
 * ```
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ErrorCode, WirekitError } from '../../core/errors.js';
import { CID_LENGTH } from './connection-id.js';
import { loadQuicBinding } from './quic-binding.js';
import {
  type QuicCloseInfo,
  QuicCloseSource,
  QuicConnection,
  type QuicConnectionHost,
} from './quic-connection.js';
import {
  clientConfig,
  type QuicClientTls,
  type QuicTransportOptions,
  resolveQuicOptions,
  udpPayloadFor,
} from './quic-options.js';
import { trySetBuffers } from './quic-server.js';

/** Options of {@link connectQuic}. */
export interface QuicClientOptions extends QuicTransportOptions, QuicClientTls {
  /** Server host name or IP address. */
  readonly host: string;
  /** Server UDP port. */
  readonly port: number;
  /** Aborts the connect (the connection is dropped, the promise rejects `ERR_ABORTED`). */
  readonly signal?: AbortSignal;
}

/** TLS alert names for the messages of failed handshakes (RFC 8446 §6). */
const ALERTS: Readonly<Record<number, string>> = {
  40: 'handshake_failure',
  42: 'bad_certificate',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  48: 'unknown_ca',
  80: 'internal_error',
  120: 'no_application_protocol',
};

/** A TLS alert as a QUIC transport error code (RFC 9001 §4.8: CRYPTO_ERROR 0x100 + alert). */
const BAD_CERTIFICATE = 0x100 + 42;

/** Words for a close that ended a handshake. */
export function describeClose(info: QuicCloseInfo): string {
  if (info.source === QuicCloseSource.HANDSHAKE_TIMEOUT) return 'the handshake timed out';
  if (info.source === QuicCloseSource.IDLE_TIMEOUT) return 'the connection went idle';
  const who = info.source === QuicCloseSource.PEER ? 'the server' : 'this client';
  if (!info.application && info.code >= 0x100 && info.code <= 0x1ff) {
    const alert = info.code - 0x100;
    return `${who} ended the TLS handshake with alert ${alert} (${ALERTS[alert] ?? 'unknown'})${info.reason === '' ? '' : `: ${info.reason}`}`;
  }
  if (!info.application && info.code === 0x2) return `${who} refused the connection`;
  return `${who} closed with ${info.application ? 'application' : 'transport'} error 0x${info.code.toString(16)}${info.reason === '' ? '' : ` (${info.reason})`}`;
}

/** The host of a client connection: its own socket, the connect promise's callbacks. */
class ClientHost implements QuicConnectionHost {
  readonly #socket: Socket;
  readonly #target: string;
  #settle: ((error: Error | undefined) => void) | undefined;
  #checkIp: string | undefined;

  constructor(
    socket: Socket,
    target: string,
    checkIp: string | undefined,
    settle: (error: Error | undefined) => void,
  ) {
    this.#socket = socket;
    this.#target = target;
    this.#checkIp = checkIp;
    this.#settle = settle;
  }

  sendDatagram(_connection: QuicConnection, buffer: Buffer, offset: number, length: number): void {
    this.#socket.send(buffer, offset, length);
  }

  established(connection: QuicConnection): void {
    const ip = this.#checkIp;
    if (ip !== undefined) {
      const leaf = connection.peerCertificates()[0];
      let listed = false;
      try {
        listed = leaf !== undefined && new X509Certificate(leaf).checkIP(ip) !== undefined;
      } catch {
        listed = false;
      }
      if (!listed) {
        connection.refuse(BAD_CERTIFICATE, `certificate does not list ${ip}`);
        return;
      }
    }
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(undefined);
  }

  released(_connection: QuicConnection): void {
    try {
      this.#socket.close();
    } catch {
      // Closed already.
    }
  }

  closing(connection: QuicConnection): void {
    const settle = this.#settle;
    this.#settle = undefined;
    if (settle === undefined) return;
    const info = connection.closeInfo;
    const timedOut = info?.source === QuicCloseSource.HANDSHAKE_TIMEOUT;
    settle(
      new WirekitError(
        timedOut ? ErrorCode.TIMEOUT : ErrorCode.QUIC_HANDSHAKE,
        `QUIC connection to ${this.#target} failed: ${info === undefined ? 'closed' : describeClose(info)}`,
      ),
    );
  }

  /** The caller gave up: forget the promise. */
  cancel(): void {
    this.#settle = undefined;
  }
}

/**
 * Open a QUIC connection; resolves once the handshake finished and the certificate passed.
 * Rejects with `ERR_QUIC_HANDSHAKE` (TLS failure, no common ALPN, refused), `ERR_TIMEOUT`
 * (`handshakeTimeout`), `ERR_ABORTED` (`signal`), `ERR_HTTP3_UNAVAILABLE` (no QUIC stack).
 */
export async function connectQuic(options: QuicClientOptions): Promise<QuicConnection> {
  const signal = options.signal;
  const target = `${options.host}:${options.port}`;
  const checkAbort = (): void => {
    if (signal?.aborted === true)
      throw new WirekitError(ErrorCode.ABORTED, `QUIC connect to ${target} aborted`, {
        cause: signal.reason,
      });
  };
  checkAbort();
  const binding = await loadQuicBinding();
  const resolved = resolveQuicOptions(options);
  const address = isIP(options.host) !== 0 ? options.host : (await lookup(options.host)).address;
  checkAbort();
  const config = clientConfig(binding, options, resolved, udpPayloadFor(resolved, address));
  const family = isIP(address);
  const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, family === 6 ? '::' : '0.0.0.0', () => {
        socket.connect(options.port, address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    });
  } catch (error) {
    socket.close();
    throw new WirekitError(
      ErrorCode.CONNECTION_LOST,
      `cannot open a UDP socket to ${address}:${options.port}`,
      { cause: error },
    );
  }
  trySetBuffers(socket);
  socket.on('error', () => {
    // ICMP port unreachable and the like: the handshake or idle timer ends the connection.
  });
  const local = socket.address();
  const localHost = { host: local.address, port: local.port };
  const remote = { host: address, port: options.port };
  const servername = options.servername ?? (isIP(options.host) === 0 ? options.host : null);
  const verify = options.rejectUnauthorized !== false;
  const checkIp = verify && servername === null ? address : undefined;
  const conn = binding.Connection.connect(
    servername,
    randomBytes(CID_LENGTH),
    localHost,
    remote,
    config,
  );
  let connection: QuicConnection | undefined;
  return new Promise<QuicConnection>((resolve, reject) => {
    const onAbort = (): void => {
      host.cancel();
      connection?.abandon();
      reject(new WirekitError(ErrorCode.ABORTED, `QUIC connect to ${target} aborted`));
    };
    const host = new ClientHost(socket, target, checkIp, (error) => {
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(connection!);
      else reject(error);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    connection = new QuicConnection(
      conn,
      host,
      { from: remote, to: localHost },
      false,
      resolved.handshakeTimeout,
    );
    const opened = connection;
    socket.on('message', (datagram: Buffer) => opened.receive(datagram));
    opened.flush();
  });
}
