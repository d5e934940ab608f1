/**
 * The WebSocket opening handshake over HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220): an extended
 * CONNECT request (`:method CONNECT`, `:protocol websocket`) on one stream, answered with
 * `:status 200`. There is no key and no accept value (the `:protocol` pseudo-header proves
 * intent, §5) and no Upgrade/Connection fields; subprotocols, extensions and the version keep
 * their RFC 6455 meaning. The frames that follow are plain RFC 6455 frames on the stream.
 *
 * These checks are transport-neutral: the Node adapter feeds them `node:http2` header objects,
 * an HTTP/3 adapter its decoded field section.
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { type Platform, portablePlatform } from '../platform.js';
import { checkChoices, protocolsToOffer, quoteSnippet } from './client-handshake.js';
import { computeAccept, isValidKey } from './handshake-key.js';
import type { HeaderSource } from './header-source.js';
import { isToken } from './header-tokens.js';
import { offeredProtocols } from './server-handshake.js';

/** A valid extended CONNECT for WebSocket. */
export interface ExtendedConnectAccepted {
  /** Always `true`: answer with {@link extendedConnectResponse}. */
  readonly ok: true;
  /** `:path`: path and query of the target URI. */
  readonly path: string;
  /** `:authority`. */
  readonly authority: string;
  /** `:scheme`: `https` for wss, `http` for ws. */
  readonly scheme: string;
  /**
   * Subprotocols the client offered in `sec-websocket-protocol`, in its order; empty when none (RFC
   * 6455 §4.2.1 item 8).
   */
  readonly protocols: readonly string[];
  /** The raw `sec-websocket-extensions` offer (RFC 6455 §9.1), or `undefined` when absent. */
  readonly extensions: string | undefined;
  /** The `origin` field (RFC 6454), or `undefined` when the client sent none. */
  readonly origin: string | undefined;
  /** A `sec-websocket-key` some clients send anyway (undici); see {@link extendedConnectResponse}. */
  readonly key: string | undefined;
}

/** The request must be answered with `error.status` and these fields. */
export interface ExtendedConnectRefused {
  /** Always `false`: the request is not a valid WebSocket bootstrap. */
  readonly ok: false;
  /**
   * `ERR_WS_HANDSHAKE` naming what was wrong; `error.status` is the status to answer (400, 405 or
   * 426).
   */
  readonly error: WirekitError;
  /** Fields to send with the refusal: `allow` with 405, `sec-websocket-version: 13` with 426. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The result of {@link checkExtendedConnect}: accepted or refused. */
export type ExtendedConnectCheck = ExtendedConnectAccepted | ExtendedConnectRefused;

function refuse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): ExtendedConnectRefused {
  return {
    ok: false,
    error: new WirekitError(ErrorCode.WS_HANDSHAKE, message, { status }),
    headers,
  };
}

/**
 * Check a request stream's header block (names lower-case, pseudo-headers included) as a
 * WebSocket bootstrap (RFC 8441 §4, §5; RFC 9220 §3, which applies the same rules to HTTP/3).
 * The one check for both: the HTTP/2 server feeds it Node's header object, the HTTP/3 session's
 * `request` event carries a `FieldSection`. Never throws for bad input.
 */
export function checkExtendedConnect(headers: HeaderSource): ExtendedConnectCheck {
  const method = headers.get(':method');
  if (method !== 'CONNECT')
    return refuse(405, `a WebSocket over HTTP/2 or HTTP/3 needs CONNECT, not ${method}`, {
      allow: 'CONNECT',
    });
  // RFC 8441 §4: without :protocol this is a classic CONNECT (a TCP tunnel), which this
  // endpoint does not offer.
  const protocol = headers.get(':protocol');
  if (protocol === undefined)
    return refuse(400, 'CONNECT without :protocol (a tunnel, not a WebSocket)');
  // §5: "The value of this field MUST be 'websocket'".
  if (protocol !== 'websocket')
    return refuse(400, `unsupported :protocol ${JSON.stringify(protocol)}; expected "websocket"`);
  // §5: :scheme, :path and :authority MUST be present for an extended CONNECT.
  const scheme = headers.get(':scheme');
  const path = headers.get(':path');
  const authority = headers.get(':authority');
  if (scheme !== 'http' && scheme !== 'https')
    return refuse(400, `:scheme must be http or https, not ${JSON.stringify(scheme)}`);
  if (path === undefined || path === '') return refuse(400, 'extended CONNECT without :path');
  if (authority === undefined || authority === '')
    return refuse(400, 'extended CONNECT without :authority');
  // RFC 6455 §4.2.1 item 6, kept by RFC 8441 §5: version 13, else 426 naming what we speak.
  const version = headers.get('sec-websocket-version');
  if (version === undefined) return refuse(400, 'missing sec-websocket-version');
  if (version.trim() !== '13')
    return refuse(
      426,
      `unsupported sec-websocket-version ${JSON.stringify(version)}; this server speaks 13`,
      { 'sec-websocket-version': '13' },
    );
  const protocols = offeredProtocols(headers);
  if (typeof protocols === 'string') return refuse(400, protocols);
  const key = headers.get('sec-websocket-key')?.trim();
  return {
    ok: true,
    path,
    authority,
    scheme,
    protocols,
    extensions: headers.get('sec-websocket-extensions'),
    origin: headers.get('origin'),
    key: key !== undefined && isValidKey(key) ? key : undefined,
  };
}

/** What the server chose. */
export interface ExtendedConnectChoice {
  /** The chosen subprotocol, one the client offered; omitted or `undefined` for none. */
  readonly protocol?: string | undefined;
  /**
   * The `sec-websocket-extensions` answer, e.g. from permessage-deflate negotiation; omitted,
   * `undefined` or `''` for none.
   */
  readonly extensions?: string | undefined;
}

/**
 * The response header block: `:status 200` (§5) and the chosen subprotocol and extensions.
 * RFC 8441 drops `sec-websocket-accept`, but when the client sent a key anyway the accept
 * value is included: undici's HTTP/2 client refuses a 200 without it.
 */
export function extendedConnectResponse(
  check: ExtendedConnectAccepted,
  choice: ExtendedConnectChoice = {},
  platform: Platform = portablePlatform,
): Record<string, string | number> {
  const headers: Record<string, string | number> = { ':status': 200 };
  if (choice.protocol !== undefined) {
    if (!isToken(choice.protocol) || !check.protocols.includes(choice.protocol)) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        `subprotocol ${JSON.stringify(choice.protocol)} was not offered`,
      );
    }
    headers['sec-websocket-protocol'] = choice.protocol;
  }
  if (choice.extensions !== undefined && choice.extensions !== '')
    headers['sec-websocket-extensions'] = choice.extensions;
  if (check.key !== undefined) headers['sec-websocket-accept'] = computeAccept(check.key, platform);
  return headers;
}

/** What a client puts in its extended CONNECT. */
export interface ExtendedConnectOptions {
  /** `:scheme`: `https` for wss, `http` for ws (RFC 8441 §5). */
  readonly scheme: 'http' | 'https';
  /** `:authority`: host and optional port of the target URI (RFC 9113 §8.3.1). */
  readonly authority: string;
  /** `:path`: path and query of the target URI, e.g. `/chat?room=1`. */
  readonly path: string;
  /** Subprotocols to offer in `sec-websocket-protocol`, in order of preference; default none. */
  readonly protocols?: readonly string[];
  /** The `sec-websocket-extensions` offer (RFC 6455 §9.1); default none. */
  readonly extensions?: string;
  /** The `origin` field to send (RFC 6454); default none. */
  readonly origin?: string;
  /**
   * Extra fields, as pairs or an object. Names are lower-cased; a name given more than once is
   * sent once with its values joined (`; ` for `cookie`, RFC 9113 §8.2.3; `, ` otherwise).
   */
  readonly headers?: Iterable<readonly [string, string]> | Readonly<Record<string, string>>;
}

/**
 * Fields HTTP/2 forbids (RFC 9113 §8.2.2) and HTTP/3 too (RFC 9114 §4.2): connection-specific
 * ones, and `host` (the authority is `:authority`, RFC 9113 §8.3.1, RFC 9114 §4.3.1).
 */
const FORBIDDEN_FIELDS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/**
 * The request header block of a client's extended CONNECT (RFC 8441 §5, RFC 9220 §3), for
 * HTTP/2 and HTTP/3 alike.
 * @throws {WirekitError} `ERR_HTTP_INVALID_HEADER` for a field name that is not a token or a
 * value with CR, LF, NUL or another control; `ERR_INVALID_ARGUMENT` for a pseudo-header, a
 * field HTTP/2 and HTTP/3 forbid (RFC 9113 §8.2.2, RFC 9114 §4.2) or `te` other than `trailers`.
 */
export function extendedConnectRequest(options: ExtendedConnectOptions): Record<string, string> {
  const protocols = protocolsToOffer(options.protocols);
  const headers: Record<string, string> = {};
  const extra = options.headers ?? {};
  const pairs = Symbol.iterator in extra ? extra : Object.entries(extra);
  for (const [name, value] of pairs as Iterable<readonly [string, string]>) {
    const lower = name.toLowerCase();
    checkOutgoingField(lower, value);
    const previous = headers[lower];
    headers[lower] =
      previous === undefined ? value : `${previous}${lower === 'cookie' ? '; ' : ', '}${value}`;
  }
  Object.assign(headers, {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': options.scheme,
    ':path': options.path,
    ':authority': options.authority,
    'sec-websocket-version': '13',
  });
  if (protocols.length > 0) headers['sec-websocket-protocol'] = protocols.join(', ');
  if (options.extensions !== undefined && options.extensions !== '')
    headers['sec-websocket-extensions'] = options.extensions;
  if (options.origin !== undefined) headers.origin = options.origin;
  return headers;
}

/** The server's answer, accepted: the chosen subprotocol and extensions. */
export interface ExtendedConnectEstablished {
  readonly ok: true;
  readonly protocol: string | undefined;
  readonly extensions: string | undefined;
}

/**
 * Check the response to a client's extended CONNECT. `bodySnippet`: the start of a refusal's
 * body (up to `REFUSAL_SNIPPET_BYTES`), quoted in the error as over HTTP/1.1.
 */
export function checkExtendedConnectResponse(
  status: number,
  headers: HeaderSource,
  expected: { readonly protocols?: readonly string[]; readonly extensions?: readonly string[] },
  bodySnippet?: string,
):
  | ExtendedConnectEstablished
  | {
      /** Always `false`: the server refused or answered wrongly. */
      readonly ok: false;
      /** `ERR_WS_HANDSHAKE` saying why; `error.status` is the server's status. */
      readonly error: WirekitError;
    } {
  const fail = (message: string): { ok: false; error: WirekitError } => ({
    ok: false,
    error: new WirekitError(ErrorCode.WS_HANDSHAKE, message, { status }),
  });
  // §5: "If the server agrees to the WebSocket connection, it MUST respond with a 200".
  if (status !== 200)
    return fail(
      `server answered ${status} to the WebSocket CONNECT instead of 200${quoteSnippet(bodySnippet)}`,
    );
  // RFC 6455 §4.1 items 5 and 6 hold here as well.
  const chosen = checkChoices(headers, expected);
  return typeof chosen === 'string' ? fail(chosen) : { ok: true, ...chosen };
}

/**
 * Check a regular field (lower-case name) an HTTP/2 or HTTP/3 endpoint is about to send: the
 * name is a token, the field is not one of those RFC 9113 §8.2.2 and RFC 9114 §4.2 forbid
 * (connection-specific fields, `host`, `te` other than `trailers`), the value has no control
 * character but HTAB (RFC 9110 §5.5).
 * @throws {WirekitError} `ERR_HTTP_INVALID_HEADER` for a bad name or value,
 * `ERR_INVALID_ARGUMENT` for a forbidden field.
 */
export function checkOutgoingField(name: string, value: string): void {
  if (!isToken(name)) {
    throw new WirekitError(
      ErrorCode.HTTP_INVALID_HEADER,
      `header name ${JSON.stringify(name)} is not a token (RFC 9110 §5.1)`,
    );
  }
  if (FORBIDDEN_FIELDS.has(name) || (name === 'te' && value.trim().toLowerCase() !== 'trailers')) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `header ${name} may not be sent over HTTP/2 or HTTP/3 (RFC 9113 §8.2.2, RFC 9114 §4.2)`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // RFC 9110 §5.5: no CTLs other than HTAB in a field value (CR, LF and NUL above all).
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
      throw new WirekitError(
        ErrorCode.HTTP_INVALID_HEADER,
        `header ${name} has a control character in its value (RFC 9110 §5.5)`,
      );
    }
  }
}
