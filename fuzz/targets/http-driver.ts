/**
 * Drives wirekit's HTTP/1.1 readers (src/core/http1) over chunks and records their events in
 * the format of the llhttp oracle (fuzz/oracles/llhttp.ts), and compares two such records.
 */
import type { HttpLimits } from '../../src/core/http1/http-limits.js';
import { RequestReader } from '../../src/core/http1/request-reader.js';
import { ResponseReader } from '../../src/core/http1/response-reader.js';
import { FuzzFailure } from '../engine/fuzz-target.js';

export interface HttpRecord {
  readonly events: string[];
  /** `need-data`, `error`, `paused` or `closed`. */
  readonly terminal: string;
  /** The error's code and message, when `terminal` is `error`. */
  readonly reason: string;
}

/** Limits that no fuzz input reaches: llhttp has none of its own. */
export const NO_LIMITS: Partial<HttpLimits> = {
  maxHeadBytes: 1 << 20,
  maxHeaders: 100_000,
  maxBodyBytes: Number.POSITIVE_INFINITY,
  maxChunkLineBytes: 1 << 20,
};

const MAX_STEPS = 100_000;

/**
 * Feed `pieces` to a request reader (or a response reader expecting `methods`), draining after
 * each; records the state without EOF, then after `receiveEof`. Checks on the way that after
 * `need-data` no more than `maxHeadBytes` (+ a CRLF) stay buffered.
 */
export function wirekitHttp(
  request: boolean,
  pieces: readonly Uint8Array[],
  methods: readonly string[],
  limits: Partial<HttpLimits>,
): { open: HttpRecord; eof: HttpRecord } {
  const reader = request ? new RequestReader(limits) : new ResponseReader(limits);
  if (reader instanceof ResponseReader) for (const m of methods) reader.expect(m);
  const events: string[] = [];
  let terminal = 'need-data';
  let reason = '';
  const bound = (limits.maxHeadBytes ?? 16 * 1024) + 2;
  const pending = [...methods];
  const drain = (): void => {
    if (terminal !== 'need-data') return;
    for (let steps = 0; steps < MAX_STEPS; steps++) {
      const event = reader.next();
      switch (event.type) {
        case 'need-data':
          if (reader.bufferedBytes > bound) {
            throw new FuzzFailure(
              'http-buffered',
              `${reader.bufferedBytes} bytes buffered after need-data (bound ${bound})`,
            );
          }
          return;
        case 'head':
        case 'informational':
          if ('method' in event) {
            events.push(
              `head:${JSON.stringify({ method: event.method, target: event.target, version: event.version, headers: [...event.headers], keepAlive: event.keepAlive, upgrade: event.upgrade })}`,
            );
          } else {
            // As in the oracle: persistence is not reported for a tunnel (101, 2xx to CONNECT).
            const method = event.type === 'informational' ? '' : (pending.shift() ?? 'GET');
            const tunnel =
              event.status === 101 ||
              (method === 'CONNECT' && event.status >= 200 && event.status < 300);
            const head = {
              status: event.status,
              reason: event.reason,
              version: event.version,
              headers: [...event.headers],
            };
            events.push(
              `${event.type}:${JSON.stringify(tunnel ? head : { ...head, keepAlive: event.keepAlive })}`,
            );
          }
          break;
        case 'body': {
          const hex = Buffer.from(event.data).toString('hex');
          const last = events.length - 1;
          if (events[last]?.startsWith('body:')) events[last] += hex;
          else events.push(`body:${hex}`);
          break;
        }
        case 'end':
          events.push(`end:${JSON.stringify([...event.trailers])}`);
          break;
        case 'error':
          terminal = 'error';
          reason = `${event.error.code} ${event.error.message}`;
          return;
        default:
          terminal = event.type;
          return;
      }
    }
    throw new FuzzFailure('http-steps', 'reader did not settle');
  };
  for (const piece of pieces) {
    reader.receive(piece);
    drain();
  }
  const open: HttpRecord = { events: [...events], terminal, reason };
  reader.receiveEof();
  drain();
  return { open, eof: { events, terminal, reason } };
}

function isPrefix(short: readonly string[], long: readonly string[]): boolean {
  if (short.length > long.length) return false;
  for (let i = 0; i < short.length; i++) {
    const a = short[i]!;
    const b = long[i]!;
    // The body so far may be shorter than the body the other side read.
    if (a !== b && !(i === short.length - 1 && a.startsWith('body:') && b.startsWith(a)))
      return false;
  }
  return true;
}

/**
 * `null` when `a` and `b` agree. With `settled` (EOF was given) both must be identical; before
 * EOF a side that still waits (`need-data`) only has to be consistent with the other (wirekit
 * reads a head as a block once it has all arrived; llhttp judges byte by byte).
 */
export function httpDisagreement(a: HttpRecord, b: HttpRecord, settled: boolean): string | null {
  const same =
    a.terminal === b.terminal &&
    a.events.length === b.events.length &&
    a.events.every((e, i) => e === b.events[i]);
  if (same) return null;
  // Before EOF, a side still waiting may be behind the other (or judge later).
  if (!settled) {
    if (a.terminal === 'need-data' && isPrefix(a.events, b.events)) return null;
    if (b.terminal === 'need-data' && isPrefix(b.events, a.events)) return null;
  }
  return `\n  wirekit ${a.terminal} ${a.reason} ${a.events.join(' ').slice(0, 600)}\n  llhttp  ${b.terminal} ${b.reason} ${b.events.join(' ').slice(0, 600)}`;
}

/**
 * The limit oracle: with small limits, the reader reads what it reads without limits until it
 * stops with a limit error (`ERR_HTTP_LIMIT`), or reads exactly the same.
 */
export function limitDisagreement(limited: HttpRecord, unlimited: HttpRecord): string | null {
  if (httpDisagreement(limited, unlimited, true) === null) return null;
  if (
    limited.terminal === 'error' &&
    limited.reason.startsWith('ERR_HTTP_LIMIT') &&
    isPrefix(limited.events, unlimited.events)
  ) {
    return null;
  }
  return `\n  limited   ${limited.terminal} ${limited.reason} ${limited.events.join(' ').slice(0, 400)}\n  unlimited ${unlimited.terminal} ${unlimited.reason} ${unlimited.events.join(' ').slice(0, 400)}`;
}
