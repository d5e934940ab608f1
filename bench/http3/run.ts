/**
 * WebSocket echo over HTTP/3 vs HTTP/2 vs HTTP/1.1 TLS, same run. The echo server runs in a
 * child process (`server.ts`), so its CPU is measured alone; this process is the load client:
 * each WebSocket sends a message, waits for the echo, repeats. Reports the server's CPU per
 * echo (`process.cpuUsage()` of the child), echoes per second and round-trip p50/p99, for 1
 * WebSocket and for 100 WebSockets on one connection (one HTTP/2 session, one QUIC connection;
 * 100 TLS sockets for HTTP/1.1), payloads of 512 B and 16 KiB. Every case gets a fresh server.
 *
 * With `--profile`, each server runs under `--cpu-prof` and its samples are split into where
 * the time goes: the QUIC stack (quiche and BoringSSL, native, inside the few wirekit functions
 * that call the binding), Node's UDP or TLS/TCP/HTTP/2 code, Node's streams and event plumbing,
 * wirekit itself, and the garbage collector; each as µs per echo.
 *
 * Run: `npm run build && node dist/bench/http3/run.js [echoes] [--profile]`; `--only=h2,h3`,
 * `--sockets=100` and `--sizes=512` narrow the cases (comma-separated lists), and `--repeat=N`
 * runs each selected case N times in turn (transports interleaved), for same-run ratios on a
 * noisy machine.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { Http3WebSocketSession } from '../../src/node/http3/h3-client.js';
import { Http2WebSocketSession } from '../../src/node/transports/h2-client.js';

const PROFILE = process.argv.includes('--profile');
const ECHOES = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 2000);

type Transport = 'h1-tls' | 'h2' | 'h3';

/** The values of `--name=a,b`, or `fallback` without it. */
function listOption<T>(name: string, fallback: readonly T[], parse: (s: string) => T): T[] {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (arg === undefined) return [...fallback];
  return arg
    .slice(name.length + 3)
    .split(',')
    .map(parse);
}
const TRANSPORTS = listOption<Transport>('only', ['h1-tls', 'h2', 'h3'], (s) => s as Transport);
const SOCKETS = listOption('sockets', [1, 100], Number);
const SIZES = listOption('sizes', [512, 16 * 1024], Number);
const REPEAT = listOption('repeat', [1], Number)[0]!;

interface Server {
  readonly child: ChildProcess;
  readonly tcp: number;
  readonly udp: number;
  readonly cert: string;
  readonly profileDir: string | undefined;
}

async function startServer(): Promise<Server> {
  const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'wirekit-h3prof-')) : undefined;
  const child = fork(new URL('./server.js', import.meta.url), [], {
    execArgv: profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ tcp: number; udp: number; cert: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { tcp: number; udp: number; cert: string }));
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  return { child, tcp: ready.tcp, udp: ready.udp, cert: ready.cert, profileDir };
}

function serverCpu(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.child.once('message', (m) => {
      const { cpu } = m as { cpu: NodeJS.CpuUsage };
      resolve(cpu.user + cpu.system);
    });
    server.child.send('cpu');
  });
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.send('exit');
  await exited;
}

async function open(
  transport: Transport,
  server: Server,
  count: number,
): Promise<{ sockets: Connection<unknown>[]; close(): Promise<void> }> {
  const handler = {
    message(ws: Connection<unknown>) {
      (ws.data as { done?: () => void }).done?.();
    },
  };
  const tls = { ca: server.cert };
  if (transport === 'h1-tls') {
    const sockets = await Promise.all(
      Array.from({ length: count }, () =>
        connect<unknown>(`wss://127.0.0.1:${server.tcp}/`, { tls, handler, data: {} }),
      ),
    );
    return {
      sockets,
      close: async () => {
        for (const s of sockets) s.close();
      },
    };
  }
  const session =
    transport === 'h2'
      ? await Http2WebSocketSession.connect(`wss://127.0.0.1:${server.tcp}/`, { tls })
      : await Http3WebSocketSession.connect(`wss://127.0.0.1:${server.udp}/`, { tls });
  const sockets = await Promise.all(
    Array.from({ length: count }, () => session.openWebSocket<unknown>('/', { handler, data: {} })),
  );
  return { sockets, close: () => session.close() };
}

/** Where a server's CPU went, µs per echo, by part (from its `--cpu-prof` samples). */
type Split = Record<string, number>;

/** wirekit functions that are mostly calls into quiche (and BoringSSL under it); the read
 * pass (`#readStreams`) is mostly the binding's per-stream probes and readable list. */
const QUIC_CALLERS = new Set([
  'flush',
  '#feed',
  '#readStreams',
  '#readStream',
  'write',
  '#resumeBlocked',
  '#arm',
  'openStream',
]);

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
}

function partOf(node: ProfileNode): string | undefined {
  const { functionName, url } = node.callFrame;
  if (functionName === '(idle)' || functionName === '(root)') return undefined;
  if (functionName === '(garbage collector)') return 'GC';
  if (url.endsWith('/http3/quic-connection.js') && QUIC_CALLERS.has(functionName))
    return 'QUIC stack (quiche+BoringSSL)';
  if (url.includes('/dist/src/')) return 'wirekit';
  if (/dgram|internal\/net|dns/.test(url)) return 'Node UDP';
  if (/tls|_stream_wrap|stream_base|node:net|http2/.test(url)) return 'Node TLS/TCP/HTTP2';
  if (url === '') return 'native, other (TLS crypto, syscalls)';
  return 'Node streams/events/timers';
}

function splitProfile(dir: string, cpuPerEcho: number): Split {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return {};
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const parts = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const part = partOf(node);
    const time = byNode.get(node.id) ?? 0;
    if (part === undefined || time === 0) continue;
    busy += time;
    parts.set(part, (parts.get(part) ?? 0) + time);
  }
  rmSync(dir, { recursive: true, force: true });
  const split: Split = {};
  // The profile covers the server's whole life (start-up too): shares, scaled to CPU per echo.
  for (const [part, time] of [...parts].sort((a, b) => b[1] - a[1]))
    split[part] = (time / busy) * cpuPerEcho;
  return split;
}

interface Result {
  readonly line: string;
  readonly cpuPerEcho: number;
  readonly rate: number;
  readonly split: Split;
}

async function run(transport: Transport, count: number, size: number): Promise<Result> {
  const server = await startServer();
  const { sockets, close } = await open(transport, server, count);
  const payload = Buffer.alloc(size, 7);
  const latencies: number[] = [];
  // Each socket runs its own echo loop; all loops together make ECHOES round trips.
  const perSocket = Math.max(1, Math.floor(ECHOES / count));
  const loop = async (ws: Connection<unknown>, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await new Promise<void>((resolve) => {
        (ws.data as { done?: () => void }).done = resolve;
        ws.send(payload);
      });
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(sockets.map((ws) => loop(ws, Math.min(50, perSocket)))); // warm-up
  latencies.length = 0;
  const cpuBefore = await serverCpu(server);
  const clientBefore = process.cpuUsage();
  const wall = performance.now();
  await Promise.all(sockets.map((ws) => loop(ws, perSocket)));
  const elapsed = performance.now() - wall;
  const client = process.cpuUsage(clientBefore);
  const cpu = (await serverCpu(server)) - cpuBefore;
  await close();
  await stopServer(server);
  latencies.sort((a, b) => a - b);
  const p = (q: number): string =>
    (latencies[Math.floor(q * (latencies.length - 1))]! * 1000).toFixed(0);
  const echoes = latencies.length;
  const cpuPerEcho = cpu / echoes;
  const rate = echoes / (elapsed / 1000);
  const split = server.profileDir === undefined ? {} : splitProfile(server.profileDir, cpuPerEcho);
  const line = `${transport.padEnd(7)} ${String(count).padStart(3)} ws ${String(size).padStart(5)} B  ${String(echoes).padStart(6)} echoes  ${rate.toFixed(0).padStart(6)} echo/s  server CPU ${cpuPerEcho.toFixed(1).padStart(6)} µs/echo  p50 ${p(0.5).padStart(6)} µs  p99 ${p(0.99).padStart(7)} µs  client CPU ${((client.user + client.system) / echoes).toFixed(1).padStart(6)} µs/echo`;
  return { line, cpuPerEcho, rate, split };
}

for (const count of SOCKETS)
  for (const size of SIZES)
    for (let round = 0; round < REPEAT; round++) {
      const results = new Map<Transport, Result>();
      for (const transport of TRANSPORTS) {
        const result = await run(transport, count, size);
        results.set(transport, result);
        console.log(result.line);
        if (PROFILE)
          console.log(
            `        where: ${Object.entries(result.split)
              .map(([part, us]) => `${part} ${us.toFixed(1)}`)
              .join(', ')}`,
          );
      }
      const h1 = results.get('h1-tls');
      const h2 = results.get('h2');
      const h3 = results.get('h3');
      const ratios: string[] = [];
      if (h3 !== undefined && h1 !== undefined)
        ratios.push(`h3/h1 server CPU ${(h3.cpuPerEcho / h1.cpuPerEcho).toFixed(2)}×`);
      if (h3 !== undefined && h2 !== undefined)
        ratios.push(
          `h3/h2 server CPU ${(h3.cpuPerEcho / h2.cpuPerEcho).toFixed(2)}×, h3/h2 echo/s ${(h3.rate / h2.rate).toFixed(2)}×`,
        );
      if (ratios.length > 0) console.log(`        same run: ${ratios.join('; ')}`);
    }
