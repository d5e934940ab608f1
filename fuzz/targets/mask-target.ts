/**
 * Fuzz target 6: masking (src/core/bytes/mask.ts, and the Node platform's masker). Oracle: a
 * byte loop, `out[i] = in[i] ^ key[(phase + i - start) & 3]`, at any offset, phase, range and
 * alignment of the view; bytes outside the range must not change.
 *
 * Input: bytes 0-3 the key, byte 4 the phase, byte 5 the view's offset in its buffer, bytes 6-7
 * how much to trim from each end of the range, the rest the data.
 */
import { mask, maskCopy } from '../../src/core/bytes/mask.js';
import { nodePlatform } from '../../src/node/node-platform.js';
import { FuzzFailure, type FuzzTarget, hex } from '../engine/fuzz-target.js';

function reference(
  data: Uint8Array,
  start: number,
  end: number,
  key: number,
  phase: number,
): Uint8Array {
  const out = data.slice();
  const k = [key >>> 24, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff];
  for (let i = start; i < end; i++) out[i] = out[i]! ^ k[(phase + i - start) & 3]!;
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function run(input: Uint8Array): void {
  if (input.length < 8) return;
  const key = (input[0]! << 24) | (input[1]! << 16) | (input[2]! << 8) | input[3]! | 0;
  const phase = input[4]! & 3;
  const offset = input[5]! & 15;
  const data = input.subarray(8);
  const start = Math.min(data.length, input[6]! & 63);
  const end = Math.max(start, data.length - (input[7]! & 63));
  const expected = reference(data, start, end, key, phase);
  for (const [name, masker] of [
    ['portable', mask],
    ['node', nodePlatform.mask],
  ] as const) {
    const backing = new Uint8Array(data.length + offset + 3);
    const view = backing.subarray(offset, offset + data.length);
    view.set(data);
    masker(view, start, end, key, phase);
    if (!equal(view, expected)) {
      throw new FuzzFailure(
        'mask',
        `${name} key ${key >>> 0} phase ${phase} offset ${offset} range ${start}..${end} data ${hex(data)}`,
      );
    }
    if (
      backing.subarray(0, offset).some((b) => b !== 0) ||
      backing.subarray(offset + data.length).some((b) => b !== 0)
    ) {
      throw new FuzzFailure('mask', `${name} wrote outside the view`);
    }
  }
  // maskCopy: phase 0 from the source range into a destination at an offset.
  const dst = new Uint8Array(data.length + offset);
  maskCopy(data, start, end, dst, offset, key);
  const copied = reference(data.subarray(start, end), 0, end - start, key, 0);
  if (!equal(dst.subarray(offset, offset + end - start), copied)) {
    throw new FuzzFailure('mask', `maskCopy key ${key >>> 0} range ${start}..${end}`);
  }
}

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const n of [0, 3, 17, 127, 128, 129, 300, 1000]) {
    const data = new Uint8Array(8 + n);
    data.set([0x37, 0xfa, 0x21, 0x3d, n & 3, n & 7, n & 5, n & 9]);
    for (let i = 8; i < data.length; i++) data[i] = (i * 31) & 0xff;
    out.push(data);
  }
  return out;
}

export const maskTarget: FuzzTarget = {
  name: 'mask',
  files: ['src/core/bytes/mask.js', 'src/node/node-platform.js'],
  maxLength: 2048,
  dictionary: [new Uint8Array(128), new Uint8Array(16).fill(0xff)],
  seeds,
  run,
};
