/**
 * What the request and response readers share: the input, the message state machine and the
 * parts of a message that do not depend on its start line (finding the head, its field lines,
 * the body).
 *
 * @module
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { CR, LF } from './ascii.js';
import type { BodyFraming } from './body-framing.js';
import { BodyReader } from './body-reader.js';
import { FieldSummary, parseFields } from './field-parser.js';
import { HeaderList } from './header-list.js';
import {
  type BodyEvent,
  CLOSED,
  type ClosedEvent,
  type EndEvent,
  type HttpErrorEvent,
  NEED_DATA,
  type NeedDataEvent,
  PAUSED,
  type PausedEvent,
} from './http-events.js';
import { failureError, HttpFailure } from './http-failure.js';
import type { HttpLimits } from './http-limits.js';
import { InputQueue, SCAN_BARE_LF, SCAN_NEED_MORE, SCAN_TOO_MANY_LINES } from './input-queue.js';
import { skipEmptyLines } from './start-line.js';

// Reader states.
const HEAD = 0;
const BODY = 1;
const PAUSED_STATE = 2;
const CLOSED_STATE = 3;
const ERROR_STATE = 4;
const DETACHED = 5;

/**
 * The state of one connection's messages, owned by a `RequestReader` or a `ResponseReader`
 * (internal). The owner parses each start line and decides the framing; this does the rest.
 * While {@link MessageReader.readingHead}, the owner reads a head: {@link MessageReader.takeHead},
 * its start line, {@link MessageReader.fields}, then {@link MessageReader.startBody}. When a step fails or finds
 * no head yet, the owner returns {@link MessageReader.next} (`need-data`, `closed` or the
 * `error`); otherwise it returns `next` as its own.
 */
export class MessageReader {
  /** The limits in force. */
  readonly limits: HttpLimits;
  /** Received input; after {@link MessageReader.takeHead}, the head is its block. */
  readonly queue: InputQueue = new InputQueue();
  /** What the field lines of the last head said, after {@link MessageReader.fields}. */
  readonly summary: FieldSummary = new FieldSummary();
  readonly #body: BodyReader;
  readonly #errorStatus: number | undefined;
  #state = HEAD;
  #eof = false;
  #error: HttpErrorEvent | null = null;
  #skipped = 0;
  #pauseAfter = false;
  #closeAfter = false;

  /** `errorStatus` replaces the status of every error (a gateway's 502), if given. */
  constructor(limits: HttpLimits, errorStatus?: number) {
    this.limits = limits;
    this.#errorStatus = errorStatus;
    this.#body = new BodyReader(this.queue, limits);
  }

  /** Whether the next event is a head's: the owner reads it. */
  get readingHead(): boolean {
    return this.#state === HEAD;
  }

  /** The owner's `receive`. */
  receive(data: Uint8Array): void {
    if (this.#eof || this.#state === DETACHED) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        this.#eof ? 'receive after receiveEof' : 'receive after takeRemaining',
      );
    }
    // After an error or the last message, input is dropped rather than buffered.
    if (this.#state !== CLOSED_STATE && this.#state !== ERROR_STATE) this.queue.push(data);
  }

  /** The owner's `receiveEof`. */
  receiveEof(): void {
    this.#eof = true;
  }

  /** The next event outside a head: `need-data` while reading one. Never throws. */
  next(): BodyEvent | EndEvent | HttpErrorEvent | NeedDataEvent | PausedEvent | ClosedEvent {
    switch (this.#state) {
      case HEAD:
        return NEED_DATA;
      case BODY: {
        const event = this.#body.next(this.#eof);
        if (event === null) return this.fail(this.#body.failure!);
        if (event.type === 'end') this.#messageDone();
        return event;
      }
      case PAUSED_STATE:
        return PAUSED;
      case ERROR_STATE:
        return this.#error!;
      default:
        return CLOSED;
    }
  }

  /** The owner's `takeRemaining`. */
  takeRemaining(): Uint8Array {
    const rest = this.queue.takeAll();
    this.#state = DETACHED;
    return rest;
  }

  /** Leaves `paused` for the next head, or `closed` after a non-keep-alive message; `false`
   * when not paused. */
  resume(): boolean {
    if (this.#state !== PAUSED_STATE) return false;
    this.#state = this.#closeAfter ? CLOSED_STATE : HEAD;
    return true;
  }

  /** The owner's `reset`, for the state kept here. */
  reset(): void {
    this.queue.clear();
    this.#state = HEAD;
    this.#eof = false;
    this.#error = null;
    this.#skipped = 0;
    this.#pauseAfter = false;
    this.#closeAfter = false;
  }

  /**
   * Takes the next head once it has all arrived: returns its length, its bytes at
   * `queue.blockBytes` from `queue.blockStart`; or 0 when more is needed, the input ended, or
   * it failed (see `next`). Empty lines before it are skipped (RFC 9112 §2.2). Its first byte
   * must be one that `firstByte` maps to 1, else it fails at once with `badFirstByte`;
   * `longStartLine` is the failure when the start line alone is over the limit.
   */
  takeHead(firstByte: Uint8Array, badFirstByte: HttpFailure, longStartLine: HttpFailure): number {
    const queue = this.queue;
    const limits = this.limits;
    const skipped = skipEmptyLines(queue);
    if (typeof skipped !== 'number') return this.#failed(skipped);
    this.#skipped += skipped;
    if (this.#skipped > limits.maxHeadBytes) return this.#failed(HttpFailure.HEAD_TOO_LARGE);
    const first = queue.byteAt(0);
    if (first === -1) {
      if (this.#eof) this.#state = CLOSED_STATE;
      return 0;
    }
    if (first === CR) return this.#eof ? this.#failed(HttpFailure.EOF_IN_HEAD) : 0;
    if (firstByte[first] !== 1) return this.#failed(badFirstByte);
    const len = queue.scanBlock(limits.maxHeadBytes - this.#skipped, limits.maxHeaders + 1);
    if (len === SCAN_NEED_MORE) return this.#eof ? this.#failed(HttpFailure.EOF_IN_HEAD) : 0;
    if (len < 0) {
      if (len === SCAN_BARE_LF) return this.#failed(HttpFailure.BARE_LF);
      if (len === SCAN_TOO_MANY_LINES) return this.#failed(HttpFailure.TOO_MANY_HEADERS);
      return this.#failed(queue.scannedLines === 0 ? longStartLine : HttpFailure.HEAD_TOO_LARGE);
    }
    queue.takeBlock(len);
    this.#skipped = 0;
    return len;
  }

  /**
   * Parses the field lines of the taken head into `summary`, from `bytes[p]`: the CR that ends
   * the start line, which must be followed by LF; returns them, or `null` when they are invalid
   * (see `next`).
   */
  fields(bytes: Uint8Array, p: number): HeaderList | null {
    // RFC 9112 §2.2: a bare CR is invalid. The head scan only checks that every LF has a CR
    // before it; without this, "HTTP/1.1\rX-Content-Length: 5" hid a field in the start line.
    if (bytes[p + 1] !== LF) {
      this.fail(HttpFailure.BARE_CR);
      return null;
    }
    const summary = this.summary;
    summary.reset();
    const offsets: number[] = [];
    const fieldFailure = parseFields(bytes, p + 2, offsets, summary, true);
    if (fieldFailure !== null) {
      this.fail(fieldFailure);
      return null;
    }
    // The fields parsed, not the lines the scan counted: the list holds what was read.
    const count = offsets.length >> 2;
    return count === 0 ? HeaderList.EMPTY : new HeaderList(bytes, offsets, count);
  }

  /**
   * After the head just read, reads its body (`length` for `LENGTH` framing); after its end,
   * `paused` if `pauseAfter`, else `closed` if `closeAfter`, else the next head.
   */
  startBody(framing: BodyFraming, length: number, pauseAfter: boolean, closeAfter: boolean): void {
    this.#pauseAfter = pauseAfter;
    this.#closeAfter = closeAfter;
    this.#body.start(framing, length);
    this.#state = BODY;
  }

  /** Enters the `error` state for good and returns its event. */
  fail(failure: HttpFailure): HttpErrorEvent {
    this.#error = { type: 'error', error: failureError(failure, this.#errorStatus) };
    this.#state = ERROR_STATE;
    return this.#error;
  }

  // `fail` for `takeHead`: 0, no head.
  #failed(failure: HttpFailure): 0 {
    this.fail(failure);
    return 0;
  }

  #messageDone(): void {
    if (this.#pauseAfter) {
      this.#state = PAUSED_STATE;
    } else if (this.#closeAfter) {
      this.#state = CLOSED_STATE;
      this.queue.clear();
    } else {
      this.#state = HEAD;
    }
  }
}
