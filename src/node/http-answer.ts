/**
 * The few HTTP/1.1 answers a WebSocket server writes on a raw socket: 101 Switching Protocols,
 * and short refusals (400, 403, 404, 426, 500, ...) that close the connection. Heads are
 * written by the http1 core, which rejects CR, LF and NUL in any field (no header injection).
 */
import { encodeResponseHead } from '../core/http1/write-head.js';
import type { HeaderPairs } from '../core/ws/header-source.js';

/** The 101 Switching Protocols head with the handshake's fields. */
export function switchingProtocols(headers: HeaderPairs): Buffer {
  const head = encodeResponseHead({ status: 101, headers });
  return Buffer.from(head.buffer, head.byteOffset, head.length);
}

/** A complete refusal: status, extra fields, a short text body, `Connection: close`. */
export function refusal(status: number, message: string, headers: HeaderPairs = []): Buffer {
  const body = Buffer.from(`${message}\n`);
  const head = encodeResponseHead({
    status,
    headers: [
      ...headers,
      // RFC 9110 §7.8: whoever sends Upgrade (a 426) also sends the "upgrade" option.
      [
        'Connection',
        headers.some(([name]) => name.toLowerCase() === 'upgrade') ? 'upgrade, close' : 'close',
      ],
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Length', String(body.length)],
    ],
  });
  return Buffer.concat([head, body]);
}
