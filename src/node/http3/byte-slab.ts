/**
 * A bump allocator over large buffers that are never reused: a caller writes into
 * {@link ByteSlab.room}, keeps {@link ByteSlab.commit}'s view as long as it likes (a datagram
 * handed to `dgram.send`, a stream chunk handed to the HTTP/3 core), and the buffer goes to the
 * garbage collector once no view of it is left. One allocation serves many packets or reads.
 */
export class ByteSlab {
  readonly #size: number;
  readonly #room: number;
  #buffer: Buffer;
  #offset = 0;
  #view: Buffer;

  /**
   * A slab that allocates buffers of `size` bytes, a new one when less than `room` is left.
   *
   * @param size bytes of each buffer
   * @param room bytes a caller may write at once (at most `size`)
   */
  constructor(size: number, room: number) {
    this.#size = size;
    this.#room = room;
    this.#buffer = Buffer.allocUnsafe(size);
    this.#view = this.#buffer.subarray(0, room);
  }

  /** A view of at least `room` writable bytes (the same view until {@link commit}). */
  room(): Buffer {
    return this.#view;
  }

  /** Keep the first `n` bytes written into {@link room}; returns them as a view. */
  commit(n: number): Buffer {
    const start = this.#offset;
    const kept = this.#buffer.subarray(start, start + n);
    let offset = start + n;
    if (offset + this.#room > this.#size) {
      this.#buffer = Buffer.allocUnsafe(this.#size);
      offset = 0;
    }
    this.#offset = offset;
    this.#view = this.#buffer.subarray(offset, offset + this.#room);
    return kept;
  }

  /** The buffer and offset of {@link room} (for `dgram.send(buffer, offset, length)`). */
  get buffer(): Buffer {
    return this.#buffer;
  }

  /** Offset of {@link room} in {@link buffer}. */
  get offset(): number {
    return this.#offset;
  }

  /** Skip `n` bytes written into {@link room} without making a view of them. */
  advance(n: number): void {
    let offset = this.#offset + n;
    if (offset + this.#room > this.#size) {
      this.#buffer = Buffer.allocUnsafe(this.#size);
      offset = 0;
    }
    this.#offset = offset;
    this.#view = this.#buffer.subarray(offset, offset + this.#room);
  }
}
