/**
 * Debian's `tinyproxy`, started by a test on a free 127.0.0.1 port with a config file written
 * into a temporary directory, in the foreground (`-d`), and stopped by the test. Its log (level
 * Info, on its stderr) tells which CONNECT requests it served. Fails loudly when tinyproxy is
 * missing: scripts/ensure-tools.js installs it.
 *
 * @example
 * ```ts
 * const proxy = await startTinyproxy({ auth: { user: 'alice', password: 's3cret' } });
 * t.after(() => proxy.stop());
 * await connect(url, { proxy: proxy.urlWith('alice', 's3cret') });
 * assert.equal(proxy.connects().length, 1);
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian installs it (scripts/ensure-tools.js checks this path). */
export const TINYPROXY = '/usr/bin/tinyproxy';

export interface TinyproxyOptions {
  /** `BasicAuth user password`: every request must carry these credentials. */
  readonly auth?: { readonly user: string; readonly password: string };
  /** `ConnectPort` lines: CONNECT to other ports is refused (403). Default: any port. */
  readonly connectPorts?: readonly number[];
}

export interface Tinyproxy {
  readonly port: number;
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** `http://user:password@127.0.0.1:port`, each part percent-encoded. */
  urlWith(user: string, password: string): string;
  /** Everything it logged so far. */
  log(): string;
  /** The targets of the CONNECT requests it received so far (`host:port`), in order. */
  connects(): string[];
  /** Stop it (SIGTERM, SIGKILL after 5 s) and remove its directory. */
  stop(): Promise<void>;
}

const READY = 'Accepting connections';
const START_ATTEMPTS = 5;
const START_MS = 5_000;

/** Starts tinyproxy; retries on another port if the chosen one was taken meanwhile. */
export async function startTinyproxy(options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  let last: Error | undefined;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (error) {
      last = error as Error;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
    }
  }
  throw new Error(
    `could not start ${TINYPROXY} (install it: node scripts/ensure-tools.js): ${last?.message}`,
    { cause: last },
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startOnce(options: TinyproxyOptions, port: number): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'wirekit-tinyproxy-'));
  const config = join(dir, 'tinyproxy.conf');
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Allow 127.0.0.1',
    'Timeout 30',
    'MaxClients 100',
    'LogLevel Info',
    'DisableViaHeader Yes',
  ];
  if (options.auth !== undefined) {
    lines.push(`BasicAuth ${options.auth.user} ${options.auth.password}`);
  }
  // tinyproxy.conf(5): without ConnectPort lines CONNECT may reach any port; with them, only
  // those (and `ConnectPort 0` would disable CONNECT altogether).
  for (const allowed of options.connectPorts ?? []) lines.push(`ConnectPort ${allowed}`);
  writeFileSync(config, `${lines.join('\n')}\n`);

  const child: ChildProcess = spawn(TINYPROXY, ['-d', '-c', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  // Settles when the process is gone, or was never started (ENOENT).
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const cleanupDir = (): void => rmSync(dir, { recursive: true, force: true });

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`tinyproxy did not start within ${START_MS} ms:\n${output}`));
      }, START_MS);
      const onData = (): void => {
        if (output.includes(READY)) {
          done();
          resolve();
        }
      };
      const onExit = (code: number | null): void => {
        done();
        reject(new Error(`tinyproxy exited (${code}) before accepting connections:\n${output}`));
      };
      const onError = (error: Error): void => {
        done();
        reject(error);
      };
      function done(): void {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onError);
      }
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  } catch (error) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    cleanupDir();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    urlWith: (user, password) =>
      `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    log: () => output,
    connects: () =>
      [...output.matchAll(/Request \(file descriptor \d+\): CONNECT (\S+) HTTP/g)].map(
        (match) => match[1]!,
      ),
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
          child.kill('SIGTERM');
          await exited;
          clearTimeout(kill);
        }
        cleanupDir();
      })();
      return stopped;
    },
  };
}
