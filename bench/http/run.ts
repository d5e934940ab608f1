/**
 * HTTP/1.1 client benchmarks (issue 6): wirekit against undici and `node:http`, one `node:http`
 * server in a separate process, every client in the same run.
 *
 * 1. Load: sequential GET and POST of small JSON on one keep-alive connection, and GET with 4
 *    and 8 concurrent requests through a pool of as many connections. Each (scenario, client)
 *    runs `--seconds` of closed-loop load per round; rounds rotate the client order; the tables
 *    give medians over `--runs` rounds of requests/s, p50/p99 latency and client CPU per
 *    request.
 * 2. Pool acquire/release with idle connected slots.
 * 3. Response parsing in memory: wirekit's ResponseReader against undici's llhttp (wasm).
 *
 * Run: `npm run bench:http` (`-- --quick` for a smoke run; `--runs 7 --seconds 2`; `--only pool`
 * for the scenarios whose name contains `pool`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { ClientPool } from '../../src/node/http/client-pool.js';
import { clockInfo, fmtNs, fmtPct, fmtX, table } from '../harness.js';
import { type ClientKind, nodeHttp, type OpenClient, undici, wirekit } from './clients.js';
import { type LoadResult, median, runLoad } from './load.js';
import { benchParse } from './parse.js';
import { benchAcquire, benchTryAcquire } from './pool-micro.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const RUNS = option('--runs', quick ? 2 : 5);
const SECONDS = option('--seconds', quick ? 0.3 : 1.5);
const ONLY = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '') : '';
const KINDS: readonly ClientKind[] = [wirekit, undici, nodeHttp];

interface Scenario {
  readonly name: string;
  readonly op: 'get' | 'post';
  readonly concurrency: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'sequential GET, 1 connection', op: 'get', concurrency: 1 },
  { name: 'sequential POST, 1 connection', op: 'post', concurrency: 1 },
  { name: 'GET, 4 concurrent, pool of 4', op: 'get', concurrency: 4 },
  { name: 'GET, 8 concurrent, pool of 8', op: 'get', concurrency: 8 },
];

async function startServer(): Promise<{ child: ChildProcess; origin: string }> {
  const child = fork(new URL('./server.js', import.meta.url), [], { stdio: 'inherit' });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  return { child, origin: `http://127.0.0.1:${message.port}` };
}

async function loadTables(origin: string): Promise<string[]> {
  const out: string[] = [];
  for (const scenario of SCENARIOS.filter((s) => s.name.includes(ONLY))) {
    const clients: OpenClient[] = [];
    for (const kind of KINDS) {
      const client = await kind.start(origin, scenario.concurrency);
      const answer = (await (scenario.op === 'get' ? client.get() : client.post())) as object;
      if (!('symbol' in answer) && !('accepted' in answer)) {
        throw new Error(`${kind.name}: unexpected answer ${JSON.stringify(answer)}`);
      }
      clients.push(client);
    }
    // Warm-up round (JIT, socket buffers), not recorded.
    for (const client of clients) {
      await runLoad(client, scenario.op, scenario.concurrency, Math.min(500, SECONDS * 1000));
    }
    const results: LoadResult[][] = KINDS.map(() => []);
    for (let r = 0; r < RUNS; r++) {
      for (let k = 0; k < KINDS.length; k++) {
        const i = (k + r) % KINDS.length;
        results[i]!.push(
          await runLoad(clients[i]!, scenario.op, scenario.concurrency, SECONDS * 1000),
        );
      }
    }
    for (const client of clients) await client.close();
    const rows = KINDS.map((kind, i) => {
      const rs = results[i]!;
      return {
        name: kind.name,
        rps: median(rs.map((x) => x.perSecond)),
        p50: median(rs.map((x) => x.p50)),
        p99: median(rs.map((x) => x.p99)),
        cpu: median(rs.map((x) => x.cpuUs)),
      };
    });
    const base = rows.find((r) => r.name === 'undici')!;
    out.push(
      `### ${scenario.name}\n\n${table(
        [
          'client',
          'requests/s',
          'p50 µs',
          'p99 µs',
          'client CPU µs/req',
          'req/s vs undici',
          'CPU vs undici',
        ],
        rows.map((row) => [
          row.name,
          row.rps.toFixed(0),
          row.p50.toFixed(1),
          row.p99.toFixed(1),
          row.cpu.toFixed(2),
          fmtX(row.rps / base.rps),
          fmtX(row.cpu / base.cpu),
        ]),
      )}`,
    );
    console.error(`done: ${scenario.name}`);
  }
  return out;
}

async function main(): Promise<void> {
  const { child, origin } = await startServer();
  try {
    const cpu = cpus();
    console.log(`# HTTP/1.1 client benchmarks\n`);
    console.log(
      `${new Date().toISOString().slice(0, 10)} · Node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? '?'} · ` +
        `${RUNS} rounds × ${SECONDS} s per client and scenario\n`,
    );
    console.log('## Load against a node:http server in another process\n');
    for (const section of await loadTables(origin)) console.log(`${section}\n`);

    const pool = await ClientPool.create({ url: origin, connections: 4 });
    const sync = benchTryAcquire(pool, quick)[0]!;
    const asyncNs = await benchAcquire(pool, quick);
    await pool.close();
    console.log(`## Pool acquire/release (4 idle connected slots)\n`);
    console.log(
      `${table(
        ['path', 'ns per acquire + release', 'spread'],
        [
          [`${sync.name} (${clockInfo()})`, fmtNs(sync.ns), fmtPct(sync.spread)],
          ['await acquire() + release() (wall clock)', fmtNs(asyncNs), ''],
        ],
      )}\n`,
    );

    console.log(`## Response parsing in memory (${clockInfo()})\n`);
    for (const { name, results } of benchParse(quick)) {
      const [wk, ll] = results as [(typeof results)[0], (typeof results)[0]];
      console.log(`### ${name}\n`);
      console.log(
        `${table(
          ['parser', 'ns per response', 'spread', 'vs llhttp'],
          results.map((r) => [r.name, fmtNs(r.ns), fmtPct(r.spread), fmtX(ll.ns / r.ns)]),
        )}\n`,
      );
      void wk;
    }
  } finally {
    child.disconnect();
    await once(child, 'exit');
  }
}

await main();
