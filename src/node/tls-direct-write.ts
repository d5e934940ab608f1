/**
 * Writing to a TLS socket's handle (Node's `TLSWrap`) without the Writable stream on the path.
 *
 * `tlsSocket.write(buffer)` spends about 4,000 instructions in `Writable.write`, `_write`,
 * `writeOrBuffer`, `writeGeneric` and a `WriteWrap` made per call before `TLSWrap::DoWrite`
 * encrypts, and its completion runs Node's `onWriteComplete` and the Writable's `onwrite`
 * bookkeeping. When nothing is queued in the stream, all of that ends in the handle's
 * `writeBuffer(req, buffer)`; this module calls it directly (as direct-write.ts does for TCP).
 *
 * What differs from TCP, and what a caller must respect (from `src/crypto/crypto_tls.cc`):
 * - `DoWrite` encrypts the plaintext with `SSL_write` within the call (or copies it when OpenSSL
 *   cannot take it yet), so the caller's buffer is free again as soon as the call returns.
 * - A write always completes later: `EncOut` defers the completion with `SetImmediate` even when
 *   the TCP write went out at once, or waits for the TCP write to complete. The request's
 *   `oncomplete` then reports it; here that is one method call on the sink, nothing else.
 * - A `TLSWrap` takes one write at a time: `DoWrite` aborts the process
 *   (`CHECK(!current_write_)`) on a second write before the first completed. The caller writes
 *   only while no write of its own nor of the socket's Writable is pending, and holds its output
 *   until the completion otherwise.
 * - A request object is free for a new write only after Node has disposed of its last one, which
 *   happens right after `oncomplete` returns (and after the `process.nextTick` queue that runs
 *   then). So each writer owns two requests and alternates: the write a completion triggers uses
 *   the other one. A write that fails inside the call completes inside it, with the error; the
 *   caller destroys the socket then and writes no more.
 *
 * Where the handle is not a `TLSWrap` over a TCP or pipe handle, or Node does not expose the
 * stream binding, {@link tlsDirectWriter} returns `undefined` and the connection keeps
 * `socket.write`: slower, never wrong. Bytes written this way are not counted in
 * `socket.bytesWritten` or `socket.writableLength`; the connection keeps its own count.
 */
import type { Duplex } from 'node:stream';
import { DirectWrite, streamWrap } from './direct-write.js';

/** Where the completion of an encrypted write is reported. */
export interface TlsWriteSink {
  /** The write of `bytes` plaintext bytes ended: `status` 0, or a negative errno. */
  encryptedWriteDone(status: number, bytes: number): void;
}

/** A `WriteWrap` as this module shapes it: every field set once, at creation, except `bytes`. */
interface TlsWriteRequest {
  /** Keeps the handle alive while the write is pending, as Node's own requests do. */
  readonly handle: TlsHandle;
  readonly sink: TlsWriteSink;
  bytes: number;
  readonly oncomplete: (this: TlsWriteRequest, status: number) => void;
}

/** The part of a `TLSWrap` used here (StreamBase's write methods). */
interface TlsHandle {
  writeBuffer(request: TlsWriteRequest, data: Uint8Array): number;
  writev(request: TlsWriteRequest, chunks: readonly Uint8Array[], allBuffers: true): number;
}

function onEncryptedWriteComplete(this: TlsWriteRequest, status: number): void {
  this.sink.encryptedWriteDone(status, this.bytes);
}

function newRequest(
  make: new () => object,
  handle: TlsHandle,
  sink: TlsWriteSink,
): TlsWriteRequest {
  const request = new make() as { -readonly [K in keyof TlsWriteRequest]: TlsWriteRequest[K] };
  request.handle = handle;
  request.sink = sink;
  request.bytes = 0;
  request.oncomplete = onEncryptedWriteComplete;
  return request;
}

/** One TLS socket's direct writer. Made by {@link tlsDirectWriter}. */
export class TlsDirectWriter {
  readonly #handle: TlsHandle;
  readonly #state: Int32Array;
  readonly #async: number;
  /** The request the next write uses, and the one the write before used (see the module doc). */
  #next: TlsWriteRequest;
  #other: TlsWriteRequest;

  /** @internal Use {@link tlsDirectWriter}. */
  constructor(handle: TlsHandle, sink: TlsWriteSink) {
    const wrap = streamWrap()!;
    this.#handle = handle;
    this.#state = wrap.streamBaseState;
    this.#async = wrap.kLastWriteWasAsync;
    this.#next = newRequest(wrap.WriteWrap, handle, sink);
    this.#other = newRequest(wrap.WriteWrap, handle, sink);
  }

  /**
   * Encrypt and write `data` (no write of this socket may be pending). Returns
   * {@link DirectWrite.QUEUED} (the sink hears of the completion later; `data` may be reused at
   * once), {@link DirectWrite.WRITTEN} (done, no completion follows), or a negative errno. A
   * failed TCP write may complete the request inside this call, before it returns QUEUED.
   */
  write(data: Uint8Array): number {
    const request = this.#take(data.length);
    const status = this.#handle.writeBuffer(request, data);
    return status !== 0 ? status : this.#result();
  }

  /** As {@link write}, for several buffers of `bytes` bytes in all, encrypted as one. */
  writev(chunks: readonly Uint8Array[], bytes: number): number {
    const request = this.#take(bytes);
    const status = this.#handle.writev(request, chunks, true);
    return status !== 0 ? status : this.#result();
  }

  #take(bytes: number): TlsWriteRequest {
    const request = this.#next;
    this.#next = this.#other;
    this.#other = request;
    request.bytes = bytes;
    return request;
  }

  /** A `TLSWrap` completes every accepted write later; a handle that completed it at once (a
   * Node that changed this) sends no completion, and the write is done. */
  #result(): number {
    return this.#state[this.#async] === 0 ? DirectWrite.WRITTEN : DirectWrite.QUEUED;
  }
}

/**
 * A direct writer for `socket`, or `undefined` when it is not a connected TLS socket whose
 * handle is a `TLSWrap` over a TCP or pipe handle, or this Node does not allow it.
 */
export function tlsDirectWriter(socket: Duplex, sink: TlsWriteSink): TlsDirectWriter | undefined {
  const tls = socket as {
    encrypted?: boolean;
    connecting?: boolean;
    _handle?: { constructor?: { name?: string }; _parent?: { constructor?: { name?: string } } };
  };
  if (tls.encrypted !== true || tls.connecting === true) return undefined;
  const handle = tls._handle;
  if (handle?.constructor?.name !== 'TLSWrap') return undefined;
  // Over a JavaScript stream (`JSStream`, TLS over an HTTP/2 stream or a proxy's Duplex) the
  // ciphertext goes through JavaScript anyway: keep the stream's own path there.
  const under = handle._parent?.constructor?.name;
  if ((under !== 'TCP' && under !== 'Pipe') || streamWrap() === null) return undefined;
  const methods = handle as Partial<TlsHandle>;
  if (typeof methods.writeBuffer !== 'function' || typeof methods.writev !== 'function')
    return undefined;
  return new TlsDirectWriter(handle as TlsHandle, sink);
}
