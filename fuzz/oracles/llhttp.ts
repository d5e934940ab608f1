/**
 * The HTTP/1.1 oracle: llhttp, as undici ships it (WebAssembly, node_modules/undici/lib/llhttp),
 * instantiated and driven the way undici's lib/dispatcher/client-h1.js does, in strict mode
 * (no lenient flag set). Its callbacks are turned into the event format the HTTP fuzz targets
 * compare: `head:` / `informational:` with a JSON summary, `body:<hex>` (adjacent pieces
 * joined), `end:<trailers JSON>`, then one terminal state: `need-data`, `error`, `paused`
 * (upgrade or CONNECT tunnel) or `closed` (after a message that does not keep the connection).
 *
 * Used as a client would (as Node's http client uses llhttp): the request method decides
 * whether a response has a body (HEAD: none; CONNECT 2xx: a tunnel), and a 1xx interim
 * response never has one (RFC 9112 §6.3 item 1): `on_headers_complete` returns 1 (skip body)
 * or 2 (upgrade) accordingly.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The WebAssembly API as used here (the project's `lib` setting has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const require = createRequire(import.meta.url);
const undiciRoot = dirname(require.resolve('undici'));
const wasm = require(join(undiciRoot, 'lib/llhttp/llhttp-wasm.js')) as Uint8Array;
const constants = require(join(undiciRoot, 'lib/llhttp/constants.js')) as {
  ERROR: Record<string, number>;
  METHODS: Record<string, number>;
  TYPE: Record<string, number>;
};

interface Llhttp {
  memory: { buffer: ArrayBuffer };
  llhttp_alloc(type: number): number;
  llhttp_free(ptr: number): void;
  llhttp_execute(ptr: number, data: number, len: number): number;
  llhttp_finish(ptr: number): number;
  llhttp_get_method(ptr: number): number;
  llhttp_should_keep_alive(ptr: number): number;
  llhttp_get_http_major(ptr: number): number;
  llhttp_get_http_minor(ptr: number): number;
  llhttp_get_error_reason(ptr: number): number;
  llhttp_get_error_pos(ptr: number): number;
  malloc(size: number): number;
  free(ptr: number): void;
}

const METHOD_NAMES = new Map(Object.entries(constants.METHODS).map(([name, n]) => [n, name]));

/** What one run collects; the callbacks write into the current one. */
class Collector {
  readonly events: string[] = [];
  readonly methods: string[];
  readonly request: boolean;
  url = '';
  status = '';
  /** Field lines so far: [name, value]; the value is `null` until a value callback. */
  fields: [string, string | null][] = [];
  lastWasValue = false;
  inHead = true;
  informational = false;
  keepAlive = true;
  /** The message switches protocols (101, or 2xx to CONNECT): not "closed" after it. */
  tunnel = false;
  /** The final head's event index and summary: its persistence is settled at its end. */
  head: { index: number; summary: Record<string, unknown> } | undefined;

  constructor(request: boolean, methods: readonly string[]) {
    this.request = request;
    this.methods = [...methods];
  }

  body(bytes: Uint8Array): void {
    const hex = Buffer.from(bytes).toString('hex');
    const last = this.events.length - 1;
    if (this.events[last]?.startsWith('body:')) this.events[last] += hex;
    else this.events.push(`body:${hex}`);
  }
}

let current: Collector | undefined;
let memory: { buffer: ArrayBuffer } | undefined;

const latin1 = (at: number, len: number): string =>
  Buffer.from(memory!.buffer, at, len).toString('latin1');

const instance = new Wasm.Instance(new Wasm.Module(wasm), {
  env: {
    wasm_on_url: (_p: number, at: number, len: number) => {
      current!.url += latin1(at, len);
      return 0;
    },
    wasm_on_status: (_p: number, at: number, len: number) => {
      current!.status += latin1(at, len);
      return 0;
    },
    wasm_on_message_begin: () => {
      const c = current!;
      c.url = '';
      c.status = '';
      c.fields = [];
      c.lastWasValue = false;
      c.inHead = true;
      return 0;
    },
    wasm_on_header_field: (_p: number, at: number, len: number) => {
      // A name or value may come in pieces: a piece after a piece of the same kind appends.
      const c = current!;
      const last = c.fields[c.fields.length - 1];
      if (last === undefined || c.lastWasValue) c.fields.push([latin1(at, len), null]);
      else last[0] += latin1(at, len);
      c.lastWasValue = false;
      return 0;
    },
    wasm_on_header_value: (_p: number, at: number, len: number) => {
      const c = current!;
      const last = c.fields[c.fields.length - 1]!;
      last[1] = (c.lastWasValue ? (last[1] ?? '') : '') + latin1(at, len);
      c.lastWasValue = true;
      return 0;
    },
    wasm_on_headers_complete: (p: number, status: number, upgrade: number, keepAlive: number) => {
      const c = current!;
      const ll = instance.exports as unknown as Llhttp;
      const version = `${ll.llhttp_get_http_major(p)}.${ll.llhttp_get_http_minor(p)}`;
      const fields = c.fields.map(([n, v]) => [n, fieldValue(v)]);
      c.fields = [];
      c.lastWasValue = false;
      c.inHead = false;
      c.keepAlive = keepAlive === 1;
      if (c.request) {
        const method = METHOD_NAMES.get(ll.llhttp_get_method(p)) ?? '?';
        // llhttp flags CONNECT as an upgrade; wirekit pauses after it without calling it one.
        // Either way the connection becomes a tunnel: not "closed" after it.
        c.tunnel = upgrade === 1;
        c.events.push(
          `head:${JSON.stringify({ method, target: c.url, version, headers: fields, keepAlive: c.keepAlive, upgrade: upgrade === 1 && method !== 'CONNECT' })}`,
        );
        return 0;
      }
      c.informational = status < 200 && status !== 101;
      const method = c.informational ? '' : (c.methods.shift() ?? 'GET');
      c.tunnel = status === 101 || (method === 'CONNECT' && status >= 200 && status < 300);
      // Persistence means nothing for a tunnel (llhttp reports it as not kept alive).
      const head = c.tunnel
        ? { status, reason: c.status, version, headers: fields }
        : { status, reason: c.status, version, headers: fields, keepAlive: c.keepAlive };
      c.events.push(`${c.informational ? 'informational' : 'head'}:${JSON.stringify(head)}`);
      if (c.informational) return 1;
      if (!c.tunnel) c.head = { index: c.events.length - 1, summary: head };
      if (method === 'CONNECT' && c.tunnel) return 2;
      return method === 'HEAD' ? 1 : 0;
    },
    wasm_on_body: (_p: number, at: number, len: number) => {
      current!.body(new Uint8Array(memory!.buffer, at, len));
      return 0;
    },
    wasm_on_message_complete: (p: number) => {
      const c = current!;
      // The keep-alive flag given to on_headers_complete is computed before a skipped body
      // (HEAD) is known; llhttp_should_keep_alive at the end is the parser's answer.
      if (!c.request && c.head !== undefined) {
        c.keepAlive = (instance.exports as unknown as Llhttp).llhttp_should_keep_alive(p) === 1;
        c.head.summary['keepAlive'] = c.keepAlive;
        c.events[c.head.index] = `head:${JSON.stringify(c.head.summary)}`;
        c.head = undefined;
      }
      if (c.informational) {
        c.informational = false;
        return 0;
      }
      const trailers = c.fields.map(([n, v]) => [n, fieldValue(v)]);
      c.fields = [];
      c.lastWasValue = false;
      c.events.push(`end:${JSON.stringify(trailers)}`);
      if (!c.keepAlive && !c.tunnel) c.events.push('closed');
      return 0;
    },
  },
});
const llhttp = instance.exports as unknown as Llhttp;
memory = llhttp.memory;

/** OWS around a value is not part of it (RFC 9112 §5); no value callback is an empty value. */
function fieldValue(v: string | null): string {
  return v === null ? '' : v.replace(/^[ \t]+|[ \t]+$/g, '');
}

export interface LlhttpResult {
  readonly events: string[];
  /** `need-data`, `error`, `paused` or `closed`. */
  readonly terminal: string;
  /** llhttp's error name and reason, for failure messages. */
  readonly reason: string;
  /** Offset in the stream of the byte llhttp stopped at, after an error (else -1). */
  readonly errorAt: number;
}

/**
 * Parse `stream` as requests (or as responses to `methods`), then, with `eof`, tell llhttp the
 * connection ended (`llhttp_finish`).
 */
export function llhttpEvents(
  request: boolean,
  stream: Uint8Array,
  methods: readonly string[],
  eof: boolean,
): LlhttpResult {
  const collector = new Collector(request, methods);
  const parser = llhttp.llhttp_alloc(
    request ? constants.TYPE['REQUEST']! : constants.TYPE['RESPONSE']!,
  );
  const data = llhttp.malloc(Math.max(1, stream.length));
  new Uint8Array(llhttp.memory.buffer, data, stream.length).set(stream);
  current = collector;
  let terminal = 'need-data';
  let reason = '';
  let errorAt = -1;
  try {
    let ret = llhttp.llhttp_execute(parser, data, stream.length);
    if (ret === constants.ERROR['OK'] && eof) ret = llhttp.llhttp_finish(parser);
    if (ret === constants.ERROR['PAUSED_UPGRADE']) terminal = 'paused';
    else if (ret !== constants.ERROR['OK']) {
      terminal = 'error';
      errorAt = llhttp.llhttp_get_error_pos(parser) - data;
      const at = llhttp.llhttp_get_error_reason(parser);
      const bytes = new Uint8Array(llhttp.memory.buffer, at);
      reason = `${Object.keys(constants.ERROR).find((k) => constants.ERROR[k] === ret)} ${Buffer.from(bytes.subarray(0, bytes.indexOf(0))).toString()}`;
    }
  } finally {
    current = undefined;
    llhttp.free(data);
    llhttp.llhttp_free(parser);
  }
  const events = collector.events;
  // After a message that ends the connection, the rest is not HTTP (wirekit drops it; llhttp
  // in strict mode reports "data after Connection: close").
  const closed = events.indexOf('closed');
  if (closed !== -1)
    return { events: events.slice(0, closed), terminal: 'closed', reason, errorAt: -1 };
  // llhttp_finish accepted the end: it came between messages (or ended a body read to the
  // end of the connection).
  if (terminal === 'need-data' && eof) terminal = 'closed';
  return { events, terminal, reason, errorAt };
}
