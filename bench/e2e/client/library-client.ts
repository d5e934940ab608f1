/**
 * One WebSocket client connection through a real client library (wirekit's `connect`, ws's
 * `WebSocket`, Bun's built-in `WebSocket`), behind one small interface so that the same-process
 * and `wss://` sections drive every library with the same code. Unlike the raw load client,
 * this measures the client library too: that is the point of those sections.
 *
 * Libraries load on demand, so a script run by Bun never loads ws or wirekit's Node adapter.
 *
 * @example
 * ```ts
 * const client = await openLibraryClient('ws', 'wss://127.0.0.1:9001/echo', caPem);
 * client.onMessage = (bytes) => { … };
 * client.send('Hello, World!');
 * ```
 */
import { bunWebSocket } from '../servers/bun-api.js';

/** The client libraries; `wirekit-rb` is wirekit with its reused read buffer. */
export const Library = {
  WIREKIT: 'wirekit',
  WIREKIT_READ_BUFFER: 'wirekit-rb',
  WS: 'ws',
  BUN: 'bun',
} as const;
export type Library = (typeof Library)[keyof typeof Library];

/** An open connection that sends text and reports the length of what it receives. */
export interface LibraryClient {
  /** Called with the byte length of every message received (replace it between phases). */
  onMessage: (bytes: number) => void;
  send(text: string): void;
  close(): void;
}

/** Large enough that queuing a 100,000-message burst never trips a library's limit. */
const MAX_BACKPRESSURE = 64 * 1024 * 1024;

/** Parse a `--library` value. */
export function libraryOf(name: string | undefined): Library {
  const all: readonly string[] = Object.values(Library);
  if (name === undefined || !all.includes(name)) {
    throw new RangeError(`--library must be one of ${all.join(', ')}`);
  }
  return name as Library;
}

/** Connect with `library` to `url`, trusting only `ca` (PEM) for `wss://` when given. */
export function openLibraryClient(
  library: Library,
  url: string,
  ca?: string,
): Promise<LibraryClient> {
  switch (library) {
    case Library.WIREKIT:
    case Library.WIREKIT_READ_BUFFER:
      return openWirekit(url, ca, library === Library.WIREKIT_READ_BUFFER);
    case Library.WS:
      return openWs(url, ca);
    case Library.BUN:
      return openBun(url, ca);
  }
}

async function openWirekit(
  url: string,
  ca: string | undefined,
  reuse: boolean,
): Promise<LibraryClient> {
  const { connect } = await import('../../../src/index.js');
  let closing = false;
  const client: LibraryClient = {
    onMessage: ignore,
    send: (text) => connection.send(text),
    close: () => {
      closing = true;
      connection.terminate();
    },
  };
  const connection = await connect(url, {
    maxBackpressure: MAX_BACKPRESSURE,
    handler: {
      message: (_ws, data) => client.onMessage(data.length),
      close: (_ws, code, reason) => closing || lost(`wirekit: closed ${code} ${reason}`),
    },
    ...(ca === undefined ? {} : { tls: { ca } }),
    ...(reuse ? { readBuffer: 64 * 1024 } : {}),
  });
  return client;
}

async function openWs(url: string, ca: string | undefined): Promise<LibraryClient> {
  const { WebSocket } = await import('ws');
  const socket = new WebSocket(url, {
    perMessageDeflate: false,
    ...(ca === undefined ? {} : { ca }),
  });
  let closing = false;
  const client: LibraryClient = {
    onMessage: ignore,
    send: (text) => socket.send(text),
    close: () => {
      closing = true;
      socket.terminate();
    },
  };
  socket.on('message', (data) => client.onMessage((data as Buffer).length));
  socket.on('close', (code, reason) => closing || lost(`ws: closed ${code} ${reason}`));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return client;
}

async function openBun(url: string, ca: string | undefined): Promise<LibraryClient> {
  const BunWebSocket = bunWebSocket();
  const socket = new BunWebSocket(url, ca === undefined ? undefined : { tls: { ca } });
  socket.binaryType = 'arraybuffer';
  let closing = false;
  const client: LibraryClient = {
    onMessage: ignore,
    send: (text) => socket.send(text),
    close: () => {
      closing = true;
      socket.close();
    },
  };
  socket.onclose = (event) => closing || lost(`Bun: closed ${event.code} ${event.reason}`);
  socket.onmessage = (event) => {
    const data = event.data;
    // Text arrives as a string; the benchmark sends ASCII only, so length = bytes.
    client.onMessage(typeof data === 'string' ? data.length : data.byteLength);
  };
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = (event) => reject(new Error(`Bun WebSocket: ${event.message ?? 'error'}`));
  });
  return client;
}

function ignore(_bytes: number): void {}

/** A benchmark connection closed under load: the measurement is void, so stop loudly. */
function lost(why: string): void {
  process.stderr.write(`benchmark connection lost: ${why}\n`);
  process.exit(1);
}
