/**
 * `wirekit bench --json` against `wirekit serve` (echo and broadcast) and against its own
 * in-process server: the counts add up. Speed is not asserted.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { freePort, runCli, startServe, stopAllCli } from './cli-process.js';

after(stopAllCli);

interface BenchJson {
  readonly mode: string;
  readonly url: string;
  readonly connections: number;
  readonly payloadBytes: number;
  readonly messages: number;
  readonly deliveries: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly latencyMs: Record<'min' | 'mean' | 'p50' | 'p90' | 'p99' | 'max', number>;
  readonly lost: number;
  readonly errors: number;
  readonly complete: boolean;
  readonly server?: string;
}

async function bench(...args: string[]): Promise<BenchJson> {
  const result = await runCli(['bench', '--json', ...args]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one JSON line');
  return JSON.parse(lines[0]!) as BenchJson;
}

function assertLatencyOrdered(json: BenchJson): void {
  const l = json.latencyMs;
  assert.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p90, JSON.stringify(l));
  assert.ok(l.p90 <= l.p99 && l.p99 <= l.max && l.mean <= l.max, JSON.stringify(l));
}

test('echo: --messages N round trips over the connections, nothing lost', async () => {
  const { server, url } = await startServe('--quiet');
  const json = await bench(
    '--url',
    url,
    '--connections',
    '4',
    '--payload',
    '64',
    '--messages',
    '200',
  );
  assert.equal(json.mode, 'echo');
  assert.equal(json.url, url);
  assert.equal(json.connections, 4);
  assert.equal(json.payloadBytes, 64);
  assert.equal(json.messages, 200);
  assert.equal(json.deliveries, 200);
  assert.equal(json.lost, 0);
  assert.equal(json.errors, 0);
  assert.equal(json.complete, true);
  assert.equal(json.server, undefined);
  assert.ok(json.seconds > 0 && json.messagesPerSecond > 0);
  assertLatencyOrdered(json);
  server.child.kill('SIGTERM');
  assert.deepEqual(await server.exit(), { code: 0, signal: null }); // bench closed its clients
});

test('broadcast: each of N broadcasts reaches every other connection', async () => {
  const { url } = await startServe('--broadcast', '--quiet');
  const json = await bench(
    '--url',
    url,
    '--mode',
    'broadcast',
    '--connections',
    '3',
    '--payload',
    '16',
    '--messages',
    '20',
  );
  assert.equal(json.mode, 'broadcast');
  assert.equal(json.messages, 20);
  assert.equal(json.deliveries, 40); // 20 × (3 − the sender)
  assert.equal(json.errors, 0);
  assert.equal(json.complete, true);
  assertLatencyOrdered(json);
});

test('without --url: an in-process server for a short --duration run', async () => {
  const json = await bench('--connections', '2', '--payload', '8', '--duration', '0.3');
  assert.equal(json.server, 'in-process');
  assert.match(json.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(json.messages > 0);
  assert.equal(json.deliveries, json.messages);
  assert.equal(json.lost, 0);
  assert.equal(json.complete, true);
});

test('human-readable report; a server that is not there exits 1', async () => {
  const report = await runCli(['bench', '--connections', '2', '--messages', '10']);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stdout, /^wirekit bench: echo, 2 connections, 512 B payload, ws:\/\//);
  assert.match(report.stdout, /\n {2}10 messages in \d+\.\d+ s: [\d,]+ msg\/s\n/);
  assert.match(report.stdout, /latency ms: min [\d.]+ {2}p50 [\d.]+ {2}p90 [\d.]+ {2}p99 [\d.]+/);
  const port = await freePort();
  const refused = await runCli(['bench', '--url', `ws://127.0.0.1:${port}`, '--messages', '1']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^wirekit bench: .*ECONNREFUSED/);
});
