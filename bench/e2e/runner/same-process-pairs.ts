/**
 * The server + client pairs of the same-process section, each run in one process: which server
 * script it imports (with which environment), which client library talks to it, and which
 * runtime runs the process. ws is the client for uWebSockets.js, which has no client.
 *
 * @example
 * ```ts
 * const pair = pairById('uws'); // { server: 'uws-echo-server.js', client: 'ws', … }
 * ```
 */
import { Library } from '../client/library-client.js';
import type { Runtime } from './runtime-command.js';
import {
  BUN_LABEL,
  UWS_LABEL,
  WIREKIT_LABEL,
  WIREKIT_READ_BUFFER_LABEL,
  WS_LABEL,
} from './server-specs.js';

/** One pair. */
export interface SameProcessPair {
  /** The `--pair` value. */
  readonly id: string;
  /** Row label. */
  readonly label: string;
  /** The server it runs (its label in SERVERS): the pair is skipped when that one is. */
  readonly serverLabel: string;
  /** Server script, in `servers/`. */
  readonly server: string;
  readonly env: Readonly<Record<string, string>>;
  readonly client: Library;
  readonly runtime: Runtime;
}

export const SAME_PROCESS_PAIRS: readonly SameProcessPair[] = [
  {
    id: 'wirekit',
    label: 'wirekit server + wirekit client',
    serverLabel: WIREKIT_LABEL,
    server: 'wirekit-echo-server.js',
    env: {},
    client: Library.WIREKIT,
    runtime: 'node',
  },
  {
    id: 'wirekit-rb',
    label: 'wirekit server + client, readBuffer',
    serverLabel: WIREKIT_READ_BUFFER_LABEL,
    server: 'wirekit-echo-server.js',
    env: { WIREKIT_READ_BUFFER: '1' },
    client: Library.WIREKIT_READ_BUFFER,
    runtime: 'node',
  },
  {
    id: 'uws',
    label: 'uWebSockets.js server + ws client',
    serverLabel: UWS_LABEL,
    server: 'uws-echo-server.js',
    env: {},
    client: Library.WS,
    runtime: 'node',
  },
  {
    id: 'bun',
    label: 'Bun server + Bun client',
    serverLabel: BUN_LABEL,
    server: 'bun-echo-server.js',
    env: {},
    client: Library.BUN,
    runtime: 'bun',
  },
  {
    id: 'ws',
    label: 'ws server + ws client',
    serverLabel: WS_LABEL,
    server: 'ws-echo-server.js',
    env: {},
    client: Library.WS,
    runtime: 'node',
  },
];

/** The pair with this id; throws for an unknown one. */
export function pairById(id: string | undefined): SameProcessPair {
  const pair = SAME_PROCESS_PAIRS.find((p) => p.id === id);
  if (pair === undefined) {
    throw new RangeError(`--pair must be one of ${SAME_PROCESS_PAIRS.map((p) => p.id).join(', ')}`);
  }
  return pair;
}
