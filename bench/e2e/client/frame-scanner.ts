/**
 * The load client's frame parser: finds frame boundaries and reports each frame's opcode and
 * payload length, nothing more (no unmasking, no UTF-8 check, no payload copy). It accepts
 * masked frames too, because the raw TCP echo server sends the client's own frames back.
 *
 * Chunks are only borrowed: a partial frame at the end of a chunk is copied into a carry
 * buffer, so the caller may reuse its read buffer (`net.Socket` `onread`).
 *
 * @example
 * ```ts
 * const scanner = new FrameScanner((opcode, length) => console.log(opcode, length));
 * scanner.push(Buffer.from([0x81, 0x02, 0x68, 0x69])); // logs 1 2
 * ```
 */

/** Called once per complete frame. */
export type FrameCallback = (opcode: number, payloadLength: number) => void;

/** Incremental frame boundary finder for one connection. */
export class FrameScanner {
  readonly #onFrame: FrameCallback;
  #carry: Buffer | undefined;

  constructor(onFrame: FrameCallback) {
    this.#onFrame = onFrame;
  }

  /** Scan a received chunk; the chunk is not kept. */
  push(chunk: Buffer): void {
    let bytes = chunk;
    const carry = this.#carry;
    if (carry !== undefined) {
      bytes = Buffer.concat([carry, chunk]);
      this.#carry = undefined;
    }
    const end = bytes.length;
    const onFrame = this.#onFrame;
    let at = 0;
    while (end - at >= 2) {
      const second = bytes[at + 1]!;
      let length = second & 0x7f;
      // §5.2: header = 2 bytes, + 2 or 8 for the extended length, + 4 if masked.
      let header = 2;
      if (length === 126) {
        if (end - at < 4) break;
        length = bytes.readUInt16BE(at + 2);
        header = 4;
      } else if (length === 127) {
        if (end - at < 10) break;
        length = Number(bytes.readBigUInt64BE(at + 2));
        header = 10;
      }
      if (second & 0x80) header += 4;
      const size = header + length;
      if (end - at < size) break;
      onFrame(bytes[at]! & 0x0f, length);
      at += size;
    }
    if (at < end) this.#carry = Buffer.from(bytes.subarray(at));
  }
}
