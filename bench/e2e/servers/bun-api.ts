/**
 * The few parts of Bun's own API the benchmark uses (`Bun.serve` with WebSocket handlers, and
 * the `WebSocket` client's `tls.ca` option), typed here because the repository has no Bun type
 * package. The scripts that use them are compiled by tsc like the rest of the suite and run by
 * the `bun` binary; under Node these functions throw, naming the script's runtime.
 *
 * @example
 * ```ts
 * const server = bunApi().serve({ hostname: '127.0.0.1', port: 0, fetch, websocket });
 * ```
 */

/** One server-side connection (`ServerWebSocket`). */
export interface BunServerWebSocket<Data> {
  readonly data: Data;
  /** Returns bytes sent, -1 when queued under backpressure, 0 when dropped. */
  send(data: string | Uint8Array): number;
  subscribe(topic: string): void;
}

/** `Bun.serve`'s `websocket` option. */
export interface BunWebSocketHandler<Data> {
  readonly maxPayloadLength?: number;
  readonly backpressureLimit?: number;
  readonly closeOnBackpressureLimit?: boolean;
  readonly perMessageDeflate?: boolean;
  /** Seconds; 0 turns the idle timeout off. */
  readonly idleTimeout?: number;
  readonly publishToSelf?: boolean;
  open?(ws: BunServerWebSocket<Data>): void;
  message(ws: BunServerWebSocket<Data>, message: string | Uint8Array): void;
}

/** What `Bun.serve` returns. */
export interface BunServer {
  readonly port: number;
  upgrade(request: Request, options: { readonly data: unknown }): boolean;
  publish(topic: string, data: string | Uint8Array): number;
  stop(closeActiveConnections?: boolean): void;
}

/** `Bun.serve`'s options. */
export interface BunServeOptions<Data> {
  readonly hostname: string;
  readonly port: number;
  readonly tls?: { readonly key: string; readonly cert: string };
  fetch(request: Request, server: BunServer): Response | undefined;
  readonly websocket: BunWebSocketHandler<Data>;
}

/** The `Bun` global. */
export interface BunApi {
  readonly version: string;
  serve<Data>(options: BunServeOptions<Data>): BunServer;
}

/** Bun's WebSocket client: the WHATWG API plus a `tls` option. */
export interface BunWebSocket {
  binaryType: string;
  onopen: (() => void) | null;
  onmessage: ((event: { readonly data: string | ArrayBuffer | Uint8Array }) => void) | null;
  onerror: ((event: { readonly message?: string }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  send(data: string | Uint8Array): void;
  close(): void;
}

/** `new WebSocket(url, options)` as Bun has it. */
export type BunWebSocketConstructor = new (
  url: string,
  options?: { readonly tls?: { readonly ca?: string } },
) => BunWebSocket;

interface BunGlobals {
  readonly Bun?: BunApi;
  readonly WebSocket?: BunWebSocketConstructor;
}

/** The `Bun` global; throws outside Bun. */
export function bunApi(): BunApi {
  const bun = (globalThis as BunGlobals).Bun;
  if (bun === undefined) throw new Error('this script runs under bun, not node');
  return bun;
}

/** Bun's `WebSocket` client; throws outside Bun. */
export function bunWebSocket(): BunWebSocketConstructor {
  bunApi();
  return (globalThis as BunGlobals).WebSocket!;
}
