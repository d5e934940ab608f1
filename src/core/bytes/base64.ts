/**
 * Base64 (RFC 4648 §4) for the handshake's `Sec-WebSocket-Key` and `Sec-WebSocket-Accept`.
 * Small inputs only; no streaming.
 */

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Encode bytes as padded base64. */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out +=
      alphabet[n >>> 18]! +
      alphabet[(n >>> 12) & 63]! +
      alphabet[(n >>> 6) & 63]! +
      alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += `${alphabet[n >>> 18]!}${alphabet[(n >>> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += `${alphabet[n >>> 18]!}${alphabet[(n >>> 12) & 63]!}${alphabet[(n >>> 6) & 63]!}=`;
  }
  return out;
}

/**
 * Decode strict padded base64 (canonical: unused trailing bits must be zero). Returns
 * `undefined` for anything else, which is what a handshake check needs.
 */
export function base64Decode(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const ch = text.charCodeAt(i + j);
      let v: number;
      if (ch === 61 /* = */ && i + 4 === text.length && j >= 4 - padding) v = 0;
      else {
        v = alphabet.indexOf(text[i + j]!);
        if (v < 0) return undefined;
      }
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 0xff;
    else if (padding === 2 && (n & 0xffff) !== 0) return undefined;
    if (o < out.length) out[o++] = n & 0xff;
    else if (padding === 1 && (n & 0xff) !== 0) return undefined;
  }
  return out;
}
