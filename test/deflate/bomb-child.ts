/**
 * Child process of `bomb-memory.test.ts`: a wirekit server (`server`) or client
 * (`client <port>`) with permessage-deflate and a 1 MiB message limit, reporting the close
 * codes it saw and its peak RSS over IPC, so a decompression bomb's memory is measured in a
 * process that does nothing else.
 *
 * Messages from the parent: `{ type: 'measure' }` → `{ type: 'measured', maxRss, closes }`;
 * `{ type: 'exit' }` → closes everything and exits.
 */
import { connect } from '../../src/node/connect.js';
import type { Connection, ConnectionHandler } from '../../src/node/connection.js';
import { serve, type WebSocketServer } from '../../src/node/websocket-server.js';

/** What the child reports. */
export interface ChildReport {
  readonly type: 'ready' | 'measured';
  readonly port?: number;
  /** Peak resident set size so far, in bytes. */
  readonly maxRss: number;
  /** Close codes seen by the wirekit side. */
  readonly closes: readonly number[];
}

const MiB = 1024 * 1024;
const [role = 'server', portArgument = '0', mode = 'dedicated'] = process.argv.slice(2);
const closes: number[] = [];
const handler: ConnectionHandler = {
  message(ws, data, isBinary) {
    if (ws.readyState === 1) ws.send(data, isBinary);
  },
  close(_ws, code) {
    closes.push(code);
  },
};
const limits = {
  maxMessageSize: MiB,
  pingInterval: 0,
  idleTimeout: 0,
  closeTimeout: 2_000,
  deflate: { mode: mode === 'shared' ? ('shared' as const) : ('dedicated' as const) },
};

function report(type: ChildReport['type'], port?: number): void {
  const message: ChildReport = {
    type,
    ...(port === undefined ? {} : { port }),
    maxRss: process.resourceUsage().maxRSS * 1024,
    closes,
  };
  process.send?.(message);
}

let server: WebSocketServer | undefined;
let client: Connection | undefined;
if (role === 'server') {
  server = await serve({ port: 0, host: '127.0.0.1', handler, ...limits });
  report('ready', server.address!.port);
} else {
  client = await connect(`ws://127.0.0.1:${portArgument}/`, { handler, ...limits });
  report('ready');
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'measure') report('measured');
  else if (message.type === 'exit') {
    client?.terminate();
    void (server?.close() ?? Promise.resolve()).then(() => process.exit(0));
  }
});
