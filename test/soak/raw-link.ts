/**
 * The misbehaving side of a soak case: one WebSocket connection, after its opening handshake,
 * driven byte by byte by test code (a raw client against wirekit's server, or a raw server
 * against wirekit's client), written from RFC 6455 with the conformance suite's own frame codec
 * so wirekit is never checked against itself. It keeps the TCP socket under any TLS or
 * HTTP/2, so a fault can reset exactly that connection.
 *
 * @example
 * ```ts
 * const link = new RawLink(stream, tcp, 'client', rest);
 * await link.sendSequence(writer, 5); // five messages, flushed
 * link.vanishMidFrame(writer);        // half a frame, then gone
 * ```
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { closeBody, encodeFrame, OP, WireFrameParser } from '../conformance/wire-frame.js';
import type { Random, SequenceWriter } from './sequence-stream.js';

/** A frame RFC 6455 forbids, and the close code the receiving side must fail with. */
export interface InvalidFrame {
  readonly name: string;
  readonly bytes: Buffer;
  readonly code: number;
}

/** Frames a peer in `role` must not send, each with the code of §7.4.1 it earns. */
export function invalidFrames(role: 'client' | 'server'): readonly InvalidFrame[] {
  const mask = role === 'client';
  const frame = (spec: Parameters<typeof encodeFrame>[0]): Buffer => encodeFrame({ mask, ...spec });
  return [
    // §5.1: a client masks every frame, a server none.
    {
      name: 'wrong masking',
      bytes: encodeFrame({ opcode: OP.TEXT, payload: 'x', mask: !mask }),
      code: 1002,
    },
    // §5.2: opcodes 3-7 and 0xb-0xf are reserved.
    { name: 'reserved opcode', bytes: frame({ opcode: 0x3, payload: 'x' }), code: 1002 },
    // §5.2: RSV bits without an extension that defines them.
    { name: 'RSV2 set', bytes: frame({ opcode: OP.BINARY, payload: 'x', rsv: 0x2 }), code: 1002 },
    // §8.1: text must be UTF-8.
    {
      name: 'invalid UTF-8',
      bytes: frame({ opcode: OP.TEXT, payload: Buffer.from([0xff, 0xfe]) }),
      code: 1007,
    },
    // §5.5: control frames carry at most 125 bytes and are never fragmented.
    {
      name: 'long ping',
      bytes: frame({ opcode: OP.PING, payload: Buffer.alloc(126) }),
      code: 1002,
    },
    { name: 'fragmented ping', bytes: frame({ opcode: OP.PING, fin: false }), code: 1002 },
    // §5.4: a continuation with no message to continue.
    { name: 'stray continuation', bytes: frame({ opcode: OP.CONT, payload: 'x' }), code: 1002 },
    // §7.4.1: 1005 may not be sent in a close frame.
    {
      name: 'close code 1005',
      bytes: frame({ opcode: OP.CLOSE, payload: closeBody(1005) }),
      code: 1002,
    },
    // A frame announcing 2^40 bytes, past any message size limit (§10.4).
    {
      name: 'huge length',
      bytes: frame({ opcode: OP.BINARY, announcedLength: 2n ** 40n }),
      code: 1009,
    },
  ];
}

/** One raw connection after its handshake. */
export class RawLink {
  readonly stream: Duplex;
  /** The TCP connection underneath (the stream itself for plain TCP). */
  readonly tcp: Socket;
  readonly role: 'client' | 'server';
  readonly #parser = new WireFrameParser();
  /** The close code of the first close frame the other side sent (0: none yet). */
  closeCodeSeen = 0;
  /** Frames the other side sent. */
  framesSeen = 0;
  #closeSeen: (() => void) | undefined;

  constructor(stream: Duplex, tcp: Socket, role: 'client' | 'server', initial: Buffer) {
    this.stream = stream;
    this.tcp = tcp;
    this.role = role;
    stream.on('error', () => {});
    tcp.on('error', () => {});
    stream.on('data', (chunk: Buffer) => this.#receive(chunk));
    if (initial.length > 0) this.#receive(initial);
  }

  #receive(chunk: Buffer): void {
    try {
      this.#parser.push(chunk);
      for (let frame = this.#parser.next(); frame !== undefined; frame = this.#parser.next()) {
        this.framesSeen++;
        if (frame.opcode === OP.CLOSE && this.closeCodeSeen === 0) {
          this.closeCodeSeen = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
          this.#closeSeen?.();
        }
      }
    } catch {
      // A frame this peer cannot hold: it stops parsing, the case's oracle is elsewhere.
    }
  }

  #frame(data: string | Buffer, isBinary: boolean): Buffer {
    return encodeFrame({
      opcode: isBinary ? OP.BINARY : OP.TEXT,
      payload: data,
      mask: this.role === 'client',
    });
  }

  /** Write `count` messages of `writer`; resolves once the transport took the last one. */
  sendSequence(writer: SequenceWriter, count: number): Promise<void> {
    const frames: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const message = writer.next();
      frames.push(this.#frame(message.data, message.isBinary));
    }
    return this.#write(Buffer.concat(frames));
  }

  #write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.stream.destroyed || bytes.length === 0) resolve();
      else this.stream.write(bytes, () => resolve());
    });
  }

  /** The peer vanishes mid-frame: the first half of a message, then the TCP connection is
   * destroyed. */
  async vanishMidFrame(writer: SequenceWriter): Promise<void> {
    const message = writer.next();
    const frame = this.#frame(message.data, message.isBinary);
    await this.#write(frame.subarray(0, frame.length >> 1));
    this.tcp.destroy();
    this.stream.destroy();
  }

  /** The TCP connection is reset (RST, `resetAndDestroy`). */
  reset(): void {
    this.tcp.resetAndDestroy();
    this.stream.destroy();
  }

  /** Stop reading for good (until {@link destroy}). */
  stopReading(): void {
    this.stream.pause();
    this.stream.removeAllListeners('data');
  }

  /** Random bytes, then the end of this side's stream. */
  async sendGarbage(random: Random): Promise<void> {
    const bytes = Buffer.alloc(32 + Math.floor(random() * 480));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    await this.#write(bytes);
    this.stream.end();
  }

  /** Send `frame`; resolves with the close code the other side answered with (0: the
   * connection ended without one), within `ms`. */
  async sendInvalid(frame: InvalidFrame, ms: number): Promise<number> {
    const answered = new Promise<void>((resolve) => {
      this.#closeSeen = resolve;
      this.stream.once('close', () => resolve());
      this.stream.once('end', () => resolve());
    });
    await this.#write(frame.bytes);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      answered,
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
    this.stream.end();
    return this.closeCodeSeen;
  }

  /** Tear everything down (the end of a case). */
  destroy(): void {
    this.stream.destroy();
    this.tcp.destroy();
  }
}
