/**
 * One io_uring connection with the face of a `net.Socket`, as much of it as wirekit's server
 * and {@link Connection} use: events (`data`, `end`, `error`, `close`, `drain`, `finish`),
 * `write`, `end`, `destroy`, `pause`/`resume` and the state getters. The server's upgrade path
 * (`WebSocketServer.acceptSocket`) and the connection driver then run on it unchanged.
 *
 * Two shortcuts keep the hot path as short as the minimal io_uring server's:
 * - reads: once a connection starts, it takes each read through `lendReads` (see
 *   shared-read-buffer.ts) as a view of the ring's provided buffer, valid during the callback,
 *   as with the process's shared read buffer on a TCP socket; before that (the HTTP request),
 *   reads are copied and emitted as `data`;
 * - writes: `write` copies the bytes into the ring's arena at once (`copiesWrites`), so the
 *   connection gives its output buffer back after every write; the tick's sends leave together.
 *
 * Node semantics kept: a server socket does not stay half-open (the peer's FIN ends this side
 * too, once queued bytes are out, then the socket closes); `resume` delivers what was held on
 * the next tick; `error` comes before `close`; `writableLength` counts bytes the kernel has not
 * taken; `write` returns `false` from 16 KiB queued until `drain`.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { getSystemErrorName } from 'node:util';
import type { LendingReader, SharedReadCallback } from '../shared-read-buffer.js';
import type { UringLoop } from './uring-loop.js';

/** Queued bytes from which `write` returns `false` (Node's default for sockets). */
const HIGH_WATER_MARK = 16 * 1024;

/** A connection of a {@link UringLoop}. */
export class UringSocket extends EventEmitter implements LendingReader {
  /** `write` copies the bytes before it returns (read by the connection driver). */
  readonly copiesWrites = true;
  /** Bytes, never objects: Node's stream wrapper (TLS over this socket) checks this. */
  readonly readableObjectMode = false;

  readonly #loop: UringLoop;
  readonly #slot: number;
  #reader: SharedReadCallback | undefined;
  /** Reads that arrived while paused (copies), delivered on resume. */
  #held: Buffer[] = [];
  #heldBytes = 0;
  #paused = false;
  /** The ring stopped receiving for this socket (data came while paused). */
  #kernelPaused = false;
  #deliverScheduled = false;
  /** The peer's FIN arrived while reads were held: `end` follows them. */
  #eofHeld = false;
  #readableEnded = false;
  #ended = false;
  #writableFinished = false;
  #needDrain = false;
  #destroyed = false;
  #closed = false;
  #finishCallbacks: (() => void)[] = [];
  /** Callbacks of writes made past the high-water mark: called at `drain`. */
  #writeCallbacks: ((error?: Error | null) => void)[] = [];
  /** Bytes written since the addon last ran its commands ({@link UringLoop.flushGeneration}). */
  #unflushed = 0;
  #unflushedGeneration = -1;
  #remoteAddress: string | undefined;
  /** `'data'` carries views of the ring's buffer, valid during the event (see {@link lendData}). */
  #lendData = false;

  constructor(loop: UringLoop, slot: number) {
    super();
    this.#loop = loop;
    this.#slot = slot;
  }

  /**
   * @internal `'data'` events carry a view of the ring's buffer instead of a copy: for a
   * listener that consumes the bytes before returning (Node's TLS over this socket copies them
   * into OpenSSL at once), so a read costs no copy here.
   */
  lendData(): void {
    this.#lendData = true;
  }

  /** Readable until the peer's FIN or the end of the socket (Node's stream wrapper reads it). */
  get readable(): boolean {
    return !this.#readableEnded && !this.#destroyed;
  }

  /** Writable until `end` or the end of the socket. */
  get writable(): boolean {
    return !this.#ended && !this.#destroyed;
  }

  /** Every write of a tick leaves in one submission already: nothing to cork. */
  cork(): void {}

  /** See {@link cork}. */
  uncork(): void {}

  /** The ring's slot of this connection. */
  get slot(): number {
    return this.#slot;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get readableEnded(): boolean {
    return this.#readableEnded;
  }

  get readableLength(): number {
    return this.#heldBytes;
  }

  get writableFinished(): boolean {
    return this.#writableFinished;
  }

  get writableNeedDrain(): boolean {
    return this.#needDrain;
  }

  get writableLength(): number {
    if (this.#destroyed) return 0;
    const unflushed =
      this.#unflushedGeneration === this.#loop.flushGeneration ? this.#unflushed : 0;
    return this.#loop.queued(this.#slot) + unflushed;
  }

  get remoteAddress(): string | undefined {
    if (this.#remoteAddress === undefined && !this.#destroyed)
      this.#remoteAddress = this.#loop.remoteAddress(this.#slot) || undefined;
    return this.#remoteAddress;
  }

  /** TCP_NODELAY is set on every accepted socket already. */
  setNoDelay(): this {
    return this;
  }

  /** @internal Reads go to `callback` from now on (see shared-read-buffer.ts). */
  lendReads(callback: SharedReadCallback): void {
    this.#reader = callback;
  }

  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean {
    if (this.#destroyed || this.#ended) {
      // As a Writable: the callback learns that the bytes will never be sent.
      if (callback !== undefined) process.nextTick(callback, writeAfterEnd());
      return false;
    }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const loop = this.#loop;
    loop.send(this.#slot, bytes);
    const generation = loop.flushGeneration;
    if (this.#unflushedGeneration !== generation) {
      this.#unflushedGeneration = generation;
      this.#unflushed = 0;
    }
    this.#unflushed += bytes.length;
    if (!this.#needDrain && this.writableLength >= HIGH_WATER_MARK) {
      this.#needDrain = true;
      loop.wantDrain(this.#slot);
    }
    if (callback !== undefined) {
      // As a socket's write callback: once the kernel took the bytes, or as good as (below the
      // high-water mark); past it, at `drain`. A writer that waits for its callback (Node's TLS
      // over this socket) then feels the peer's backpressure instead of filling the queue.
      if (this.#needDrain) this.#writeCallbacks.push(callback);
      else process.nextTick(callback);
    }
    return !this.#needDrain;
  }

  /** Send `data` if given, then FIN once everything queued is out; `callback` on 'finish'. */
  end(data?: Uint8Array | string | (() => void), callback?: () => void): this {
    if (typeof data === 'function') {
      callback = data;
      data = undefined;
    }
    if (data !== undefined) this.write(data);
    if (callback !== undefined) {
      if (this.#writableFinished) process.nextTick(callback);
      else this.#finishCallbacks.push(callback);
    }
    if (this.#ended || this.#destroyed) return this;
    this.#ended = true;
    this.#loop.end(this.#slot);
    this.#loop.wantDrain(this.#slot);
    return this;
  }

  /** Close now; queued bytes are dropped. `error` (if given), then `close`. */
  destroy(error?: Error): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    this.#needDrain = false;
    if (this.#writeCallbacks.length > 0) {
      const error = writeAfterEnd();
      for (const pending of this.#writeCallbacks.splice(0)) process.nextTick(pending, error);
    }
    this.#held = [];
    this.#heldBytes = 0;
    this.#loop.destroy(this.#slot);
    if (error !== undefined) process.nextTick(emitError, this, error);
    return this;
  }

  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    if (!this.#paused) return this;
    this.#paused = false;
    if (this.#kernelPaused && !this.#destroyed) {
      this.#kernelPaused = false;
      this.#loop.resume(this.#slot);
    }
    if ((this.#held.length > 0 || this.#eofHeld) && !this.#deliverScheduled) {
      // As a Readable: the flow starts on the next tick, after listeners are attached.
      this.#deliverScheduled = true;
      process.nextTick(deliverHeld, this);
    }
    return this;
  }

  /** @internal `length` bytes from the ring at the start of `buffer`, valid during this call. */
  received(buffer: Buffer, length: number): void {
    if (this.#destroyed) return;
    if (!this.#paused && this.#held.length === 0) {
      const reader = this.#reader;
      if (reader !== undefined) {
        // The shared-read callback takes (length, buffer) and cuts the view itself.
        if (!reader.call(this as unknown as Duplex, length, buffer)) this.pause();
        return;
      }
      if (this.listenerCount('data') > 0) {
        const view = buffer.subarray(0, length);
        this.emit('data', this.#lendData ? view : Buffer.from(view));
        return;
      }
    }
    this.#hold(Buffer.from(buffer.subarray(0, length)));
  }

  #hold(copy: Buffer): void {
    this.#held.push(copy);
    this.#heldBytes += copy.length;
    // Stop the ring too: what the peer sends meanwhile waits in the kernel.
    if (!this.#kernelPaused) {
      this.#kernelPaused = true;
      this.#loop.pause(this.#slot);
    }
  }

  /** @internal Held reads, in order, while not paused. */
  deliverHeld(): void {
    this.#deliverScheduled = false;
    while (this.#held.length > 0 && !this.#paused && !this.#destroyed) {
      const reader = this.#reader;
      if (reader === undefined && this.listenerCount('data') === 0) return;
      const chunk = this.#held.shift()!;
      this.#heldBytes -= chunk.length;
      if (reader === undefined) this.emit('data', chunk);
      else if (!reader.call(this as unknown as Duplex, chunk.length, chunk)) this.pause();
    }
    if (this.#held.length === 0 && !this.#paused && this.#kernelPaused && !this.#destroyed) {
      this.#kernelPaused = false;
      this.#loop.resume(this.#slot);
    }
    if (this.#held.length === 0 && this.#eofHeld && !this.#paused) {
      this.#eofHeld = false;
      this.peerEnded();
    }
  }

  /** @internal The peer's FIN. */
  peerEnded(): void {
    if (this.#destroyed || this.#readableEnded) return;
    if (this.#paused || this.#held.length > 0) {
      this.#eofHeld = true;
      return;
    }
    this.#readableEnded = true;
    this.emit('end');
    // Not half-open: end this side too; the socket closes once both are done.
    if (!this.#ended) this.end();
    else if (this.#writableFinished) this.destroy();
  }

  /** @internal The connection failed (`errno` negative). */
  failed(errno: number): void {
    if (this.#destroyed) return;
    const name = getSystemErrorName(errno);
    this.destroy(Object.assign(new Error(`read ${name}`), { code: name, errno, syscall: 'read' }));
  }

  /** @internal The send queue is empty (after `wantDrain`). */
  drained(): void {
    if (this.#destroyed) return;
    // Everything written was taken: the writes waiting for that are done.
    if (this.#writeCallbacks.length > 0)
      for (const written of this.#writeCallbacks.splice(0)) written();
    if (this.#ended && !this.#writableFinished) {
      this.#writableFinished = true;
      this.emit('finish');
      const callbacks = this.#finishCallbacks;
      this.#finishCallbacks = [];
      for (const callback of callbacks) callback();
      if (this.#readableEnded) {
        this.destroy();
        return;
      }
    }
    if (this.#needDrain) {
      this.#needDrain = false;
      this.emit('drain');
    }
  }

  /** @internal The ring closed the socket; the slot is free. */
  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#destroyed = true;
    this.emit('close', false);
  }
}

function writeAfterEnd(): Error {
  return Object.assign(new Error('write after end'), { code: 'EPIPE', syscall: 'write' });
}

function emitError(socket: UringSocket, error: Error): void {
  // A socket of the server always has an error listener while it is tracked or connected;
  // one without (already let go) has nobody to tell.
  if (socket.listenerCount('error') > 0) socket.emit('error', error);
}

function deliverHeld(socket: UringSocket): void {
  socket.deliverHeld();
}
