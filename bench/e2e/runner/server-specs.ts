/**
 * The servers compared, in table order. Ratios are taken against {@link WS_LABEL} (ws with its
 * native `bufferutil` masker, its recommended setup), {@link UWS_LABEL} and {@link BUN_LABEL}.
 * uWebSockets.js and Bun are optional: a machine where their binaries do not run still gets
 * every other row.
 *
 * @example
 * ```ts
 * SERVERS.filter((spec) => spec.websocket); // the WebSocket servers, without the TCP floor
 * ```
 */
import type { ServerSpec } from './server-process.js';

const dir = new URL('../servers/', import.meta.url).pathname;

export const WIREKIT_LABEL = 'wirekit';
export const WIREKIT_READ_BUFFER_LABEL = 'wirekit (readBuffer)';
export const WIREKIT_URING_LABEL = 'wirekit serveUring() (io_uring)';
export const WS_LABEL = 'ws (bufferutil)';
export const WS_PLAIN_LABEL = 'ws (no bufferutil)';
export const UWS_LABEL = 'uWebSockets.js';
export const BUN_LABEL = 'Bun';
export const NET_LABEL = 'net echo (floor)';

export const SERVERS: readonly ServerSpec[] = [
  { label: WIREKIT_LABEL, script: `${dir}wirekit-echo-server.js`, websocket: true },
  {
    label: WIREKIT_READ_BUFFER_LABEL,
    script: `${dir}wirekit-echo-server.js`,
    env: { WIREKIT_READ_BUFFER: '1' },
    websocket: true,
  },
  // Optional: it needs `npm run build:uring` and a kernel that allows io_uring.
  {
    label: WIREKIT_URING_LABEL,
    script: `${dir}wirekit-echo-server.js`,
    env: { WIREKIT_URING: '1' },
    websocket: true,
    optional: true,
  },
  { label: WS_LABEL, script: `${dir}ws-echo-server.js`, websocket: true },
  {
    label: WS_PLAIN_LABEL,
    script: `${dir}ws-echo-server.js`,
    env: { WS_NO_BUFFER_UTIL: '1' },
    websocket: true,
  },
  { label: UWS_LABEL, script: `${dir}uws-echo-server.js`, websocket: true, optional: true },
  {
    label: BUN_LABEL,
    script: `${dir}bun-echo-server.js`,
    websocket: true,
    runtime: 'bun',
    optional: true,
  },
  { label: NET_LABEL, script: `${dir}net-echo-server.js`, websocket: false },
];

/** The echo-load servers, in the column order of the outside measurement it reproduces. */
export const ECHO_LABELS: readonly string[] = [
  WS_LABEL,
  UWS_LABEL,
  BUN_LABEL,
  WIREKIT_LABEL,
  WIREKIT_READ_BUFFER_LABEL,
  WIREKIT_URING_LABEL,
  NET_LABEL,
];

/**
 * The `--only uring` run: the libuv path, the io_uring path and the libraries they are held
 * against (issue 16), every section of the run on these servers alone.
 */
export const URING_LABELS: readonly string[] = [
  WIREKIT_LABEL,
  WIREKIT_URING_LABEL,
  UWS_LABEL,
  BUN_LABEL,
  NET_LABEL,
];

/** The specs of `labels` that are in `specs`, in the order of `labels`. */
export function specsIn(specs: readonly ServerSpec[], labels: readonly string[]): ServerSpec[] {
  return labels.flatMap((label) => specs.filter((spec) => spec.label === label));
}
