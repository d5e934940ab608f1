/**
 * Fuzz target 2: the WebSocketConnection state machine (src/core/ws/websocket-connection.ts),
 * the peer's frames interleaved with the application's sends, pings, closes and aborts, with
 * and without compression (src/node/zlib-codec.ts).
 *
 * Input: byte 0 picks the configuration (role, compression, autoPong, limit, reused buffers);
 * the rest is a script of operations, each an opcode byte and its arguments. Oracles
 * (invariants):
 * - nothing the peer sends makes `receive`, `poll` or `next` throw; an application call throws
 *   only a `WirekitError` with a code its documentation gives, in the state that explains it;
 * - exactly one close event at most, with a code that may be reported (a valid close code, or
 *   1005/1006), nothing after it, and `readyState` CLOSED from then on;
 * - everything `takeOutput` hands out parses, with ws's Receiver in the peer's role, as valid
 *   frames (compressed messages inflate): at most one close frame, with a valid code, and no
 *   data frame after it; every ping answered while autoPong is on.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { WirekitError } from '../../src/core/errors.js';
import { isValidCloseCode } from '../../src/core/ws/close-code.js';
import { ReadKind } from '../../src/core/ws/frame-reader.js';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { WebSocketConnection } from '../../src/core/ws/websocket-connection.js';
import { createCompression } from '../../src/node/zlib-codec.js';
import { FuzzFailure, type FuzzTarget, hex } from '../engine/fuzz-target.js';
import { wsReceiverEvents } from '../oracles/ws-receiver.js';
import { concatBytes, frameDictionary, utf8, wsFrame } from './ws-frames.js';

const LIMITS = [64, 1000, 70_000, 16 * 1024 * 1024] as const;
const TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/** Reads the script: each read past the end gives 0. */
class Script {
  readonly #bytes: Uint8Array;
  #at: number;

  constructor(bytes: Uint8Array, at: number) {
    this.#bytes = bytes;
    this.#at = at;
  }

  get done(): boolean {
    return this.#at >= this.#bytes.length;
  }

  byte(): number {
    return this.#bytes[this.#at++] ?? 0;
  }

  take(n: number): Uint8Array {
    const out = this.#bytes.slice(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
}

/** Which codes each application call may throw (besides a send after close). */
const ALLOWED: Record<string, readonly string[]> = {
  sendText: ['ERR_WS_SEND_AFTER_CLOSE', 'ERR_WS_FRAGMENT_ORDER', 'ERR_WS_INVALID_UTF8'],
  sendBinary: ['ERR_WS_SEND_AFTER_CLOSE', 'ERR_WS_FRAGMENT_ORDER'],
  ping: ['ERR_WS_SEND_AFTER_CLOSE', 'ERR_WS_CONTROL_TOO_LARGE'],
  pong: ['ERR_WS_SEND_AFTER_CLOSE', 'ERR_WS_CONTROL_TOO_LARGE'],
  close: ['ERR_WS_INVALID_CLOSE_CODE', 'ERR_WS_CONTROL_TOO_LARGE', 'ERR_INVALID_ARGUMENT'],
  abort: ['ERR_WS_INVALID_CLOSE_CODE'],
};

function run(input: Uint8Array): void {
  if (input.length < 1) return;
  const cfg = input[0]!;
  const server = (cfg & 1) !== 0;
  const compressed = (cfg & 2) !== 0;
  const autoPong = (cfg & 4) === 0;
  const limit = LIMITS[(cfg >> 3) & 3]!;
  const compression = compressed
    ? createCompression(
        {
          // Our own direction resets after each message, so the output can be checked
          // message by message; the peer's direction keeps its context.
          serverNoContextTakeover: server,
          clientNoContextTakeover: !server,
          serverMaxWindowBits: 15,
          clientMaxWindowBits: 15,
        },
        server ? 'server' : 'client',
        { threshold: 8 },
      )
    : undefined;
  const conn = new WebSocketConnection({
    role: server ? 'server' : 'client',
    maxMessageSize: limit,
    autoPong,
    reuseBuffers: (cfg & 32) !== 0,
    ...(compression === undefined ? {} : { compression }),
  });
  const script = new Script(input, 1);
  const output: Uint8Array[] = [];
  let closed = false;
  let pingsAnswered = 0;
  let pongsSent = 0;
  const fail = (what: string): never => {
    throw new FuzzFailure('connection-invariant', `${what}; input ${hex(input, 300)}`);
  };
  const peer = (bytes: Uint8Array): void => {
    try {
      conn.receive(bytes);
    } catch (error) {
      fail(`receive threw ${String(error)}`);
    }
  };
  const drain = (): void => {
    for (let steps = 0; steps < 10_000; steps++) {
      const stateBefore = conn.readyState;
      let kind: ReadKind;
      try {
        kind = conn.poll();
      } catch (error) {
        fail(`poll threw ${String(error)}`);
        return;
      }
      if (kind === ReadKind.NEED_DATA) return;
      if (closed) fail(`event ${kind} after the close event`);
      if (kind === ReadKind.CLOSE) {
        closed = true;
        const code = conn.closeCode;
        if (!(isValidCloseCode(code) || code === 1005 || code === 1006))
          fail(`close event with code ${code}`);
        if (conn.readyState !== ReadyState.CLOSED) fail('close event while not CLOSED');
      } else if (kind === ReadKind.PING && autoPong && stateBefore !== ReadyState.CLOSED) {
        pingsAnswered++;
      } else if (kind === ReadKind.ERROR) {
        fail('poll returned ERROR');
      }
    }
    fail('poll did not settle');
  };
  const app = (
    name: string,
    call: () => void,
    expectedState?: () => string | undefined,
  ): boolean => {
    const state = conn.readyState;
    try {
      call();
      return true;
    } catch (error) {
      if (!(error instanceof WirekitError) || !ALLOWED[name]!.includes(error.code)) {
        return fail(`${name} threw ${String(error)}`);
      }
      if (error.code === 'ERR_WS_SEND_AFTER_CLOSE') {
        const allowedHere =
          name === 'ping' || name === 'pong'
            ? state === ReadyState.CLOSED
            : state !== ReadyState.OPEN;
        if (!allowedHere) fail(`${name} refused as after close in state ${state}`);
      }
      const why = expectedState?.();
      if (why !== undefined) fail(why);
      return false;
    }
  };
  const peerMask = server ? 0x01020304 : undefined;
  const frame = (spec: Parameters<typeof wsFrame>[0]): Uint8Array =>
    wsFrame(peerMask === undefined ? spec : { ...spec, mask: peerMask });

  while (!script.done) {
    const op = script.byte() & 15;
    switch (op) {
      case 0: {
        const h = script.byte();
        const opcode = [0, 1, 2, 8, 9, 10, 1, 2][h & 7]!;
        const payload = script.take(script.byte() % 140);
        peer(frame({ opcode, payload, fin: (h & 8) === 0, rsv: (h >> 4) & 7 }));
        break;
      }
      case 1:
        peer(script.take(script.byte()));
        break;
      case 2:
      case 15:
        drain();
        break;
      case 3: {
        const fin = (script.byte() & 1) === 0;
        const text = new TextDecoder().decode(script.take(script.byte() % 64));
        app('sendText', () => conn.sendText(fin ? text.repeat(4) : text, fin));
        break;
      }
      case 4: {
        const fin = (script.byte() & 1) === 0;
        const bytes = script.take(script.byte() % 64);
        app('sendText', () => conn.sendText(bytes, fin));
        break;
      }
      case 5: {
        const fin = (script.byte() & 1) === 0;
        const bytes = script.take(script.byte() % 200);
        app('sendBinary', () => conn.sendBinary(bytes, fin));
        break;
      }
      case 6: {
        const data = script.take(script.byte() % 130);
        app(
          'ping',
          () => conn.ping(data),
          () =>
            data.length <= 125 && conn.readyState !== ReadyState.CLOSED
              ? 'ping refused'
              : undefined,
        );
        break;
      }
      case 7: {
        const data = script.take(script.byte() % 130);
        if (app('pong', () => conn.pong(data))) pongsSent++;
        break;
      }
      case 8: {
        const b = script.byte();
        const code = b & 1 ? undefined : [1000, 1001, 1005, 999, 3000, 4999, 5000, 1015][b >> 5]!;
        const reason = new TextDecoder().decode(script.take(script.byte() % 140));
        app('close', () => conn.close(code, code === undefined ? '' : reason));
        break;
      }
      case 9: {
        const code = [1000, 1011, 1006, 4000][script.byte() & 3]!;
        // abort() closes at once: the caller gets no close event from poll().
        let aborted = false;
        app('abort', () => {
          aborted = conn.abort(code, 'abort');
        });
        if (aborted) {
          if (closed) fail('abort() returned true after the close event');
          closed = true;
          if (conn.readyState !== ReadyState.CLOSED) fail('not CLOSED after abort()');
        }
        break;
      }
      case 10:
        conn.receiveEof((script.byte() & 1) === 1);
        break;
      case 11:
        output.push(conn.takeOutput().slice());
        break;
      case 12:
        output.push(conn.takeOutput().slice());
        if (script.byte() & 1) conn.releaseOutput();
        else conn.trimOutput();
        break;
      case 13: {
        const b = script.byte();
        const code = [1000, 1001, 1002, 1004, 1005, 1015, 3000, 999][b & 7]!;
        const reason = script.take((b >> 3) % 20);
        peer(
          frame({
            opcode: 8,
            payload:
              b & 128
                ? new Uint8Array(0)
                : concatBytes([Uint8Array.of(code >> 8, code & 0xff), reason]),
          }),
        );
        break;
      }
      case 14: {
        // A compressed message from the peer, as a permessage-deflate peer makes it.
        const data = script.take(script.byte() % 200);
        const deflated = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
        peer(
          frame({
            opcode: (script.byte() & 1) + 1,
            payload: deflated.subarray(0, deflated.length - 4),
            rsv: 4,
          }),
        );
        break;
      }
    }
  }
  conn.receiveEof();
  drain();
  output.push(conn.takeOutput().slice());
  if (!closed) fail('no close event after EOF');
  // The peer reads what we sent.
  const frames = wsReceiverEvents(concatBytes(output), {
    server: !server,
    maxPayload: 0,
    compressed,
    inflate: (data) =>
      inflateRawSync(concatBytes([data, TAIL]), { finishFlush: constants.Z_SYNC_FLUSH }),
  });
  const closeAt = frames.findIndex((e) => e.startsWith('close:'));
  const errorAt = frames.findIndex((e) => e.startsWith('error:'));
  if (errorAt !== -1)
    fail(
      `output is not valid frames: ${frames[errorAt]} after ${frames.slice(0, errorAt).join(' ').slice(0, 200)}`,
    );
  if (closeAt !== -1) {
    const code = Number(frames[closeAt]!.split(':')[1]);
    if (!(isValidCloseCode(code) || code === 1005)) fail(`sent close code ${code}`);
  }
  const pongs = frames.filter((e) => e.startsWith('pong:')).length;
  // ws stops at our close frame; pongs after it are not counted by the parse.
  if (closeAt === -1 && pongs !== pingsAnswered + pongsSent) {
    fail(`sent ${pongs} pongs for ${pingsAnswered} pings answered and ${pongsSent} pong() calls`);
  }
  compression?.close();
}

function seeds(): Uint8Array[] {
  const text = utf8('hello');
  const script = (cfg: number, ops: number[]): Uint8Array => Uint8Array.of(cfg, ...ops);
  return [
    script(0, [0, 1, 5, ...text, 2, 3, 0, 5, ...text, 11, 0, 9, 2, 0x68, 0x69, 2, 13, 0, 2, 11]),
    script(1, [0, 0x09, 3, 1, 2, 3, 2, 8, 2, 3, 0x62, 0x79, 0x65, 2, 13, 0, 2, 11]),
    script(3, [14, 5, ...text, 0, 2, 5, 0, 40, ...new Array(40).fill(0x61), 11, 2, 9, 1]),
    script(2, [14, 5, ...text, 1, 2, 3, 1, 5, ...text, 3, 0, 5, ...text, 11, 6, 2, 1, 2, 12, 1]),
    script(5, [0, 0x01 | 8, 3, 0xe2, 0x82, 0xac, 0, 0x00, 1, 0x41, 2, 10, 0, 2]),
  ];
}

export const connectionTarget: FuzzTarget = {
  name: 'connection',
  files: [
    'src/core/ws/websocket-connection.js',
    'src/core/ws/frame-writer.js',
    'src/core/ws/close-code.js',
  ],
  maxLength: 2048,
  dictionary: [...frameDictionary(), Uint8Array.of(2), Uint8Array.of(11), Uint8Array.of(15)],
  seeds,
  run,
};
