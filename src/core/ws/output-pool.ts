/**
 * Output buffers shared by many connections. A connection takes a buffer when it has frames to
 * queue and gives it back once its transport has consumed every byte (a synchronous socket
 * write, a TLS encryption), so an idle connection holds no output memory and a server that
 * answers messages one connection at a time reuses one buffer for all of them — nothing is
 * allocated per message, and the memory per connection after a message is what it was before.
 *
 * A buffer still referenced by a write in progress is simply not given back; a connection that
 * queues frames across ticks keeps its buffer until it is flushed.
 *
 * @example
 * ```ts
 * import { OutputPool, WebSocketConnection } from 'wirekit/core';
 * const pool = new OutputPool();
 * const ws = new WebSocketConnection({ role: 'server', outputPool: pool });
 * ws.sendText('hi');
 * socket.write(ws.takeOutput()); // the transport copied the bytes:
 * ws.releaseOutput();            // the buffer goes back to the pool
 * ```
 */
import { type Platform, portablePlatform } from '../platform.js';

/**
 * What a pool keeps for reuse, at most (4 MiB of 64 KiB buffers). Every connection that sends
 * before the tick's flush holds a buffer until then: when one callback delivers the messages of
 * many connections (one read pass over a QUIC connection's streams hands out those of every
 * stream its datagrams carried), their answers take that many buffers at once, and each one a
 * smaller pool cannot give back is a new, zero-filled 64 KiB allocation for the collector.
 */
const MAX_FREE = 64;
/** Buffers larger than this are left to the garbage collector. */
const MAX_POOLED = 1024 * 1024;
/** The size of a new pooled buffer, unless a frame needs more. */
const POOLED_SIZE = 64 * 1024;

/** A free list of output buffers. */
export class OutputPool {
  readonly #free: Uint8Array[] = [];
  readonly #platform: Platform;

  /** Buffers are allocated through `platform`; default the portable platform. */
  constructor(platform: Platform = portablePlatform) {
    this.#platform = platform;
  }

  /** A buffer of at least `size` bytes, owned by the caller until {@link give}. */
  take(size: number): Uint8Array {
    const free = this.#free;
    for (let i = free.length - 1; i >= 0; i--) {
      const buffer = free[i]!;
      if (buffer.length >= size) {
        free[i] = free[free.length - 1]!;
        free.pop();
        return buffer;
      }
    }
    return this.#platform.allocUnsafe(Math.max(size, POOLED_SIZE));
  }

  /** Give back a buffer no transport references any more. */
  give(buffer: Uint8Array): void {
    if (buffer.length <= MAX_POOLED && this.#free.length < MAX_FREE) this.#free.push(buffer);
  }

  /** Buffers waiting for reuse. */
  get freeCount(): number {
    return this.#free.length;
  }
}
