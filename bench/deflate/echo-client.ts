/**
 * Load client of the compression echo benchmark, run as its own process: opens N connections
 * (wirekit or ws, compression offered), keeps one message in flight on each (sequential round
 * trips: send, wait for the echo, send the next), warms up, then measures for a fixed time.
 * Every echo is checked against what was sent (length always, bytes for one in 8). Prints one
 * JSON line ({@link EchoResult}) and exits; exits 1 on a wrong echo or when compression was
 * not agreed.
 *
 * Run: `node dist/bench/deflate/echo-client.js --library ws --url ws://127.0.0.1:PORT
 *   --connections 1 --size 1024 --level 1 --server-pid PID`
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type ClientLibrary, type EchoPeer, openPeers } from './echo-peers.js';
import { jsonMessages } from './json-messages.js';
import { machineCpu, procStats } from './proc-stats.js';

/** What the client prints. */
export interface EchoResult {
  readonly extensions: string;
  readonly messages: number;
  readonly seconds: number;
  /** Round trips per second, all connections together. */
  readonly rate: number;
  /** Round-trip time percentiles, µs. */
  readonly p50Us: number;
  readonly p99Us: number;
  /** CPU time per round trip, µs, of this client and of the server process. */
  readonly clientCpuUs: number;
  readonly serverCpuUs: number;
  /**
   * Share of the machine's CPU time (all cores) during the window used by other processes
   * than the server and this client: 0 on an otherwise idle machine, 0.5 when other jobs
   * kept one of two cores busy.
   */
  readonly foreignShare: number;
  /** Bytes the server read and wrote per round trip (frames, as compressed on the wire). */
  readonly wireInBytes: number;
  readonly wireOutBytes: number;
}

const { values } = parseArgs({
  options: {
    library: { type: 'string' },
    url: { type: 'string' },
    connections: { type: 'string', default: '1' },
    size: { type: 'string', default: '1024' },
    level: { type: 'string', default: 'default' },
    'warmup-ms': { type: 'string', default: '500' },
    'duration-ms': { type: 'string', default: '2000' },
    'server-pid': { type: 'string' },
  },
});
const library = values.library as ClientLibrary;
if (library !== 'wirekit' && library !== 'ws') throw new RangeError('--library wirekit|ws');
if (values.url === undefined || values['server-pid'] === undefined)
  throw new RangeError('--url and --server-pid are required');
const url = values.url;
const serverPid = Number(values['server-pid']);
const connections = Number(values.connections);
const size = Number(values.size);
const level = values.level === 'default' ? undefined : Number(values.level);
const warmupMs = Number(values['warmup-ms']);
const durationMs = Number(values['duration-ms']);

// Give up (exit 1) if anything stalls.
setTimeout(() => fail('timed out'), warmupMs + durationMs + 30_000).unref();

function fail(why: string): never {
  process.stderr.write(`echo-client: ${why}\n`);
  process.exit(1);
}

const POOL = 64;
const texts = jsonMessages(size, POOL);
const bytes = texts.map((text) => Buffer.from(text));

const Phase = { WARMUP: 0, MEASURE: 1, STOP: 2 } as const;
let phase: number = Phase.WARMUP;
const next = new Int32Array(connections);
const sentAt = new Float64Array(connections);
let samples = new Float64Array(1 << 16);
let sampleCount = 0;
let checked = 0;
let outstanding = 0;
let peers: EchoPeer[] = [];
let finish: () => void = () => {};

function send(index: number): void {
  const at = next[index]!;
  sentAt[index] = performance.now();
  peers[index]!.send(texts[at]!);
}

function onEcho(index: number, data: Buffer): void {
  const now = performance.now();
  const at = next[index]!;
  const expected = bytes[at]!;
  if (data.length !== expected.length)
    fail(`echo of ${data.length} bytes, sent ${expected.length}`);
  if ((checked++ & 7) === 0 && !data.equals(expected)) fail('echo differs from what was sent');
  if (phase === Phase.MEASURE) {
    if (sampleCount === samples.length) {
      const grown = new Float64Array(samples.length * 2);
      grown.set(samples);
      samples = grown;
    }
    samples[sampleCount++] = now - sentAt[index]!;
  }
  next[index] = (at + 1 + index) % POOL;
  if (phase !== Phase.STOP) send(index);
  else if (--outstanding === 0) finish();
}

peers = await openPeers({ library, url, level }, connections, onEcho);
const extensions = peers[0]!.extensions;
for (const peer of peers) {
  if (!peer.extensions.startsWith('permessage-deflate'))
    fail(`compression not agreed: ${JSON.stringify(peer.extensions)}`);
}

for (let i = 0; i < connections; i++) {
  next[i] = i % POOL;
  send(i);
}
await new Promise((resolve) => setTimeout(resolve, warmupMs));
phase = Phase.MEASURE;
const cpu0 = process.cpuUsage();
const server0 = procStats(serverPid);
const client0 = procStats(process.pid);
const machine0 = machineCpu();
const t0 = performance.now();
await new Promise((resolve) => setTimeout(resolve, durationMs));
const t1 = performance.now();
const server1 = procStats(serverPid);
const client1 = procStats(process.pid);
const machine1 = machineCpu();
const cpu1 = process.cpuUsage(cpu0);
const messages = sampleCount;
outstanding = connections;
phase = Phase.STOP;
await new Promise<void>((resolve) => {
  finish = resolve;
});
for (const peer of peers) peer.destroy();

const sorted = samples.subarray(0, messages).sort();
const percentile = (p: number): number =>
  messages === 0 ? Number.NaN : 1000 * sorted[Math.min(messages - 1, Math.floor(p * messages))]!;
const result: EchoResult = {
  extensions,
  messages,
  seconds: (t1 - t0) / 1000,
  rate: messages / ((t1 - t0) / 1000),
  p50Us: percentile(0.5),
  p99Us: percentile(0.99),
  clientCpuUs: (cpu1.user + cpu1.system) / messages,
  serverCpuUs: (server1.cpuUs - server0.cpuUs) / messages,
  foreignShare: Math.max(
    0,
    (machine1.busyUs -
      machine0.busyUs -
      (server1.cpuUs - server0.cpuUs) -
      (client1.cpuUs - client0.cpuUs)) /
      (machine1.totalUs - machine0.totalUs),
  ),
  wireInBytes: (server1.readBytes - server0.readBytes) / messages,
  wireOutBytes: (server1.writeBytes - server0.writeBytes) / messages,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
