/**
 * What a benchmark connection asks of an echo server, chosen by the upgrade request's path so
 * that every server (wirekit, ws, uWebSockets.js) runs the same script:
 * - `/echo`: send every message back as it came (text stays text, binary stays binary);
 * - `/phases?n=N`: the three-phase script of {@link PhaseScript} over one connection;
 * - `/sub`: receive every message broadcast by a `/pub` connection;
 * - `/pub`: every message is sent to all `/sub` connections.
 *
 * @example
 * ```ts
 * routeOf('/phases?n=100000'); // { kind: 'phases', messages: 100000 }
 * ```
 */
export type Route =
  | { readonly kind: 'echo' }
  | { readonly kind: 'phases'; readonly messages: number }
  | { readonly kind: 'sub' }
  | { readonly kind: 'pub' };

/** The route of a request target; unknown paths echo. */
export function routeOf(target: string): Route {
  const query = target.indexOf('?');
  const path = query === -1 ? target : target.slice(0, query);
  switch (path) {
    case '/phases': {
      const n = Number(new URLSearchParams(target.slice(query + 1)).get('n'));
      if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`bad phase count in ${target}`);
      return { kind: 'phases', messages: n };
    }
    case '/sub':
      return { kind: 'sub' };
    case '/pub':
      return { kind: 'pub' };
    default:
      return { kind: 'echo' };
  }
}
