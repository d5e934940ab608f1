/**
 * The one echo handler of the tests: text back as text, binary as binary — the behaviour
 * Autobahn's fuzzing peers expect — and nothing once the connection is closing (a send then
 * would only be dropped and counted).
 *
 * @example
 * ```ts
 * const server = await transport.listen({ handler: echo });
 * ```
 */
import type { Connection } from '../../src/node/connection.js';

/** A handler for connections of any `Data` (so it fits `serve<Data>()` too). */
export interface EchoHandler {
  message<Data>(ws: Connection<Data>, data: Buffer, isBinary: boolean): void;
}

/** Echoes every message as it came, while the connection is open. */
export const echo: EchoHandler = {
  message(ws, data, isBinary) {
    if (ws.readyState === 1) ws.send(data, isBinary);
  },
};
