/**
 * Read access to HTTP header fields, as the handshake checks need it. `get` takes a lower-case
 * name and returns the field value, with repeated fields joined by `", "` (RFC 9110 §5.3), or
 * `undefined` when absent. wirekit's http1 readers and a small wrapper around Node's
 * `IncomingMessage.headers` both provide it.
 */
import type { HeaderList } from '../http1/header-list.js';

/** Read access to request or response header fields by name. */
export interface HeaderSource {
  /** The field's value (repeated fields joined with `, `), or `undefined` when absent; `name`
   * is case-insensitive. */
  get(name: string): string | undefined;
}

/** Header fields to write, in order, as `[name, value]` pairs. */
export type HeaderPairs = ReadonlyArray<readonly [name: string, value: string]>;

/** A {@link HeaderSource} over a parsed http1 {@link HeaderList}. */
export function headerListSource(list: HeaderList): HeaderSource {
  return {
    get(name: string): string | undefined {
      const all = list.getAll(name);
      return all.length === 0 ? undefined : all.length === 1 ? all[0] : all.join(', ');
    },
  };
}
