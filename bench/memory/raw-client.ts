/**
 * The load client of the memory benchmark, run as its own process: N raw `net` sockets to the
 * server, opened `--concurrency` at a time. With `--protocol ws` each does the opening
 * handshake offering `permessage-deflate; client_max_window_bits` as a browser does; with
 * `--protocol tcp` (the bare `net` floor) it only connects. It prints one JSON line when every
 * connection is open and holds them idle; the stdin line `message` makes every connection send
 * one 77-byte text message (compressed, RSV1, when deflate was agreed, as a browser does) and
 * wait for its echo, checked byte for byte, then it prints a second line. Pings are answered.
 * It exits when stdin closes or on SIGTERM; any surprise (a close, a wrong echo) exits 1.
 *
 * Run: `node dist/bench/memory/raw-client.js --port 9001 --connections 10000 --protocol ws`
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  deflateMessage,
  expectedAccept,
  inflateMessage,
  maskedFrame,
  newKey,
  OPCODE_CLOSE,
  OPCODE_PING,
  OPCODE_PONG,
  OPCODE_TEXT,
  parseUpgradeAnswer,
  readServerFrame,
  upgradeRequest,
} from './raw-frames.js';

/** The line printed once every connection is open. */
export interface RawClientOpen {
  readonly event: 'open';
  readonly connections: number;
  /** Agreed `Sec-WebSocket-Extensions` values, with how many connections got each. */
  readonly extensions: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** The line printed once every connection has had its echo. */
export interface RawClientExchanged {
  readonly event: 'exchanged';
  readonly messages: number;
  readonly compressed: number;
  readonly seconds: number;
}

/** The size of the message each connection sends. */
export const MESSAGE_BYTES = 77;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    connections: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '100' },
    protocol: { type: 'string', default: 'ws' },
  },
});
const port = Number(values.port);
const total = Number(values.connections);
const concurrency = Number(values.concurrency);
const protocol = values.protocol;
if (!Number.isInteger(port) || port <= 0) throw new RangeError('--port is required');
if (protocol !== 'ws' && protocol !== 'tcp') throw new RangeError('--protocol ws|tcp');

function fail(why: string): never {
  process.stderr.write(`raw-client: ${why}\n`);
  process.exit(1);
}

/** 77 bytes of JSON-like text that names the connection, so a crossed echo shows. */
function messageFor(index: number): Buffer {
  const head = `{"seq":${String(index).padStart(6, '0')},"type":"chat","text":"`;
  const text = `${head}${'x'.repeat(MESSAGE_BYTES - head.length - 2)}"}`;
  return Buffer.from(text);
}

/** One connection of the client. */
class RawPeer {
  readonly index: number;
  readonly socket: Socket;
  #pending: Buffer = Buffer.alloc(0);
  #accept = '';
  #open = false;
  #deflate = false;
  #windowBits = 15;
  #onOpen: (extensions: string) => void;
  #onEcho: (() => void) | undefined;

  constructor(index: number, onOpen: (extensions: string) => void) {
    this.index = index;
    this.#onOpen = onOpen;
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.#connected());
    this.socket.on('data', (chunk: Buffer) => this.#data(chunk));
    this.socket.on('error', (error) => fail(`connection ${index}: ${error.message}`));
    this.socket.on('close', () => fail(`connection ${index} closed by the server`));
  }

  /** Send this connection's message; `done` runs when its echo has arrived intact. */
  sendMessage(done: () => void): boolean {
    this.#onEcho = done;
    const message = messageFor(this.index);
    if (protocol === 'tcp') this.socket.write(message);
    else if (this.#deflate)
      this.socket.write(maskedFrame(OPCODE_TEXT, deflateMessage(message, this.#windowBits), true));
    else this.socket.write(maskedFrame(OPCODE_TEXT, message, false));
    return this.#deflate;
  }

  #connected(): void {
    if (protocol === 'tcp') {
      this.#open = true;
      this.#onOpen('');
      return;
    }
    const key = newKey();
    this.#accept = expectedAccept(key);
    this.socket.write(upgradeRequest(`127.0.0.1:${port}`, key));
  }

  #data(chunk: Buffer): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    if (protocol === 'tcp') {
      if (this.#pending.length < MESSAGE_BYTES) return;
      if (!this.#pending.equals(messageFor(this.index))) fail(`wrong echo on ${this.index}`);
      this.#pending = Buffer.alloc(0);
      this.#echoed();
      return;
    }
    if (!this.#open) {
      const answer = parseUpgradeAnswer(this.#pending, this.#accept);
      if (answer === undefined) return;
      if (answer instanceof Error) fail(`connection ${this.index}: ${answer.message}`);
      this.#open = true;
      this.#deflate = answer.deflate;
      this.#windowBits = answer.clientWindowBits;
      this.#pending = this.#pending.subarray(answer.used);
      this.#onOpen(answer.extensions);
    }
    for (;;) {
      const frame = readServerFrame(this.#pending);
      if (frame === undefined) return;
      if (frame instanceof Error) fail(`connection ${this.index}: ${frame.message}`);
      this.#pending = this.#pending.subarray(frame.used);
      if (frame.opcode === OPCODE_PING)
        this.socket.write(maskedFrame(OPCODE_PONG, frame.payload, false));
      else if (frame.opcode === OPCODE_CLOSE) fail(`connection ${this.index}: close frame`);
      else if (frame.opcode === OPCODE_TEXT) {
        const text = frame.compressed ? inflateMessage(frame.payload) : frame.payload;
        if (!text.equals(messageFor(this.index))) fail(`wrong echo on ${this.index}`);
        this.#echoed();
      } else if (frame.opcode !== OPCODE_PONG) fail(`unexpected opcode ${frame.opcode}`);
    }
  }

  #echoed(): void {
    const done = this.#onEcho;
    if (done === undefined) fail(`connection ${this.index}: echo before any message`);
    this.#onEcho = undefined;
    done();
  }
}

setTimeout(() => fail('no result within 10 minutes'), 600_000).unref();

const started = performance.now();
const peers: RawPeer[] = [];
const extensions: Record<string, number> = {};
await new Promise<void>((resolve) => {
  let opened = 0;
  let next = 0;
  const openNext = (): void => {
    if (next >= total) return;
    peers.push(
      new RawPeer(next++, (agreed) => {
        extensions[agreed] = (extensions[agreed] ?? 0) + 1;
        if (++opened === total) resolve();
        else openNext();
      }),
    );
  };
  for (let i = 0; i < Math.min(concurrency, total); i++) openNext();
});
const open: RawClientOpen = {
  event: 'open',
  connections: total,
  extensions,
  seconds: (performance.now() - started) / 1000,
};
process.stdout.write(`${JSON.stringify(open)}\n`);

/** Every connection sends its message at once; resolves when every echo arrived. */
function exchange(): void {
  const from = performance.now();
  let echoed = 0;
  let compressed = 0;
  const done = (): void => {
    if (++echoed < total) return;
    const line: RawClientExchanged = {
      event: 'exchanged',
      messages: total,
      compressed,
      seconds: (performance.now() - from) / 1000,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  for (const peer of peers) if (peer.sendMessage(done)) compressed++;
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim() === 'message') exchange();
});
input.on('close', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
