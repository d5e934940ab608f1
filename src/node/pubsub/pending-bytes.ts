/**
 * Bytes handed to a channel that answers in order (Redis acknowledges publishes in order; an
 * IPC channel completes its writes in order) and not yet answered: a broker refuses or drops
 * past a limit instead of queueing without bound. One FIFO of sizes and one `settle` per
 * answer, with no closure per message.
 *
 * @example
 * ```ts
 * const pending = new PendingBytes();
 * pending.add(message.length);
 * channel.send(message, pending.settle); // called once per message, in order
 * ```
 */
export class PendingBytes {
  readonly #sizes: number[] = [];
  #head = 0;
  #bytes = 0;

  /** Settle the oldest unsettled message: pass it as the channel's callback. */
  readonly settle = (): void => {
    const sizes = this.#sizes;
    if (this.#head === sizes.length) return;
    this.#bytes -= sizes[this.#head]!;
    this.#head++;
    if (this.#head === sizes.length) {
      sizes.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > sizes.length) {
      sizes.splice(0, this.#head);
      this.#head = 0;
    }
  };

  /** Bytes added and not settled yet. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Messages added and not settled yet. */
  get count(): number {
    return this.#sizes.length - this.#head;
  }

  /** A message of `size` bytes is on its way. */
  add(size: number): void {
    this.#sizes.push(size);
    this.#bytes += size;
  }
}
