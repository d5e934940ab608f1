/**
 * One load-client connection on a bare `net.Socket`: an HTTP/1.1 upgrade request written by
 * hand, a check of the 101 answer, then pre-encoded frames out and a {@link FrameScanner} in.
 * No WebSocket library is involved, so the client costs the same whichever server it measures.
 *
 * Reads go through `onread` into one buffer shared by every connection of the process (read
 * callbacks run one at a time and the scanner copies only partial frames), so receiving
 * allocates nothing per chunk and skips the Readable stream's `'data'` machinery.
 *
 * @example
 * ```ts
 * const conn = await RawConnection.open({
 *   port, path: '/echo', handshake: true,
 *   onFrame: (conn, opcode, length) => conn.write(frame),
 * });
 * ```
 */
import { connect, type Socket } from 'node:net';
import { FrameScanner } from './frame-scanner.js';

/** How to open a {@link RawConnection}. */
export interface RawConnectionOptions {
  readonly port: number;
  /** Request target of the upgrade request. */
  readonly path: string;
  /** `false` for the raw TCP echo server: no HTTP, frames from the first byte. */
  readonly handshake: boolean;
  /** Called for every complete frame received after the handshake. */
  readonly onFrame: (connection: RawConnection, opcode: number, payloadLength: number) => void;
}

/** RFC 6455 §1.3's sample key and the accept value every server must derive from it. */
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const HEAD_END = Buffer.from('\r\n\r\n');
const readBuffer = Buffer.allocUnsafe(256 * 1024);

/** A client connection speaking pre-encoded frames. */
export class RawConnection {
  readonly socket: Socket;
  /** Free slots for the benchmark driving this connection. */
  index = 0;
  sentAt = 0;
  received = 0;
  #scanner: FrameScanner;
  #head: Buffer | undefined;
  #closing = false;

  private constructor(socket: Socket, scanner: FrameScanner, handshake: boolean) {
    this.socket = socket;
    this.#scanner = scanner;
    this.#head = handshake ? Buffer.alloc(0) : undefined;
  }

  /** Connect, do the opening handshake (RFC 6455 §4.1) and resolve when frames may flow. */
  static open(options: RawConnectionOptions): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      let connection: RawConnection | undefined;
      let opened = false;
      const socket = connect({
        host: '127.0.0.1',
        port: options.port,
        noDelay: true,
        onread: {
          buffer: readBuffer,
          callback(bytes: number, buffer: Uint8Array): boolean {
            const chunk = (buffer as Buffer).subarray(0, bytes);
            if (connection!.#head === undefined) connection!.#scanner.push(chunk);
            else if (connection!.#takeHead(chunk, reject) && !opened) {
              opened = true;
              resolve(connection!);
            }
            return true;
          },
        },
      });
      const scanner = new FrameScanner((opcode, length) =>
        options.onFrame(connection!, opcode, length),
      );
      connection = new RawConnection(socket, scanner, options.handshake);
      socket.on('error', (error) => {
        if (!opened) reject(error);
        else if (!connection!.#closing) failLoudly(`connection error: ${error.message}`);
      });
      socket.on('close', () => {
        if (!opened) reject(new Error('connection closed during the handshake'));
        else if (!connection!.#closing) failLoudly('the server closed a benchmark connection');
      });
      socket.once('connect', () => {
        if (!options.handshake) {
          opened = true;
          resolve(connection!);
          return;
        }
        socket.write(
          `GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\n` +
            `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\n` +
            'Sec-WebSocket-Version: 13\r\n\r\n',
        );
      });
    });
  }

  /** Send bytes (pre-encoded frames). */
  write(frames: Uint8Array): void {
    this.socket.write(frames);
  }

  /** Drop the connection without a close handshake (the benchmark is over). */
  destroy(): void {
    this.#closing = true;
    this.socket.destroy();
  }

  /** Collect the 101 answer; true once complete (trailing bytes go to the scanner). */
  #takeHead(chunk: Buffer, reject: (error: Error) => void): boolean {
    const head = Buffer.concat([this.#head!, chunk]);
    const end = head.indexOf(HEAD_END);
    if (end === -1) {
      this.#head = head;
      return false;
    }
    this.#head = undefined;
    const lines = head.subarray(0, end).toString('latin1').split('\r\n');
    // §4.1: the handshake succeeded only with 101 and the accept value derived from our key.
    const accept = lines
      .find((line) => line.toLowerCase().startsWith('sec-websocket-accept:'))
      ?.slice('sec-websocket-accept:'.length)
      .trim();
    if (!lines[0]?.startsWith('HTTP/1.1 101') || accept !== ACCEPT) {
      this.#closing = true;
      this.socket.destroy();
      reject(new Error(`upgrade refused: ${lines[0]} (accept ${accept})`));
      return false;
    }
    const rest = head.subarray(end + HEAD_END.length);
    if (rest.length > 0) this.#scanner.push(rest);
    return true;
  }
}

function failLoudly(message: string): never {
  process.stderr.write(`load client: ${message}\n`);
  process.exit(2);
}
