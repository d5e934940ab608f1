/**
 * The client side of the opening handshake (RFC 6455 §4.1): the header fields of the upgrade
 * request, and the check of the server's answer. A failed check returns an error that says
 * exactly what was wrong (status and a body snippet for a non-101 answer, expected and received
 * accept values), so a user can tell a misconfigured proxy from a bad server.
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { type Platform, portablePlatform } from '../platform.js';
import { computeAccept } from './handshake-key.js';
import type { HeaderPairs, HeaderSource } from './header-source.js';
import { hasToken, isToken, splitList } from './header-tokens.js';

/** What goes into the upgrade request. */
export interface UpgradeRequestOptions {
  /** The `Host` value: `host[:port]` (§4.1 item 4). */
  readonly host: string;
  /** The `Sec-WebSocket-Key` from `generateKey`. */
  readonly key: string;
  /** Subprotocols to offer, most preferred first. */
  readonly protocols?: readonly string[];
  /** A `Sec-WebSocket-Extensions` offer. */
  readonly extensions?: string;
  /** `Origin`, for servers that check it (browsers always send one). */
  readonly origin?: string;
}

/**
 * Header fields of the client's opening handshake (§4.1 items 4–11), without the request
 * line. Throws `ERR_INVALID_ARGUMENT` for a subprotocol that is not a token or is repeated.
 */
export function upgradeRequestHeaders(options: UpgradeRequestOptions): HeaderPairs {
  const headers: [string, string][] = [
    ['Host', options.host],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', options.key],
    ['Sec-WebSocket-Version', '13'],
  ];
  const protocols = protocolsToOffer(options.protocols);
  if (protocols.length > 0) headers.push(['Sec-WebSocket-Protocol', protocols.join(', ')]);
  if (options.extensions !== undefined && options.extensions !== '')
    headers.push(['Sec-WebSocket-Extensions', options.extensions]);
  if (options.origin !== undefined) headers.push(['Origin', options.origin]);
  return headers;
}

/**
 * The subprotocols a client offers, checked: unique tokens (RFC 6455 §4.1 item 10), whatever
 * the transport. Throws `ERR_INVALID_ARGUMENT` otherwise.
 */
export function protocolsToOffer(protocols: readonly string[] = []): readonly string[] {
  protocols.forEach((protocol, i) => {
    if (!isToken(protocol) || protocols.indexOf(protocol) !== i) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        `subprotocol ${JSON.stringify(protocol)} is not a unique token (RFC 6455 §4.1)`,
      );
    }
  });
  return protocols;
}

/** How much of a refusal's body a client reads and quotes in its error, in bytes. */
export const REFUSAL_SNIPPET_BYTES = 256;

/**
 * The start of a refusal's body (an auth challenge, a proxy's or server's reason), kept for
 * the error that quotes it: every client (HTTP/1.1, HTTP/2, HTTP/3) reads a refused answer's
 * body up to {@link REFUSAL_SNIPPET_BYTES} or its end into one of these, then passes
 * {@link RefusalSnippet.text} to the response check, which quotes it with {@link quoteSnippet}.
 */
export class RefusalSnippet {
  readonly #parts: Uint8Array[] = [];
  #bytes = 0;

  /** Whether {@link REFUSAL_SNIPPET_BYTES} bytes are kept: reading more changes nothing. */
  get full(): boolean {
    return this.#bytes >= REFUSAL_SNIPPET_BYTES;
  }

  /**
   * Keep what still fits of `data` (copied: readers hand out views of chunks they may reuse).
   * Returns {@link full}.
   */
  add(data: Uint8Array): boolean {
    const room = REFUSAL_SNIPPET_BYTES - this.#bytes;
    if (room > 0 && data.length > 0) {
      const kept = data.slice(0, room);
      this.#parts.push(kept);
      this.#bytes += kept.length;
    }
    return this.full;
  }

  /** The kept bytes as UTF-8 text (a sequence cut at the limit, or malformed, becomes U+FFFD). */
  text(): string {
    const body = new Uint8Array(this.#bytes);
    let at = 0;
    for (const part of this.#parts) {
      body.set(part, at);
      at += part.length;
    }
    return new TextDecoder().decode(body);
  }
}

/** What the HTTP layer parsed of the server's answer. */
export interface UpgradeResponse {
  /** HTTP status of the answer; only 101 accepts the upgrade (RFC 6455 §4.1). */
  readonly status: number;
  /** Reason phrase of the status line, quoted in the error of a refusal. */
  readonly statusText?: string;
  /** The answer's header fields, looked up case-insensitively. */
  readonly headers: HeaderSource;
  /** The start of the body of a non-101 answer, for the error message. */
  readonly bodySnippet?: string;
}

/** What the client offered, to check the answer against. */
export interface UpgradeExpectation {
  /**
   * The `Sec-WebSocket-Key` this client sent; the answer's `Sec-WebSocket-Accept` must match it
   * (§4.1 item 4).
   */
  readonly key: string;
  /** Subprotocols offered; the server may choose one of these only (§4.1 item 6). Default none. */
  readonly protocols?: readonly string[];
  /** Names of the extensions offered (e.g. `['permessage-deflate']`). */
  readonly extensions?: readonly string[];
}

/** The server accepted. */
export interface UpgradeEstablished {
  /** Always `true`: the connection is open. */
  readonly ok: true;
  /** The subprotocol the server chose, if any. */
  readonly protocol: string | undefined;
  /** The server's `Sec-WebSocket-Extensions` answer, for the extension negotiation. */
  readonly extensions: string | undefined;
}

/** The handshake failed; `error.code` is `ERR_WS_HANDSHAKE`, `error.status` the HTTP status. */
export interface UpgradeFailed {
  /** Always `false`: the connection is not open. */
  readonly ok: false;
  /** `ERR_WS_HANDSHAKE` naming what was wrong with the answer. */
  readonly error: WirekitError;
}

/** The result of {@link checkUpgradeResponse}: the connection is established, or it failed. */
export type UpgradeResult = UpgradeEstablished | UpgradeFailed;

function fail(message: string, status: number): UpgradeFailed {
  return { ok: false, error: new WirekitError(ErrorCode.WS_HANDSHAKE, message, { status }) };
}

/** Check the server's answer to the opening handshake (§4.1, "the client MUST validate"). */
export function checkUpgradeResponse(
  response: UpgradeResponse,
  expected: UpgradeExpectation,
  platform: Platform = portablePlatform,
): UpgradeResult {
  const { status, headers } = response;
  // Item 1: anything but 101 ends the handshake (redirects, auth challenges, errors).
  if (status !== 101) {
    const text = response.statusText ? ` ${response.statusText}` : '';
    const body = quoteSnippet(response.bodySnippet);
    return fail(
      `server answered ${status}${text} instead of 101 Switching Protocols${body}`,
      status,
    );
  }
  // Items 2 and 3.
  // §4.1 item 2: the value itself must be "websocket" (ASCII case-insensitive), not a list
  // that contains it.
  if (headers.get('upgrade')?.trim().toLowerCase() !== 'websocket')
    return fail('101 answer without "Upgrade: websocket"', status);
  if (!hasToken(headers.get('connection'), 'upgrade'))
    return fail('101 answer without "Connection: Upgrade"', status);
  // Item 4: Sec-WebSocket-Accept proves the server read our key.
  const accept = headers.get('sec-websocket-accept')?.trim();
  const wanted = computeAccept(expected.key, platform);
  if (accept !== wanted) {
    return fail(
      `wrong Sec-WebSocket-Accept: expected ${wanted}, got ${accept === undefined ? 'none' : JSON.stringify(accept)}`,
      status,
    );
  }
  const chosen = checkChoices(headers, expected);
  if (typeof chosen === 'string') return fail(chosen, status);
  return { ok: true, ...chosen };
}

/**
 * RFC 6455 §4.1 items 5 and 6, shared by every transport's handshake: the answer names only
 * extensions that were offered, and at most one subprotocol, one that was offered. Returns
 * the choices, or what is wrong.
 */
export function checkChoices(
  headers: HeaderSource,
  expected: { readonly protocols?: readonly string[]; readonly extensions?: readonly string[] },
):
  | {
      /** The subprotocol the server chose from the offer, or `undefined`. */
      protocol: string | undefined;
      /** The server's `Sec-WebSocket-Extensions` answer, or `undefined` when absent. */
      extensions: string | undefined;
    }
  | string {
  const extensionsHeader = headers.get('sec-websocket-extensions');
  const offeredExtensions = expected.extensions ?? [];
  for (const item of splitList(extensionsHeader)) {
    const name = item.split(';', 1)[0]!.trim().toLowerCase();
    if (!offeredExtensions.includes(name))
      return `server chose extension ${JSON.stringify(name)} that was not offered`;
  }
  const protocolHeader = headers.get('sec-websocket-protocol');
  let protocol: string | undefined;
  if (protocolHeader !== undefined) {
    const chosen = splitList(protocolHeader);
    const offered = expected.protocols ?? [];
    if (chosen.length !== 1 || !offered.includes(chosen[0]!)) {
      return `server chose subprotocol ${JSON.stringify(protocolHeader)}, offered ${JSON.stringify(offered)}`;
    }
    protocol = chosen[0];
  }
  return { protocol, extensions: extensionsHeader };
}

/** The start of a refusal's body as the error quotes it: `: "…"`, or nothing. */
export function quoteSnippet(snippet: string | undefined): string {
  return snippet ? `: ${JSON.stringify(snippet)}` : '';
}
