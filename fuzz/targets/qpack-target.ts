/**
 * Fuzz target 11: the QPACK decoder (src/core/qpack) with a dynamic table capacity of 0.
 * Oracles: the encoder (round trip), the size rule, the Huffman code's uniqueness, and any
 * chunking of the instruction streams.
 *
 * Input: byte 0 picks the field-section size limit; the rest is an encoded field section (and,
 * for the instruction streams, the same bytes as encoder- and decoder-stream input). Checks:
 * - `decodeFieldSection` never throws; success means the decoded size, counted independently
 *   (name and value lengths plus 32 per line, RFC 9114 §4.2.2), is within the limit; failure
 *   is QPACK_DECOMPRESSION_FAILED or, as a stream error, the size limit;
 * - what decodes re-encodes (static table and Huffman choices of our encoder) to a section that
 *   decodes to the same lines;
 * - a section whose first line is a Huffman literal: `huffmanDecode` of that string re-encodes
 *   to the same bytes (the code is canonical, padding is fixed);
 * - the encoder and decoder instruction streams give the same verdict whole, at random cuts and
 *   one byte at a time.
 */
import { decodeFieldSection } from '../../src/core/qpack/field-decoder.js';
import { encodeFieldSection } from '../../src/core/qpack/field-encoder.js';
import {
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from '../../src/core/qpack/huffman.js';
import { QpackInstructionStream } from '../../src/core/qpack/instruction-stream.js';
import { FuzzFailure, type FuzzTarget, hex, latin1 } from '../engine/fuzz-target.js';
import { chunkings } from './chunking.js';

const LIMITS = [0, 64, 300, 65536] as const;
const FAILED = 0x200;
const EXCESSIVE = 0x107;

function verdict(kind: 'encoder' | 'decoder', pieces: readonly Uint8Array[]): string {
  const stream = new QpackInstructionStream(kind);
  for (const piece of pieces) {
    const error = stream.receive(piece);
    if (error !== undefined) return `error ${error.code}`;
  }
  return stream.partial ? 'partial' : 'ok';
}

function run(input: Uint8Array): void {
  if (input.length < 1) return;
  const limit = LIMITS[input[0]! & 3]!;
  const section = input.subarray(1);
  const fail: (what: string) => never = (what) => {
    throw new FuzzFailure('qpack', `${what} on ${hex(input)}`);
  };
  const result = decodeFieldSection(section, limit);
  if (result.ok) {
    let size = 0;
    const lines: [string, string][] = [];
    for (const [name, value] of result.fields) {
      size += name.length + value.length + 32;
      lines.push([name, value]);
    }
    if (size > limit) fail(`decoded size ${size} over the limit ${limit}`);
    if (size !== result.fields.size) fail(`size ${result.fields.size}, counted ${size}`);
    const again = decodeFieldSection(encodeFieldSection(lines), limit);
    if (!again.ok) fail(`re-encoded section fails: ${again.message}`);
    if (JSON.stringify([...again.fields]) !== JSON.stringify(lines))
      fail('re-encoded section decodes differently');
  } else if (!(result.code === FAILED || (result.streamError && result.code === EXCESSIVE))) {
    fail(`unexpected failure code ${result.code}`);
  }
  // Huffman uniqueness: a first line that is a literal name (001N H len3) coded with Huffman.
  if (section.length > 3 && (section[2]! & 0xe0) === 0x20 && (section[2]! & 0x08) !== 0) {
    const length = section[2]! & 0x07;
    if (length < 7 && 3 + length <= section.length) {
      const text = huffmanDecode(section, 3, 3 + length);
      if (text !== undefined) {
        const out = new Uint8Array(huffmanEncodedLength(text));
        huffmanEncode(text, out, 0);
        if (hex(out) !== hex(section.subarray(3, 3 + length)))
          fail('Huffman string re-encodes differently');
      }
    }
  }
  for (const kind of ['encoder', 'decoder'] as const) {
    const whole = verdict(kind, [section]);
    const cut = verdict(kind, chunkings(section, input[0]!));
    const bytewise = verdict(
      kind,
      Array.from(section, (b) => Uint8Array.of(b)),
    );
    if (cut !== whole || bytewise !== whole)
      fail(`${kind} stream: ${whole} whole, ${cut} cut, ${bytewise} bytewise`);
  }
}

function seeds(): Uint8Array[] {
  const sections = [
    Uint8Array.of(0x00, 0x00, 0x51, 0x0b, ...latin1('/index.html')), // RFC 9204 B.1
    encodeFieldSection([
      [':method', 'CONNECT'],
      [':protocol', 'websocket'],
      [':scheme', 'https'],
      [':authority', 'example.com'],
      [':path', '/chat'],
      ['sec-websocket-version', '13'],
      ['sec-websocket-protocol', 'chat, superchat'],
      ['sec-websocket-extensions', 'permessage-deflate; client_max_window_bits'],
    ]),
    encodeFieldSection([
      [':status', '200'],
      ['custom-key', 'custom-value'],
    ]),
    Uint8Array.of(0x03, 0x81, 0x10, 0x11), // RFC 9204 B.2 (dynamic: must fail)
    Uint8Array.of(0x3f, 0xbd, 0x01), // B.2 encoder stream: capacity 220
    Uint8Array.of(0x20, 0x44, 0x7f, 0x00),
  ];
  return sections.flatMap((s) => [Uint8Array.of(3, ...s), Uint8Array.of(1, ...s)]);
}

export const qpackTarget: FuzzTarget = {
  name: 'qpack',
  files: [
    'src/core/qpack/field-decoder.js',
    'src/core/qpack/huffman.js',
    'src/core/qpack/prefix-int.js',
    'src/core/qpack/instruction-stream.js',
    'src/core/qpack/latin1.js',
    'src/core/qpack/field-section.js',
  ],
  maxLength: 512,
  dictionary: [
    Uint8Array.of(0x00, 0x00),
    Uint8Array.of(0xd1),
    Uint8Array.of(0xcf),
    Uint8Array.of(0x5f, 0x1d),
    Uint8Array.of(0x2f, 0x01),
    Uint8Array.of(0x27, 0xff, 0xff),
    Uint8Array.of(0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff),
    Uint8Array.of(0xff, 0xff, 0xff, 0xff),
    Uint8Array.of(0x80),
    Uint8Array.of(0x10),
    latin1('websocket'),
  ],
  seeds,
  run,
};
