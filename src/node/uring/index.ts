/**
 * wirekit/uring: the WebSocket server on Linux io_uring, an optional native addon.
 *
 * Nothing here is loaded by `wirekit` itself, and the addon is not built on install: build it
 * with `npm run build:uring` (liburing-dev, a C compiler and Python for node-gyp; it compiles
 * against this Node's own headers, nothing is downloaded). Where it is not built, not Linux,
 * or the kernel refuses io_uring, {@link serveUring} and {@link loadUring} throw
 * {@link UringUnavailableError}; {@link uringAvailable} tells without throwing.
 *
 * @example
 * ```ts
 * import { serve } from 'wirekit';
 * import { serveUring, uringAvailable } from 'wirekit/uring';
 * const options = { port: 9001, handler: { message(ws, data, isBinary) { ws.send(data, isBinary); } } };
 * const server = uringAvailable() ? await serveUring(options) : await serve(options);
 * ```
 *
 * @module wirekit/uring
 */
import { createRing, loadUringAddon } from './uring-addon.js';
import { UringUnavailableError } from './uring-error.js';

export {
  type ServeUringOptions,
  serveUring,
  type UringAddress,
  UringWebSocketServer,
} from './serve-uring.js';
export type { RingOptions, RingStats } from './uring-addon.js';
export { UringUnavailableError, UringUnavailableReason } from './uring-error.js';
export { UringLoop, type UringSink } from './uring-loop.js';

/**
 * Load the addon and make (then release) one ring: throws {@link UringUnavailableError} with
 * the reason when the transport cannot run here.
 */
export function loadUring(): void {
  const addon = loadUringAddon();
  const ring = createRing(addon, { maxConnections: 1, bufferCount: 1, bufferSize: 512 }, () => {});
  addon.dispose(ring.handle);
}

/** Whether the transport can run here ({@link loadUring} throws the reason when not). */
export function uringAvailable(): boolean {
  try {
    loadUring();
    return true;
  } catch (error) {
    if (error instanceof UringUnavailableError) return false;
    throw error;
  }
}
