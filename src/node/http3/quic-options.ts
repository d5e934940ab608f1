/**
 * Options of a QUIC endpoint and the quiche configuration built from them. Every limit has a
 * safe default; the transport parameters they set are the peer's limits on us (RFC 9000 §18.2).
 */
import { rootCertificates } from 'node:tls';
import { ErrorCode, WirekitError } from '../../core/errors.js';
import type { QuicBinding, QuicheConfig } from './quic-binding.js';

/** Limits and timeouts shared by QUIC servers and clients. */
export interface QuicTransportOptions {
  /** ALPN protocols offered or accepted, in preference order (RFC 9001 §8.1). Default `['h3']`. */
  readonly alpn?: readonly string[];
  /** Bidirectional streams the peer may have open at once (`initial_max_streams_bidi`; quiche
   * grants more as streams finish). Default 100. */
  readonly maxStreams?: number;
  /** Unidirectional streams the peer may have open at once. Default 16 (HTTP/3 needs 3). */
  readonly maxUniStreams?: number;
  /** Close the connection after this long without a packet either way (`max_idle_timeout`,
   * RFC 9000 §10.1); 0 turns it off. Default 30 000 ms. */
  readonly idleTimeout?: number;
  /** Give up a handshake that has not finished after this long. Default 10 000 ms. */
  readonly handshakeTimeout?: number;
  /** Initial flow-control window of a stream, bytes (quiche widens it as the reader keeps up).
   * Default 256 KiB. */
  readonly streamWindow?: number;
  /** Initial flow-control window of the connection, bytes. Default 4 MiB. */
  readonly connectionWindow?: number;
  /** Largest UDP payload sent and accepted (`max_udp_payload_size`, RFC 9000 §18.2), 1200 to
   * 65527. Default 1350, which crosses common paths unfragmented; a loopback peer (127.0.0.0/8,
   * ::1) gets 65527 unless this is set, as its path carries 64 KiB
   * datagrams: a 16 KiB message then takes one datagram instead of thirteen. */
  readonly maxUdpPayload?: number;
}

/** Defaults of {@link QuicTransportOptions}. */
export const QUIC_DEFAULTS = {
  /** ALPN protocols offered or accepted: `h3` only (RFC 9114 §3.1). */
  alpn: ['h3'] as readonly string[],
  /**
   * Bidirectional streams the peer may have open at once (`initial_max_streams_bidi`, RFC 9000
   * §18.2).
   */
  maxStreams: 100,
  /**
   * Unidirectional streams the peer may have open at once (`initial_max_streams_uni`); HTTP/3 needs
   * 3.
   */
  maxUniStreams: 16,
  /** Idle timeout in ms (`max_idle_timeout`, RFC 9000 §10.1). */
  idleTimeout: 30_000,
  /** Time a handshake may take, in ms. */
  handshakeTimeout: 10_000,
  /** Initial flow-control window of a stream in bytes, 256 KiB (`initial_max_stream_data_*`). */
  streamWindow: 262144,
  /** Initial flow-control window of the connection in bytes, 4 MiB (`initial_max_data`). */
  connectionWindow: 4194304,
} as const;

/** TLS material of a server (PEM). */
export interface QuicServerTls {
  /** Private key, PEM. */
  readonly key: string | Uint8Array;
  /** Certificate chain, PEM, leaf first. */
  readonly cert: string | Uint8Array;
}

/** TLS checks of a client. */
export interface QuicClientTls {
  /** Trusted CA certificates, PEM. Default: Node's bundled root certificates. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** The name the certificate must carry and the SNI sent. Default: the host when it is a
   * name; for an IP address no SNI is sent (RFC 6066 §3) and the certificate must list the
   * address. */
  readonly servername?: string;
  /** Refuse a certificate that does not verify. Default `true`. */
  readonly rejectUnauthorized?: boolean;
}

const encoder = new TextEncoder();

function pem(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be a non-negative integer, got ${value}`,
    );
  return value;
}

/** The option values with defaults applied, checked. */
export interface ResolvedQuicOptions {
  readonly alpn: readonly string[];
  readonly maxStreams: number;
  readonly maxUniStreams: number;
  readonly idleTimeout: number;
  readonly handshakeTimeout: number;
  readonly streamWindow: number;
  readonly connectionWindow: number;
  /** The option as given (undefined: by peer, see {@link udpPayloadFor}). */
  readonly maxUdpPayload: number | undefined;
}

/** Apply defaults and check ranges; throws `ERR_INVALID_ARGUMENT` on a bad value. */
export function resolveQuicOptions(options: QuicTransportOptions): ResolvedQuicOptions {
  const alpn = options.alpn ?? QUIC_DEFAULTS.alpn;
  if (alpn.length === 0 || alpn.some((p) => p.length === 0 || p.length > 255))
    throw new WirekitError(ErrorCode.INVALID_ARGUMENT, 'alpn needs 1 to 255 byte protocol names');
  return {
    alpn,
    maxStreams: positive('maxStreams', options.maxStreams, QUIC_DEFAULTS.maxStreams),
    maxUniStreams: positive('maxUniStreams', options.maxUniStreams, QUIC_DEFAULTS.maxUniStreams),
    idleTimeout: positive('idleTimeout', options.idleTimeout, QUIC_DEFAULTS.idleTimeout),
    handshakeTimeout: positive(
      'handshakeTimeout',
      options.handshakeTimeout,
      QUIC_DEFAULTS.handshakeTimeout,
    ),
    streamWindow: positive('streamWindow', options.streamWindow, QUIC_DEFAULTS.streamWindow),
    connectionWindow: positive(
      'connectionWindow',
      options.connectionWindow,
      QUIC_DEFAULTS.connectionWindow,
    ),
    maxUdpPayload: udpPayloadOption(options.maxUdpPayload),
  };
}

function udpPayloadOption(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  // RFC 9000 §18.2: values below 1200 are invalid; 65527 is the largest UDP payload.
  if (!Number.isSafeInteger(value) || value < 1200 || value > QUIC_LOOPBACK_UDP_PAYLOAD)
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `maxUdpPayload must be an integer from 1200 to ${QUIC_LOOPBACK_UDP_PAYLOAD}, got ${value}`,
    );
  return value;
}

/** The default largest UDP payload sent and accepted: crosses common paths unfragmented. */
export const QUIC_UDP_PAYLOAD = 1350;

/** The largest UDP payload for a loopback peer (and the largest of all, RFC 9000 §18.2). */
export const QUIC_LOOPBACK_UDP_PAYLOAD = 65527;

/** Whether `host` is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x.y.z). */
export function isLoopback(host: string): boolean {
  return host.startsWith('127.') || host === '::1' || host.startsWith('::ffff:127.');
}

/** The UDP payload limit for a connection with `peer`: the option, or by the peer's address. */
export function udpPayloadFor(options: ResolvedQuicOptions, peer: string): number {
  if (options.maxUdpPayload !== undefined) return options.maxUdpPayload;
  return isLoopback(peer) ? QUIC_LOOPBACK_UDP_PAYLOAD : QUIC_UDP_PAYLOAD;
}

function transport(
  config: QuicheConfig,
  options: ResolvedQuicOptions,
  udpPayload: number,
): QuicheConfig {
  config.setApplicationProtos([...options.alpn]);
  config.setMaxIdleTimeout(options.idleTimeout);
  config.setMaxRecvUdpPayloadSize(udpPayload);
  config.setMaxSendUdpPayloadSize(udpPayload);
  config.setInitialMaxData(options.connectionWindow);
  config.setInitialMaxStreamDataBidiLocal(options.streamWindow);
  config.setInitialMaxStreamDataBidiRemote(options.streamWindow);
  config.setInitialMaxStreamDataUni(options.streamWindow);
  config.setInitialMaxStreamsBidi(options.maxStreams);
  config.setInitialMaxStreamsUni(options.maxUniStreams);
  // Connection migration is not offered (RFC 9000 §18.2 disable_active_migration): a server
  // keyed by connection ID on one socket needs nothing of it, and it keeps paths fixed.
  config.setDisableActiveMigration(true);
  return config;
}

/** A server's quiche configuration: its certificate and key, no client certificates asked;
 * `udpPayload` is the UDP payload limit of the connections it is used for. */
export function serverConfig(
  binding: QuicBinding,
  tls: QuicServerTls,
  options: ResolvedQuicOptions,
  udpPayload: number = options.maxUdpPayload ?? QUIC_UDP_PAYLOAD,
): QuicheConfig {
  let config: QuicheConfig;
  try {
    config = binding.Config.withBoringSslCtx(
      false,
      false,
      null,
      [pem(tls.key)],
      [pem(tls.cert)],
      null,
    );
  } catch (error) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `the QUIC server's key or certificate does not load: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return transport(config, options, udpPayload);
}

/** A client's quiche configuration: peer verification against `ca` unless turned off. */
export function clientConfig(
  binding: QuicBinding,
  tls: QuicClientTls,
  options: ResolvedQuicOptions,
  udpPayload: number = options.maxUdpPayload ?? QUIC_UDP_PAYLOAD,
): QuicheConfig {
  const verify = tls.rejectUnauthorized !== false;
  let ca: Uint8Array | null = null;
  if (verify) {
    const list = tls.ca === undefined ? rootCertificates : tls.ca;
    const entries = typeof list === 'string' || list instanceof Uint8Array ? [list] : list;
    ca = encoder.encode(
      entries.map((e) => (typeof e === 'string' ? e : Buffer.from(e).toString('utf8'))).join('\n'),
    );
  }
  let config: QuicheConfig;
  try {
    config = binding.Config.withBoringSslCtx(verify, false, ca, null, null, null);
  } catch (error) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `the QUIC client's CA certificates do not load: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return transport(config, options, udpPayload);
}
