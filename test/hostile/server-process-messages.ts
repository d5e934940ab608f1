/**
 * The IPC messages between a hostile test and the wirekit server it runs in a child process
 * (so the child's memory is the server's alone, measured without the test's own buffers).
 */
import type { ConnectionOptions } from '../../src/node/connection-options.js';

/** How the child configures its server. */
export interface ServerProcessOptions extends ConnectionOptions {
  readonly handshakeTimeout?: number;
  readonly maxHeadBytes?: number;
  /** Negotiate permessage-deflate (RFC 7692) with the server's defaults. */
  readonly deflate?: boolean;
}

/** Memory and traffic figures of the child, in bytes. */
export interface ServerProcessStats {
  /** Resident set size now. */
  readonly rss: number;
  /** Peak resident set size over the child's life (`VmHWM`; the sampled peak where absent). */
  readonly peakRss: number;
  /** Bytes held by ArrayBuffers and Buffers now, after a full GC: what the server retains. */
  readonly arrayBuffers: number;
  /** Bytes read from every socket the server accepted so far. */
  readonly bytesRead: number;
  /** Open WebSocket connections. */
  readonly connections: number;
}

/** Parent → child. */
export type ToServerProcess =
  | { readonly type: 'stats'; readonly id: number }
  | { readonly type: 'shut-down' };

/** Child → parent. */
export type FromServerProcess =
  | { readonly type: 'ready'; readonly port: number; readonly stats: ServerProcessStats }
  | { readonly type: 'stats'; readonly id: number; readonly stats: ServerProcessStats }
  | { readonly type: 'open' }
  | { readonly type: 'message'; readonly length: number; readonly sha1: string }
  | {
      readonly type: 'close';
      readonly code: number;
      readonly reason: string;
      readonly wasClean: boolean;
    }
  | { readonly type: 'shut-down'; readonly leftBehind: readonly string[] };
