/**
 * Fixtures of the QUIC tests: a server on 127.0.0.1 with the test certificate whose streams
 * run a given handler, and a recording handler that turns stream events into awaitable facts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectQuic, type QuicClientOptions } from '../../../src/node/http3/quic-client.js';
import type {
  QuicCloseInfo,
  QuicConnection,
  QuicStreamHandler,
} from '../../../src/node/http3/quic-connection.js';
import {
  listenQuic,
  type QuicServer,
  type QuicServerOptions,
} from '../../../src/node/http3/quic-server.js';
import { testCertificate } from '../../helpers/tls-cert.js';
import { within } from '../../helpers/within.js';

export const WAIT = 10_000;

/** A self-signed certificate (PEM) whose subjectAltName is exactly `san`, by the openssl CLI. */
export function certificateWith(san: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wirekit-quic-cert-'));
  try {
    const config = join(dir, 'openssl.cnf');
    writeFileSync(
      config,
      `[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n[dn]\nCN = test\n` +
        `[ext]\nsubjectAltName = ${san}\nbasicConstraints = critical, CA:true\n`,
    );
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        key,
        '-out',
        cert,
        '-config',
        config,
      ],
      { stdio: 'pipe' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Poll `check` every 10 ms until it holds (for facts no event announces, such as stream
 * credit arriving in a MAX_STREAMS frame); fails after `ms`. */
export async function eventually(
  check: () => boolean,
  what: string,
  ms: number = WAIT,
): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What one side saw, in order, with waits for the next fact. */
export class Recorder implements QuicStreamHandler {
  readonly bytes: Map<number, Buffer[]> = new Map();
  readonly finished: Set<number> = new Set();
  readonly resets: Map<number, number> = new Map();
  readonly stops: Map<number, number> = new Map();
  readonly drains: number[] = [];
  closeInfo: QuicCloseInfo | undefined;
  readonly #waiters: (() => void)[] = [];
  /** Echo what arrives back on the same stream (bidirectional streams only). */
  echo = false;

  data(connection: QuicConnection, id: number, data: Uint8Array, fin: boolean): void {
    let list = this.bytes.get(id);
    if (list === undefined) {
      list = [];
      this.bytes.set(id, list);
    }
    list.push(Buffer.from(data));
    if (fin) this.finished.add(id);
    if (this.echo && (id & 2) === 0) connection.write(id, data, fin);
    this.#wake();
  }
  reset(_c: QuicConnection, id: number, code: number): void {
    this.resets.set(id, code);
    this.#wake();
  }
  stopSending(_c: QuicConnection, id: number, code: number): void {
    this.stops.set(id, code);
    this.#wake();
  }
  drain(_c: QuicConnection, id: number): void {
    this.drains.push(id);
    this.#wake();
  }
  close(_c: QuicConnection, info: QuicCloseInfo): void {
    this.closeInfo = info;
    this.#wake();
  }

  /** The bytes a stream delivered so far, joined. */
  received(id: number): Buffer {
    return Buffer.concat(this.bytes.get(id) ?? []);
  }

  /** Wait until `check` holds (re-checked after every event). */
  until(check: () => boolean, what: string, ms: number = WAIT): Promise<void> {
    if (check()) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => {
        const test = (): void => {
          if (check()) resolve();
          else this.#waiters.push(test);
        };
        this.#waiters.push(test);
      }),
      ms,
      what,
    );
  }

  #wake(): void {
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) waiter();
  }
}

/** A server whose connections all report to one recorder per connection. */
export async function quicServer(
  options: Partial<QuicServerOptions> & { echo?: boolean } = {},
): Promise<{
  server: QuicServer;
  accepted: Recorder[];
  connections: QuicConnection[];
  /** Wait until the server finished `n` handshakes; the recorder of the `n`th. */
  acceptedNth(n: number): Promise<Recorder>;
}> {
  const { key, cert } = testCertificate();
  const accepted: Recorder[] = [];
  const connections: QuicConnection[] = [];
  const arrived = new Recorder();
  const server = await listenQuic({
    key,
    cert,
    host: '127.0.0.1',
    ...options,
    connection(connection) {
      const recorder = new Recorder();
      recorder.echo = options.echo ?? false;
      connection.handler = recorder;
      accepted.push(recorder);
      connections.push(connection);
      arrived.drain(connection, connections.length);
    },
  });
  const acceptedNth = async (n: number): Promise<Recorder> => {
    await arrived.until(() => accepted.length >= n, `server handshake ${n}`);
    return accepted[n - 1]!;
  };
  return { server, accepted, connections, acceptedNth };
}

/** A client connected to `server` with the test certificate as its CA. */
export async function quicClient(
  server: QuicServer,
  options: Partial<QuicClientOptions> = {},
): Promise<{ connection: QuicConnection; recorder: Recorder }> {
  const connection = await connectQuic({
    host: '127.0.0.1',
    port: server.address.port,
    ca: testCertificate().cert,
    ...options,
  });
  const recorder = new Recorder();
  connection.handler = recorder;
  return { connection, recorder };
}
