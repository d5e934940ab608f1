/**
 * A real `redis-server` (Debian's package, /usr/bin/redis-server) for the broker tests: on a
 * free 127.0.0.1 port, no persistence, stopped (or killed, and started again on the same port)
 * by the test. Fails loudly when the binary is missing: `scripts/ensure-tools.js` installs it.
 *
 * @example
 * ```ts
 * const redis = await RedisServer.start();
 * t.after(() => redis.stop());
 * const url = redis.url; // redis://127.0.0.1:PORT
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';

const BINARY = '/usr/bin/redis-server';
const WAIT_MS = 15_000;

/** A free TCP port on 127.0.0.1 (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once `PING` gets `+PONG` on 127.0.0.1:`port`; rejects after WAIT_MS. */
async function waitForPong(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = netConnect({ host: '127.0.0.1', port });
      socket.setTimeout(500, () => socket.destroy());
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (data) => {
        resolve(data.toString().startsWith('+PONG'));
        socket.destroy();
      });
      socket.on('error', () => resolve(false));
      socket.on('close', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${WAIT_MS} ms`);
}

/** One redis-server process (restartable on its port). */
export class RedisServer {
  readonly port: number;
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Start on a free port. Throws when redis-server is not installed. */
  static async start(): Promise<RedisServer> {
    if (!existsSync(BINARY)) {
      throw new Error(
        `${BINARY} is missing: the Redis broker tests need Debian's redis-server ` +
          '(`node scripts/ensure-tools.js` installs it, as root)',
      );
    }
    const server = new RedisServer(await freePort());
    await server.restart();
    return server;
  }

  /** Start again on the same port (after {@link kill}). */
  async restart(): Promise<void> {
    const child = spawn(
      BINARY,
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--save', ''],
        ...['--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d: Buffer) => {
      this.#log += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.#log += d.toString();
    });
    this.#child = child;
    try {
      await waitForPong(this.port, child);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${this.#log}`);
    }
  }

  /** Kill it at once (a crash: clients see their connections drop). */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** Stop it (SIGTERM, then SIGKILL if it lingers). */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
