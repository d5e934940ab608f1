/**
 * The little of RFC 6455 and RFC 7692 the memory benchmark's raw client speaks, written out by
 * hand so the client depends on no WebSocket library (whose own memory and behaviour are not
 * under test): the opening request with a browser's extension offer, the 101 check, masked
 * client frames (compressed when permessage-deflate was agreed) and server frames read back.
 *
 * @example
 * ```ts
 * socket.write(upgradeRequest('127.0.0.1:9001', key));
 * const head = parseUpgradeAnswer(bytes, expectedAccept(key)); // { extensions, used } or an error
 * socket.write(maskedFrame(OPCODE_TEXT, Buffer.from('hi'), false));
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export const OPCODE_TEXT = 0x1;
export const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** RFC 7692 §7.2.1: a sync flush ends with these four bytes, which the sender drops. */
const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A fresh `Sec-WebSocket-Key`. */
export function newKey(): string {
  return randomBytes(16).toString('base64');
}

/** The `Sec-WebSocket-Accept` a server must answer `key` with (RFC 6455 §4.2.2). */
export function expectedAccept(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/**
 * The opening request, with the extension offer Chromium and ws's client send:
 * `permessage-deflate; client_max_window_bits` (RFC 7692 §7.1.2.2).
 */
export function upgradeRequest(host: string, key: string): string {
  return (
    'GET / HTTP/1.1\r\n' +
    `Host: ${host}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${key}\r\n` +
    'Sec-WebSocket-Version: 13\r\n' +
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' +
    '\r\n'
  );
}

/** What a 101 answer agreed. */
export interface UpgradeAnswer {
  /** The `Sec-WebSocket-Extensions` value, or `''`. */
  readonly extensions: string;
  /** permessage-deflate was agreed. */
  readonly deflate: boolean;
  /** The window this client may compress with (`client_max_window_bits`, else 15). */
  readonly clientWindowBits: number;
  /** Bytes of `bytes` the head took (frames may follow). */
  readonly used: number;
}

/** Parse the answer once its head is complete: `undefined` while more bytes are needed. */
export function parseUpgradeAnswer(
  bytes: Buffer,
  accept: string,
): UpgradeAnswer | Error | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return bytes.length > 16_384 ? new Error('answer head too large') : undefined;
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  if (!/^HTTP\/1\.1 101 /.test(lines[0] ?? '')) return new Error(`answer: ${lines[0]}`);
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  if (fields.get('sec-websocket-accept') !== accept) return new Error('wrong Sec-WebSocket-Accept');
  const extensions = fields.get('sec-websocket-extensions') ?? '';
  const deflate = extensions.startsWith('permessage-deflate');
  const bits = /client_max_window_bits=(\d+)/.exec(extensions)?.[1];
  return {
    extensions,
    deflate,
    clientWindowBits: bits === undefined ? 15 : Number(bits),
    used: end + 4,
  };
}

/** A masked client frame (FIN set), RSV1 when `compressed`. Payloads up to 65,535 bytes. */
export function maskedFrame(opcode: number, payload: Buffer, compressed: boolean): Buffer {
  const small = payload.length < 126;
  const header = small ? 2 : 4;
  const frame = Buffer.allocUnsafe(header + 4 + payload.length);
  frame[0] = 0x80 | (compressed ? 0x40 : 0) | opcode;
  if (small) frame[1] = 0x80 | payload.length;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(payload.length, 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header);
  for (let i = 0; i < payload.length; i++) frame[header + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/** `message` as a permessage-deflate payload (RFC 7692 §7.2.1), with the tail dropped. */
export function deflateMessage(message: Buffer, windowBits: number): Buffer {
  const compressed = deflateRawSync(message, {
    windowBits: Math.max(9, windowBits),
    finishFlush: 2, // Z_SYNC_FLUSH: end with 00 00 ff ff, as a WebSocket compressor does
  });
  const end = compressed.subarray(-4).equals(DEFLATE_TAIL)
    ? compressed.length - 4
    : compressed.length;
  return compressed.subarray(0, end);
}

/** A compressed server payload back to the message (RFC 7692 §7.2.2). */
export function inflateMessage(payload: Buffer): Buffer {
  return inflateRawSync(Buffer.concat([payload, DEFLATE_TAIL]), { finishFlush: 2 });
}

/** One server frame (unmasked, FIN set) read from the front of a buffer. */
export interface ServerFrame {
  readonly opcode: number;
  readonly compressed: boolean;
  readonly payload: Buffer;
  /** Bytes the frame took. */
  readonly used: number;
}

/** The first frame of `bytes`, `undefined` while incomplete; an Error for what this client
 * does not expect from a server (a mask, a fragment, a frame past 64 KiB). */
export function readServerFrame(bytes: Buffer): ServerFrame | Error | undefined {
  if (bytes.length < 2) return undefined;
  const first = bytes[0]!;
  const second = bytes[1]!;
  if ((first & 0x80) === 0) return new Error('fragmented frame');
  if ((second & 0x80) !== 0) return new Error('masked server frame');
  let length = second & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) return new Error('frame past 64 KiB');
  if (bytes.length < offset + length) return undefined;
  return {
    opcode: first & 0x0f,
    compressed: (first & 0x40) !== 0,
    payload: bytes.subarray(offset, offset + length),
    used: offset + length,
  };
}
