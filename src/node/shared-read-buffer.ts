/**
 * Reading many sockets into one reused buffer, as uWebSockets.js does with its loop's receive
 * buffer: no `Buffer` allocated per read and no Readable-stream push per chunk.
 *
 * Node offers this as `net.Socket`'s `onread` option, but only for sockets you construct
 * (clients); a server's accepted sockets cannot take it. The option's machinery is the same for
 * every socket, though: the handle reads into a user buffer (`useUserBuffer`) and Node's read
 * callback hands `(nread, buffer)` to the socket's `onread` callback, kept under symbol keys.
 * {@link readInto} applies it to a socket that already exists. The symbols are found once on a
 * probe socket built with the public option; if this Node lays them out differently, or the
 * socket has no such handle (an HTTP/2 stream), it returns `false` and the socket keeps its
 * `'data'` events — slower, never wrong.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { useReadBufferForMasking } from './node-platform.js';

interface OnreadKeys {
  readonly buffer: symbol;
  readonly callback: symbol;
  readonly generator: symbol;
}

let keys: OnreadKeys | null | undefined;

function onreadKeys(): OnreadKeys | null {
  if (keys !== undefined) return keys;
  // `onread` is a documented Socket option that @types/node lists only for connect().
  const options = { onread: { buffer: Buffer.alloc(1), callback: () => true } };
  const probe = new Socket(options as ConstructorParameters<typeof Socket>[0]);
  const find = (name: string): symbol | undefined =>
    Object.getOwnPropertySymbols(probe).find((s) => s.description === name);
  const buffer = find('kBuffer');
  const callback = find('kBufferCb');
  const generator = find('kBufferGen');
  keys =
    buffer !== undefined && callback !== undefined && generator !== undefined
      ? { buffer, callback, generator }
      : null;
  probe.destroy();
  return keys;
}

/** The callback: `this` is the socket; return `false` to pause reading. */
export type SharedReadCallback = (this: Duplex, length: number, buffer: Buffer) => boolean;

/**
 * A transport that reads into memory of its own and lends each read to one callback, valid
 * until the callback returns (the io_uring socket: its reads land in the kernel's provided
 * buffers). {@link readInto} gives it the callback; the buffer is not used.
 */
export interface LendingReader {
  lendReads(callback: SharedReadCallback): void;
}

function lendsReads(socket: Duplex): socket is Duplex & LendingReader {
  return typeof (socket as Partial<LendingReader>).lendReads === 'function';
}

/** The size of {@link processReadBuffer}: what one read takes at most, as Node's default. */
const PROCESS_READ_BUFFER_SIZE = 64 * 1024;
let processBuffer: Buffer | undefined;
/** {@link processBuffer}'s memory as a plain `Uint8Array`, for {@link plainBytes}. */
let processBytes: Uint8Array | undefined;

/**
 * The read buffer shared by every connection of this process that does not bring its own.
 * Reads happen one at a time on the main thread, and each read's bytes are handled (parsed, and
 * what must outlive the read copied) before its callback returns, so one buffer serves them
 * all; the connection's read callback copies a chunk that arrives while another is in use.
 */
export function processReadBuffer(): Buffer {
  if (processBuffer === undefined) {
    processBuffer = Buffer.allocUnsafe(PROCESS_READ_BUFFER_SIZE);
    processBytes = new Uint8Array(
      processBuffer.buffer,
      processBuffer.byteOffset,
      processBuffer.length,
    );
    useReadBufferForMasking(processBytes);
  }
  return processBuffer;
}

/**
 * `buffer`'s memory as a plain `Uint8Array` (made once for {@link processReadBuffer}). A
 * connection that copies every payload out parses its reads through it: a view of a
 * `Uint8Array` is made by V8's own `subarray`, while `Buffer#subarray` looks up `buffer` and
 * `byteOffset` through getters that cost more than the view.
 */
export function plainBytes(buffer: Buffer): Uint8Array {
  if (buffer === processBuffer && processBytes !== undefined) return processBytes;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

/** Whether {@link readInto} can switch `socket` to a read buffer (it reads from a handle). */
export function canReadInto(socket: Duplex): boolean {
  if (lendsReads(socket)) return true;
  const handle = (socket as { _handle?: { useUserBuffer?: unknown } })._handle;
  return onreadKeys() !== null && typeof handle?.useUserBuffer === 'function';
}

/**
 * From now on, `socket`'s reads land in `buffer` and go to `callback` (with `this` the socket)
 * instead of `'data'` events. The bytes are valid only until the callback returns. Returns
 * `false`, changing nothing, when this is not possible here.
 */
export function readInto(socket: Duplex, buffer: Buffer, callback: SharedReadCallback): boolean {
  if (lendsReads(socket)) {
    socket.lendReads(callback);
    return true;
  }
  const found = onreadKeys();
  const handle = (socket as { _handle?: { useUserBuffer?: (buffer: Uint8Array) => void } })._handle;
  if (found === null || typeof handle?.useUserBuffer !== 'function' || socket.readableLength > 0)
    return false;
  const target = socket as unknown as Record<symbol, unknown>;
  target[found.buffer] = buffer;
  target[found.callback] = callback;
  target[found.generator] = null;
  handle.useUserBuffer(buffer);
  return true;
}
