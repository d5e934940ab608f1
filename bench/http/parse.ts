/**
 * In-memory response parsing: wirekit's `ResponseReader` against llhttp as undici ships it
 * (`undici/lib/llhttp/llhttp_simd-wasm.js`, the WebAssembly build undici's HTTP/1.1 client
 * runs), one process, same bytes.
 *
 * The task per response, for both: parse the head, read the status and the Content-Type value
 * as a string, and obtain the body as a view. The llhttp glue is the minimum undici's own does
 * (copy the chunk into wasm memory, `llhttp_execute`, callbacks that take Buffer views of the
 * status, field names and values and body); undici's client does more per response (a header
 * array, keep-alive and content-length bookkeeping, a Readable body), so this is llhttp's floor.
 */
import { createRequire } from 'node:module';
import { ResponseReader } from '../../src/core/http1/response-reader.js';
import { compare, type Result, sink } from '../harness.js';

const require = createRequire(import.meta.url);

const QUOTE_JSON =
  '{"symbol":"BTC-USD","bid":65000.5,"ask":65001.25,"qty":1.25,"ts":1700000000000}';

/** Responses as `node:http` writes them. */
export const RESPONSES: readonly { readonly name: string; readonly bytes: Buffer }[] = [
  {
    name: 'small JSON, Content-Length (node:http head, 6 fields)',
    bytes: Buffer.from(
      `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${QUOTE_JSON.length}\r\n` +
        'Date: Sat, 22 Nov 2025 15:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n' +
        `X-Request-Id: 7f3c2a9e\r\n\r\n${QUOTE_JSON}`,
    ),
  },
  {
    name: 'small JSON, chunked (3 chunks)',
    bytes: Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n' +
        'Date: Sat, 22 Nov 2025 15:00:00 GMT\r\nConnection: keep-alive\r\n\r\n' +
        `${chunk(QUOTE_JSON.slice(0, 30))}${chunk(QUOTE_JSON.slice(30, 60))}${chunk(QUOTE_JSON.slice(60))}0\r\n\r\n`,
    ),
  },
];

function chunk(text: string): string {
  return `${text.length.toString(16)}\r\n${text}\r\n`;
}

// The lib setting has no DOM/WebAssembly types: the few members used, typed here.
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Llhttp {
  readonly memory: { readonly buffer: ArrayBuffer };
  malloc(size: number): number;
  llhttp_alloc(type: number): number;
  llhttp_execute(parser: number, data: number, length: number): number;
}

const RESPONSE_TYPE = 2; // llhttp TYPE.RESPONSE
const BATCH = 1000;

/** llhttp (undici's wasm build) with minimal glue; returns a function parsing one response. */
function llhttpParser(): (chunk: Buffer) => void {
  let chunkRef: Buffer = Buffer.alloc(0);
  let chunkPtr = 0;
  const fields: Buffer[] = [];
  let status = 0;
  let body: Buffer | null = null;
  const view = (at: number, len: number): Buffer => {
    const start = at - chunkPtr;
    return chunkRef.subarray(start, start + len);
  };
  const mod = new Wasm.Module(require('undici/lib/llhttp/llhttp_simd-wasm.js') as Buffer);
  const instance = new Wasm.Instance(mod, {
    env: {
      wasm_on_url: () => 0,
      wasm_on_status: (_p: number, at: number, len: number) => {
        view(at, len);
        return 0;
      },
      wasm_on_message_begin: () => {
        fields.length = 0;
        body = null;
        return 0;
      },
      wasm_on_header_field: (_p: number, at: number, len: number) => {
        fields.push(view(at, len));
        return 0;
      },
      wasm_on_header_value: (_p: number, at: number, len: number) => {
        fields.push(view(at, len));
        return 0;
      },
      wasm_on_headers_complete: (_p: number, code: number) => {
        status = code;
        return 0;
      },
      wasm_on_body: (_p: number, at: number, len: number) => {
        body = view(at, len);
        return 0;
      },
      wasm_on_message_complete: () => {
        // Look up Content-Type like a caller would: compare names, decode one value.
        for (let i = 0; i < fields.length; i += 2) {
          const name = fields[i]!;
          if (name.length === 12 && name.toString('latin1').toLowerCase() === 'content-type') {
            sink.value += fields[i + 1]!.toString('latin1').length;
          }
        }
        sink.value += status + (body === null ? 0 : (body as Buffer).length);
        return 0;
      },
    },
  });
  const llhttp = instance.exports as unknown as Llhttp;
  const parser = llhttp.llhttp_alloc(RESPONSE_TYPE);
  chunkPtr = llhttp.malloc(64 * 1024);
  return (chunk: Buffer) => {
    new Uint8Array(llhttp.memory.buffer, chunkPtr, chunk.length).set(chunk);
    chunkRef = chunk;
    const ret = llhttp.llhttp_execute(parser, chunkPtr, chunk.length);
    if (ret !== 0) throw new Error(`llhttp error ${ret}`);
  };
}

/** wirekit's reader, reused across responses as on a keep-alive connection. */
function wirekitParser(): (chunk: Buffer) => void {
  const reader = new ResponseReader();
  return (chunk: Buffer) => {
    reader.expect('GET');
    reader.receive(chunk);
    for (;;) {
      const event = reader.next();
      if (event.type === 'head') {
        sink.value += event.status + (event.headers.get('content-type')?.length ?? 0);
      } else if (event.type === 'body') {
        sink.value += event.data.length;
      } else if (event.type === 'end') {
        return;
      } else if (event.type !== 'informational') {
        throw new Error(`unexpected ${event.type}`);
      }
    }
  };
}

/** Runs the comparison; one result pair per response kind. */
export function benchParse(quick: boolean): { name: string; results: Result[] }[] {
  const out: { name: string; results: Result[] }[] = [];
  for (const response of RESPONSES) {
    const wk = wirekitParser();
    const ll = llhttpParser();
    const results = compare(
      [
        {
          name: 'wirekit ResponseReader',
          run: () => {
            for (let i = 0; i < BATCH; i++) wk(response.bytes);
            return BATCH;
          },
        },
        {
          name: 'llhttp (undici wasm)',
          run: () => {
            for (let i = 0; i < BATCH; i++) ll(response.bytes);
            return BATCH;
          },
        },
      ],
      quick ? { runs: 3, warmup: 1, runNs: 20e6 } : { runs: 9, warmup: 2, runNs: 100e6 },
    );
    out.push({ name: response.name, results });
  }
  return out;
}
