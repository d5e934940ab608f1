/**
 * The server side of the opening handshake (RFC 6455 §4.2): check a client's upgrade request
 * and produce the header fields of the 101 answer, or the status and fields of a refusal.
 *
 * Checks run in the order of §4.2.1 and each refusal carries the HTTP status a server should
 * answer with: 405 for a method other than GET, 400 for a malformed request, 426 with
 * `Sec-WebSocket-Version: 13` for an unsupported version (§4.4).
 *
 * @example
 * ```ts
 * const check = checkUpgradeRequest({ method: 'GET', httpVersion: '1.1', headers });
 * if (!check.ok) answer(check.error.status, check.headers);
 * else answer(101, acceptHeaders(check.key, { protocol: check.protocols[0] }));
 * ```
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { type Platform, portablePlatform } from '../platform.js';
import { computeAccept, isValidKey } from './handshake-key.js';
import type { HeaderPairs, HeaderSource } from './header-source.js';
import { hasToken, isToken, splitList } from './header-tokens.js';

/** What the HTTP layer parsed of an upgrade request. */
export interface UpgradeRequest {
  /** The request method; only `GET` may upgrade (RFC 6455 §4.2.1 item 1). */
  readonly method: string;
  /** `'1.1'`, `'1.0'`, ... */
  readonly httpVersion: string;
  /** The request's header fields, looked up case-insensitively. */
  readonly headers: HeaderSource;
}

/** The request is a valid WebSocket upgrade. */
export interface UpgradeAccepted {
  /** Always `true`: answer with a 101. */
  readonly ok: true;
  /** `Sec-WebSocket-Key`, to compute the accept value from. */
  readonly key: string;
  /** Offered subprotocols, in the client's order of preference (§4.2.1 item 8). */
  readonly protocols: readonly string[];
  /** The raw `Sec-WebSocket-Extensions` offer, if any (§4.2.1 item 9). */
  readonly extensions: string | undefined;
  /** `Origin`, if sent (§4.2.1 item 7): check it to refuse cross-site browser pages. */
  readonly origin: string | undefined;
}

/** The request must be refused with `error.status` and these extra header fields. */
export interface UpgradeRefused {
  /** Always `false`: answer with `error.status`. */
  readonly ok: false;
  /** `ERR_WS_HANDSHAKE` naming what was wrong; `error.status` is 400, 405 or 426. */
  readonly error: WirekitError;
  /** Extra fields for the refusal: `Allow: GET` with 405, `Sec-WebSocket-Version: 13` with 426. */
  readonly headers: HeaderPairs;
}

/** The result of {@link checkUpgradeRequest}: accepted (with what was offered) or refused. */
export type UpgradeCheck = UpgradeAccepted | UpgradeRefused;

function refuse(status: number, message: string, headers: HeaderPairs = []): UpgradeRefused {
  return {
    ok: false,
    error: new WirekitError(ErrorCode.WS_HANDSHAKE, message, { status }),
    headers,
  };
}

/** Is `version` ("1.1", "2") at least HTTP/1.1? */
function atLeastHttp11(version: string): boolean {
  const dot = version.indexOf('.');
  const major = Number(dot < 0 ? version : version.slice(0, dot));
  const minor = dot < 0 ? 0 : Number(version.slice(dot + 1));
  return (
    Number.isInteger(major) && Number.isInteger(minor) && (major > 1 || (major === 1 && minor >= 1))
  );
}

/**
 * The subprotocols offered in `Sec-WebSocket-Protocol`, or why they are invalid: each must be a
 * token and appear once (RFC 6455 §4.1 item 10, §4.2.1 item 8).
 */
export function offeredProtocols(headers: HeaderSource): string[] | string {
  const protocols = splitList(headers.get('sec-websocket-protocol'));
  for (let i = 0; i < protocols.length; i++) {
    const protocol = protocols[i]!;
    if (!isToken(protocol)) return `invalid subprotocol ${JSON.stringify(protocol)}`;
    if (protocols.indexOf(protocol) !== i)
      return `duplicate subprotocol ${JSON.stringify(protocol)}`;
  }
  return protocols;
}

/** Check a client's opening handshake (§4.2.1). Never throws for bad input. */
export function checkUpgradeRequest(request: UpgradeRequest): UpgradeCheck {
  const headers = request.headers;
  // §4.2.1 item 1: an HTTP/1.1 or higher GET request.
  if (request.method !== 'GET')
    return refuse(405, `WebSocket upgrade needs GET, not ${request.method}`, [['Allow', 'GET']]);
  if (!atLeastHttp11(request.httpVersion))
    return refuse(
      400,
      `WebSocket upgrade needs HTTP/1.1 or later, not HTTP/${request.httpVersion}`,
    );
  // Item 2: a Host header field.
  if (headers.get('host') === undefined) return refuse(400, 'missing Host header');
  // Items 3 and 4: Upgrade includes "websocket", Connection includes "Upgrade" (case-insensitive).
  if (!hasToken(headers.get('upgrade'), 'websocket'))
    return refuse(400, 'Upgrade header must include "websocket"');
  if (!hasToken(headers.get('connection'), 'upgrade'))
    return refuse(400, 'Connection header must include "Upgrade"');
  // Item 6: Sec-WebSocket-Version 13; otherwise answer 426 with the versions we speak (§4.4).
  const version = headers.get('sec-websocket-version');
  if (version === undefined) return refuse(400, 'missing Sec-WebSocket-Version header');
  if (version.trim() !== '13') {
    return refuse(
      426,
      `unsupported Sec-WebSocket-Version ${JSON.stringify(version)}; this server speaks 13`,
      [['Sec-WebSocket-Version', '13']],
    );
  }
  // Item 5: Sec-WebSocket-Key is base64 of 16 bytes (one field only).
  const key = headers.get('sec-websocket-key')?.trim();
  if (key === undefined || !isValidKey(key))
    return refuse(400, 'Sec-WebSocket-Key must be base64 of 16 bytes');
  // Item 8: subprotocols are tokens (§4.1: "unique strings" that are tokens).
  const protocols = offeredProtocols(headers);
  if (typeof protocols === 'string') return refuse(400, protocols);
  return {
    ok: true,
    key,
    protocols,
    extensions: headers.get('sec-websocket-extensions'),
    origin: headers.get('origin'),
  };
}

/** What the server chose for the connection. */
export interface AcceptChoice {
  /** One of the offered subprotocols, or none (§4.2.2 step 5.3). */
  readonly protocol?: string | undefined;
  /** The `Sec-WebSocket-Extensions` answer built by the extension negotiation, if any. */
  readonly extensions?: string | undefined;
}

/**
 * Header fields of the 101 Switching Protocols answer (§4.2.2 step 5). Throws
 * `ERR_INVALID_ARGUMENT` if `choice.protocol` is not a token.
 */
export function acceptHeaders(
  key: string,
  choice: AcceptChoice = {},
  platform: Platform = portablePlatform,
): HeaderPairs {
  const headers: [string, string][] = [
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Accept', computeAccept(key, platform)],
  ];
  if (choice.protocol !== undefined) {
    if (!isToken(choice.protocol)) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        `subprotocol ${JSON.stringify(choice.protocol)} is not a token`,
      );
    }
    headers.push(['Sec-WebSocket-Protocol', choice.protocol]);
  }
  if (choice.extensions !== undefined && choice.extensions !== '')
    headers.push(['Sec-WebSocket-Extensions', choice.extensions]);
  return headers;
}
