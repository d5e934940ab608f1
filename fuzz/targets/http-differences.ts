/**
 * Recognises the documented differences between wirekit's HTTP/1.1 readers and llhttp. Each
 * rule is an entry of fuzz/KNOWN-DIFFERENCES.md (same id), with the RFC 9110/9112 section that
 * says wirekit is right. A rule explains a disagreement only where one side stops with the
 * error the entry names and everything it read before agrees with the other side; what the
 * other side reads after that point is not compared.
 */
import type { LlhttpResult } from '../oracles/llhttp.js';
import type { HttpRecord } from './http-driver.js';

interface Rule {
  readonly id: string;
  /** wirekit stopped with an error; `next` is what llhttp read at that point instead. */
  readonly wirekit?: (reason: string, next: string | undefined, stream: Uint8Array) => boolean;
  /** llhttp stopped with an error at byte `at` (after `prev`); `next` is what wirekit read
   * there instead. */
  readonly llhttp?: (
    reason: string,
    prev: number,
    at: number,
    next: string | undefined,
    stream: Uint8Array,
  ) => boolean;
}

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;

/** The rules, in the order of fuzz/KNOWN-DIFFERENCES.md. */
export const HTTP_DIFFERENCES: readonly Rule[] = [
  // RFC 9112 §3.2: Host is required in HTTP/1.1 requests, once, with a valid value.
  { id: 'host', wirekit: (r) => /Host/.test(r) },
  // RFC 9110 §9.1: a method is any token; llhttp knows a fixed list.
  { id: 'method', llhttp: (r) => r.startsWith('INVALID_METHOD') },
  // RFC 9112 §2.3, §3: the request line ends with HTTP-version; llhttp reads HTTP/0.9 lines.
  {
    id: 'http09',
    wirekit: (_r, next) => next?.startsWith('head:') === true && next.includes('"version":"0.9"'),
  },
  // RFC 9112 §2.2: lines end in CRLF; llhttp skips a bare LF before a message.
  { id: 'bare-lf', wirekit: (r) => /bare LF/.test(r) },
  // RFC 9112 §3: request-line = method SP request-target SP HTTP-version, one SP each.
  {
    id: 'request-line-spaces',
    wirekit: (r, _next, stream) =>
      /HTTP-version must be|request line must be/.test(r) &&
      /[ \t]{2}|\t/.test(Buffer.from(stream).toString('latin1')),
  },
  // RFC 9112 §3.2: origin-form starts with "/", absolute-form with a scheme, asterisk-form is "*".
  { id: 'target-form', wirekit: (r) => /request-target is not in origin-/.test(r) },
  // RFC 3986 §3, RFC 9112 §3.2.2: absolute-form is any scheme ":" hier-part; llhttp wants "//".
  {
    id: 'absolute-form',
    llhttp: (r, _p, _a, next) =>
      /INVALID_URL/.test(r) &&
      next !== undefined &&
      /^head:\{"method":"[^"]*","target":"[A-Za-z][A-Za-z0-9+.-]*:/.test(next),
  },
  // RFC 9112 §6.1: a server SHOULD answer 501 to a transfer coding it does not implement.
  {
    id: 'unknown-coding',
    wirekit: (r) => /transfer coding other than chunked is not implemented/.test(r),
  },
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
  { id: 'te-http10', wirekit: (r) => /Transfer-Encoding in an HTTP\/1\.0 message/.test(r) },
  // RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
  { id: 'reason-ctl', wirekit: (r) => /reason phrase has a control character/.test(r) },
  // RFC 9112 §7.1.1: chunk-ext-name is a token; llhttp accepts an empty name.
  { id: 'chunk-ext-name', wirekit: (r) => /chunk extension is not/.test(r) },
  // RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ).
  {
    id: 'chunk-ext-bws',
    llhttp: (r, prev, at) =>
      /chunk size|chunk extensions/.test(r) && [prev, at].some((b) => b === SP || b === HTAB),
  },
  // RFC 9112 §7.1: guard against overflow; wirekit refuses sizes past 2^53-1.
  { id: 'chunk-size-overflow', wirekit: (r) => /chunk size exceeds/.test(r) },
  // RFC 9112 §6.1: Transfer-Encoding = #transfer-coding; a field with no coding is refused.
  {
    id: 'empty-transfer-encoding',
    wirekit: (r) => /Transfer-Encoding is not a valid list/.test(r),
  },
  // RFC 9112 §6.3 item 5: identical Content-Length values may be read as one.
  // RFC 9112 §5: OWS may follow a field value (llhttp refuses it after Content-Length digits).
  {
    id: 'content-length-list',
    llhttp: (r, prev, at) =>
      /Duplicate Content-Length/.test(r) ||
      (/Content-Length/.test(r) && [prev, at].some((b) => b === COMMA || b === SP || b === HTAB)),
  },
  // RFC 9112 §2.2, §8: a CR must be followed by LF; input that ends inside a head is incomplete.
  {
    id: 'cr-before-eof',
    wirekit: (r, next, stream) =>
      /connection closed before the head/.test(r) && (next === undefined || hasBareCr(stream)),
  },
  // RFC 9112 §2.2: a bare CR is invalid; llhttp skips CRs before a message.
  { id: 'bare-cr', wirekit: (r) => /bare CR/.test(r) },
  // RFC 9110 §6.5.1: trailer fields are not framing fields; wirekit hands them over unread.
  {
    id: 'trailer-fields',
    llhttp: (r, _p, _a, next) =>
      /Transfer-Encoding|Content-Length/.test(r) && next?.startsWith('end:[[') === true,
  },
  // RFC 9110 §15: status codes are 100..599.
  { id: 'status-range', wirekit: (r) => /status code must be three digits in 100..599/.test(r) },
  // RFC 9112 §6.1: chunked applied twice cannot be decoded once.
  { id: 'chunked-twice', wirekit: (r) => /chunked transfer coding applied more than once/.test(r) },
  // RFC 9112 §6.3 item 3: both framings in one message is an error (smuggling).
  { id: 'te-and-cl', wirekit: (r) => /both Content-Length and Transfer-Encoding/.test(r) },
  // RFC 9110 §9.3.6: a CONNECT request has no content; one that declares some is refused.
  { id: 'connect-content', wirekit: (r) => /CONNECT request with content/.test(r) },
  // RFC 9110 §15.2: interim responses do not decide persistence; the final response does.
  { id: 'interim-persistence', llhttp: (r) => /CLOSED_CONNECTION/.test(r) },
  // RFC 9110 §6.2: the major version names the message syntax; only HTTP/1.x is read here.
  { id: 'major-version', wirekit: (r) => /HTTP major version other than 1/.test(r) },
  // RFC 9110 §6.2: a higher minor version is read as the highest one implemented (1.1).
  {
    id: 'minor-version',
    llhttp: (r) => /INVALID_VERSION Invalid HTTP version|Invalid minor version/.test(r),
  },
];

/** A Transfer-Encoding value that ends with OWS or an empty list element after `chunked`. */
const TE_LIST_SYNTAX = /\r\nTransfer-Encoding:[^\r\n]*chunked[ \t,]+\r\n/i;
/** A Connection field whose `upgrade` option is followed by HTAB (trailing OWS). */
const CONNECTION_LIST_SYNTAX = /\r\nConnection:[^\r\n]*upgrade[ \t]*\t[ \t]*\r\n/i;

function hasBareCr(stream: Uint8Array): boolean {
  return stream.some((b, i) => b === 0x0d && stream[i + 1] !== 0x0a);
}

function isPrefix(short: readonly string[], long: readonly string[]): boolean {
  if (short.length > long.length) return false;
  for (let i = 0; i < short.length; i++) {
    const a = short[i]!;
    const b = long[i]!;
    if (a !== b && !(i === short.length - 1 && a.startsWith('body:') && b.startsWith(a)))
      return false;
  }
  return true;
}

/** The id of the rule that explains the disagreement, or `undefined`. */
export function explainHttpDifference(
  stream: Uint8Array,
  wirekit: HttpRecord,
  llhttp: LlhttpResult,
): string | undefined {
  // RFC 9112 §5 (OWS is not part of a value), RFC 9110 §5.6.1 (empty list elements are
  // ignored): llhttp does not read "chunked\t" or "chunked," as chunked and frames the message
  // otherwise. Everything up to the head with that field must agree.
  if (TE_LIST_SYNTAX.test(Buffer.from(stream).toString('latin1'))) {
    let same = 0;
    while (same < wirekit.events.length && wirekit.events[same] === llhttp.events[same]) same++;
    // The last head read by the point they part (wirekit's view of it).
    const head = wirekit.events.slice(0, same + 1).findLast((e) => e.startsWith('head:')) ?? '';
    if (/"Transfer-Encoding","[^"]*chunked[^"]*"/i.test(head)) return 'te-list-syntax';
  }
  // The same for Connection (RFC 9112 §5, RFC 9110 §7.6.1): llhttp does not read "Upgrade\t"
  // (a trailing HTAB) as the upgrade option, wirekit does and stops at the head as an upgrade. Everything before that head must agree, and the heads differ only there.
  if (CONNECTION_LIST_SYNTAX.test(Buffer.from(stream).toString('latin1'))) {
    const at = wirekit.events.findIndex((e) => /^head:.*"upgrade":true\}$/.test(e));
    const head = wirekit.events[at];
    if (head !== undefined) {
      const noUpgrade = head.replace('"upgrade":true}', '"upgrade":false}');
      const fixed = wirekit.events.map((e, i) => (i === at ? noUpgrade : e));
      if (isPrefix(fixed, llhttp.events)) return 'connection-list-syntax';
    }
  }
  // RFC 9110 §6.5.1: trailer fields do not decide framing or persistence; llhttp lets a
  // trailer Connection or Transfer-Encoding field end the connection.
  if (llhttp.events.some((e) => /^end:.*\["(connection|transfer-encoding)"/i.test(e))) {
    const bare = (e: string): string => e.replace(/,"keepAlive":(true|false)/, '');
    const fixed = llhttp.events.map((e, i) => {
      const w = wirekit.events[i];
      return e.startsWith('head:') && w !== undefined && bare(w) === bare(e) ? w : e;
    });
    if (isPrefix(fixed, wirekit.events)) return 'trailer-fields';
  }
  // RFC 9110 §7.8: a server MUST ignore Upgrade in an HTTP/1.0 request; llhttp honours it.
  const http10Upgrade = /^head:\{"method".*"version":"1\.0".*"upgrade":true\}$/;
  if (llhttp.events.some((e) => http10Upgrade.test(e))) {
    const fixed = llhttp.events.map((e) =>
      http10Upgrade.test(e) ? e.replace('"upgrade":true}', '"upgrade":false}') : e,
    );
    const cut = fixed.findIndex((e, i) => e !== llhttp.events[i]);
    const upTo = fixed.indexOf(fixed.find((e, i) => i > cut && e.startsWith('end:')) ?? '', cut);
    if (isPrefix(fixed.slice(0, upTo + 1), wirekit.events)) return 'upgrade-http10';
  }
  // Both refuse the message; llhttp reports its head before checking the framing fields.
  if (
    wirekit.terminal === 'error' &&
    llhttp.terminal === 'error' &&
    llhttp.events.length === wirekit.events.length + 1 &&
    isPrefix(wirekit.events, llhttp.events) &&
    /^(head|informational):/.test(llhttp.events[wirekit.events.length]!)
  ) {
    return 'same-verdict';
  }
  if (wirekit.terminal === 'error' && isPrefix(wirekit.events, llhttp.events)) {
    const next = llhttp.events[wirekit.events.length];
    const rule = HTTP_DIFFERENCES.find((r) => r.wirekit?.(wirekit.reason, next, stream) === true);
    if (rule !== undefined) return rule.id;
  }
  if (llhttp.terminal === 'error' && isPrefix(llhttp.events, wirekit.events)) {
    const next = wirekit.events[llhttp.events.length];
    const prev =
      llhttp.errorAt > 0 && llhttp.errorAt <= stream.length ? stream[llhttp.errorAt - 1]! : -1;
    const at = llhttp.errorAt >= 0 && llhttp.errorAt < stream.length ? stream[llhttp.errorAt]! : -1;
    const rule = HTTP_DIFFERENCES.find(
      (r) => r.llhttp?.(llhttp.reason, prev, at, next, stream) === true,
    );
    if (rule !== undefined) return rule.id;
  }
  return undefined;
}
