/**
 * The servers the memory benchmark measures, in table order: the floor of Node's own `net`,
 * wirekit in its three memory-relevant settings, ws, uWebSockets.js and Bun, each without and
 * with compression. Each is a script of this folder run with `--deflate MODE`.
 *
 * @example
 * ```ts
 * const subject = MEMORY_SUBJECTS.find((s) => s.key === 'wirekit-shared')!;
 * ```
 */
import type { DeflateMode } from './memory-probe.js';

/** One row of the table. */
export interface MemorySubject {
  /** Short name for `--only`. */
  readonly key: string;
  readonly label: string;
  readonly runtime: 'node' | 'bun';
  /** Script in dist/bench/memory, without `.js`. */
  readonly script: string;
  readonly deflate: DeflateMode;
  /** The client speaks WebSocket (`ws`) or only connects and echoes bytes (`tcp`). */
  readonly protocol: 'ws' | 'tcp';
}

export const MEMORY_SUBJECTS: readonly MemorySubject[] = [
  {
    key: 'net',
    label: 'Node `net` floor (bare socket, echo)',
    runtime: 'node',
    script: 'net-floor-server',
    deflate: 'off',
    protocol: 'tcp',
  },
  {
    key: 'wirekit',
    label: 'wirekit, no deflate (default)',
    runtime: 'node',
    script: 'wirekit-server',
    deflate: 'off',
    protocol: 'ws',
  },
  {
    key: 'wirekit-shared',
    label: 'wirekit, deflate shared',
    runtime: 'node',
    script: 'wirekit-server',
    deflate: 'shared',
    protocol: 'ws',
  },
  {
    key: 'wirekit-dedicated',
    label: 'wirekit, deflate dedicated, 11-bit windows, memLevel 4',
    runtime: 'node',
    script: 'wirekit-server',
    deflate: 'dedicated-small',
    protocol: 'ws',
  },
  {
    key: 'ws',
    label: 'ws, no deflate',
    runtime: 'node',
    script: 'ws-server',
    deflate: 'off',
    protocol: 'ws',
  },
  {
    key: 'ws-deflate',
    label: 'ws, perMessageDeflate: true',
    runtime: 'node',
    script: 'ws-server',
    deflate: 'on',
    protocol: 'ws',
  },
  {
    key: 'uws',
    label: 'uWebSockets.js, no compression',
    runtime: 'node',
    script: 'uws-server',
    deflate: 'off',
    protocol: 'ws',
  },
  {
    key: 'uws-shared',
    label: 'uWebSockets.js, SHARED_COMPRESSOR',
    runtime: 'node',
    script: 'uws-server',
    deflate: 'shared',
    protocol: 'ws',
  },
  {
    key: 'bun',
    label: 'Bun, no compression',
    runtime: 'bun',
    script: 'bun-server',
    deflate: 'off',
    protocol: 'ws',
  },
  {
    key: 'bun-deflate',
    label: 'Bun, perMessageDeflate: true',
    runtime: 'bun',
    script: 'bun-server',
    deflate: 'on',
    protocol: 'ws',
  },
];
