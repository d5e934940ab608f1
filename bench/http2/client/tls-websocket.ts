/**
 * A WebSocket on its own TLS connection for the load client: TLS with ALPN `http/1.1` (so a
 * server that also speaks h2 picks HTTP/1.1), an upgrade request written by hand, a check of the
 * 101 answer (RFC 6455 §4.1), then raw frame bytes both ways.
 *
 * @example
 * ```ts
 * const channel = await openTlsWebSocket({ port, ca, path: '/echo', onChunk: (c) => scan(c) });
 * ```
 */
import { connect } from 'node:tls';
import { type ChunkCallback, type FrameChannel, failLoudly } from './frame-channel.js';

/** How to open one. */
export interface TlsWebSocketOptions {
  readonly port: number;
  /** The server's certificate (PEM), trusted as a CA. */
  readonly ca: string;
  readonly path: string;
  readonly onChunk: ChunkCallback;
}

/** RFC 6455 §1.3's sample key and the accept value derived from it. */
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const HEAD_END = Buffer.from('\r\n\r\n');

/** Connect, complete TLS and the upgrade, and resolve when frames may flow. */
export function openTlsWebSocket(options: TlsWebSocketOptions): Promise<FrameChannel> {
  return new Promise((resolve, reject) => {
    let opened = false;
    let closing = false;
    let head: Buffer | undefined = Buffer.alloc(0);
    const socket = connect({
      host: '127.0.0.1',
      port: options.port,
      ca: options.ca,
      ALPNProtocols: ['http/1.1'],
    });
    socket.setNoDelay(true);
    const channel: FrameChannel = {
      write: (bytes) => {
        socket.write(bytes);
      },
      destroy: () => {
        closing = true;
        socket.destroy();
      },
    };
    socket.once('secureConnect', () => {
      if (socket.alpnProtocol !== 'http/1.1') {
        reject(new Error(`ALPN agreed on ${String(socket.alpnProtocol)}, not http/1.1`));
        channel.destroy();
        return;
      }
      socket.write(
        `GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${options.port}\r\n` +
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    socket.on('data', (chunk: Buffer) => {
      if (head === undefined) {
        options.onChunk(chunk);
        return;
      }
      const bytes = Buffer.concat([head, chunk]);
      const end = bytes.indexOf(HEAD_END);
      if (end === -1) {
        head = bytes;
        return;
      }
      head = undefined;
      const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
      const accept = lines
        .find((line) => line.toLowerCase().startsWith('sec-websocket-accept:'))
        ?.slice('sec-websocket-accept:'.length)
        .trim();
      // §4.1: the handshake succeeded only with 101 and the accept value derived from our key.
      if (!lines[0]?.startsWith('HTTP/1.1 101') || accept !== ACCEPT) {
        reject(new Error(`upgrade refused: ${lines[0]} (accept ${accept})`));
        channel.destroy();
        return;
      }
      opened = true;
      resolve(channel);
      const rest = bytes.subarray(end + HEAD_END.length);
      if (rest.length > 0) options.onChunk(rest);
    });
    socket.on('error', (error) => {
      if (!opened) reject(error);
      else if (!closing) failLoudly(`TLS connection error: ${error.message}`);
    });
    socket.on('close', () => {
      if (!opened) reject(new Error('TLS connection closed during the handshake'));
      else if (!closing) failLoudly('the server closed a TLS benchmark connection');
    });
  });
}
