/**
 * Options shared by server and client connections, with their defaults in one place.
 */

/** Limits and timers of one WebSocket connection. Every field has a safe default. */
export interface ConnectionOptions {
  /** Largest message accepted; a larger one closes the connection with 1009. Default 16 MiB. */
  readonly maxMessageSize?: number;
  /** Largest frame accepted (1009 beyond). Default: `maxMessageSize`. */
  readonly maxFrameSize?: number;
  /**
   * Bytes queued for the socket (not yet taken by the kernel) past which the connection is
   * closed with 1008 instead of buffering without bound. Default 1 MiB.
   */
  readonly maxBackpressure?: number;
  /** Stop reading from the socket while sends are backpressured; resume on drain. Default false. */
  readonly pauseOnBackpressure?: boolean;
  /** Answer pings automatically (RFC 6455 §5.5.2). Default true. */
  readonly autoPong?: boolean;
  /** Send a ping after this many ms without receiving anything; 0 disables. Default 0 on the
   * client, 30 000 on the server. */
  readonly pingInterval?: number;
  /** After a heartbeat ping, close with 1001 if nothing arrives within this many ms.
   * Default 10 000. */
  readonly pongTimeout?: number;
  /** Close with 1001 after this many ms without receiving anything; 0 disables. Default 120 000
   * on the server, 0 on the client. */
  readonly idleTimeout?: number;
  /** After a close frame is sent, wait this many ms for the peer's close (and its TCP close
   * for a client) before destroying the socket. Default 5 000. */
  readonly closeTimeout?: number;
  /** Disable Nagle's algorithm. Default true. */
  readonly noDelay?: boolean;
}

/** {@link ConnectionOptions} with every default filled in. */
export interface ResolvedConnectionOptions {
  readonly maxMessageSize: number;
  readonly maxFrameSize: number;
  readonly maxBackpressure: number;
  readonly pauseOnBackpressure: boolean;
  readonly autoPong: boolean;
  readonly pingInterval: number;
  readonly pongTimeout: number;
  readonly idleTimeout: number;
  readonly closeTimeout: number;
  readonly noDelay: boolean;
}

const MiB = 1024 * 1024;

/** Fill in defaults; `server` picks the server-side heartbeat defaults. */
export function resolveConnectionOptions(
  options: ConnectionOptions,
  server: boolean,
): ResolvedConnectionOptions {
  const maxMessageSize = options.maxMessageSize ?? 16 * MiB;
  return {
    maxMessageSize,
    maxFrameSize: options.maxFrameSize ?? maxMessageSize,
    maxBackpressure: options.maxBackpressure ?? MiB,
    pauseOnBackpressure: options.pauseOnBackpressure ?? false,
    autoPong: options.autoPong ?? true,
    pingInterval: options.pingInterval ?? (server ? 30_000 : 0),
    pongTimeout: options.pongTimeout ?? 10_000,
    idleTimeout: options.idleTimeout ?? (server ? 120_000 : 0),
    closeTimeout: options.closeTimeout ?? 5_000,
    noDelay: options.noDelay ?? true,
  };
}
