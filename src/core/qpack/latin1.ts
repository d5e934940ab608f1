/**
 * Field names and values as Latin-1 strings: one character per byte, both ways. HTTP fields are
 * bytes (RFC 9110 §5.5); Latin-1 keeps every byte without a decoder and is what Node's HTTP/2
 * layer hands out too. (`TextDecoder('latin1')` is windows-1252 in WHATWG terms, so it is not
 * used.)
 */

/** `bytes[start..end)` as a Latin-1 string. */
export function latin1Decode(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 16) {
    let out = '';
    for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i]!);
    return out;
  }
  let out = '';
  for (let at = start; at < end; at += 4096) {
    const piece = bytes.subarray(at, Math.min(end, at + 4096));
    out += String.fromCharCode.apply(null, piece as unknown as number[]);
  }
  return out;
}

/** Is every character of `text` a Latin-1 character (below U+0100)? */
export function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Write the Latin-1 string `text` at `out[offset]`; returns the offset after it. */
export function latin1Encode(text: string, out: Uint8Array, offset: number): number {
  for (let i = 0; i < text.length; i++) out[offset++] = text.charCodeAt(i);
  return offset;
}
