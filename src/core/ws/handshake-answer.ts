/**
 * The HTTP/1.1 answers of a WebSocket server's opening handshake: 101 Switching Protocols
 * (RFC 6455 §4.2.2), and short refusals that close the connection (§4.2.1: "the server MUST
 * stop processing the client's handshake and return an HTTP response with an appropriate
 * error code"). Heads are written by the http1 core, which rejects CR, LF and NUL in any field.
 */
import { encodeResponseHead } from '../http1/write-head.js';
import type { HeaderPairs } from './header-source.js';

const encoder = new TextEncoder();

/** The 101 Switching Protocols head with the handshake's fields. */
export function switchingProtocolsAnswer(headers: HeaderPairs): Uint8Array {
  return encodeResponseHead({ status: 101, headers });
}

/** A complete refusal: status, extra fields, a short text body, `Connection: close`. */
export function refusalAnswer(
  status: number,
  message: string,
  headers: HeaderPairs = [],
): Uint8Array {
  const body = encoder.encode(`${message}\n`);
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
  const answer = new Uint8Array(head.length + body.length);
  answer.set(head, 0);
  answer.set(body, head.length);
  return answer;
}
