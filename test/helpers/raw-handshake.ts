/**
 * Handshake pieces for raw-socket peers in tests, computed with `node:crypto` and plain string
 * handling so they stay independent of wirekit's own handshake code.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';

/** The GUID of RFC 6455 §1.3. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The `Sec-WebSocket-Accept` value for `key` (RFC 6455 §4.2.2 step 5.4). */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** An HTTP head read off a socket as latin1 text, and the bytes that followed it. */
export interface RawHead {
  head: string;
  rest: Buffer;
}

/**
 * Reads one HTTP head from `socket`: resolves with its text (without the blank line) and the
 * bytes after it; rejects when `waitMs` passes or the socket closes or fails first.
 */
export function readRawHead(socket: Duplex, waitMs: number): Promise<RawHead> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error(`no HTTP head within ${waitMs} ms`)), waitMs);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end >= 0) {
        done(undefined, {
          head: buffered.subarray(0, end).toString('latin1'),
          rest: buffered.subarray(end + 4),
        });
      }
    };
    const onClose = (): void => done(new Error('connection closed during the handshake'));
    function done(error: Error | undefined, value?: RawHead): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      if (error) reject(error);
      else resolve(value!);
    }
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onClose);
  });
}
