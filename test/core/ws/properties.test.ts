/**
 * Property tests (fast-check) for the frame layer:
 * - encode → decode round trip of random message sequences (text, binary, fragmented, with
 *   control frames between fragments, an optional close), sizes up to ~70 KiB, as the exact
 *   events expected, under random chunkings and one byte at a time (RFC 6455 §5.4, §5.5);
 * - any chunking of any bytes (arbitrary or mutated frames) gives the same events, and the
 *   reader never throws and always settles (a bounded fuzz run).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { FrameReaderOptions, Role } from '../../../src/core/ws/frame-reader.js';
import { WebSocketConnection } from '../../../src/core/ws/websocket-connection.js';
import type { WebSocketEvent } from '../../../src/core/ws/websocket-event.js';
import { bytewise, drainConnection, type ReaderEvent, readChunks, split, utf8 } from './helpers.js';

/** Deterministic pseudo-random bytes (xorshift32), cheaper than generating 70 KiB in fast-check. */
function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const PALETTE = ['a', 'Z', ' ', '\u0000', 'é', 'ß', '€', '✓', '\uffff', '😀', '\u{10ffff}'];

/** Valid UTF-8 of about `n` bytes, built from 1- to 4-byte code points. */
function seededText(n: number, seed: number): Uint8Array {
  const picks = seededBytes(n, seed);
  let s = '';
  let bytes = 0;
  for (let i = 0; bytes < n; i++) {
    const c = PALETTE[picks[i % Math.max(1, n)]! % PALETTE.length]!;
    s += c;
    bytes += utf8(c).length;
  }
  return utf8(s);
}

type Control = { readonly kind: 'ping' | 'pong'; readonly data: Uint8Array };
type Data = {
  readonly kind: 'text' | 'binary';
  readonly size: number;
  readonly seed: number;
  readonly cuts: readonly number[];
  readonly controls: readonly Control[];
};
type Close = { readonly kind: 'close'; readonly code: number; readonly reason: string };
type Step = Control | Data;

const controlArb: fc.Arbitrary<Control> = fc.record({
  kind: fc.constantFrom('ping' as const, 'pong' as const),
  data: fc.uint8Array({ maxLength: 125 }),
});

function dataArb(size: fc.Arbitrary<number>): fc.Arbitrary<Data> {
  return fc.record({
    kind: fc.constantFrom('text' as const, 'binary' as const),
    size,
    seed: fc.integer(),
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
    controls: fc.array(controlArb, { maxLength: 3 }),
  });
}

const closeArb: fc.Arbitrary<Close> = fc.record({
  kind: fc.constant('close' as const),
  code: fc.constantFrom(1000, 1001, 1003, 1011, 3000, 4999),
  reason: fc.string({ unit: 'binary', maxLength: 30 }),
});

const smallSize = fc.integer({ min: 0, max: 300 });
const anySize = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 200 }) },
  { weight: 3, arbitrary: fc.integer({ min: 100, max: 3000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 60_000, max: 70_000 }) },
);

function scenarioArb(size: fc.Arbitrary<number>, maxSteps: number) {
  return fc.record({
    sender: fc.constantFrom('client' as const, 'server' as const),
    steps: fc.array(fc.oneof({ weight: 3, arbitrary: dataArb(size) }, controlArb), {
      maxLength: maxSteps,
    }),
    close: fc.option(closeArb, { nil: undefined }),
    chunkCuts: fc.array(fc.nat(), { maxLength: 12 }),
  });
}

function isData(step: Step): step is Data {
  return step.kind === 'text' || step.kind === 'binary';
}

interface Encoded {
  readonly wire: Uint8Array;
  readonly expected: ReaderEvent[];
}

/** Send the steps with a real connection (random masking keys) and model what must arrive. */
function encode(sender: Role, steps: readonly Step[], close: Close | undefined): Encoded {
  const conn = new WebSocketConnection({ role: sender });
  const expected: ReaderEvent[] = [];
  const sendControl = (c: Control) => {
    if (c.kind === 'ping') conn.ping(c.data);
    else conn.pong(c.data);
    expected.push({ kind: c.kind, data: c.data });
  };
  for (const step of steps) {
    if (!isData(step)) {
      sendControl(step);
      continue;
    }
    const data =
      step.kind === 'text' ? seededText(step.size, step.seed) : seededBytes(step.size, step.seed);
    const points = [...new Set(step.cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
    const bounds = [0, ...points, data.length];
    const send = step.kind === 'text' ? conn.sendText.bind(conn) : conn.sendBinary.bind(conn);
    for (let i = 0; i + 1 < bounds.length; i++) {
      const last = i + 2 === bounds.length;
      send(data.subarray(bounds[i]!, bounds[i + 1]!), last);
      const control = step.controls[i];
      if (!last && control !== undefined) sendControl(control);
    }
    expected.push({ kind: step.kind, data });
  }
  if (close !== undefined) {
    conn.close(close.code, close.reason);
    expected.push({
      kind: 'close',
      code: close.code,
      reason: new TextDecoder().decode(utf8(close.reason)),
    });
  }
  return { wire: conn.takeOutput(), expected };
}

function peerOf(role: Role): Role {
  return role === 'client' ? 'server' : 'client';
}

function asConnectionEvents(events: readonly ReaderEvent[]): WebSocketEvent[] {
  return events.map((e): WebSocketEvent => {
    if (e.kind === 'close')
      return { type: 'close', code: e.code, reason: e.reason, wasClean: true, initiator: 'remote' };
    if (e.kind === 'error') throw new Error('no errors expected');
    return { type: e.kind, data: e.data };
  });
}

describe('properties: encode → decode round trip (§5.4 any chunking gives the same messages)', () => {
  test('§5.4 random message sequences up to ~70 KiB under random chunkings', () => {
    fc.assert(
      fc.property(scenarioArb(anySize, 6), ({ sender, steps, close, chunkCuts }) => {
        const { wire, expected } = encode(sender, steps, close);
        const options = { role: peerOf(sender) };
        assert.deepEqual(readChunks(options, [wire]), expected);
        const cuts = chunkCuts.map((c) => c % (wire.length + 1));
        assert.deepEqual(readChunks(options, split(wire, cuts)), expected);
        // Small chunks everywhere (7 bytes): headers, keys and payloads all cut.
        const sevens = Array.from({ length: Math.ceil(wire.length / 7) }, (_, i) => i * 7);
        assert.deepEqual(readChunks(options, split(wire, sevens)), expected);
      }),
      { numRuns: 40 },
    );
  });

  test('§5.4 random small message sequences, one byte at a time', () => {
    fc.assert(
      fc.property(scenarioArb(smallSize, 8), ({ sender, steps, close }) => {
        const { wire, expected } = encode(sender, steps, close);
        assert.deepEqual(readChunks({ role: peerOf(sender) }, bytewise(wire)), expected);
      }),
      { numRuns: 150 },
    );
  });

  test('§5.4 the receiving connection reports the same events under random chunkings', () => {
    fc.assert(
      fc.property(scenarioArb(anySize, 5), ({ sender, steps, close, chunkCuts }) => {
        const { wire, expected } = encode(sender, steps, close);
        const receiver = new WebSocketConnection({ role: peerOf(sender), autoPong: false });
        const events: WebSocketEvent[] = [];
        for (const chunk of split(
          wire,
          chunkCuts.map((c) => c % (wire.length + 1)),
        )) {
          receiver.receive(chunk);
          events.push(...drainConnection(receiver));
        }
        assert.deepEqual(events, asConnectionEvents(expected));
      }),
      { numRuns: 30 },
    );
  });
});

const optionsArb = fc.record({
  role: fc.constantFrom('client' as const, 'server' as const),
  maxMessageSize: fc.constantFrom(20, 200, 16 * 1024 * 1024),
  allowCompressed: fc.boolean(),
  reuseBuffers: fc.boolean(),
});

/** Headers that get past the first checks often enough to reach the interesting code. */
const plausibleByte = fc.oneof(
  fc.constantFrom(0x00, 0x01, 0x02, 0x08, 0x09, 0x0a, 0x80, 0x81, 0x82, 0x88, 0x89, 0x8a, 0xc1),
  fc.constantFrom(0x00, 0x02, 0x7d, 0x7e, 0x7f, 0x80, 0x85, 0xfd, 0xfe, 0xff),
  fc.integer({ min: 0, max: 255 }),
);

/** The fuzz invariants: no throw, settles, chunk-independent, one terminal event at the end. */
function checkArbitraryInput(options: FrameReaderOptions, bytes: Uint8Array, cuts: number[]) {
  const whole = readChunks(options, [bytes]);
  const chunked = readChunks(
    options,
    split(
      bytes,
      cuts.map((c) => c % (bytes.length + 1)),
    ),
  );
  assert.deepEqual(chunked, whole);
  const terminal = whole.findIndex((e) => e.kind === 'close' || e.kind === 'error');
  assert.ok(terminal === -1 || terminal === whole.length - 1, 'nothing after close or error');
  for (const e of whole) {
    if (e.kind === 'error') assert.ok([1002, 1007, 1009].includes(e.code), `code ${e.code}`);
  }
}

describe('properties: the reader never throws and never loops on arbitrary bytes (fuzz)', () => {
  test('2,000 random byte strings, whole and chunked, both roles', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.array(plausibleByte, { maxLength: 160 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (options, bytes, cuts) => checkArbitraryInput(options, Uint8Array.from(bytes), cuts),
      ),
      { numRuns: 2000 },
    );
  });

  const mutation = fc.record({
    op: fc.constantFrom('flip', 'set', 'delete', 'insert', 'truncate'),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  });

  function mutate(
    wire: Uint8Array,
    mutations: readonly { op: string; at: number; value: number }[],
  ): Uint8Array {
    const bytes = Array.from(wire);
    for (const m of mutations) {
      const at = m.at % (bytes.length + 1);
      if (m.op === 'flip' && at < bytes.length) bytes[at] = bytes[at]! ^ (1 << (m.value & 7));
      else if (m.op === 'set' && at < bytes.length) bytes[at] = m.value;
      else if (m.op === 'delete') bytes.splice(at, 1);
      else if (m.op === 'insert') bytes.splice(at, 0, m.value);
      else if (m.op === 'truncate') bytes.length = at;
    }
    return Uint8Array.from(bytes);
  }

  test('mutations of valid frame sequences, whole and chunked', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(
        scenarioArb(smallSize, 5),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        optionsArb,
        ({ sender, steps, close, chunkCuts }, mutations, options) => {
          const { wire } = encode(sender, steps, close);
          checkArbitraryInput(
            { ...options, role: peerOf(sender) },
            mutate(wire, mutations),
            chunkCuts,
          );
        },
      ),
      { numRuns: 600 },
    );
  });

  test('§7.1.7 a connection fed mutated frames: at most one close event, last; one close frame, last', {
    timeout: 60_000,
  }, () => {
    fc.assert(
      fc.property(
        scenarioArb(smallSize, 4),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        ({ sender, steps, close, chunkCuts }, mutations, eof) => {
          const { wire } = encode(sender, steps, close);
          const role = peerOf(sender);
          const conn = new WebSocketConnection({ role, maxMessageSize: 1000 });
          const events: WebSocketEvent[] = [];
          const bytes = mutate(wire, mutations);
          for (const chunk of split(
            bytes,
            chunkCuts.map((c) => c % (bytes.length + 1)),
          )) {
            conn.receive(chunk);
            events.push(...drainConnection(conn));
          }
          if (eof) {
            conn.receiveEof();
            events.push(...drainConnection(conn));
            assert.equal(events.at(-1)?.type, 'close', 'EOF always ends in a close event');
          }
          const closes = events.filter((e) => e.type === 'close');
          assert.ok(closes.length <= 1);
          if (closes.length === 1) assert.equal(events.at(-1)?.type, 'close');
          // What the connection sent by itself: pongs, then at most one close frame.
          const sent = readChunks({ role: sender }, [conn.takeOutput()]);
          const sentCloses = sent.filter((e) => e.kind === 'close');
          assert.ok(sentCloses.length <= 1);
          assert.ok(sent.every((e) => e.kind === 'pong' || e.kind === 'close'));
          if (sentCloses.length === 1) assert.equal(sent.at(-1)?.kind, 'close');
        },
      ),
      { numRuns: 300 },
    );
  });
});
