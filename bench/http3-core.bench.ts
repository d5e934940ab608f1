/**
 * The sans-IO HTTP/3 core in memory (issue 14): QPACK encode and decode of a WebSocket extended
 * CONNECT request (RFC 9220) and of its 200 answer, the HTTP/3 frame reader over a stream of
 * DATA frames, and the whole server session path for one DATA frame (feed bytes, poll the data
 * event) beside the client session's `sendData` (one frame out).
 *
 * What each row does per operation:
 * - `qpack encode request`: `encodeFieldSection` of the 7-line CONNECT request (static
 *   references, Huffman where shorter), a new Uint8Array each time;
 * - `qpack decode request`: `decodeFieldSection` of those bytes into a FieldSection;
 * - `qpack encode/decode response`: the same for `:status 200` + `sec-websocket-protocol`;
 * - `frame reader, 512 B DATA`: one DATA frame parsed out of a 64 KiB chunk of them (header
 *   varints and a view of the payload);
 * - `session: DATA in`: `streamData` of one 512-byte DATA frame on an open WebSocket stream and
 *   `poll()` of its `data` event (a view, no copy);
 * - `session: DATA out`: `sendData` of 512 bytes and `poll()` of the write action (one copy).
 *
 * Run: `npm run bench:http3` (add `--quick` for a short smoke run). Figures are nanoseconds per
 * operation, CPU time (`--wall` for wall time); the machine is shared, so compare rows of one run.
 */

import { FrameRead, Http3FrameReader } from '../src/core/http3/frame-reader.js';
import { Http3Session } from '../src/core/http3/http3-session.js';
import { decodeFieldSection } from '../src/core/qpack/field-decoder.js';
import { encodeFieldSection, type FieldLines } from '../src/core/qpack/field-encoder.js';
import { clockInfo, compare, fmtNs, fmtPct, type Subject, sink, table } from './harness.js';

const REQUEST: FieldLines = [
  [':method', 'CONNECT'],
  [':protocol', 'websocket'],
  [':scheme', 'https'],
  [':authority', 'chat.example.com'],
  [':path', '/socket?room=42'],
  ['sec-websocket-version', '13'],
  ['sec-websocket-protocol', 'chat, superchat'],
  ['sec-websocket-extensions', 'permessage-deflate; client_max_window_bits'],
  ['origin', 'https://chat.example.com'],
];
const RESPONSE: FieldLines = [
  [':status', '200'],
  ['sec-websocket-protocol', 'chat'],
];

const requestBytes = encodeFieldSection(REQUEST);
const responseBytes = encodeFieldSection(RESPONSE);

// 64 KiB of 512-byte DATA frames (header 00 42 00: type 0, length 512 as a 2-byte varint).
const FRAME = 512 + 3;
const PER_CHUNK = Math.floor(65536 / FRAME);
const chunk = new Uint8Array(PER_CHUNK * FRAME);
for (let i = 0; i < PER_CHUNK; i++) chunk.set([0x00, 0x42, 0x00], i * FRAME);

const server = new Http3Session({ role: 'server' });
server.streamData(
  0,
  (() => {
    const head = encodeFieldSection(REQUEST);
    const out = new Uint8Array(3 + head.length);
    out.set([0x01, 0x40 | (head.length >> 8), head.length & 0xff]);
    out.set(head, 3);
    return out;
  })(),
);
while (server.poll() !== undefined) {
  // settings write, request event
}
const oneFrame = chunk.subarray(0, FRAME);

const client = new Http3Session({ role: 'client' });
client.streamData(3, Uint8Array.of(0x00, 0x04, 0x02, 0x08, 0x01));
const clientStream = client.openRequest(REQUEST);
while (client.poll() !== undefined) {
  // control stream, settings, request
}
const payload = new Uint8Array(512).fill(0x61);

const N = 200;
const subjects: Subject[] = [
  {
    name: 'qpack encode request',
    run: () => {
      let n = 0;
      for (let i = 0; i < N; i++) n += encodeFieldSection(REQUEST).length;
      sink.value += n;
      return N;
    },
  },
  {
    name: 'qpack decode request',
    run: () => {
      let n = 0;
      for (let i = 0; i < N; i++) {
        const result = decodeFieldSection(requestBytes, 65536);
        if (result.ok) n += result.fields.length;
      }
      sink.value += n;
      return N;
    },
  },
  {
    name: 'qpack encode response',
    run: () => {
      let n = 0;
      for (let i = 0; i < N; i++) n += encodeFieldSection(RESPONSE).length;
      sink.value += n;
      return N;
    },
  },
  {
    name: 'qpack decode response',
    run: () => {
      let n = 0;
      for (let i = 0; i < N; i++) {
        const result = decodeFieldSection(responseBytes, 65536);
        if (result.ok) n += result.fields.length;
      }
      sink.value += n;
      return N;
    },
  },
  {
    name: 'frame reader, 512 B DATA',
    run: () => {
      const reader = new Http3FrameReader();
      let frames = 0;
      for (let k = 0; k < 8; k++) {
        reader.receive(chunk);
        for (let r = reader.poll(); r !== FrameRead.NEED_DATA; r = reader.poll()) {
          if (r === FrameRead.FRAME_START) {
            reader.streamPayload();
            frames++;
          } else sink.value += reader.payload.length;
        }
      }
      return frames;
    },
  },
  {
    name: 'session: DATA in (512 B)',
    run: () => {
      for (let i = 0; i < N; i++) {
        server.streamData(0, oneFrame);
        const event = server.poll();
        if (event !== undefined && event.type === 'data') sink.value += event.data.length;
      }
      return N;
    },
  },
  {
    name: 'session: DATA out (512 B)',
    run: () => {
      for (let i = 0; i < N; i++) {
        client.sendData(clientStream, payload);
        const action = client.poll();
        if (action !== undefined && action.type === 'write') sink.value += action.data.length;
      }
      return N;
    },
  },
];

const quick = process.argv.includes('--quick');
const options = quick ? { runs: 3, warmup: 1, runNs: 5e6 } : { runs: 9, warmup: 2, runNs: 25e6 };
console.log(`# HTTP/3 core, in memory (${clockInfo()})`);
console.log(
  `request section ${requestBytes.length} B for ${REQUEST.length} lines; response ${responseBytes.length} B; ` +
    `median of ${options.runs} runs, each ≥ ${options.runNs / 1e6} ms of measured work`,
);
const results = compare(subjects, options);
console.log(
  table(
    ['operation', 'ns/op', 'spread'],
    results.map((r) => [r.name, fmtNs(r.ns), fmtPct(r.spread)]),
  ),
);
