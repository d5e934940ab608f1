/**
 * `wirekit bench` as a real process: against `wirekit serve` (echo and broadcast) and its own
 * `--local` server the counts add up; `--json`, `--hdr` and the report have their fields; size
 * suffixes; a run that goes wrong (refused, closed by the server, a server of the other mode)
 * ends with the error and no figures; Ctrl-C prints a partial result; the progress line shows
 * on a terminal only. Speed is not asserted.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { serve } from '../../src/index.js';
import {
  freePort,
  runCli,
  startCli,
  startCliOnTerminal,
  startServe,
  stopAllCli,
} from './cli-process.js';

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
  readonly deliveriesPerSecond: number;
  readonly latencyMs: Record<'min' | 'mean' | 'p50' | 'p90' | 'p99' | 'p999' | 'max', number>;
  readonly partial: boolean;
  readonly inFlight: number;
  readonly histogram: readonly { fromMs: number; toMs: number; count: number }[];
  readonly server?: string;
}

async function bench(...args: string[]): Promise<BenchJson> {
  const result = await runCli(['bench', '--json', ...args]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '', 'no progress line without a terminal');
  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one JSON line');
  return JSON.parse(lines[0]!) as BenchJson;
}

function assertFigures(json: BenchJson): void {
  const l = json.latencyMs;
  assert.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p90, JSON.stringify(l));
  assert.ok(l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max, JSON.stringify(l));
  assert.ok(l.mean >= l.min && l.mean <= l.max, JSON.stringify(l));
  assert.ok(json.seconds > 0 && json.messagesPerSecond > 0);
  // The histogram's ranges are contiguous, cover min and max, and count every sample.
  const h = json.histogram;
  assert.ok(h.length > 0);
  assert.ok(h[0]!.fromMs <= l.min && l.max < h[h.length - 1]!.toMs, JSON.stringify(h));
  for (let i = 1; i < h.length; i++) assert.equal(h[i]!.fromMs, h[i - 1]!.toMs);
  assert.equal(
    h.reduce((sum, range) => sum + range.count, 0),
    json.messages,
  );
}

describe('complete runs', () => {
  test('echo --url: --messages N round trips, every JSON field', async () => {
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
    assert.equal(json.deliveriesPerSecond, json.messagesPerSecond);
    assert.equal(json.partial, false);
    assert.equal(json.inFlight, 0);
    assert.equal(json.server, undefined);
    assertFigures(json);
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.exit(), { code: 0, signal: null }); // bench closed its clients
  });

  test('broadcast --url: each of N broadcasts reaches every other connection', async () => {
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
    assertFigures(json);
  });

  test('--local: an in-process server for a short --duration run', async () => {
    const json = await bench(
      '--local',
      '--connections',
      '2',
      '--payload',
      '8',
      '--duration',
      '0.3',
    );
    assert.equal(json.server, 'in-process');
    assert.match(json.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(json.messages > 0);
    assert.equal(json.deliveries, json.messages);
    assert.equal(json.partial, false);
    assertFigures(json);
  });

  test('--payload takes the size suffixes of serve', async () => {
    for (const [text, bytes] of [
      ['1K', 1024],
      ['64KiB', 65536],
      ['1M', 1024 * 1024],
    ] as const) {
      const json = await bench(
        '--local',
        '--connections',
        '1',
        '--messages',
        '3',
        '--payload',
        text,
      );
      assert.equal(json.payloadBytes, bytes, text);
      assert.equal(json.messages, 3);
    }
  });

  test('the report: rates, percentiles and a histogram with bars', async () => {
    const report = await runCli(['bench', '--local', '--connections', '2', '--messages', '50']);
    assert.equal(report.code, 0, report.stderr);
    assert.equal(report.stderr, '');
    const lines = report.stdout.split('\n');
    assert.match(
      lines[0]!,
      /^wirekit bench: echo, 2 connections, 512 B payload, ws:\/\/127\.0\.0\.1:\d+ \(in-process server\)$/,
    );
    assert.match(lines[1]!, /^ {2}50 messages in \d+\.\d+ s: [\d,]+ msg\/s$/);
    assert.match(
      lines[2]!,
      /^ {2}latency ms: min [\d.]+ {2}p50 [\d.]+ {2}p90 [\d.]+ {2}p99 [\d.]+ {2}p99\.9 [\d.]+ {2}max [\d.]+$/,
    );
    assert.equal(lines[3], '  latency histogram:');
    const bars = lines.slice(4).filter((line) => line !== '');
    assert.ok(bars.length >= 1);
    let total = 0;
    for (const bar of bars) {
      const match = /^ +[\d.]+ – [\d.]+ +ms {2}[█▏▎▍▌▋▊▉ ]{40} {2} *([\d,]+) +[\d.]+%$/.exec(bar);
      assert.ok(match !== null, bar);
      total += Number(match[1]!.replace(/,/g, ''));
    }
    assert.equal(total, 50);
  });

  test('--hdr: the HdrHistogram percentile distribution', async () => {
    const result = await runCli([
      'bench',
      '--local',
      '--connections',
      '2',
      '--messages',
      '200',
      '--hdr',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split('\n');
    assert.match(lines[0]!, /^ +Value +Percentile +TotalCount +1\/\(1-Percentile\)$/);
    assert.equal(lines[1], '');
    // How many rows there are and the counts in them depend on the latencies measured (samples
    // that share the lowest or the highest bucket collapse rows), so only what holds for any
    // run is checked here; bench-figures.test.ts checks the rows of known samples exactly.
    const rows = lines.slice(2).filter((line) => /^ +\d/.test(line));
    assert.ok(rows.length >= 2, result.stdout);
    const counts: number[] = [];
    for (const row of rows.slice(0, -1)) {
      const match = /^ +\d+\.\d{3} [01]\.\d{12} +(\d+) +\d+\.\d{2}$/.exec(row);
      assert.ok(match !== null, row);
      counts.push(Number(match[1]));
    }
    assert.match(rows[0]!, / 0\.000000000000 +\d+ +1\.00$/);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, result.stdout);
    assert.match(rows[rows.length - 1]!, /^ +\d+\.\d{3} 1\.000000000000 +200$/);
    assert.match(result.stdout, /\n#\[Mean {4}= +[\d.]+, StdDeviation {3}= +[\d.]+\]\n/);
    assert.match(result.stdout, /\n#\[Max {5}= +[\d.]+, Total count {4}= +200\]\n/);
    assert.match(result.stdout, /\n#\[Buckets = +\d+, SubBuckets {5}= +2048\]\n$/);
  });
});

describe('runs that go wrong: the error, no figures, exit 1', () => {
  test('nothing listening: connection refused', async () => {
    const port = await freePort();
    const result = await runCli(['bench', '--url', `ws://127.0.0.1:${port}`, '--messages', '1']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `wirekit bench: nothing accepts connections at 127.0.0.1:${port} (ECONNREFUSED): is the server running?\n`,
    );
  });

  test('a server that closes a connection with a code during the run', async () => {
    let received = 0;
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      handler: {
        message(ws, data, isBinary) {
          received += 1;
          if (received === 20) ws.close(4001, 'enough');
          else ws.send(data, isBinary);
        },
      },
    });
    try {
      const result = await runCli([
        'bench',
        '--url',
        `ws://127.0.0.1:${server.address!.port}`,
        '--connections',
        '2',
        '--duration',
        '1',
      ]);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /^wirekit bench: the server closed connection \d with code 4001 \("enough"\) after \d+ samples\n$/,
      );
    } finally {
      await server.close();
    }
  });

  test('a server that closes each connection as it opens', async () => {
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      handler: {
        open(ws) {
          ws.close(4002, 'full');
        },
      },
    });
    try {
      const url = `ws://127.0.0.1:${server.address!.port}`;
      const result = await runCli(['bench', '--url', url, '--connections', '4', '--duration', '1']);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /^wirekit bench: the server closed connection \d with code 4002 \("full"\) (while connecting|after 0 samples)\n$/,
      );
    } finally {
      await server.close();
    }
  });

  test('echo bench against a broadcast server: answers that are not echoes', async () => {
    const { url } = await startServe('--broadcast', '--quiet');
    const result = await runCli(['bench', '--url', url, '--connections', '3', '--duration', '1']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^wirekit bench: connection \d got .*: the server does not echo/);
    assert.match(result.stderr, /use --mode broadcast\)\n$/);
  });
});

describe('interruption and progress', () => {
  /** An echo server that signals the bench process once it has echoed `count` messages. */
  async function interruptingServer(count: number, interrupt: () => void) {
    let echoed = 0;
    return serve({
      port: 0,
      host: '127.0.0.1',
      handler: {
        message(ws, data, isBinary) {
          ws.send(data, isBinary);
          if (++echoed === count) interrupt();
        },
      },
    });
  }

  for (const json of [false, true]) {
    test(`Ctrl-C mid-run: the partial result${json ? ' (--json)' : ''}, exit 130`, async () => {
      let cli: ReturnType<typeof startCli> | undefined;
      const server = await interruptingServer(100, () => cli?.child.kill('SIGINT'));
      try {
        const url = `ws://127.0.0.1:${server.address!.port}`;
        // The duration only bounds a run whose interrupt went missing.
        cli = startCli(
          'bench',
          '--url',
          url,
          '--connections',
          '2',
          '--duration',
          '20',
          ...(json ? ['--json'] : []),
        );
        const exit = await cli.exit();
        assert.deepEqual(exit, { code: 130, signal: null }, cli.stderr);
        if (json) {
          const result = JSON.parse(cli.stdout) as BenchJson;
          assert.equal(result.partial, true);
          assert.ok(result.messages >= 98, String(result.messages));
          assert.ok(result.inFlight <= 2);
          assertFigures(result);
        } else {
          assert.match(
            cli.stdout,
            /^wirekit bench: echo, 2 connections, .*\n {2}PARTIAL: interrupted \(Ctrl-C\)/,
          );
          assert.match(cli.stdout, /\n {2}[\d,]+ messages in [\d.]+ s: [\d,]+ msg\/s\n/);
          assert.match(cli.stdout, /\n {2}latency histogram:\n/);
        }
      } finally {
        await server.close();
      }
    });
  }

  test('on a terminal: a progress line on stderr, rewritten in place with \\r', async () => {
    const cli = startCliOnTerminal(
      'bench',
      '--local',
      '--connections',
      '2',
      '--duration',
      '0.5',
      '--json',
    );
    const exit = await cli.exit();
    assert.equal(exit.code, 0, cli.stdout);
    const output = cli.stdout;
    // Each drawing erases the line first (CR, then ESC [2K).
    const erase = '\r\u001b[2K';
    assert.ok(output.startsWith(`${erase}connecting: `), JSON.stringify(output));
    assert.ok(
      output.includes(`${erase}0 s  0 msg/s  p50 0.000 ms  p99 0.000 ms  errors 0`),
      JSON.stringify(output),
    );
    // The line is erased before the result, which starts on a clean line.
    assert.ok(output.includes(`${erase}{"mode":"echo"`), JSON.stringify(output));
    assert.match(output, /"partial":false/);
  });
});
