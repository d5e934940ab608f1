/**
 * `Sec-WebSocket-Extensions` values (RFC 6455 §9.1): a comma-separated list of extensions, each
 * a token followed by `; name` or `; name=value` parameters, where a value is a token or a
 * quoted string whose unescaped content is a token.
 */
import { isToken } from './header-tokens.js';

/** One parameter: its value, or `true` when it has none. */
export type ExtensionParam = readonly [name: string, value: string | true];

/** One element of the list: `permessage-deflate; client_max_window_bits`. */
export interface ExtensionElement {
  /** The extension token, lower-cased (tokens compare case-insensitively). */
  readonly name: string;
  /** Parameters in order; names lower-cased, values as sent (quotes removed). */
  readonly params: readonly ExtensionParam[];
}

/**
 * Parse a header value into its elements, or `undefined` if it breaks the §9.1 grammar (a
 * non-token name, an empty element, a bad quoted string, a quoted value that is not a token).
 *
 * @example
 * ```ts
 * parseExtensionHeader('permessage-deflate; client_max_window_bits, x-foo; a="b"');
 * // [{ name: 'permessage-deflate', params: [['client_max_window_bits', true]] },
 * //  { name: 'x-foo', params: [['a', 'b']] }]
 * ```
 */
export function parseExtensionHeader(value: string): ExtensionElement[] | undefined {
  const elements: ExtensionElement[] = [];
  let i = 0;
  const n = value.length;
  const skipSpace = (): void => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && !' \t,;="'.includes(value[i]!)) i++;
    return value.slice(start, i);
  };
  for (;;) {
    skipSpace();
    // RFC 9110 §5.6.1: empty list elements are allowed and ignored.
    if (i < n && value[i] === ',') {
      i++;
      continue;
    }
    if (i >= n) return elements;
    const name = readToken();
    if (!isToken(name)) return undefined;
    const params: ExtensionParam[] = [];
    skipSpace();
    while (i < n && value[i] === ';') {
      i++;
      skipSpace();
      const paramName = readToken();
      if (!isToken(paramName)) return undefined;
      skipSpace();
      let paramValue: string | true = true;
      if (i < n && value[i] === '=') {
        i++;
        skipSpace();
        if (value[i] === '"') {
          // quoted-string (RFC 9110 §5.6.4) with backslash escapes.
          i++;
          let text = '';
          for (;;) {
            if (i >= n) return undefined;
            const c = value[i]!;
            if (c === '"') {
              i++;
              break;
            }
            if (c === '\\') {
              if (i + 1 >= n) return undefined;
              text += value[i + 1];
              i += 2;
            } else {
              text += c;
              i++;
            }
          }
          // §9.1: "the value after quoted-string unescaping MUST conform to the 'token' ABNF".
          if (!isToken(text)) return undefined;
          paramValue = text;
        } else {
          paramValue = readToken();
          if (!isToken(paramValue)) return undefined;
        }
        skipSpace();
      }
      params.push([paramName.toLowerCase(), paramValue]);
    }
    elements.push({ name: name.toLowerCase(), params });
    if (i >= n) return elements;
    if (value[i] !== ',') return undefined;
    i++;
  }
}

/** Format one element: `name; a; b=1` (values are tokens). */
export function formatExtension(element: ExtensionElement): string {
  let out = element.name;
  for (const [name, value] of element.params)
    out += value === true ? `; ${name}` : `; ${name}=${value}`;
  return out;
}
