/**
 * The WebSocket URL a command is given, checked before anything connects. `ws://` and `wss://`
 * only: the library also takes `http://` and `https://` (as browsers do), but on the command
 * line an `http://` URL is more often a mix-up (the server's HTTP port, a copied web address)
 * than a choice, so the CLI refuses it and says which URL it means.
 */
import { UsageError } from './usage-error.js';

/**
 * The URL, parsed; a {@link UsageError} naming `what` (e.g. `--url`) when it is not a
 * `ws://` or `wss://` URL, with the URL to use instead when there is an obvious one.
 *
 * @example
 * ```ts
 * websocketUrlOption('http://127.0.0.1:9001', 'URL');
 * // UsageError: URL http://127.0.0.1:9001 is an HTTP URL: use ws://127.0.0.1:9001 …
 * ```
 */
export function websocketUrlOption(text: string, what: string): URL {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new UsageError(
      `${what} needs ws:// or wss:// in front, not ${JSON.stringify(text)}: try ws://${text}`,
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what} is not a valid URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const scheme = url.protocol === 'http:' ? 'ws' : 'wss';
    const instead = `${scheme}${text.slice(url.protocol.length - 1)}`;
    throw new UsageError(
      `${what} ${text} is an HTTP URL: use ${instead} (WebSocket URLs start with ws:// or, for TLS, wss://)`,
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new UsageError(`${what} needs ws: or wss:, not ${url.protocol} (${text})`);
  return url;
}
