/**
 * SHA-1 (FIPS 180-4 §6.1), the digest RFC 6455 §4.2.2 uses for `Sec-WebSocket-Accept`.
 *
 * A small synchronous portable implementation: Web Crypto's digest is asynchronous, which a
 * sans-IO handshake cannot wait for. It only ever hashes a few dozen bytes per handshake; the
 * Node adapter injects `crypto.createHash('sha1')` through the platform instead.
 */

/** A SHA-1 function: 20-byte digest of `data`. */
export type Sha1 = (data: Uint8Array) => Uint8Array;

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** The portable SHA-1. */
export const sha1: Sha1 = (data) => {
  const bitLength = data.length * 8;
  // Message, 0x80, zero padding, then the 64-bit big-endian bit length (FIPS 180-4 §5.1.1).
  const padded = new Uint8Array(((data.length + 8) >>> 6) * 64 + 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(bitLength / 0x1_0000_0000));
  view.setUint32(padded.length - 4, bitLength >>> 0);

  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = new Int32Array(80);
  for (let block = 0; block < padded.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getInt32(block + t * 4);
    for (let t = 16; t < 80; t++) w[t] = rotl(w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!, 1);
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const temp = (rotl(a, 5) + f + e + k + w[t]!) | 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  const outView = new DataView(out.buffer);
  outView.setInt32(0, h0);
  outView.setInt32(4, h1);
  outView.setInt32(8, h2);
  outView.setInt32(12, h3);
  outView.setInt32(16, h4);
  return out;
};
