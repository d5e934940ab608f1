/**
 * The raw peer of the conformance suite: the other end of a WebSocket connection after the
 * opening handshake, writing exact bytes and reading exact frames, with every wait bounded.
 * As a client it masks what it sends and requires unmasked frames (RFC 6455 §5.1); as a server
 * the reverse.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { encodeFrame, type FrameSpec, OP, type WireFrame, WireFrameParser } from './wire-frame.js';

/** How long any single expectation may wait. Generous: the machine is slow and shared. */
export const WAIT_MS = 10_000;

export class RawPeer {
  readonly role: 'client' | 'server';
  readonly #socket: Duplex;
  readonly #parser = new WireFrameParser();
  #frames: WireFrame[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #error: Error | undefined;
  readonly ended: Promise<void>;

  constructor(socket: Duplex, role: 'client' | 'server', initial: Buffer) {
    this.#socket = socket;
    this.role = role;
    let markEnded: () => void = () => {};
    this.ended = new Promise<void>((resolve) => {
      markEnded = resolve;
    });
    const finish = (): void => {
      this.#ended = true;
      markEnded();
      this.#wake?.();
    };
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error) => {
      this.#error = error;
      finish();
    });
    if (initial.length > 0) this.#receive(initial);
  }

  /**
   * The bare socket or stream under the peer: `pause()` it to stop reading (backpressure
   * tests), `resume()` to read again, `end()` to close our side.
   */
  get stream(): Duplex {
    return this.#socket;
  }

  /** Whether the connection has ended (end, close or error of the stream). */
  get isEnded(): boolean {
    return this.#ended;
  }

  #receive(chunk: Buffer): void {
    this.#parser.push(chunk);
    for (let frame = this.#parser.next(); frame !== undefined; frame = this.#parser.next())
      this.#frames.push(frame);
    this.#wake?.();
  }

  /** Send one frame; a client peer masks it unless `spec.mask` says otherwise. */
  send(spec: FrameSpec): void {
    this.#socket.write(encodeFrame({ mask: this.role === 'client', ...spec }));
  }

  /** Send exact bytes, optionally in pieces of `chunkSize` bytes (each its own write). */
  sendBytes(bytes: Buffer, chunkSize = 0): void {
    if (chunkSize <= 0) {
      this.#socket.write(bytes);
      return;
    }
    for (let i = 0; i < bytes.length; i += chunkSize)
      this.#socket.write(bytes.subarray(i, i + chunkSize));
  }

  /** Encode frames and send them as one write, or in pieces of `chunkSize` bytes. */
  sendFrames(specs: readonly FrameSpec[], chunkSize = 0): void {
    this.sendBytes(
      Buffer.concat(specs.map((spec) => encodeFrame({ mask: this.role === 'client', ...spec }))),
      chunkSize,
    );
  }

  /** The next frame from the implementation; fails if the connection ends first. */
  async nextFrame(): Promise<WireFrame> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const frame = this.#frames.shift();
      if (frame !== undefined) {
        // §5.1: a server never masks; a client always does.
        assert.equal(
          frame.masked,
          this.role === 'server',
          `frame from the ${this.role === 'client' ? 'server' : 'client'} ${frame.masked ? 'masked' : 'unmasked'} (§5.1)`,
        );
        return frame;
      }
      if (this.#ended)
        throw new Error(
          `connection ended while a frame was expected${this.#error ? `: ${this.#error.message}` : ''}`,
        );
      await this.#waitForInput(deadline);
    }
  }

  /** Expect a data message echoed back, possibly fragmented by the implementation. */
  async expectMessage(opcode: number, payload: Buffer | string): Promise<void> {
    const expected = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const first = await this.#nextNonPong();
    assert.equal(first.opcode, opcode, `expected opcode ${opcode}, got ${first.opcode}`);
    assert.equal(first.rsv, 0, 'reserved bits set without an extension (§5.2)');
    const parts = [first.payload];
    let frame = first;
    while (!frame.fin) {
      frame = await this.#nextNonPong();
      assert.equal(
        frame.opcode,
        OP.CONT,
        'fragment continued with a non-continuation frame (§5.4)',
      );
      parts.push(frame.payload);
    }
    const got = Buffer.concat(parts);
    assert.equal(got.length, expected.length, 'echoed message length');
    assert.ok(got.equals(expected), 'echoed message content');
  }

  /** Expect a control frame with exactly this opcode and payload. */
  async expectControl(opcode: number, payload: Buffer | string = Buffer.alloc(0)): Promise<void> {
    const frame = await this.nextFrame();
    assert.equal(frame.opcode, opcode, `expected opcode ${opcode}, got ${frame.opcode}`);
    assert.ok(frame.fin, 'control frames are never fragmented (§5.5)');
    assert.ok(
      frame.payload.equals(typeof payload === 'string' ? Buffer.from(payload) : payload),
      'control payload',
    );
  }

  /**
   * Expect the implementation to close: a close frame (with `code`, or no body for `null`)
   * and then the end of the connection. Skips pongs before it.
   */
  async expectClose(
    code: number | null,
    options: { endsConnection?: boolean } = {},
  ): Promise<void> {
    const frame = await this.#nextNonPong();
    assert.equal(
      frame.opcode,
      OP.CLOSE,
      `expected a close frame, got opcode ${frame.opcode} (${frame.payload.subarray(0, 60).toString('hex')})`,
    );
    if (code === null) assert.equal(frame.payload.length, 0, 'close frame without a body');
    else {
      assert.ok(frame.payload.length >= 2, 'close frame has a status code');
      assert.equal(
        frame.payload.readUInt16BE(0),
        code,
        `close code (reason: ${frame.payload.subarray(2).toString()})`,
      );
    }
    if (options.endsConnection ?? true) await this.expectEnd();
  }

  /**
   * Expect the connection to end (the implementation closes TCP, §7.1.1). As a server peer
   * we close our side first, as a server should, then wait for the client to go.
   */
  async expectEnd(): Promise<void> {
    if (this.role === 'server') this.#socket.end();
    const deadline = Date.now() + WAIT_MS;
    while (!this.#ended) await this.#waitForInput(deadline);
    const extra = this.#frames.map((f) => f.opcode);
    assert.deepEqual(extra, [], 'no frames after the close frame (§5.5.1)');
  }

  /** Complete a close the implementation started or answered: send our close frame. */
  closeWith(code: number | null, reason = ''): void {
    const payload =
      code === null
        ? Buffer.alloc(0)
        : Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]);
    this.send({ opcode: OP.CLOSE, payload });
  }

  /** Tear the connection down (end of a case). */
  destroy(): void {
    this.#socket.destroy();
  }

  async #nextNonPong(): Promise<WireFrame> {
    for (;;) {
      const frame = await this.nextFrame();
      if (frame.opcode !== OP.PONG) return frame;
    }
  }

  #waitForInput(deadline: number): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.reject(new Error(`nothing arrived within ${WAIT_MS} ms`));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        reject(new Error(`nothing arrived within ${WAIT_MS} ms`));
      }, left);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}
