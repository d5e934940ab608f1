/**
 * The contract between the WebSocket server and its transports, server side.
 *
 * A server transport reads an opening request from its byte stream (an HTTP/1.1 upgrade on a
 * socket, an extended CONNECT on an HTTP/2 stream, later on an HTTP/3 stream), checks it with
 * the core's rules, and hands the server an {@link OpeningRequest}: the stream, what the
 * `upgrade` hook sees, and how to answer on this transport. The server runs the steps every
 * transport shares ({@link UpgradeHost.establish}: path, permessage-deflate, `selectProtocol`,
 * the `upgrade` hook) and then calls `accept` or `refuse`; on `accept` it makes the
 * `Connection` over the stream with the transport's {@link StreamTraits}.
 *
 * A transport that holds more than its streams (a listener, HTTP/2 or QUIC sessions) is also a
 * {@link ServerTransport}, so the server's `close()` can stop it and release it.
 */
import type { Duplex } from 'node:stream';
import type { HeaderPairs } from '../../core/ws/header-source.js';
import type { StreamTraits } from '../stream-traits.js';
import type { UpgradeRequestInfo } from '../upgrade-request.js';

/** An opening request a transport read and checked, waiting for the server's decision. */
export interface OpeningRequest {
  /** The stream the WebSocket runs on once accepted: a socket, an HTTP/2 or HTTP/3 stream. */
  readonly stream: Duplex;
  /** What `selectProtocol` and the `upgrade` hook see (offered subprotocols and origin set). */
  readonly info: UpgradeRequestInfo;
  /** The offered `Sec-WebSocket-Extensions`, for permessage-deflate (RFC 7692 §5). */
  readonly extensionsOffer: string | undefined;
  /** How the stream ends once the connection is closed. */
  readonly traits: StreamTraits;
  /** Answer with an error status and a short text body, then end the stream. */
  refuse(status: number, message: string, headers: HeaderPairs): void;
  /**
   * Answer success (HTTP/1.1 101, `:status 200` over HTTP/2 and HTTP/3) with the chosen
   * subprotocol and extensions. Returns the bytes read past the request (the first frames of a
   * client that did not wait for the answer), which the connection reads first; none when the
   * transport frames its streams (HTTP/2, HTTP/3). May throw (a bad field added by
   * `responseHeaders`): the server then drops the stream.
   */
  accept(protocol: string | undefined, extensions: string | undefined): Uint8Array;
}

/** The server as its transports see it (made by `WebSocketServer`). */
export interface UpgradeHost {
  /** `close()` was called: drop or refuse new streams. */
  readonly closing: boolean;
  /** A stream starts its opening handshake: bounded by `handshakeTimeout`, dropped by
   * `close()`, forgotten when it closes. */
  track(stream: Duplex): void;
  /** The stream's handshake ended without a connection and the stream is gone already. */
  untrack(stream: Duplex): void;
  /** The request is valid: the shared steps, then `request.accept` and the connection, or
   * `request.refuse`. Never throws. */
  establish(request: OpeningRequest): void;
  /** Something unexpected failed during a handshake: drop the stream, warn, never crash. */
  handshakeFailed(stream: Duplex, error: unknown): void;
}

/** What the server's `close()` asks of a transport that holds listeners or sessions. */
export interface ServerTransport {
  /** `close()` began: take no new connections (stop listening). */
  stop(): void;
  /**
   * Every WebSocket connection of the server is gone: end the sessions (an HTTP/2 GOAWAY) and
   * drop what never became a connection (a TLS handshake in progress). A peer that lingers is
   * dropped after `closeTimeout` ms. Resolves once everything is released.
   */
  release(closeTimeout: number): Promise<void>;
}
