/**
 * ws's options, and how they map onto wirekit's: `maxPayload` is `maxMessageSize`,
 * `perMessageDeflate` a {@link DeflateConfig}, `closeTimeout` and `autoPong` keep their names.
 * wirekit's own limits can be set with their wirekit names; their defaults here follow ws where
 * ws has the feature (no heartbeat, no idle timeout) and stay wirekit's where ws has no limit at
 * all (`maxBackpressure`), see docs/migration-from-ws.md.
 */
import type { ConnectionOptions } from '../connection-options.js';
import type { DeflateConfig } from '../deflate-config.js';

/** ws's `perMessageDeflate` object (ws.md, `new WebSocketServer`). */
export interface PerMessageDeflateOptions {
  /**
   * Offer or accept `server_no_context_takeover`: the server resets its compressor after each
   * message (RFC 7692 §7.1.1.1). Default `false`.
   */
  readonly serverNoContextTakeover?: boolean;
  /**
   * Offer or accept `client_no_context_takeover`: the client resets its compressor after each
   * message (RFC 7692 §7.1.1.2). Default `false`.
   */
  readonly clientNoContextTakeover?: boolean;
  /** A number of bits (9–15); `true` is accepted and leaves the choice to the peer. */
  readonly serverMaxWindowBits?: number | boolean;
  /**
   * `client_max_window_bits` (RFC 7692 §7.1.2.2): a number of bits (9–15); `true` is accepted and
   * leaves the choice to the peer.
   */
  readonly clientMaxWindowBits?: number | boolean;
  /** Of zlib's options, `level` and `memLevel` apply. */
  readonly zlibDeflateOptions?: {
    /** zlib compression level 0–9; default 1 (fastest). */
    readonly level?: number;
    /** zlib memLevel 1–9, the memory of the compressor's hash tables; default 8. */
    readonly memLevel?: number;
  };
  /** Accepted for compatibility; inflation needs no settings here. */
  readonly zlibInflateOptions?: object;
  /** Messages smaller than this are sent uncompressed. Default 1024 bytes, as in ws. */
  readonly threshold?: number;
  /** Accepted for compatibility: wirekit's zlib calls are synchronous, there is no queue. */
  readonly concurrencyLimit?: number;
}

/** Options a server and a client share: ws's, plus wirekit's limits under their own names. */
export interface CommonOptions {
  /** Largest message accepted (close 1009 beyond). Default 100 MiB, as in ws; 0: no limit. */
  readonly maxPayload?: number;
  /** Answer pings automatically. Default true. */
  readonly autoPong?: boolean;
  /** Wait this long for the peer's close after `close()`, then destroy. Default 30 000 ms. */
  readonly closeTimeout?: number;
  /** Accepted for compatibility: message, ping and pong events always run synchronously. */
  readonly allowSynchronousEvents?: boolean;
  /** Accepted for compatibility: text and close reasons are always checked as UTF-8. */
  readonly skipUTF8Validation?: boolean;
  /** Accepted for compatibility: wirekit bounds messages by bytes (`maxPayload`), not parts. */
  readonly maxBufferedChunks?: number;
  /** Accepted for compatibility: wirekit bounds messages by bytes (`maxPayload`), not parts. */
  readonly maxFragments?: number;
  /** Accepted for compatibility: automatic pongs are written with the output of each read. */
  readonly maxPendingAutoPongs?: number;
  /** wirekit: bytes the peer does not take past which the connection is closed (1008).
   * Default 64 MiB; `Infinity` turns the limit off (ws has none). */
  readonly maxBackpressure?: number;
  /** wirekit: close (1008) a peer that takes none of the bytes sent for this many ms.
   * Default 30 000; 0 turns it off (ws has none). */
  readonly backpressureTimeout?: number;
  /** wirekit: ping after this many ms of silence, and close (1001) without an answer within
   * `pongTimeout`. Default 0 (off), as ws has no heartbeat of its own. */
  readonly pingInterval?: number;
  /** wirekit: see `pingInterval`. Default 10 000 ms. */
  readonly pongTimeout?: number;
  /** wirekit: close (1001) after this many ms without input. Default 0 (off), as in ws. */
  readonly idleTimeout?: number;
}

const MiB = 1024 * 1024;

/** wirekit's connection options for ws's. */
export function connectionOptions(options: CommonOptions): ConnectionOptions {
  // ws coerces these to 32-bit integers (`| 0`), so 0 or a negative number means "no limit".
  const payload = Math.trunc(Number(options.maxPayload ?? 100 * MiB));
  return {
    maxMessageSize: payload > 0 ? payload : Number.MAX_SAFE_INTEGER,
    autoPong: options.autoPong ?? true,
    closeTimeout: options.closeTimeout ?? 30_000,
    pingInterval: options.pingInterval ?? 0,
    idleTimeout: options.idleTimeout ?? 0,
    ...(options.pongTimeout === undefined ? {} : { pongTimeout: options.pongTimeout }),
    ...(options.maxBackpressure === undefined ? {} : { maxBackpressure: options.maxBackpressure }),
    ...(options.backpressureTimeout === undefined
      ? {}
      : { backpressureTimeout: options.backpressureTimeout }),
  };
}

/**
 * wirekit's compression settings for ws's `perMessageDeflate` (`undefined`: use `fallback`).
 * Each connection keeps its own contexts unless both no-context-takeover flags are set, as in
 * ws.
 */
export function deflateConfig(
  option: boolean | PerMessageDeflateOptions | undefined,
  fallback: boolean,
): DeflateConfig | false {
  const value = option ?? fallback;
  if (value === false || value === null) return false;
  const ws: PerMessageDeflateOptions = value === true ? {} : value;
  const zlib = ws.zlibDeflateOptions ?? {};
  return {
    mode: 'dedicated',
    threshold: ws.threshold ?? 1024,
    ...(ws.serverNoContextTakeover === undefined
      ? {}
      : { serverNoContextTakeover: ws.serverNoContextTakeover }),
    ...(ws.clientNoContextTakeover === undefined
      ? {}
      : { clientNoContextTakeover: ws.clientNoContextTakeover }),
    ...(typeof ws.serverMaxWindowBits === 'number'
      ? { serverMaxWindowBits: ws.serverMaxWindowBits }
      : {}),
    ...(typeof ws.clientMaxWindowBits === 'number'
      ? { clientMaxWindowBits: ws.clientMaxWindowBits }
      : {}),
    ...(zlib.level === undefined ? {} : { level: zlib.level }),
    ...(zlib.memLevel === undefined ? {} : { memLevel: zlib.memLevel }),
  };
}
