/**
 * Opens the raw client side of a soak case against wirekit's server: a TCP connection of its
 * own (kept, so a fault can reset it), TLS over it for `tls` and `h2` (ALPN `h2` then an HTTP/2
 * session whose only stream is the WebSocket, RFC 8441), and the opening handshake by hand.
 *
 * @example
 * ```ts
 * const link = await openRawClientLink('h2', port, '/soak/7/normal');
 * ```
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as http2Connect } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { acceptFor, readRawHead } from '../helpers/raw-handshake.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { within } from '../node/helpers.js';
import { RawLink } from './raw-link.js';
import type { SoakTransport } from './soak-plan.js';

const HANDSHAKE_MS = 10_000;

async function tcpTo(port: number): Promise<Socket> {
  const tcp = netConnect({ host: '127.0.0.1', port });
  tcp.on('error', () => {});
  await within(once(tcp, 'connect'), HANDSHAKE_MS, 'a TCP connection');
  return tcp;
}

/** The HTTP/1.1 upgrade (RFC 6455 §4.1) over `stream`; rejects unless the answer is a 101
 * with the right accept key. */
async function upgrade(stream: Duplex, tcp: Socket, port: number, path: string): Promise<RawLink> {
  const key = randomBytes(16).toString('base64');
  stream.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const { head, rest } = await readRawHead(stream, HANDSHAKE_MS);
  if (!head.startsWith('HTTP/1.1 101') || !head.includes(acceptFor(key)))
    throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
  return new RawLink(stream, tcp, 'client', rest);
}

/** The extended CONNECT (RFC 8441 §4) on a session of its own over `tls`. */
async function extendedConnect(
  tls: Duplex,
  tcp: Socket,
  port: number,
  path: string,
): Promise<RawLink> {
  const session = http2Connect(`https://127.0.0.1:${port}`, { createConnection: () => tls });
  session.on('error', () => {});
  await within(once(session, 'remoteSettings'), HANDSHAKE_MS, 'the server SETTINGS');
  const stream = session.request(
    {
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':path': path,
      ':authority': `127.0.0.1:${port}`,
      'sec-websocket-version': '13',
    },
    { endStream: false },
  );
  stream.on('error', () => {});
  const [headers] = (await within(
    once(stream, 'response'),
    HANDSHAKE_MS,
    'the answer to CONNECT',
  )) as [Record<string, unknown>];
  if (headers[':status'] !== 200) throw new Error(`CONNECT refused: ${headers[':status']}`);
  // The stream is the WebSocket; the session goes when it does.
  stream.once('close', () => session.destroy());
  return new RawLink(stream, tcp, 'client', Buffer.alloc(0));
}

/** A raw client connection to wirekit's server on 127.0.0.1:`port`, handshake done. */
export async function openRawClientLink(
  transport: SoakTransport,
  port: number,
  path: string,
): Promise<RawLink> {
  const tcp = await tcpTo(port);
  try {
    if (transport === 'tcp') return await upgrade(tcp, tcp, port, path);
    const tls = tlsConnect({
      socket: tcp,
      ca: testCertificate().cert,
      servername: 'localhost',
      ALPNProtocols: transport === 'h2' ? ['h2'] : ['http/1.1'],
    });
    tls.on('error', () => {});
    await within(once(tls, 'secureConnect'), HANDSHAKE_MS, 'the TLS handshake');
    return transport === 'h2'
      ? await extendedConnect(tls, tcp, port, path)
      : await upgrade(tls, tcp, port, path);
  } catch (error) {
    tcp.destroy();
    throw error;
  }
}
