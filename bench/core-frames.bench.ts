/**
 * In-memory parse and encode of WebSocket frames, wirekit's sans-IO core against ws's
 * `Receiver` and `Sender.frame`, side by side in one process (issue 2, "Benchmarks").
 *
 * Parse: many frames of one kind are concatenated into one buffer and fed either as 64 KiB
 * chunks (what a Node socket delivers under load) or one frame per chunk (one message per read,
 * the latency case). Both libraries unmask in place, so the pristine bytes are copied back
 * before every iteration, outside the timed region. wirekit runs with the Node platform
 * (`buffer.isUtf8` for long text, `Buffer.allocUnsafe`), as its Node adapter will.
 *
 * Encode: wirekit's `FrameWriter.writeFrame` into a reused output buffer (complete wire bytes,
 * header and payload contiguous), against ws's `Sender.frame` (a header Buffer plus the payload:
 * for unmasked binary ws does not copy the payload, for masked binary it allocates and masks
 * into a new buffer, for text it encodes the string with `Buffer.from`).
 *
 * ws runs twice: with the `bufferutil` addon (ws loads it automatically when installed) and
 * without it (`WS_NO_BUFFER_UTIL=1`, honoured by ws/lib/buffer-util.js when Node has no
 * built-in `websocketMask`). ws is loaded twice in one process for that, from a cleared
 * module cache.
 *
 * Run: `npm run bench:core` (add `--quick` for a short smoke run).
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mask as portableMask } from '../src/core/bytes/mask.js';
import type { Platform } from '../src/core/platform.js';
import { FrameReader, ReadKind, type Role } from '../src/core/ws/frame-reader.js';
import { FrameWriter } from '../src/core/ws/frame-writer.js';
import { Opcode } from '../src/core/ws/opcode.js';
import { WebSocketConnection } from '../src/core/ws/websocket-connection.js';
import { NATIVE_MASK_THRESHOLD, nativeMask, nodePlatform } from '../src/node/node-platform.js';
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
  type Result,
  rng,
  type Subject,
  sink,
  table,
} from './harness.js';

// ---------------------------------------------------------------------------------------------
// ws internals, typed minimally (@types/ws does not describe Receiver and Sender).

interface WsReceiverOptions {
  readonly isServer: boolean;
  readonly maxPayload: number;
  readonly skipUTF8Validation: boolean;
  readonly binaryType: 'nodebuffer';
}
interface WsReceiver {
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}
interface WsFrameOptions {
  readonly fin: boolean;
  readonly opcode: number;
  readonly mask: boolean;
  readonly readOnly: boolean;
  readonly rsv1: boolean;
}
interface WsSenderClass {
  frame(data: Buffer | string, options: WsFrameOptions): Buffer[];
}
interface Ws {
  readonly label: string;
  readonly Receiver: new (options: WsReceiverOptions) => WsReceiver;
  readonly Sender: WsSenderClass;
  /** Which unmask ws ended up with, read from its buffer-util module. */
  readonly unmask: string;
}

const require = createRequire(import.meta.url);
const wsDir = dirname(require.resolve('ws'));

/** Load a fresh copy of ws, with or without the bufferutil addon. */
function loadWs(withBufferutil: boolean): Ws {
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(wsDir)) delete require.cache[key];
  }
  if (withBufferutil) delete process.env['WS_NO_BUFFER_UTIL'];
  else process.env['WS_NO_BUFFER_UTIL'] = '1';
  const ws = require('ws') as { Receiver: Ws['Receiver']; Sender: WsSenderClass };
  const bufferUtil = require(join(wsDir, 'lib', 'buffer-util.js')) as {
    unmask: { toString(): string };
  };
  const source = bufferUtil.unmask.toString();
  const unmask = source.includes('websocketUnmask')
    ? 'node:http websocketUnmask'
    : source.includes('bufferUtil')
      ? 'bufferutil'
      : 'JS byte loop';
  delete process.env['WS_NO_BUFFER_UTIL'];
  return {
    label: withBufferutil ? 'ws+bufferutil' : 'ws (no bufferutil)',
    Receiver: ws.Receiver,
    Sender: ws.Sender,
    unmask,
  };
}

// ---------------------------------------------------------------------------------------------
// Input frames.

const MAX_MESSAGE = 16 * 1024 * 1024;
const CHUNK = 64 * 1024;

/** Encode one frame independently of both libraries (RFC 6455 §5.2). */
function frameBytes(opcode: number, payload: Uint8Array, key: number | undefined): Buffer {
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 0x1_0000 ? 2 : 8;
  const head = 2 + lenBytes + (key === undefined ? 0 : 4);
  const out = Buffer.allocUnsafe(head + len);
  out[0] = 0x80 | opcode;
  out[1] = (key === undefined ? 0 : 0x80) | (lenBytes === 0 ? len : lenBytes === 2 ? 126 : 127);
  if (lenBytes === 2) out.writeUInt16BE(len, 2);
  else if (lenBytes === 8) out.writeBigUInt64BE(BigInt(len), 2);
  if (key === undefined) {
    out.set(payload, head);
  } else {
    out.writeUInt32BE(key, head - 4);
    for (let i = 0; i < len; i++) out[head + i] = payload[i]! ^ out[head - 4 + (i & 3)]!;
  }
  return out;
}

interface ParseInput {
  /** Pristine wire bytes of all frames. */
  readonly pristine: Buffer;
  /** The buffer both libraries parse (restored from `pristine` before each iteration). */
  readonly work: Buffer;
  /** Views of `work`: 64 KiB chunks. */
  readonly streamChunks: Buffer[];
  /** Views of `work`: one frame per chunk. */
  readonly frameChunks: Buffer[];
  readonly count: number;
}

function parseInput(opcode: number, size: number, masked: boolean): ParseInput {
  // 10,000 frames, but no more than ~2 MiB of them (the input stays in the L2/L3 cache, as
  // bytes just read from a socket are).
  const count = Math.min(10_000, Math.ceil((2 * 1024 * 1024) / size));
  const payload =
    opcode === Opcode.TEXT
      ? Buffer.from(asciiText(size))
      : Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff));
  const next = rng(0x5eed + size);
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    // Keys are never 0: ws skips unmasking for an all-zero key.
    frames.push(frameBytes(opcode, payload, masked ? next() || 1 : undefined));
  }
  const pristine = Buffer.concat(frames);
  const work = Buffer.allocUnsafeSlow(pristine.length);
  pristine.copy(work);
  const streamChunks: Buffer[] = [];
  for (let at = 0; at < work.length; at += CHUNK) {
    streamChunks.push(work.subarray(at, Math.min(work.length, at + CHUNK)));
  }
  const frameChunks: Buffer[] = [];
  let at = 0;
  for (const f of frames) {
    frameChunks.push(work.subarray(at, at + f.length));
    at += f.length;
  }
  return { pristine, work, streamChunks, frameChunks, count };
}

// ---------------------------------------------------------------------------------------------
// Subjects.

function wirekitParser(
  name: string,
  platform: Platform,
  input: ParseInput,
  chunks: readonly Buffer[],
  role: Role,
  kind: number,
  size: number,
): Subject {
  const reader = new FrameReader({ role, platform, maxMessageSize: MAX_MESSAGE });
  return {
    name,
    setup: () => input.pristine.copy(input.work),
    run: () => {
      let n = 0;
      let bytes = 0;
      for (let c = 0; c < chunks.length; c++) {
        reader.receive(chunks[c]!);
        for (;;) {
          const k = reader.poll();
          if (k === ReadKind.NEED_DATA) break;
          if (k !== kind) throw new Error(`wirekit: unexpected ${k}: ${reader.errorReason}`);
          n++;
          bytes += reader.payload.length;
        }
      }
      if (n !== input.count || bytes !== n * size) throw new Error(`wirekit: ${n} messages`);
      return n;
    },
  };
}

function wirekitConnectionParser(
  name: string,
  input: ParseInput,
  chunks: readonly Buffer[],
  role: Role,
  kind: number,
): Subject {
  let conn = new WebSocketConnection({ role, platform: nodePlatform, maxMessageSize: MAX_MESSAGE });
  return {
    name,
    setup: () => {
      input.pristine.copy(input.work);
      conn = new WebSocketConnection({ role, platform: nodePlatform, maxMessageSize: MAX_MESSAGE });
    },
    run: () => {
      let n = 0;
      for (let c = 0; c < chunks.length; c++) {
        conn.receive(chunks[c]!);
        for (;;) {
          const k = conn.poll();
          if (k === ReadKind.NEED_DATA) break;
          if (k !== kind) throw new Error(`wirekit connection: unexpected ${k}`);
          n++;
        }
      }
      if (n !== input.count) throw new Error(`wirekit connection: ${n} messages`);
      return n;
    },
  };
}

function wsParser(
  ws: Ws,
  input: ParseInput,
  chunks: readonly Buffer[],
  isServer: boolean,
  size: number,
): Subject {
  const receiver = new ws.Receiver({
    isServer,
    maxPayload: MAX_MESSAGE,
    skipUTF8Validation: false,
    binaryType: 'nodebuffer',
  });
  let n = 0;
  let bytes = 0;
  receiver.on('message', (data) => {
    n++;
    bytes += data.length;
  });
  receiver.on('error', (error) => {
    throw error;
  });
  return {
    name: ws.label,
    setup: () => input.pristine.copy(input.work),
    run: () => {
      n = 0;
      bytes = 0;
      for (let c = 0; c < chunks.length; c++) receiver.write(chunks[c]!);
      if (n !== input.count || bytes !== n * size) throw new Error(`ws: ${n} messages`);
      return n;
    },
  };
}

/** Messages per timed iteration of an encoder (enough to dwarf the cost of reading the clock). */
const ENCODE_BATCH = 10_000;

function wirekitEncoder(
  name: string,
  platform: Platform,
  role: Role,
  opcode: number,
  payload: Buffer | string,
): Subject {
  const writer = new FrameWriter({ role, platform });
  const dst = Buffer.allocUnsafe(4 * 1024 * 1024);
  const worst = writer.maxFrameSize(payload);
  let off = 0;
  return {
    name,
    run: () => {
      for (let i = 0; i < ENCODE_BATCH; i++) {
        if (off + worst > dst.length) off = 0;
        off += writer.writeFrame(dst, off, opcode, payload, true);
      }
      sink.value ^= off;
      return ENCODE_BATCH;
    },
  };
}

function wsEncoder(ws: Ws, masked: boolean, opcode: number, payload: Buffer | string): Subject {
  // readOnly: true is what ws.send passes for a Buffer (the caller's bytes are not touched).
  const options: WsFrameOptions = { fin: true, opcode, mask: masked, readOnly: true, rsv1: false };
  return {
    name: ws.label,
    run: () => {
      let total = 0;
      for (let i = 0; i < ENCODE_BATCH; i++) {
        const list = ws.Sender.frame(payload, options);
        total += list.length + list[0]!.length;
      }
      sink.value ^= total;
      return ENCODE_BATCH;
    },
  };
}

/**
 * `sendBinary`/`sendText` on a server connection, taking the output every `batch` messages, and
 * releasing it at once (as the Node adapter does when the socket's buffer is empty) or not (a
 * socket that still has data queued, the common case under load).
 */
function connectionSender(
  name: string,
  opcode: number,
  payload: Buffer | string,
  batch: number,
  release: boolean,
): Subject {
  const conn = new WebSocketConnection({ role: 'server', platform: nodePlatform });
  return {
    name,
    run: () => {
      let bytes = 0;
      for (let i = 0; i < ENCODE_BATCH; i++) {
        if (opcode === Opcode.TEXT) conn.sendText(payload);
        else conn.sendBinary(payload);
        if (i % batch === batch - 1) {
          bytes += conn.takeOutput().length;
          if (release) conn.releaseOutput();
        }
      }
      sink.value ^= bytes;
      return ENCODE_BATCH;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Main.

const quick = process.argv.includes('--quick');
const options = quick ? { runs: 3, warmup: 1, runNs: 5e6 } : { runs: 9, warmup: 2, runNs: 25e6 };
/** `--only=REGEX`: run only the rows whose key (e.g. `parse stream masked binary 16 KiB`,
 * `encode unmasked text 40 B`) matches. */
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg === undefined ? undefined : new RegExp(onlyArg.slice('--only='.length));
const SIZES = [40, 128, 512, 16 * 1024];

const wsNative = loadWs(true);
const wsPlain = loadWs(false);
/** wirekit without the optional addon: the portable masker at every size. */
const jsPlatform: Platform = { ...nodePlatform, mask: portableMask };

console.log('# wirekit core vs ws: in-memory parse and encode\n');
console.log(
  `node ${process.version}, ws ${(require('ws/package.json') as { version: string }).version}, ` +
    `bufferutil: ${bufferutilInfo()}; ws+bufferutil unmasks with ${wsNative.unmask}, ` +
    `ws (no bufferutil) with ${wsPlain.unmask}; wirekit masks with bufferutil from ` +
    `${NATIVE_MASK_THRESHOLD} B (${nativeMask === undefined ? 'inactive' : 'active'}), ` +
    `"wirekit JS" never does. Medians of ${options.runs} runs ` +
    `(each ≥ ${options.runNs / 1e6} ms of measured work) after ${options.warmup} warm-up runs; ` +
    `clock: ${clockInfo()}.\n`,
);

const kindName = (opcode: number): string => (opcode === Opcode.TEXT ? 'text' : 'binary');

/** One column of a table: a subject's result shown as ns/msg, or MB/s, or a ratio. */
type Column =
  | { readonly title: string; readonly ns: string }
  | { readonly title: string; readonly mbs: string }
  | { readonly title: string; readonly ratio: readonly [string, string] };

function printTable(
  title: string,
  columns: readonly Column[],
  rows: readonly { label: string; size: number; results: Result[] }[],
): void {
  if (rows.length === 0) return;
  const body = rows.map(({ label, size, results }) => {
    const by = (name: string): Result | undefined => results.find((r) => r.name === name);
    const cells = columns.map((c) => {
      if ('ns' in c) {
        const r = by(c.ns);
        return r === undefined ? '–' : fmtNs(r.ns);
      }
      if ('mbs' in c) {
        const r = by(c.mbs);
        return r === undefined ? '–' : fmtMBs(size, r.ns);
      }
      const [them, us] = [by(c.ratio[0]), by(c.ratio[1])];
      return them === undefined || us === undefined ? '–' : fmtX(them.ns / us.ns);
    });
    return [label, ...cells, fmtPct(Math.max(...results.map((r) => r.spread)))];
  });
  console.log(`## ${title}\n`);
  console.log(table(['payload', ...columns.map((c) => c.title), 'spread'], body));
  console.log();
}

for (const [chunking, chunkLabel] of [
  ['stream', '64 KiB chunks'],
  ['frame', 'one frame per chunk'],
] as const) {
  for (const masked of [true, false]) {
    const rows: { label: string; size: number; results: Result[] }[] = [];
    for (const opcode of [Opcode.BINARY, Opcode.TEXT]) {
      for (const size of SIZES) {
        const label = `${kindName(opcode)} ${fmtSize(size)}`;
        const key = `parse ${chunking} ${masked ? 'masked' : 'unmasked'} ${label}`;
        if (only !== undefined && !only.test(key)) continue;
        const input = parseInput(opcode, size, masked);
        const chunks = chunking === 'stream' ? input.streamChunks : input.frameChunks;
        const role: Role = masked ? 'server' : 'client';
        const subjects: Subject[] = [
          wirekitParser('wirekit', nodePlatform, input, chunks, role, opcode, size),
          wirekitConnectionParser('conn', input, chunks, role, opcode),
          wsParser(wsNative, input, chunks, masked, size),
        ];
        if (masked) {
          subjects.push(wirekitParser('wirekit JS', jsPlatform, input, chunks, role, opcode, size));
          subjects.push(wsParser(wsPlain, input, chunks, masked, size));
        }
        rows.push({ label, size, results: compare(subjects, options) });
      }
    }
    const columns: Column[] = masked
      ? [
          { title: 'wirekit ns/msg', ns: 'wirekit' },
          { title: 'wirekit MB/s', mbs: 'wirekit' },
          { title: 'conn ns/msg', ns: 'conn' },
          { title: 'ws+bu ns/msg', ns: 'ws+bufferutil' },
          { title: 'ws+bu MB/s', mbs: 'ws+bufferutil' },
          { title: '× vs ws+bu', ratio: ['ws+bufferutil', 'wirekit'] },
          { title: 'wirekit JS ns/msg', ns: 'wirekit JS' },
          { title: 'wirekit JS MB/s', mbs: 'wirekit JS' },
          { title: 'ws no-bu ns/msg', ns: 'ws (no bufferutil)' },
          { title: '× JS vs ws no-bu', ratio: ['ws (no bufferutil)', 'wirekit JS'] },
        ]
      : [
          { title: 'wirekit ns/msg', ns: 'wirekit' },
          { title: 'wirekit MB/s', mbs: 'wirekit' },
          { title: 'conn ns/msg', ns: 'conn' },
          { title: 'ws ns/msg', ns: 'ws+bufferutil' },
          { title: 'ws MB/s', mbs: 'ws+bufferutil' },
          { title: '× vs ws', ratio: ['ws+bufferutil', 'wirekit'] },
        ];
    const direction = masked
      ? 'masked, client→server (server-role reader)'
      : 'unmasked, server→client (client-role reader)';
    printTable(`Parse, ${direction}, ${chunkLabel}`, columns, rows);
  }
}

for (const masked of [true, false]) {
  const rows: { label: string; size: number; results: Result[] }[] = [];
  for (const opcode of [Opcode.BINARY, Opcode.TEXT]) {
    for (const size of SIZES) {
      const label = `${kindName(opcode)} ${fmtSize(size)}`;
      const key = `encode ${masked ? 'masked' : 'unmasked'} ${label}`;
      if (only !== undefined && !only.test(key)) continue;
      const payload =
        opcode === Opcode.TEXT
          ? asciiText(size)
          : Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + 7) & 0xff));
      const role: Role = masked ? 'client' : 'server';
      const subjects = [
        wirekitEncoder('wirekit', nodePlatform, role, opcode, payload),
        wsEncoder(wsNative, masked, opcode, payload),
      ];
      if (masked) {
        subjects.push(wirekitEncoder('wirekit JS', jsPlatform, role, opcode, payload));
        subjects.push(wsEncoder(wsPlain, masked, opcode, payload));
      }
      rows.push({ label, size, results: compare(subjects, options) });
    }
  }
  const columns: Column[] = masked
    ? [
        { title: 'wirekit ns/msg', ns: 'wirekit' },
        { title: 'wirekit MB/s', mbs: 'wirekit' },
        { title: 'ws+bu ns/msg', ns: 'ws+bufferutil' },
        { title: 'ws+bu MB/s', mbs: 'ws+bufferutil' },
        { title: '× vs ws+bu', ratio: ['ws+bufferutil', 'wirekit'] },
        { title: 'wirekit JS ns/msg', ns: 'wirekit JS' },
        { title: 'ws no-bu ns/msg', ns: 'ws (no bufferutil)' },
        { title: '× JS vs ws no-bu', ratio: ['ws (no bufferutil)', 'wirekit JS'] },
      ]
    : [
        { title: 'wirekit ns/msg', ns: 'wirekit' },
        { title: 'wirekit MB/s', mbs: 'wirekit' },
        { title: 'ws ns/msg', ns: 'ws+bufferutil' },
        { title: 'ws MB/s', mbs: 'ws+bufferutil' },
        { title: '× vs ws', ratio: ['ws+bufferutil', 'wirekit'] },
      ];
  printTable(
    `Encode, ${masked ? 'masked, client→server (client-role writer)' : 'unmasked, server→client (server-role writer)'}`,
    columns,
    rows,
  );
}
// Sends through WebSocketConnection: what an adapter pays per message on top of the writer.
{
  const rows: { label: string; size: number; results: Result[] }[] = [];
  for (const opcode of [Opcode.BINARY, Opcode.TEXT]) {
    for (const size of [40, 512]) {
      const label = `${kindName(opcode)} ${fmtSize(size)}`;
      if (only !== undefined && !only.test(`send ${label}`)) continue;
      const payload = opcode === Opcode.TEXT ? asciiText(size) : Buffer.alloc(size, 0x5a);
      rows.push({
        label,
        size,
        results: compare(
          [
            wirekitEncoder('writer', nodePlatform, 'server', opcode, payload),
            connectionSender('take 1', opcode, payload, 1, false),
            connectionSender('take 16', opcode, payload, 16, false),
            connectionSender('take 1 + release', opcode, payload, 1, true),
            connectionSender('take 16 + release', opcode, payload, 16, true),
          ],
          options,
        ),
      });
    }
  }
  printTable(
    'Send through WebSocketConnection (server role): takeOutput() after every message or every 16, with or without releaseOutput()',
    [
      { title: 'FrameWriter ns/msg', ns: 'writer' },
      { title: 'take 1 ns/msg', ns: 'take 1' },
      { title: 'take 16 ns/msg', ns: 'take 16' },
      { title: 'take 1 + release ns/msg', ns: 'take 1 + release' },
      { title: 'take 16 + release ns/msg', ns: 'take 16 + release' },
    ],
    rows,
  );
}

console.log(
  '× = ws ns/msg ÷ wirekit ns/msg (above 1× wirekit is faster); MB/s counts payload bytes; ' +
    'spread = largest interquartile range ÷ median among the subjects of a row; ' +
    '"conn" = wirekit through WebSocketConnection.poll() instead of FrameReader.poll(); ' +
    '"take N" = WebSocketConnection.send*() with takeOutput() every N messages; ' +
    'unmasked ws rows use the ws copy that loaded bufferutil (it only affects masking).',
);
