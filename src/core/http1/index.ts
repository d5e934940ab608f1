/**
 * Sans-IO HTTP/1.1: request and response readers (pull parsers over bytes you feed), head
 * writers, and a REST request builder. No I/O, no timers, no Node APIs: bytes are `Uint8Array`.
 *
 * @example
 * ```ts
 * import { RequestWriter, ResponseReader } from './index.js';
 * const writer = new RequestWriter('api.example.com');
 * const reader = new ResponseReader();
 * const request = writer.get('/time').finish(); // write these bytes to the socket
 * reader.expect('GET');
 * reader.receive(new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
 * reader.next(); // { type: 'head', status: 200, … }
 * reader.next(); // { type: 'body', data: Uint8Array [104, 105] }
 * reader.next(); // { type: 'end', trailers: HeaderList.EMPTY }
 * ```
 *
 * @module
 */
export { BodyFraming, type HttpVersion } from './body-framing.js';
export { HeaderList } from './header-list.js';
export {
  type BodyEvent,
  CLOSED,
  type ClosedEvent,
  END,
  type EndEvent,
  type HttpErrorEvent,
  NEED_DATA,
  type NeedDataEvent,
  PAUSED,
  type PausedEvent,
} from './http-events.js';
export { DEFAULT_HTTP_LIMITS, type HttpLimits } from './http-limits.js';
export { RequestHead } from './request-head.js';
export {
  RequestReader,
  type RequestReaderEvent,
  type RequestReaderOptions,
} from './request-reader.js';
export {
  type RequestBuilder,
  RequestWriter,
  type RequestWriterOptions,
} from './request-writer.js';
export { ResponseHead } from './response-head.js';
export {
  ResponseReader,
  type ResponseReaderEvent,
  type ResponseReaderOptions,
} from './response-reader.js';
export {
  encodeRequestHead,
  encodeResponseHead,
  type HeaderInit,
  type RequestHeadInit,
  type ResponseHeadInit,
  writeRequestHead,
  writeResponseHead,
} from './write-head.js';
