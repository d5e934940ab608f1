/**
 * Loading the optional io_uring addon (`native/uring`, built by `npm run build:uring`). Nothing
 * is loaded until a caller asks: importing `wirekit` never touches it, and a machine without
 * the build, without Linux or with io_uring disabled gets a {@link UringUnavailableError}
 * saying which, with what to do.
 *
 * The addon is looked up at `WIREKIT_URING_ADDON` when set, else in the package's
 * `native/uring/build/Release/`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UringUnavailableError, UringUnavailableReason } from './uring-error.js';

/** The shared memory and handle of one ring, as the addon's `create` returns them. */
export interface RingMemory {
  readonly handle: object;
  /** [0] commands queued, [1] arena bytes used, [2] 1 while a batch is dispatched, [3] runs
   * of the commands so far. */
  readonly ctl: Int32Array;
  /** Commands, 4 ints each: kind, slot, arena offset, length. */
  readonly cmd: Int32Array;
  /** Bytes of SEND commands. */
  readonly arena: Uint8Array;
  /** Events, 4 ints each: kind, slot, a, b. */
  readonly events: Int32Array;
  /** Per slot: bytes queued for sending that the kernel has not taken yet. */
  readonly queued: Int32Array;
  /** The provided receive buffers, `bufferSize` bytes each. */
  readonly buffers: Uint8Array;
  readonly bufferSize: number;
  readonly commandCapacity: number;
  readonly maxConnections: number;
}

/** Ring sizes; every field has a default in the addon. */
export interface RingOptions {
  /** Connections at most (slots); more are closed on accept. Default 16 384. */
  readonly maxConnections?: number;
  /** Size of one provided receive buffer. Default 16 KiB. */
  readonly bufferSize?: number;
  /** Provided receive buffers (a power of two). Default 1024. */
  readonly bufferCount?: number;
  /** Submission queue entries. Default 1024. */
  readonly entries?: number;
  /** Completion queue entries. Default 16 384. */
  readonly completionEntries?: number;
  /** Bytes of sends one tick may queue before an early submit. Default 1 MiB. */
  readonly arenaSize?: number;
  /**
   * How the kernel runs completion work (received data, accepted sockets): 0 at once, with an
   * interrupt when the thread is running JavaScript; 1 deferred to the next `io_uring_enter`
   * (`DEFER_TASKRUN`; the ring then signals an eventfd that libuv polls, one extra `read` and
   * `io_uring_enter` per wake-up); 2 (default) cooperative (`COOP_TASKRUN`: no interrupt, run at
   * the thread's next system call, which is never far: the loop's `epoll_wait` or the batch's
   * submit). 2 made the fewest system calls per message (bench/e2e/uring-compare.ts).
   */
  readonly taskrun?: number;
}

/** Counters of one ring, for tests and benchmarks. */
export interface RingStats {
  /** Connections open now (slots in use). */
  readonly open: number;
  /** Connection slots free for new connections, out of `maxConnections`. */
  readonly freeSlots: number;
  /** Receive buffers handed out and not yet back in the ring. */
  readonly buffersOut: number;
  /** Provided receive buffers in the ring (the `bufferCount` option; default 1024). */
  readonly bufferCount: number;
  /** Bytes held by connections' send queues. */
  readonly sendQueueBytes: number;
  /** `io_uring_enter` system calls made (submissions), since the ring was created. */
  readonly enters: number;
  /** Times libuv woke the ring because completions were waiting. */
  readonly wakeups: number;
  /** Calls into JavaScript, each with one batch of events. */
  readonly dispatches: number;
  /** Completion queue entries reaped. */
  readonly completions: number;
  /** Connections accepted, since the ring was created. */
  readonly accepted: number;
  /** Connections closed and their slots freed, since the ring was created. */
  readonly closed: number;
  /** Receives that failed with ENOBUFS: every provided buffer was out (raise `bufferCount`). */
  readonly enobufs: number;
  /** Sends the kernel took only in part; the rest was sent again. */
  readonly shortSends: number;
  /** 1 while the listening socket is open, else 0. */
  readonly listening: number;
}

/** The addon's functions. */
export interface UringAddon {
  create(options: RingOptions, onEvents: (count: number) => void): RingMemory;
  listen(handle: object, address: string, port: number, backlog: number, ipv6: boolean): number;
  stopListening(handle: object): void;
  flush(handle: object): void;
  write(handle: object, slot: number, bytes: Uint8Array): void;
  peer(handle: object, slot: number): string;
  stats(handle: object): RingStats;
  dispose(handle: object): void;
}

/** Where the addon is looked for. */
export function uringAddonPath(): string {
  return (
    process.env['WIREKIT_URING_ADDON'] ??
    new URL('../../../../native/uring/build/Release/wirekit_uring.node', import.meta.url).pathname
  );
}

let loaded: UringAddon | UringUnavailableError | undefined;

/**
 * The addon, loaded on first use. Throws {@link UringUnavailableError} (`platform`,
 * `not-built` or `load-failed`) when it cannot be; whether the kernel accepts io_uring shows
 * only when a ring is made.
 */
export function loadUringAddon(): UringAddon {
  loaded ??= tryLoad();
  if (loaded instanceof UringUnavailableError) throw loaded;
  return loaded;
}

function tryLoad(): UringAddon | UringUnavailableError {
  if (process.platform !== 'linux') {
    return new UringUnavailableError(
      UringUnavailableReason.PLATFORM,
      `io_uring is a Linux interface; this is ${process.platform}`,
    );
  }
  const path = uringAddonPath();
  if (!existsSync(path)) {
    return new UringUnavailableError(
      UringUnavailableReason.NOT_BUILT,
      `the io_uring addon is not built (no ${path}): run \`npm run build:uring\` in the wirekit ` +
        'package (needs liburing-dev, a C compiler and Python for node-gyp), or use serve()',
    );
  }
  try {
    return createRequire(import.meta.url)(path) as UringAddon;
  } catch (error) {
    return new UringUnavailableError(
      UringUnavailableReason.LOAD_FAILED,
      `the io_uring addon at ${path} does not load (${(error as Error).message}); ` +
        'rebuild it for this Node with `npm run build:uring`',
      error,
    );
  }
}

/** A ring, or the kernel's refusal as a {@link UringUnavailableError} (`kernel`). */
export function createRing(
  addon: UringAddon,
  options: RingOptions,
  onEvents: (count: number) => void,
): RingMemory {
  try {
    return addon.create(options, onEvents);
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    if ((error as { code?: string }).code !== 'ERR_URING_SYSCALL' || errno === undefined)
      throw error;
    throw new UringUnavailableError(
      UringUnavailableReason.KERNEL,
      `the kernel refused io_uring: ${(error as Error).message} (Linux 6.0 or later with ` +
        '/proc/sys/kernel/io_uring_disabled = 0 is needed)',
      error,
    );
  }
}
