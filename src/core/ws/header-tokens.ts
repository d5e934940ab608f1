/**
 * Comma-separated header values (RFC 9110 §5.6.1) and tokens (§5.6.2), as the handshake
 * headers use them: `Connection: keep-alive, Upgrade`, `Sec-WebSocket-Protocol: chat, superchat`.
 */

/** tchar (RFC 9110 §5.6.2): `!#$%&'*+-.^_`|~`, digits and letters. */
function isTchar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x21 || // !
    (c >= 0x23 && c <= 0x27) || // # $ % & '
    c === 0x2a || // *
    c === 0x2b || // +
    c === 0x2d || // -
    c === 0x2e || // .
    c === 0x5e || // ^
    c === 0x5f || // _
    c === 0x60 || // `
    c === 0x7c || // |
    c === 0x7e // ~
  );
}

/** Is `text` a non-empty token (RFC 9110 §5.6.2)? */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTchar(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Split a list header into its trimmed, non-empty elements (RFC 9110 §5.6.1: empty elements
 * and optional whitespace around commas are allowed and ignored).
 */
export function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const item = part.trim();
    if (item !== '') out.push(item);
  }
  return out;
}

/** Does the list header `value` contain `token`, compared case-insensitively? */
export function hasToken(value: string | undefined, token: string): boolean {
  const wanted = token.toLowerCase();
  for (const item of splitList(value)) if (item.toLowerCase() === wanted) return true;
  return false;
}
