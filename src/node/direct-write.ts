/**
 * Writing to a TCP socket's handle without the Writable stream on the path.
 *
 * `socket.write(buffer)` costs about 1 µs of JavaScript on top of the `write` syscall:
 * `Writable.write`, `_write`, `writeOrBuffer`, a `WriteWrap` object made per call, state
 * updates and callbacks. When nothing is queued in the stream, all of that ends in the handle's
 * `writeBuffer(req, buffer)`, which libuv tries to write at once (`uv_try_write`). This module
 * calls it directly, as uWebSockets.js calls `send`, and keeps one spare request: a write that
 * completes synchronously never attaches to its request, so the same one serves the next write,
 * and nothing is allocated per write. Only a write the kernel could not take whole (the socket
 * buffer is full) keeps its request and reports back through {@link DirectWriteSink}.
 *
 * It applies to plain TCP and pipe sockets (`TCP`/`Pipe` handles) only. TLS sockets encrypt on
 * their write path and complete every write later (tls-direct-write.ts), and other Duplexes
 * (HTTP/2 streams) have no handle. Where Node does not
 * expose the stream binding (`process.binding('stream_wrap')`), {@link directHandle} returns
 * `undefined` and the connection keeps `socket.write` — slower, never wrong.
 *
 * Bytes written this way are not counted in `socket.bytesWritten` or `socket.writableLength`;
 * the connection keeps its own count of what is queued in the kernel's stead.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { getSystemErrorName } from 'node:util';

/** Where the completion of a queued direct write is reported. */
export interface DirectWriteSink {
  /** A queued write of `bytes` ended: `status` 0, or a negative errno. */
  directWriteDone(status: number, bytes: number): void;
}

/** A stream handle's native request object (`WriteWrap`), with the fields Node's own use. */
interface WriteRequest {
  handle: StreamHandle | null;
  buffer: Uint8Array | null;
  bytes: number;
  sink: DirectWriteSink | null;
  oncomplete: (this: WriteRequest, status: number) => void;
}

/** The part of a `TCP`/`Pipe` handle used here. */
export interface StreamHandle {
  writeBuffer(request: WriteRequest, data: Uint8Array): number;
}

/** Node's `stream_wrap` binding: the request class and the last write's result. */
export interface StreamWrapBinding {
  readonly WriteWrap: new () => object;
  readonly streamBaseState: Int32Array;
  readonly kLastWriteWasAsync: number;
}

/** What {@link writeDirect} did with the bytes. */
export const DirectWrite = {
  /** The kernel took every byte: the buffer may be reused at once. */
  WRITTEN: 0,
  /** Some bytes wait in libuv's queue: the buffer is kept until `directWriteDone`. */
  QUEUED: 1,
} as const;

let binding: StreamWrapBinding | null | undefined;

/** The `stream_wrap` binding, or `null` when this Node does not offer it (looked up once). */
export function streamWrap(): StreamWrapBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    const load = (process as unknown as { binding?: (name: string) => unknown }).binding;
    const found = load?.call(process, 'stream_wrap') as Partial<StreamWrapBinding> | undefined;
    if (
      typeof found?.WriteWrap === 'function' &&
      found.streamBaseState instanceof Int32Array &&
      typeof found.kLastWriteWasAsync === 'number'
    )
      binding = found as StreamWrapBinding;
  } catch {
    // Not offered by this Node: stay on socket.write.
  }
  return binding;
}

function onQueuedWriteComplete(this: WriteRequest, status: number): void {
  const sink = this.sink;
  const bytes = this.bytes;
  this.sink = null;
  this.buffer = null;
  this.handle = null;
  sink?.directWriteDone(status, bytes);
}

let spare: WriteRequest | undefined;

function newRequest(wrap: StreamWrapBinding): WriteRequest {
  const request = new wrap.WriteWrap() as WriteRequest;
  request.handle = null;
  request.buffer = null;
  request.bytes = 0;
  request.sink = null;
  request.oncomplete = onQueuedWriteComplete;
  return request;
}

/**
 * The handle to write to directly, or `undefined` when `socket` is not a plain, connected TCP or
 * pipe socket, or this Node does not allow it.
 */
export function directHandle(socket: Duplex): StreamHandle | undefined {
  if (!(socket instanceof Socket) || (socket as { encrypted?: boolean }).encrypted === true)
    return undefined;
  const handle = (socket as unknown as { _handle?: { constructor?: { name?: string } } })._handle;
  const kind = handle?.constructor?.name;
  if ((kind !== 'TCP' && kind !== 'Pipe') || socket.connecting || streamWrap() === null)
    return undefined;
  return typeof (handle as Partial<StreamHandle>).writeBuffer === 'function'
    ? (handle as StreamHandle)
    : undefined;
}

/**
 * Write `data` through `handle`. Returns {@link DirectWrite.WRITTEN} or
 * {@link DirectWrite.QUEUED} (then `sink.directWriteDone` follows, and `data` must stay
 * untouched until it does), or a negative errno when the write failed. The caller makes sure
 * nothing else is queued on the socket's own stream.
 */
export function writeDirect(handle: StreamHandle, data: Uint8Array, sink: DirectWriteSink): number {
  const wrap = binding!;
  const request = spare ?? newRequest(wrap);
  const status = handle.writeBuffer(request, data);
  // A failed write may have attached the request: never reuse it.
  if (status !== 0) {
    spare = undefined;
    return status;
  }
  if (wrap.streamBaseState[wrap.kLastWriteWasAsync] === 0) {
    spare = request;
    return DirectWrite.WRITTEN;
  }
  // libuv holds the request and the bytes until the write completes.
  spare = undefined;
  request.handle = handle;
  request.buffer = data;
  request.bytes = data.length;
  request.sink = sink;
  return DirectWrite.QUEUED;
}

/**
 * A JavaScript stream that takes bytes and hands them out without its `Duplex` machinery (an
 * HTTP/3 request stream: its bytes go to and come from QUIC in the same process). A connection
 * on one writes with {@link DirectStream.writeDirect} whenever nothing is queued in the
 * stream's `Writable`, and is handed what arrives while the stream flows with nothing buffered
 * in its `Readable`; otherwise the stream's own `Duplex` paths serve, in order with these.
 */
export interface DirectStream {
  /**
   * Write `data`: {@link DirectWrite.WRITTEN} when the transport took every byte,
   * {@link DirectWrite.QUEUED} when some wait (then `sink.directWriteDone(0, data.length)`
   * follows once they are out). Either way the stream is done with `data` when this returns.
   */
  writeDirect(data: Uint8Array, sink: DirectWriteSink): number;
  /** Hand what arrives to `reader` while the stream flows (its return value `false`: the
   * reader paused the stream). */
  readDirect(reader: DirectReadSink): void;
}

/** Where a {@link DirectStream} hands what arrives. */
export interface DirectReadSink {
  /** Bytes from the peer; returns whether reading goes on (not paused). */
  receive(chunk: Uint8Array): boolean;
}

/** The {@link DirectStream} side of `socket`, if it has one. */
export function directStream(socket: Duplex): DirectStream | undefined {
  return typeof (socket as Partial<DirectStream>).writeDirect === 'function'
    ? (socket as unknown as DirectStream)
    : undefined;
}

/** An `Error` for a failed write, as Node's own socket write would report it. */
export function writeError(status: number): Error {
  const name = getSystemErrorName(status);
  return Object.assign(new Error(`write ${name}`), { code: name, errno: status, syscall: 'write' });
}
