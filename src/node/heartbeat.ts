/**
 * One timer for many connections' heartbeats and idle timeouts, as uWebSockets.js does: a
 * per-connection timer refreshed on every message would cost a timer-list operation per
 * message. Instead each connection stamps the coarse clock {@link Heartbeat.now} when bytes
 * arrive (one property write), and a single interval walks the members and acts on the silent
 * ones. Timeouts are therefore accurate to one tick (a quarter of the shortest period).
 */
import { performance } from 'node:perf_hooks';
import type { ResolvedConnectionOptions } from './connection-options.js';

/** What the heartbeat asks of a member on each tick. */
export interface HeartbeatMember {
  /** Called once per tick with the current coarse time in ms. */
  heartbeat(now: number): void;
}

const MIN_TICK = 25;
const MAX_TICK = 1_000;

/** A set of members visited on a shared interval. The interval runs only while it has members
 * and never keeps the process alive. */
export class Heartbeat {
  /** Coarse monotonic clock in whole ms, updated on each tick (and when a member joins). Whole
   * numbers are small integers to V8: the members' time stamps then need no heap box each. */
  now: number = wholeMs();
  readonly #members = new Set<HeartbeatMember>();
  readonly #tick: number;
  #timer: NodeJS.Timeout | undefined;

  /** `shortestPeriod`: the smallest timeout the members use, in ms. */
  constructor(shortestPeriod: number) {
    this.#tick = tickFor(shortestPeriod);
  }

  /** Members currently watched. */
  get size(): number {
    return this.#members.size;
  }

  add(member: HeartbeatMember): void {
    this.now = wholeMs();
    this.#members.add(member);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#visit(), this.#tick);
      this.#timer.unref();
    }
  }

  delete(member: HeartbeatMember): void {
    this.#members.delete(member);
    if (this.#members.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #visit(): void {
    const now = wholeMs();
    this.now = now;
    for (const member of this.#members) member.heartbeat(now);
  }
}

/** Heartbeats by tick length: connections whose timeouts give the same tick share one. */
const shared = new Map<number, Heartbeat>();

/**
 * The heartbeat for connections with these options, or `undefined` when they use no timer.
 * One per tick length for the whole process (servers and clients alike), so a thousand client
 * connections share one interval rather than running a thousand.
 */
export function heartbeatFor(options: ResolvedConnectionOptions): Heartbeat | undefined {
  const { pingInterval, idleTimeout, pongTimeout, backpressureTimeout } = options;
  const periods = [
    pingInterval,
    idleTimeout,
    pingInterval > 0 ? pongTimeout : 0,
    backpressureTimeout,
  ].filter((p) => p > 0);
  if (periods.length === 0) return undefined;
  const shortest = Math.min(...periods);
  const tick = tickFor(shortest);
  let heartbeat = shared.get(tick);
  if (heartbeat === undefined) {
    heartbeat = new Heartbeat(shortest);
    shared.set(tick, heartbeat);
  }
  return heartbeat;
}

function wholeMs(): number {
  return Math.floor(performance.now());
}

function tickFor(shortestPeriod: number): number {
  return Math.min(MAX_TICK, Math.max(MIN_TICK, Math.floor(shortestPeriod / 4)));
}
