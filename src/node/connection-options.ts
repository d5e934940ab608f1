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
   * Hard limit on bytes queued for the socket (sent, not yet taken by the kernel): a flush that
   * finds more than this still queued closes the connection with 1008 instead of buffering
   * without bound. A memory bound, not a speed test: a peer that reads, however slowly, is
   * given a burst of up to this much (`send()` returns `false` long before; wait for `drain`
   * or `writable()` to send more). Default 64 MiB.
   */
  readonly maxBackpressure?: number;
  /**
   * Close with 1008 when bytes are queued for the socket and none of them was taken for this
   * many ms: the peer stopped reading. A peer that reads slowly makes progress and is never
   * closed by it. Checked on the heartbeat tick (at most 1 s apart), so it is exact to a
   * tick; 0 disables. Default 30 000.
   */
  readonly backpressureTimeout?: number;
  /**
   * Stop reading from the socket while sends are backpressured; resume on `drain`. An echo or
   * relay then slows its sender to the pace its own output is read, instead of queueing the
   * difference. Default true on the server, false on the client: one side must keep reading,
   * or two peers sending to each other could each wait for the other to read.
   *
   * The peer is never starved: each drain resumes reading for at least one read (at most
   * 64 KiB on TCP) before backpressure may pause it again, so a `drain` callback that refills
   * the output every time (a producer that never lets it empty) still receives the peer's
   * messages, pings, pongs and close frame, one read per drain. `ws` and uWebSockets.js never
   * stop reading for backpressure (they bound memory with their limits alone); turn this off
   * for that behaviour, with `maxBackpressure` as the bound.
   */
  readonly pauseOnBackpressure?: boolean;
  /** Answer pings automatically (RFC 6455 §5.5.2). Default true. */
  readonly autoPong?: boolean;
  /** Send a ping after this many ms without receiving anything; 0 disables. Default 0 on the
   * client, 30 000 on the server. Time while this side pauses reading (backpressure, a full
   * async-iteration inbox) does not count: the silence is then ours. */
  readonly pingInterval?: number;
  /** After a heartbeat ping, close with 1001 if nothing arrives within this many ms.
   * Default 10 000. */
  readonly pongTimeout?: number;
  /** Close with 1001 after this many ms without receiving anything; 0 disables. Default 120 000
   * on the server, 0 on the client. Time while this side pauses reading does not count. */
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
  readonly backpressureTimeout: number;
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
    maxBackpressure: options.maxBackpressure ?? 64 * MiB,
    backpressureTimeout: options.backpressureTimeout ?? 30_000,
    pauseOnBackpressure: options.pauseOnBackpressure ?? server,
    autoPong: options.autoPong ?? true,
    pingInterval: options.pingInterval ?? (server ? 30_000 : 0),
    pongTimeout: options.pongTimeout ?? 10_000,
    idleTimeout: options.idleTimeout ?? (server ? 120_000 : 0),
    closeTimeout: options.closeTimeout ?? 5_000,
    noDelay: options.noDelay ?? true,
  };
}
