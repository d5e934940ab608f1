/**
 * Helpers for the HTTP/1.1 reader tests: latin1 byte strings, chunkings, and a driver that
 * feeds chunks and records events in a form `deepEqual` can compare across chunkings (adjacent
 * body events merged, `need-data` left out).
 */

import type { HeaderList } from '../../../src/core/http1/header-list.js';
import type { RequestReaderEvent } from '../../../src/core/http1/request-reader.js';
import {
  RequestReader,
  type RequestReaderOptions,
} from '../../../src/core/http1/request-reader.js';
import type { ResponseReaderEvent } from '../../../src/core/http1/response-reader.js';
import {
  ResponseReader,
  type ResponseReaderOptions,
} from '../../../src/core/http1/response-reader.js';

/** Latin1 string to bytes (each char is one octet; chars must be <= 0xFF). */
export function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Error(`char ${c} is not one octet`);
    out[i] = c;
  }
  return out;
}

/** Bytes to a latin1 string. */
export function str(data: Uint8Array): string {
  let out = '';
  for (const b of data) out += String.fromCharCode(b);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits `data` at the given cut points (sorted, deduplicated, in range). */
export function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < data.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of points) {
    out.push(data.slice(from, c));
    from = c;
  }
  out.push(data.slice(from));
  return out;
}

/** One byte per chunk. */
export function bytewise(data: Uint8Array): Uint8Array[] {
  return Array.from(data, (b) => Uint8Array.of(b));
}

/**
 * Every way to feed `data` that moves a chunk boundary: whole, one byte per chunk, and cut in
 * two at each position.
 */
export function everySplit(data: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [[data], bytewise(data)];
  for (let cut = 1; cut < data.length; cut++) out.push(splitAt(data, [cut]));
  return out;
}

export type Fields = [string, string][];

/** A recorded event, comparable with deepEqual. */
export type Recorded =
  | {
      type: 'head';
      method: string;
      target: string;
      version: string;
      headers: Fields;
      framing: string;
      contentLength: number | null;
      keepAlive: boolean;
      upgrade: boolean;
      expectContinue: boolean;
    }
  | {
      type: 'response' | 'informational';
      status: number;
      reason: string;
      version: string;
      headers: Fields;
      framing: string;
      contentLength: number | null;
      keepAlive: boolean;
    }
  | { type: 'body'; data: string }
  | { type: 'end'; trailers: Fields }
  | { type: 'error'; code: string; status: number | undefined; message: string }
  | { type: 'paused' }
  | { type: 'closed' }
  | { type: 'remaining'; data: string };

export function fields(list: HeaderList): Fields {
  return [...list];
}

function record(event: RequestReaderEvent | ResponseReaderEvent): Recorded | null {
  switch (event.type) {
    case 'head':
      if ('method' in event) {
        return {
          type: 'head',
          method: event.method,
          target: event.target,
          version: event.version,
          headers: fields(event.headers),
          framing: event.framing,
          contentLength: event.contentLength,
          keepAlive: event.keepAlive,
          upgrade: event.upgrade,
          expectContinue: event.expectContinue,
        };
      }
      return responseRecord('response', event);
    case 'informational':
      return responseRecord('informational', event);
    case 'body':
      return { type: 'body', data: str(event.data) };
    case 'end':
      return { type: 'end', trailers: fields(event.trailers) };
    case 'error':
      return {
        type: 'error',
        code: event.error.code,
        status: event.error.status,
        message: event.error.message,
      };
    case 'paused':
    case 'closed':
      return { type: event.type };
    case 'need-data':
      return null;
  }
}

function responseRecord(
  type: 'response' | 'informational',
  event: Extract<ResponseReaderEvent, { type: 'head' | 'informational' }>,
): Recorded {
  return {
    type,
    status: event.status,
    reason: event.reason,
    version: event.version,
    headers: fields(event.headers),
    framing: event.framing,
    contentLength: event.contentLength,
    keepAlive: event.keepAlive,
  };
}

interface Reader {
  receive(data: Uint8Array): void;
  receiveEof(): void;
  next(): RequestReaderEvent | ResponseReaderEvent;
  takeRemaining(): Uint8Array;
}

/** Upper bound on `next` calls per drain: a reader that loops forever fails the test. */
const MAX_STEPS = 100_000;

/**
 * Feeds `chunks` (then EOF when `eof`), draining after each, and returns the events. Stops at
 * `error` or `closed`; at `paused` it feeds the rest without reading and records what
 * `takeRemaining` returns.
 */
export function drive(reader: Reader, chunks: readonly Uint8Array[], eof = false): Recorded[] {
  const out: Recorded[] = [];
  let stop: 'error' | 'closed' | 'paused' | null = null;
  const drain = (): void => {
    for (let steps = 0; steps < MAX_STEPS; steps++) {
      const event = reader.next();
      if (event.type === 'need-data') return;
      const rec = record(event)!;
      const last = out[out.length - 1];
      if (rec.type === 'body' && last?.type === 'body') last.data += rec.data;
      else out.push(rec);
      if (event.type === 'error' || event.type === 'closed' || event.type === 'paused') {
        stop = event.type;
        return;
      }
    }
    throw new Error('reader did not stop within MAX_STEPS');
  };
  for (const chunk of chunks) {
    if (stop === 'paused') {
      reader.receive(chunk);
      continue;
    }
    if (stop !== null) break;
    reader.receive(chunk);
    drain();
  }
  if (eof && stop === null) {
    reader.receiveEof();
    drain();
  }
  if (stop === 'paused') out.push({ type: 'remaining', data: str(reader.takeRemaining()) });
  return out;
}

/** Parses requests from `chunks` (a string is one chunk) with a new reader. */
export function readRequests(
  input: string | readonly Uint8Array[],
  options: RequestReaderOptions & { eof?: boolean } = {},
): Recorded[] {
  const { eof, ...limits } = options;
  const chunks = typeof input === 'string' ? [bytes(input)] : input;
  return drive(new RequestReader(limits), chunks, eof ?? false);
}

/** Parses responses from `chunks` with a new reader, after `expect`ing `methods`. */
export function readResponses(
  input: string | readonly Uint8Array[],
  options: ResponseReaderOptions & { eof?: boolean; methods?: readonly string[] } = {},
): Recorded[] {
  const { eof, methods, ...limits } = options;
  const reader = new ResponseReader(limits);
  for (const m of methods ?? []) reader.expect(m);
  const chunks = typeof input === 'string' ? [bytes(input)] : input;
  return drive(reader, chunks, eof ?? false);
}

/** The error event expected for a failure: code and status, message matched separately. */
export function errorOf(events: readonly Recorded[]): Extract<Recorded, { type: 'error' }> {
  const last = events[events.length - 1];
  if (last?.type !== 'error') throw new Error(`expected an error, got ${JSON.stringify(last)}`);
  return last;
}
