/**
 * The HTTP/3 frame reader (RFC 9114 §7.1): headers cut anywhere, buffered payloads as views or
 * one copy, streamed payloads as views, skipped payloads, the frame-boundary flag, and the
 * property that any chunking gives the same frames.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FrameRead, Http3FrameReader } from '../../../src/core/http3/frame-reader.js';
import { concat, frame, toHex } from './helpers.js';

type Seen = { kind: 'frame' | 'data' | 'start'; type: number; bytes: string };

/** Read `chunks`: buffer HEADERS and SETTINGS, stream DATA, skip everything else. */
function readAll(chunks: readonly Uint8Array[]): { seen: Seen[]; boundary: boolean } {
  const reader = new Http3FrameReader();
  const seen: Seen[] = [];
  for (const chunk of chunks) {
    reader.receive(chunk);
    for (let r = reader.poll(); r !== FrameRead.NEED_DATA; r = reader.poll()) {
      if (r === FrameRead.FRAME_START) {
        seen.push({ kind: 'start', type: reader.type, bytes: String(reader.length) });
        if (reader.type === 0x00) reader.streamPayload();
        else if ((reader.type === 0x01 || reader.type === 0x04) && reader.length <= 4096)
          reader.bufferPayload();
      } else if (r === FrameRead.FRAME) {
        seen.push({ kind: 'frame', type: reader.type, bytes: toHex(reader.payload) });
      } else {
        const last = seen[seen.length - 1]!;
        if (last.kind === 'data') last.bytes += toHex(reader.payload);
        else seen.push({ kind: 'data', type: reader.type, bytes: toHex(reader.payload) });
      }
    }
  }
  return { seen, boundary: reader.atFrameBoundary };
}

function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.slice(at, p));
    at = p;
  }
  out.push(bytes.slice(at));
  return out;
}

const stream = concat(
  frame(0x04, Uint8Array.of(0x06, 0x44, 0x00)),
  frame(0x21, Uint8Array.of(1, 2, 3, 4)), // reserved type: skipped
  frame(0x01, Uint8Array.of(0x00, 0x00, 0xd1)),
  frame(0x00, Uint8Array.of(9, 8, 7, 6, 5)),
  frame(0x00, new Uint8Array(0)),
  frame(0x3f_ffff, new Uint8Array(70)), // unknown 4-byte type, 70-byte payload: skipped
  frame(0x00, new Uint8Array(300).fill(0xab)),
);

test('a stream of frames read whole: buffered, streamed and skipped payloads', () => {
  const { seen, boundary } = readAll([stream]);
  assert.equal(boundary, true);
  assert.deepEqual(
    seen.map((s) => `${s.kind}:${s.type.toString(16)}`),
    [
      'start:4',
      'frame:4',
      'start:21',
      'start:1',
      'frame:1',
      'start:0',
      'data:0',
      'start:0',
      'start:3fffff',
      'start:0',
      'data:0',
    ],
  );
  assert.equal(seen[1]!.bytes, '064400');
  assert.equal(seen[6]!.bytes, '0908070605');
});

test('a payload inside one chunk is a view of it; one that spans chunks is copied once', () => {
  const bytes = frame(0x01, Uint8Array.of(1, 2, 3));
  const reader = new Http3FrameReader();
  reader.receive(bytes);
  assert.equal(reader.poll(), FrameRead.FRAME_START);
  reader.bufferPayload();
  assert.equal(reader.poll(), FrameRead.FRAME);
  assert.equal(reader.payload.buffer, bytes.buffer);
  const split = new Http3FrameReader();
  split.receive(bytes.subarray(0, 3));
  assert.equal(split.poll(), FrameRead.FRAME_START);
  split.bufferPayload();
  assert.equal(split.poll(), FrameRead.NEED_DATA);
  assert.equal(split.atFrameBoundary, false);
  split.receive(bytes.subarray(3));
  assert.equal(split.poll(), FrameRead.FRAME);
  assert.notEqual(split.payload.buffer, bytes.buffer);
  assert.deepEqual([...split.payload], [1, 2, 3]);
  assert.equal(split.atFrameBoundary, true);
});

test('the frame boundary flag is false inside a header and inside a payload', () => {
  const bytes = frame(0x40_00, Uint8Array.of(1));
  for (let end = 1; end < bytes.length; end++) {
    const reader = new Http3FrameReader();
    reader.receive(bytes.subarray(0, end));
    while (reader.poll() !== FrameRead.NEED_DATA) {
      // skip
    }
    assert.equal(reader.atFrameBoundary, false, `cut at ${end}`);
  }
});

test('property: any chunking of a stream gives the same frames and payload bytes', () => {
  const whole = readAll([stream]).seen;
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
      assert.deepEqual(readAll(cut(stream, cuts)).seen, whole);
    }),
  );
  const bytewise = Array.from(stream, (b) => Uint8Array.of(b));
  assert.deepEqual(readAll(bytewise).seen, whole);
});

test('property: arbitrary bytes never throw and any chunking agrees with one chunk', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (bytes, cuts) => {
        const one = readAll([bytes]);
        const many = readAll(cut(bytes, cuts));
        assert.deepEqual(many, one);
      },
    ),
    { numRuns: 300 },
  );
});
