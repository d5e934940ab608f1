/**
 * The servers compared, in table order. Ratios are taken against {@link WS_LABEL} (ws with its
 * native `bufferutil` masker, its recommended setup) and {@link UWS_LABEL}.
 *
 * @example
 * ```ts
 * SERVERS.filter((spec) => spec.websocket); // the WebSocket servers, without the TCP floor
 * ```
 */
import type { ServerSpec } from './server-process.js';

const dir = new URL('../servers/', import.meta.url).pathname;

export const WIREKIT_LABEL = 'wirekit';
export const WS_LABEL = 'ws (bufferutil)';
export const UWS_LABEL = 'uWebSockets.js';
export const NET_LABEL = 'net echo (floor)';

export const SERVERS: readonly ServerSpec[] = [
  { label: WIREKIT_LABEL, script: `${dir}wirekit-echo-server.js`, websocket: true },
  {
    label: 'wirekit (readBuffer)',
    script: `${dir}wirekit-echo-server.js`,
    env: { WIREKIT_READ_BUFFER: '1' },
    websocket: true,
  },
  { label: WS_LABEL, script: `${dir}ws-echo-server.js`, websocket: true },
  {
    label: 'ws (no bufferutil)',
    script: `${dir}ws-echo-server.js`,
    env: { WS_NO_BUFFER_UTIL: '1' },
    websocket: true,
  },
  { label: UWS_LABEL, script: `${dir}uws-echo-server.js`, websocket: true },
  { label: NET_LABEL, script: `${dir}net-echo-server.js`, websocket: false },
];
