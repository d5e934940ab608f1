/**
 * A hostile WebSocket client on a raw `net` socket: it does the opening handshake by hand,
 * then writes whatever bytes a test wants (frames built by the conformance suite's own codec,
 * `wire-frame.ts`, independent of src/core) and tallies the server's frames without keeping
 * their payloads — a flood's answers are counted, not stored.
 *
 * @example
 * ```ts
 * const peer = await HostilePeer.open(port);
 * peer.socket.write(frameHeader(OP.BINARY, 1n << 62n));
 * await peer.closed;
 * peer.tally.closeCode; // 1009
 * ```
 */
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { encodeFrame, OP } from '../conformance/wire-frame.js';
import { type RawHead, readRawHead } from '../helpers/raw-handshake.js';
import { upgradeRequest } from '../node/helpers.js';

/** How long the handshake answer may take. Generous: the machine is slow and shared. */
const HANDSHAKE_WAIT_MS = 10_000;
/** An all-zero masking key: masked frames whose payload bytes go on the wire unchanged. */
const ZERO_KEY = Buffer.alloc(4);

/** Counts the server's frames as they stream in; keeps only control payloads it is shown. */
export class FrameTally {
  /** Frames seen, by opcode. */
  readonly counts: Map<number, number> = new Map();
  /** Status code of the server's close frame (1005 for an empty one), once it arrived. */
  closeCode: number | undefined;
  /** Called with each pong's payload, in order. */
  onPong: ((payload: Buffer) => void) | undefined;
  /** Frames the server sent masked (RFC 6455 §5.1: it never may). */
  maskedFrames = 0;
  #pending: Buffer = Buffer.alloc(0);
  #skip = 0;

  /** Frames seen with this opcode. */
  count(opcode: number): number {
    return this.counts.get(opcode) ?? 0;
  }

  push(chunk: Buffer): void {
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let pos = 0;
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - pos);
        this.#skip -= n;
        pos += n;
        if (this.#skip > 0) break;
      }
      const frame = frameAt(buf, pos);
      if (frame === undefined) break;
      const { opcode, headerSize, length, masked } = frame;
      if (masked) this.maskedFrames++;
      if (opcode >= OP.CLOSE) {
        if (buf.length - pos < headerSize + length) break;
        const payload = buf.subarray(pos + headerSize, pos + headerSize + length);
        if (opcode === OP.CLOSE) this.closeCode = length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (opcode === OP.PONG) this.onPong?.(payload);
        pos += headerSize + length;
      } else {
        pos += headerSize;
        this.#skip = length;
      }
      this.counts.set(opcode, this.count(opcode) + 1);
    }
    // Keep the unparsed tail (at most a header and a control payload), copied off the chunk.
    this.#pending = Buffer.from(buf.subarray(pos));
  }
}

/** The header of the frame starting at `pos`, or `undefined` when it is incomplete. */
function frameAt(
  buf: Buffer,
  pos: number,
): { opcode: number; headerSize: number; length: number; masked: boolean } | undefined {
  if (buf.length - pos < 2) return undefined;
  const opcode = buf[pos]! & 0x0f;
  const masked = (buf[pos + 1]! & 0x80) !== 0;
  let length = buf[pos + 1]! & 0x7f;
  let headerSize = 2;
  if (length === 126) {
    if (buf.length - pos < 4) return undefined;
    length = buf.readUInt16BE(pos + 2);
    headerSize = 4;
  } else if (length === 127) {
    if (buf.length - pos < 10) return undefined;
    length = Number(buf.readBigUInt64BE(pos + 2));
    headerSize = 10;
  }
  if (masked) headerSize += 4;
  if (buf.length - pos < headerSize) return undefined;
  return { opcode, headerSize, length, masked };
}

/** A raw client past the opening handshake, with a tally of what the server sends. */
export class HostilePeer {
  readonly socket: Socket;
  readonly tally: FrameTally = new FrameTally();
  /** Resolves when the socket has closed (by either side). */
  readonly closed: Promise<void>;
  /** Set when the socket failed (reset, broken pipe): expected when a server cuts a flood. */
  error: Error | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    // Not `events.once`: it would reject on the socket's 'error' (a reset is expected here).
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', (error) => {
      this.error = error;
    });
  }

  /** The server's 101 answer head (status line and fields). */
  head = '';

  /**
   * Connect to 127.0.0.1:`port` and complete the opening handshake (expects 101). `fields`
   * adds request header fields (e.g. a `Sec-WebSocket-Extensions` offer).
   */
  static async open(
    port: number,
    fields: Readonly<Record<string, string>> = {},
  ): Promise<HostilePeer> {
    const socket = netConnect({ host: '127.0.0.1', port });
    const peer = new HostilePeer(socket);
    await once(socket, 'connect');
    socket.write(upgradeRequest({ overrides: fields }));
    const { head, rest } = await readHead(socket);
    peer.head = head;
    socket.on('data', (chunk: Buffer) => peer.tally.push(chunk));
    if (rest.length > 0) peer.tally.push(rest);
    return peer;
  }
}

/** Read the answer head; fail (and destroy the socket) unless it is a 101. */
async function readHead(socket: Socket): Promise<RawHead> {
  const answer = await readRawHead(socket, HANDSHAKE_WAIT_MS).catch((error: unknown) => {
    socket.destroy();
    throw error;
  });
  if (!answer.head.startsWith('HTTP/1.1 101 ')) {
    socket.destroy();
    throw new Error(`expected 101, got ${answer.head}`);
  }
  return answer;
}

/** A masked frame header announcing `length` payload bytes, none of which follow it. */
export function frameHeader(opcode: number, length: bigint, fin = true): Buffer {
  return encodeFrame({ opcode, fin, mask: ZERO_KEY, announcedLength: length });
}

/**
 * A masked frame with `payload` (a zero key: the payload bytes go out as they are); `rsv1`
 * marks a permessage-deflate compressed message (RFC 7692 §6).
 */
export function maskedFrame(
  opcode: number,
  payload: Buffer | string,
  fin = true,
  rsv1 = false,
): Buffer {
  return encodeFrame({ opcode, payload, fin, mask: ZERO_KEY, rsv: rsv1 ? 0x4 : 0 });
}

/**
 * One message cut into `count` frames of one byte each (RFC 6455 §5.4): a first `opcode`
 * frame, `count - 2` continuation frames and a final one. Byte `i` of the message is
 * `i & 0xff`. Seven bytes on the wire per frame.
 */
export function oneByteFragments(opcode: number, count: number): Buffer {
  const frameSize = 7; // 2 header bytes, a 4-byte key, 1 payload byte
  const wire = Buffer.alloc(count * frameSize);
  for (let i = 0; i < count; i++) {
    const at = i * frameSize;
    const fin = i === count - 1 ? 0x80 : 0;
    wire[at] = fin | (i === 0 ? opcode : OP.CONT);
    wire[at + 1] = 0x80 | 1;
    // Bytes at + 2 .. at + 5: the zero masking key, already zero.
    wire[at + 6] = i & 0xff;
  }
  return wire;
}

/** The message {@link oneByteFragments} carries. */
export function oneByteFragmentsPayload(count: number): Buffer {
  const payload = Buffer.alloc(count);
  for (let i = 0; i < count; i++) payload[i] = i & 0xff;
  return payload;
}

/** Write `bytes` in pieces of `size` bytes, resolving when the socket took them all, or stopping
 * once it is no longer writable (the server closed and our side ended, or it was reset). */
export async function writeInPieces(socket: Socket, bytes: Buffer, size: number): Promise<void> {
  for (let at = 0; at < bytes.length && socket.writable; at += size) {
    if (!socket.write(bytes.subarray(at, at + size))) await drainedOrClosed(socket);
  }
}

/** Resolve on the socket's next `drain`, `finish` (no `drain` comes once it is ending) or
 * `close`, whichever comes first. */
function drainedOrClosed(socket: Socket): Promise<void> {
  const events = ['drain', 'finish', 'close'] as const;
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of events) socket.off(event, done);
      resolve();
    };
    for (const event of events) socket.on(event, done);
  });
}
