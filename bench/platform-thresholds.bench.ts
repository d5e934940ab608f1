/**
 * Where do native helpers beat the portable JavaScript ones? This decides the thresholds in
 * src/node/node-platform.ts (and `WORD_THRESHOLD` in src/core/bytes/mask.ts):
 *
 * - UTF-8: Node's `buffer.isUtf8` (simdutf, one call into C++) against the portable
 *   `isValidUtf8`, on ASCII text and on text mixing 1- to 4-byte code points;
 * - masking: the `bufferutil` addon's `unmask` (reached through our `(buf, start, end, key,
 *   phase)` signature: a view and a rotated 4-byte key) against the portable `mask`, and the
 *   portable masker's own byte loop against its word loop;
 * - encoding short strings: `Buffer#write` against a JavaScript ASCII loop;
 * - masked 16 KiB throughput in pure JavaScript (issue 2 target: at least 2 GB/s).
 *
 * Each figure is the median of several runs of a batch of calls on views at varying offsets of
 * one buffer (as the frame reader passes them). Run: `npm run bench:thresholds`.
 */
import { Buffer, isUtf8 as nodeIsUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { mask, WORD_THRESHOLD } from '../src/core/bytes/mask.js';
import { isValidUtf8 } from '../src/core/bytes/utf8.js';
import {
  ASCII_ENCODE_LIMIT,
  NATIVE_MASK_THRESHOLD,
  NATIVE_UTF8_THRESHOLD,
  nativeMask,
  nodePlatform,
} from '../src/node/node-platform.js';
import {
  asciiText,
  bufferutilInfo,
  clockInfo,
  compare,
  fmtMBs,
  fmtNs,
  fmtPct,
  fmtSize,
  fmtX,
  mixedText,
  type Result,
  type Subject,
  sink,
  table,
} from './harness.js';

const quick = process.argv.includes('--quick');
/** `--only=utf8|mask|encode|16k`: run one section. */
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const section = (name: string): boolean =>
  onlyArg === undefined || onlyArg.slice('--only='.length) === name;
const options = quick ? { runs: 3, warmup: 1, runNs: 3e6 } : { runs: 9, warmup: 2, runNs: 15e6 };
const SIZES = [8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 2048, 4096, 16384];
/** Views per arena, each at its own offset. */
const VIEWS = 64;

interface Arena {
  /** One buffer holding `VIEWS` copies of the content, at offsets of every alignment. */
  readonly buf: Buffer;
  readonly offsets: number[];
  /** Views of `buf` at `offsets` (what a validator is handed: a message payload). */
  readonly views: Uint8Array[];
  readonly bytes: number;
  /** Passes over the copies per timed iteration: about 20,000 calls, fewer for long inputs,
   * so that an iteration dwarfs the cost of reading the clock. */
  readonly passes: number;
}

function arena(content: Uint8Array): Arena {
  const stride = content.length + 7;
  const buf = Buffer.allocUnsafeSlow(stride * VIEWS + 8);
  const offsets: number[] = [];
  const views: Uint8Array[] = [];
  for (let v = 0; v < VIEWS; v++) {
    const at = v * stride + (v & 3) + 2;
    buf.set(content, at);
    offsets.push(at);
    views.push(buf.subarray(at, at + content.length));
  }
  const calls = Math.min(20_000, Math.ceil(20_000_000 / Math.max(1, content.length)));
  return { buf, offsets, views, bytes: content.length, passes: Math.ceil(calls / VIEWS) };
}

function utf8Subject(name: string, a: Arena, check: (bytes: Uint8Array) => boolean): Subject {
  const { views, passes } = a;
  return {
    name,
    run: () => {
      let ok = 0;
      for (let p = 0; p < passes; p++) {
        for (let v = 0; v < views.length; v++) if (check(views[v]!)) ok++;
      }
      if (ok !== views.length * passes) throw new Error(`${name}: rejected valid UTF-8`);
      return ok;
    },
  };
}

type RangeMasker = (
  buf: Uint8Array,
  start: number,
  end: number,
  key: number,
  phase: number,
) => void;

/** Mask ranges of one big buffer through `masker`, as the frame reader masks a payload
 * inside a received chunk. */
function maskSubject(name: string, a: Arena, masker: RangeMasker): Subject {
  const { buf, offsets, passes, bytes } = a;
  return {
    name,
    run: () => {
      for (let p = 0; p < passes; p++) {
        for (let v = 0; v < offsets.length; v++) {
          const at = offsets[v]!;
          masker(buf, at, at + bytes, 0x37fa213d + v, (v + p) & 3);
        }
      }
      sink.value ^= buf[offsets[0]!]!;
      return offsets.length * passes;
    },
  };
}

/** The portable masker's short path alone (a byte loop unrolled by four), for comparison. */
const byteLoop: RangeMasker = (buf, start, end, key, phase) => {
  const s = (phase & 3) << 3;
  const k = s === 0 ? key : (key << s) | (key >>> (32 - s));
  const k0 = k >>> 24;
  const k1 = (k >>> 16) & 0xff;
  const k2 = (k >>> 8) & 0xff;
  const k3 = k & 0xff;
  let i = start;
  const quads = start + ((end - start) & ~3);
  for (; i < quads; i += 4) {
    buf[i] = buf[i]! ^ k0;
    buf[i + 1] = buf[i + 1]! ^ k1;
    buf[i + 2] = buf[i + 2]! ^ k2;
    buf[i + 3] = buf[i + 3]! ^ k3;
  }
  for (let p = 0; i < end; i++, p++) buf[i] = buf[i]! ^ ((k >>> (24 - (p << 3))) & 0xff);
};

/** The portable masker's long path alone (aligned `Int32Array` words, unrolled by eight). */
const wordLoop: RangeMasker = (buf, start, end, key, phase) => {
  let i = start;
  let p = phase & 3;
  const base = buf.byteOffset;
  while (((base + i) & 3) !== 0 && i < end) {
    buf[i] = buf[i]! ^ ((key >>> (24 - (p << 3))) & 0xff);
    i++;
    p = (p + 1) & 3;
  }
  const s = p << 3;
  const k = s === 0 ? key : (key << s) | (key >>> (32 - s));
  const word = (k >>> 24) | ((k >>> 8) & 0xff00) | ((k << 8) & 0xff0000) | (k << 24);
  const words = (end - i) >>> 2;
  const view = new Int32Array(buf.buffer, base + i, words);
  const unrolled = words & ~7;
  let w = 0;
  for (; w < unrolled; w += 8) {
    view[w] = view[w]! ^ word;
    view[w + 1] = view[w + 1]! ^ word;
    view[w + 2] = view[w + 2]! ^ word;
    view[w + 3] = view[w + 3]! ^ word;
    view[w + 4] = view[w + 4]! ^ word;
    view[w + 5] = view[w + 5]! ^ word;
    view[w + 6] = view[w + 6]! ^ word;
    view[w + 7] = view[w + 7]! ^ word;
  }
  for (; w < words; w++) view[w] = view[w]! ^ word;
  i += words << 2;
  for (; i < end; i++) {
    buf[i] = buf[i]! ^ ((key >>> (24 - (p << 3))) & 0xff);
    p = (p + 1) & 3;
  }
};

/** bufferutil reached the way ws does it: whole Buffer, 4-byte key Buffer. */
interface BufferUtil {
  unmask(buffer: Uint8Array, mask: Uint8Array): void;
}
function loadBufferutil(): BufferUtil | undefined {
  try {
    return createRequire(import.meta.url)('bufferutil') as BufferUtil;
  } catch {
    return undefined;
  }
}
const bufferutil = loadBufferutil();

/** The smallest size from which `b` is faster than `a` at every larger measured size. */
function crossover(rows: readonly { size: number; a: number; b: number }[]): number | undefined {
  let from: number | undefined;
  for (const r of rows) {
    if (r.b < r.a) from ??= r.size;
    else from = undefined;
  }
  return from;
}

console.log('# Platform thresholds: native helpers against portable JavaScript\n');
console.log(
  `node ${process.version}, bufferutil: ${bufferutilInfo()}. Medians of ${options.runs} runs ` +
    `(each ≥ ${options.runNs / 1e6} ms) after ${options.warmup} warm-up runs; clock: ${clockInfo()}; ` +
    `ns per call over ${VIEWS} views at varying offsets. ` +
    `Current settings: NATIVE_UTF8_THRESHOLD = ${NATIVE_UTF8_THRESHOLD}, ` +
    `NATIVE_MASK_THRESHOLD = ${NATIVE_MASK_THRESHOLD}, WORD_THRESHOLD = ${WORD_THRESHOLD}, ` +
    `bufferutil hook ${nativeMask === undefined ? 'inactive' : 'active'}.\n`,
);

// --- UTF-8 -----------------------------------------------------------------------------------

if (section('utf8'))
  for (const [label, make] of [
    ['ASCII text', asciiText],
    ['mixed text (1-4 byte code points)', mixedText],
  ] as const) {
    const rows: string[][] = [];
    const points: { size: number; a: number; b: number }[] = [];
    for (const size of SIZES) {
      const a = arena(Buffer.from(make(size)));
      const [js, native, platform] = compare(
        [
          utf8Subject('isValidUtf8', a, (b) => isValidUtf8(b, 0, b.length)),
          utf8Subject('buffer.isUtf8', a, nodeIsUtf8),
          utf8Subject('nodePlatform.isUtf8', a, nodePlatform.isUtf8),
        ],
        options,
      ) as [Result, Result, Result];
      points.push({ size, a: js.ns, b: native.ns });
      rows.push([
        fmtSize(size),
        fmtNs(js.ns),
        fmtNs(native.ns),
        fmtNs(platform.ns),
        fmtX(js.ns / native.ns),
        fmtMBs(size, js.ns),
        fmtMBs(size, native.ns),
        fmtPct(Math.max(js.spread, native.spread, platform.spread)),
      ]);
    }
    console.log(`## UTF-8 validation, ${label}\n`);
    console.log(
      table(
        [
          'size',
          'isValidUtf8 ns',
          'buffer.isUtf8 ns',
          'nodePlatform ns',
          'JS ÷ native',
          'JS MB/s',
          'native MB/s',
          'spread',
        ],
        rows,
      ),
    );
    console.log(`\nbuffer.isUtf8 faster from: ${fmtSize(crossover(points) ?? Number.NaN)}\n`);
  }

// --- Masking ---------------------------------------------------------------------------------

if (section('mask')) {
  const rows: string[][] = [];
  const wordPoints: { size: number; a: number; b: number }[] = [];
  const nativePoints: { size: number; a: number; b: number }[] = [];
  // bufferutil behind our signature: a view of the range and a 4-byte key rotated by phase.
  const viaBufferutil = nativeMask;
  for (const size of SIZES) {
    const a = arena(Buffer.alloc(size, 0x5a));
    const subjects = [
      maskSubject('mask', a, mask),
      maskSubject('byte loop', a, byteLoop),
      maskSubject('word loop', a, wordLoop),
    ];
    if (viaBufferutil !== undefined) subjects.push(maskSubject('bufferutil', a, viaBufferutil));
    subjects.push(maskSubject('nodePlatform.mask', a, nodePlatform.mask));
    const results = compare(subjects, options);
    const [js, bytes, words, native, platform] =
      results.length === 5
        ? (results as [Result, Result, Result, Result, Result])
        : [results[0]!, results[1]!, results[2]!, undefined, results[3]!];
    wordPoints.push({ size, a: bytes.ns, b: words.ns });
    if (native !== undefined) nativePoints.push({ size, a: js.ns, b: native.ns });
    rows.push([
      fmtSize(size),
      fmtNs(js.ns),
      fmtNs(bytes.ns),
      fmtNs(words.ns),
      native === undefined ? '–' : fmtNs(native.ns),
      fmtNs(platform.ns),
      native === undefined ? '–' : fmtX(js.ns / native.ns),
      fmtMBs(size, js.ns),
      native === undefined ? '–' : fmtMBs(size, native.ns),
      fmtPct(Math.max(...results.map((r) => r.spread))),
    ]);
  }
  console.log(
    '## Masking (in place, a range of a larger buffer as in the frame reader, rotating key phase)\n',
  );
  console.log(
    table(
      [
        'size',
        'mask ns',
        'byte loop ns',
        'word loop ns',
        'bufferutil ns',
        'nodePlatform ns',
        'mask ÷ bufferutil',
        'mask MB/s',
        'bufferutil MB/s',
        'spread',
      ],
      rows,
    ),
  );
  console.log(
    `\nword loop faster than the byte loop from: ${fmtSize(crossover(wordPoints) ?? Number.NaN)}`,
  );
  console.log(
    `bufferutil faster than the portable mask from: ${
      bufferutil === undefined
        ? 'n/a (not installed)'
        : fmtSize(crossover(nativePoints) ?? Number.NaN)
    }\n`,
  );
}

// --- UTF-8 encoding of short strings ----------------------------------------------------------

if (section('encode')) {
  const dest = Buffer.allocUnsafe(1 << 20);
  const encodeSubject = (
    name: string,
    text: string,
    encode: (text: string, dest: Uint8Array, offset: number) => number,
  ): Subject => ({
    name,
    run: () => {
      let at = 0;
      for (let i = 0; i < 20_000; i++) {
        if (at > dest.length - 256) at = 0;
        at += encode(text, dest, at);
      }
      sink.value ^= at;
      return 20_000;
    },
  });
  const bufferWrite = (text: string, d: Uint8Array, offset: number): number =>
    (d as Buffer).write(text, offset, 'utf8');
  const asciiLoop = (text: string, d: Uint8Array, offset: number): number => {
    const n = text.length;
    for (let i = 0; i < n; i++) d[offset + i] = text.charCodeAt(i);
    return n;
  };
  const rows: string[][] = [];
  const points: { size: number; a: number; b: number }[] = [];
  for (const size of [4, 8, 16, 24, 32, 48, 64]) {
    // A flat string, as JSON.stringify returns.
    const text = Buffer.from(asciiText(size)).toString('latin1');
    const nonAscii = Buffer.from(`é${asciiText(size - 2)}`).toString('utf8');
    const [write, loop, platform, platformMixed] = compare(
      [
        encodeSubject('Buffer#write', text, bufferWrite),
        encodeSubject('ASCII loop', text, asciiLoop),
        encodeSubject('nodePlatform', text, nodePlatform.encodeUtf8Into),
        encodeSubject('nodePlatform, non-ASCII', nonAscii, nodePlatform.encodeUtf8Into),
      ],
      options,
    ) as [Result, Result, Result, Result];
    points.push({ size, a: loop.ns, b: write.ns });
    rows.push([
      `${size} chars`,
      fmtNs(write.ns),
      fmtNs(loop.ns),
      fmtNs(platform.ns),
      fmtNs(platformMixed.ns),
      fmtPct(Math.max(write.spread, loop.spread, platform.spread, platformMixed.spread)),
    ]);
  }
  console.log('## UTF-8 encoding of short strings into a buffer (FrameWriter text path)\n');
  console.log(
    table(
      [
        'length',
        'Buffer#write ns',
        'ASCII loop ns',
        'nodePlatform ns',
        'nodePlatform non-ASCII ns',
        'spread',
      ],
      rows,
    ),
  );
  console.log(
    `\nBuffer#write faster than the ASCII loop from: ${crossover(points) ?? 'none measured'} chars ` +
      `(ASCII_ENCODE_LIMIT = ${ASCII_ENCODE_LIMIT})\n`,
  );
}

// --- Masked 16 KiB throughput ----------------------------------------------------------------

if (section('16k')) {
  const size = 16 * 1024;
  const a = arena(Buffer.alloc(size, 0x5a));
  const subjects = [maskSubject('portable mask', a, mask)];
  if (bufferutil !== undefined) {
    const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
    subjects.push({
      name: 'bufferutil.unmask (direct, as ws calls it)',
      run: () => {
        for (let p = 0; p < a.passes; p++) for (const v of a.views) bufferutil.unmask(v, key);
        return a.views.length * a.passes;
      },
    });
  }
  subjects.push(maskSubject('nodePlatform.mask', a, nodePlatform.mask));
  const results = compare(subjects, options);
  console.log('## Masked 16 KiB throughput\n');
  console.log(
    table(
      ['masker', 'ns per 16 KiB', 'GB/s', 'spread'],
      results.map((r) => [r.name, fmtNs(r.ns), (size / r.ns).toFixed(2), fmtPct(r.spread)]),
    ),
  );
  console.log('\nTarget (issue 2): portable mask ≥ 2 GB/s on 16 KiB.');
}
