/**
 * The server side of the "web-socket-benchmark" phases over one connection, as a counter that
 * tells the server what to do with each received message:
 * 1. send phase: messages 1..n are only counted; after the n-th the server answers one short
 *    text message ({@link PHASE_ACK}) so the client can stop its clock;
 * 2. echo phase: messages n+1..2n are sent back (one round trip at a time, client-driven);
 * 3. recv phase: message 2n+1 is the trigger: the server sends n messages of
 *    {@link PHASE_MESSAGE} as fast as it can, and the client times their arrival.
 * Anything after that is echoed.
 *
 * @example
 * ```ts
 * const script = new PhaseScript(2);
 * script.next(); // PhaseAction.COUNT
 * script.next(); // PhaseAction.ACK
 * ```
 */

/** What to do with one received message. */
export const PhaseAction = { COUNT: 0, ACK: 1, ECHO: 2, PUSH: 3 } as const;
export type PhaseAction = (typeof PhaseAction)[keyof typeof PhaseAction];

/** The benchmark's message, as in web-socket-benchmark. */
export const PHASE_MESSAGE = 'Hello, World!';
/** The server's answer when the send phase is complete. */
export const PHASE_ACK = 'ok';

/** Per-connection phase state. */
export class PhaseScript {
  readonly messages: number;
  #seen = 0;

  constructor(messages: number) {
    this.messages = messages;
  }

  /** Account for one received message and say what to do with it. */
  next(): PhaseAction {
    const seen = ++this.#seen;
    const n = this.messages;
    if (seen < n) return PhaseAction.COUNT;
    if (seen === n) return PhaseAction.ACK;
    if (seen === 2 * n + 1) return PhaseAction.PUSH;
    return PhaseAction.ECHO;
  }
}
