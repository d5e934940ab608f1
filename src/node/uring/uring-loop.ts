/**
 * One io_uring ring driven from Node's event loop (see native/uring/wirekit_uring.c): a
 * listening socket, its connections as numbered slots, and a {@link UringSink} that gets every
 * event of a batch, one call per event, from one call out of the addon per batch.
 *
 * Sends are batched per tick: {@link UringLoop.send} copies the bytes into the addon's arena
 * and queues a command; the addon runs every command of the tick and submits them with one
 * `io_uring_enter` — after the batch when the send happens inside one (the usual echo), or on
 * `process.nextTick` otherwise (a timer, a promise).
 *
 * Received bytes reach {@link UringSink.data} as the first `length` bytes of a provided buffer
 * that goes back to the kernel once the batch's call returns: the sink consumes or copies them
 * before returning. Each provided buffer has one `Buffer` made once, so a read allocates
 * nothing here.
 *
 * @example
 * ```ts
 * const loop = new UringLoop({ open(slot) {},
 *   data(slot, buffer, length) { loop.send(slot, buffer.subarray(0, length)); },
 *   end(slot) { loop.destroy(slot); }, error(slot) { loop.destroy(slot); }, drain() {},
 *   closed() {} });
 * const port = loop.listen('127.0.0.1', 0);
 * ```
 */
import { isIPv6 } from 'node:net';
import {
  createRing,
  loadUringAddon,
  type RingMemory,
  type RingOptions,
  type RingStats,
  type UringAddon,
} from './uring-addon.js';

/** What the addon reports (first int of an event). */
export const UringEvent = {
  OPEN: 1,
  DATA: 2,
  EOF: 3,
  ERROR: 4,
  DRAIN: 5,
  CLOSED: 6,
  ACCEPT_ERROR: 7,
} as const;

/** What JavaScript asks of the addon (first int of a command). */
const Command = {
  SEND: 1,
  END: 2,
  DESTROY: 3,
  PAUSE: 4,
  RESUME: 5,
  WANT_DRAIN: 6,
} as const;

/** Receives a ring's events. Each slot's events come in order; `closed` is its last. */
export interface UringSink {
  /** A new connection in `slot`. */
  open(slot: number): void;
  /** `length` bytes received at the start of `buffer`, valid only until this call returns
   * (the buffer is longer: it is the whole provided buffer, reused). */
  data(slot: number, buffer: Buffer, length: number): void;
  /** The peer ended its side (FIN). */
  end(slot: number): void;
  /** The connection failed (`errno` negative: -104 ECONNRESET, -32 EPIPE, ...). */
  error(slot: number, errno: number): void;
  /** Everything sent has been taken by the kernel, after {@link UringLoop.wantDrain}. */
  drain(slot: number): void;
  /** The socket is closed; the slot may be reused by a later `open`. */
  closed(slot: number): void;
  /** Accepting failed (`errno` negative: -24 EMFILE, ...); it resumes when a slot closes. */
  acceptError?(errno: number): void;
}

/** A ring with its listening socket and connections. */
export class UringLoop {
  readonly #addon: UringAddon;
  readonly #memory: RingMemory;
  readonly #handle: object;
  readonly #ctl: Int32Array;
  readonly #cmd: Int32Array;
  readonly #arena: Uint8Array;
  readonly #events: Int32Array;
  readonly #queued: Int32Array;
  /** One view per provided buffer, indexed by buffer id. */
  readonly #views: Buffer[];
  readonly #commandCapacity: number;
  readonly #arenaSize: number;
  readonly #sink: UringSink;
  #flushScheduled = false;
  #disposed = false;
  /** The first error a sink callback threw in a batch, thrown again after the batch. */
  #failure: { error: unknown } | undefined;

  /** Throws {@link UringUnavailableError} when the addon or the kernel is missing. */
  constructor(sink: UringSink, options: RingOptions = {}) {
    this.#sink = sink;
    this.#addon = loadUringAddon();
    this.#memory = createRing(this.#addon, options, (count) => this.#onEvents(count));
    const memory = this.#memory;
    this.#handle = memory.handle;
    this.#ctl = memory.ctl;
    this.#cmd = memory.cmd;
    this.#arena = memory.arena;
    this.#events = memory.events;
    this.#queued = memory.queued;
    const buffers = memory.buffers;
    const size = memory.bufferSize;
    this.#views = [];
    for (let at = 0; at < buffers.length; at += size)
      this.#views.push(Buffer.from(buffers.buffer, buffers.byteOffset + at, size));
    this.#commandCapacity = memory.commandCapacity;
    this.#arenaSize = memory.arena.length;
  }

  /** Listen on `host:port` (an IP address; port 0 picks one). Returns the bound port. */
  listen(host: string, port: number, backlog = 511): number {
    return this.#addon.listen(this.#handle, host, port, backlog, isIPv6(host));
  }

  /** Stop accepting; the bound port is released. */
  stopListening(): void {
    if (!this.#disposed) this.#addon.stopListening(this.#handle);
  }

  /** Queue `bytes` for `slot`; they are copied before this returns. */
  send(slot: number, bytes: Uint8Array): void {
    const n = bytes.length;
    if (n === 0 || this.#disposed) return;
    const ctl = this.#ctl;
    let count = ctl[0]!;
    let used = ctl[1]!;
    if (n > this.#arenaSize - used || count === this.#commandCapacity) {
      // The arena or the command list is full: run what is queued first, in order.
      this.#addon.flush(this.#handle);
      count = 0;
      used = 0;
      if (n > this.#arenaSize) {
        this.#addon.write(this.#handle, slot, bytes);
        this.#scheduleFlush();
        return;
      }
    }
    this.#arena.set(bytes, used);
    const at = count << 2;
    const cmd = this.#cmd;
    cmd[at] = Command.SEND;
    cmd[at + 1] = slot;
    cmd[at + 2] = used;
    cmd[at + 3] = n;
    ctl[0] = count + 1;
    ctl[1] = used + n;
    if (count === 0) this.#scheduleFlush();
  }

  /** Shut down the sending side once everything queued is sent (a FIN after the last byte). */
  end(slot: number): void {
    this.#command(Command.END, slot);
  }

  /** Close now: queued bytes are dropped; `closed` follows. */
  destroy(slot: number): void {
    this.#command(Command.DESTROY, slot);
  }

  /** Stop receiving for `slot` (bytes wait in the kernel). */
  pause(slot: number): void {
    this.#command(Command.PAUSE, slot);
  }

  /** Receive again after {@link pause}. */
  resume(slot: number): void {
    this.#command(Command.RESUME, slot);
  }

  /** Call `drain` once the send queue of `slot` is empty. */
  wantDrain(slot: number): void {
    this.#command(Command.WANT_DRAIN, slot);
  }

  /** Bytes sent and not yet taken by the kernel (not counting this tick's unsubmitted sends). */
  queued(slot: number): number {
    return this.#disposed ? 0 : this.#queued[slot]!;
  }

  /** Counts the addon's command runs: arena bytes sent in an earlier run were taken. */
  get flushGeneration(): number {
    return this.#ctl[3]!;
  }

  /** Whether a batch is being dispatched (sends are submitted after it). */
  get dispatching(): boolean {
    return this.#ctl[2] === 1;
  }

  /** The peer's IP address (one `getpeername`). */
  remoteAddress(slot: number): string {
    return this.#disposed ? '' : this.#addon.peer(this.#handle, slot);
  }

  /** Counters, for tests and benchmarks. */
  stats(): RingStats {
    return this.#addon.stats(this.#handle);
  }

  /** Close every socket and the ring. No events follow. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#addon.dispose(this.#handle);
  }

  #command(kind: number, slot: number): void {
    if (this.#disposed) return;
    const ctl = this.#ctl;
    let count = ctl[0]!;
    if (count === this.#commandCapacity) {
      this.#addon.flush(this.#handle);
      count = 0;
    }
    const at = count << 2;
    const cmd = this.#cmd;
    cmd[at] = kind;
    cmd[at + 1] = slot;
    cmd[at + 2] = 0;
    cmd[at + 3] = 0;
    ctl[0] = count + 1;
    if (count === 0) this.#scheduleFlush();
  }

  /** Outside a batch, submit at the end of this tick (inside one, the addon does it after). */
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#ctl[2] === 1) return;
    this.#flushScheduled = true;
    process.nextTick(flushLoop, this);
  }

  /** @internal Run the queued commands now. */
  flushNow(): void {
    this.#flushScheduled = false;
    if (!this.#disposed) this.#addon.flush(this.#handle);
  }

  #onEvents(count: number): void {
    const events = this.#events;
    const sink = this.#sink;
    for (let i = 0; i < count; i++) {
      const at = i << 2;
      const slot = events[at + 1]!;
      try {
        switch (events[at]) {
          case UringEvent.DATA:
            sink.data(slot, this.#views[events[at + 2]!]!, events[at + 3]!);
            break;
          case UringEvent.OPEN:
            sink.open(slot);
            break;
          case UringEvent.EOF:
            sink.end(slot);
            break;
          case UringEvent.ERROR:
            sink.error(slot, events[at + 2]!);
            break;
          case UringEvent.DRAIN:
            sink.drain(slot);
            break;
          case UringEvent.CLOSED:
            sink.closed(slot);
            break;
          case UringEvent.ACCEPT_ERROR:
            sink.acceptError?.(events[at + 2]!);
            break;
        }
      } catch (error) {
        // The batch goes on (every slot's events must be seen, or slots and buffers leak);
        // the error is thrown once the batch is done.
        this.#failure ??= { error };
      }
    }
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      throw failure.error;
    }
  }
}

function flushLoop(loop: UringLoop): void {
  loop.flushNow();
}
