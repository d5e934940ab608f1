/**
 * One wirekit end of a soak connection (server or client), kept as the connection's `data`:
 * it sends its own sequence (a batch spread over a few turns of the event loop, or, for a peer
 * that stops reading, 64 KiB messages for as long as `send()` allows and again at each
 * `drain`), checks the peer's sequence as it arrives, and records how the connection closed.
 * Only sends made while the connection is OPEN count as sent: a send on a closing connection
 * is dropped by design (`droppedSends`), never delivered.
 *
 * @example
 * ```ts
 * const end = new Endpoint('c7', 's7', random);
 * end.plan = (ws) => end.sendBatch(ws, 20, () => ws.close(1000, 'done'));
 * await connect(url, { handler: ENDPOINT_HANDLER, data: end });
 * await end.closed.promise;
 * ```
 */
import { ReadyState } from '../../src/core/ws/ready-state.js';
import type { Connection, ConnectionHandler } from '../../src/node/connection.js';
import { type Deferred, deferred } from '../node/helpers.js';
import { type Random, SequenceReader, SequenceWriter } from './sequence-stream.js';

/** How the connection ended, as the `close` callback said. */
export interface CloseSeen {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** Messages sent per turn of the event loop by {@link Endpoint.sendBatch}. */
const PER_TURN = 8;
/** What {@link Endpoint.push} sends at most: far more than any socket buffer holds. */
const PUSH_CAP = 256 * 1024 * 1024;
const PUSH_CHUNK = Buffer.alloc(64 * 1024, 0x70);

/** One wirekit end. */
export class Endpoint {
  readonly writer: SequenceWriter;
  readonly reader: SequenceReader;
  /** What to do once open (set before connecting, or by the server's upgrade hook). */
  plan: ((ws: Connection<Endpoint>) => void) | undefined;
  /** Messages sent while OPEN. */
  sent = 0;
  /** Bytes pushed by {@link push}. */
  pushed = 0;
  /** Start {@link push} once this many messages of the peer's sequence have arrived (a pusher
   * stops reading while its sends are backpressured, so it reads what it must first). */
  pushAfter = -1;
  opened = false;
  readonly open: Deferred<Connection<Endpoint>> = deferred();
  readonly closed: Deferred<CloseSeen> = deferred();
  close: CloseSeen | undefined;
  #pump: NodeJS.Immediate | undefined;
  #pushing = false;

  constructor(outName: string, inName: string, random: Random) {
    this.writer = new SequenceWriter(outName, random);
    this.reader = new SequenceReader(inName);
  }

  /** Send `count` messages, {@link PER_TURN} per turn, then run `then` (if still open). */
  sendBatch(ws: Connection<Endpoint>, count: number, then?: () => void): void {
    const turn = (): void => {
      this.#pump = undefined;
      for (let i = 0; i < PER_TURN && this.writer.produced < count; i++) {
        if (ws.readyState !== ReadyState.OPEN) return;
        const message = this.writer.next();
        ws.send(message.data, message.isBinary);
        this.sent++;
      }
      if (this.writer.produced < count) this.#pump = setImmediate(turn);
      else if (ws.readyState === ReadyState.OPEN) then?.();
    };
    turn();
  }

  /** Send 64 KiB messages while `send()` says the socket takes more; go on at `drain`. */
  push(ws: Connection<Endpoint>): void {
    this.#pushing = true;
    while (ws.readyState === ReadyState.OPEN && this.pushed < PUSH_CAP) {
      this.pushed += PUSH_CHUNK.length;
      if (!ws.send(PUSH_CHUNK)) return;
    }
  }

  /** @internal The handler's callbacks. */
  onOpen(ws: Connection<Endpoint>): void {
    this.opened = true;
    this.open.resolve(ws);
    this.plan?.(ws);
    if (this.pushAfter === 0) this.push(ws);
  }

  onMessage(ws: Connection<Endpoint>, data: Buffer): void {
    this.reader.accept(data);
    if (this.reader.received === this.pushAfter && !this.#pushing) this.push(ws);
  }

  onDrain(ws: Connection<Endpoint>): void {
    if (this.#pushing) this.push(ws);
  }

  onClose(code: number, reason: string, wasClean: boolean): void {
    clearImmediate(this.#pump);
    this.#pump = undefined;
    this.close = { code, reason, wasClean };
    this.closed.resolve(this.close);
  }
}

/** The handler every soak connection shares: it forwards to the connection's {@link Endpoint}. */
export const ENDPOINT_HANDLER: ConnectionHandler<Endpoint> = {
  open(ws) {
    ws.data.onOpen(ws);
  },
  message(ws, data) {
    ws.data.onMessage(ws, data);
  },
  drain(ws) {
    ws.data.onDrain(ws);
  },
  close(ws, code, reason, wasClean) {
    ws.data.onClose(code, reason, wasClean);
  },
};
