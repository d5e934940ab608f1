/**
 * Builds WebSocket frames for seeds and dictionaries (RFC 6455 §5.2), including the malformed
 * ones a correct writer never makes: any opcode, reserved bits, non-minimal lengths.
 */
export interface FrameSpec {
  readonly opcode: number;
  readonly payload?: Uint8Array;
  readonly fin?: boolean;
  readonly rsv?: number;
  /** A masking key as a 32-bit number, or none (unmasked). */
  readonly mask?: number;
  /** Force the 16-bit (126) or 64-bit (127) length form. */
  readonly lengthForm?: 126 | 127;
}

export function wsFrame(spec: FrameSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const n = payload.length;
  const form = spec.lengthForm ?? (n < 126 ? 0 : n < 0x1_0000 ? 126 : 127);
  const header: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode];
  const maskBit = spec.mask === undefined ? 0 : 0x80;
  if (form === 0) header.push(maskBit | n);
  else if (form === 126) header.push(maskBit | 126, n >>> 8, n & 0xff);
  else
    header.push(
      maskBit | 127,
      0,
      0,
      0,
      0,
      (n >>> 24) & 0xff,
      (n >>> 16) & 0xff,
      (n >>> 8) & 0xff,
      n & 0xff,
    );
  const out = new Uint8Array(header.length + (spec.mask === undefined ? 0 : 4) + n);
  out.set(header, 0);
  let at = header.length;
  if (spec.mask !== undefined) {
    const k = [
      spec.mask >>> 24,
      (spec.mask >>> 16) & 0xff,
      (spec.mask >>> 8) & 0xff,
      spec.mask & 0xff,
    ];
    out.set(k, at);
    at += 4;
    for (let i = 0; i < n; i++) out[at + i] = payload[i]! ^ k[i & 3]!;
  } else {
    out.set(payload, at);
  }
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Frame-header and payload tokens for the mutator. */
export function frameDictionary(): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  for (const b0 of [
    0x81, 0x01, 0x80, 0x82, 0x02, 0x88, 0x89, 0x8a, 0xc1, 0x41, 0xc2, 0x91, 0xa1, 0x8b, 0x83, 0x00,
    0x09,
  ]) {
    tokens.push(Uint8Array.of(b0));
  }
  for (const b1 of [
    0x00, 0x01, 0x02, 0x05, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x85, 0xfd, 0xfe, 0xff,
  ]) {
    tokens.push(Uint8Array.of(b1));
  }
  tokens.push(
    Uint8Array.of(0x7e, 0x00, 0x7e),
    Uint8Array.of(0x7e, 0x00, 0x7d),
    Uint8Array.of(0x7e, 0x01, 0x00),
    Uint8Array.of(0xfe, 0x01, 0x00),
    Uint8Array.of(0x7f, 0, 0, 0, 0, 0, 1, 0, 0),
    Uint8Array.of(0x7f, 0, 0, 0, 0, 0, 0, 0x01, 0x00),
    Uint8Array.of(0x7f, 0x80, 0, 0, 0, 0, 1, 0, 0),
    Uint8Array.of(0x7f, 0, 0x20, 0, 0, 0, 0, 0, 0),
    Uint8Array.of(0x37, 0xfa, 0x21, 0x3d),
    Uint8Array.of(0, 0, 0, 0),
    Uint8Array.of(0xc0, 0x80),
    Uint8Array.of(0xed, 0xa0, 0x80),
    Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
    Uint8Array.of(0xe2, 0x82),
    Uint8Array.of(0xe2, 0x82, 0xac),
    Uint8Array.of(0xf0, 0x9f, 0x98, 0x80),
    Uint8Array.of(0x03, 0xe8),
    Uint8Array.of(0x03, 0xed),
    Uint8Array.of(0x03, 0xee),
    Uint8Array.of(0x0b, 0xb8),
    Uint8Array.of(0x13, 0x88),
    Uint8Array.of(0x03, 0xf7),
  );
  return tokens;
}
