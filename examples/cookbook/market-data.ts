/**
 * Cookbook: an exchange market-data client that reconnects and resubscribes.
 *
 * `reconnecting()` dials again with jittered exponential backoff whenever the connection
 * drops; `onConnect` runs after every successful connect, so the subscription is sent again
 * on each new connection (the server forgets it with the old socket).
 */
import { pathToFileURL } from 'node:url';
import { type ReconnectingConnection, reconnecting } from 'wirekit';

/** One trade as the exchange sends it. */
export interface Trade {
  readonly symbol: string;
  readonly price: number;
}

/** Subscribe to `symbols` at `url` and report every trade and connection change to `log`. */
export function followTrades(
  url: string,
  symbols: readonly string[],
  log: (line: string) => void,
): ReconnectingConnection {
  return reconnecting(url, {
    initialDelay: 50, // the first retry waits below 50 ms, then below 100, 200, … (jittered)
    maxDelay: 2_000,
    onConnect(connection) {
      // A new connection starts with no subscriptions: send them every time.
      connection.send(JSON.stringify({ op: 'subscribe', symbols }));
      log('connected, subscribed');
    },
    onReconnecting(attempt) {
      log(`reconnecting (attempt ${attempt})`);
    },
    handler: {
      message(_ws, data) {
        const trade = JSON.parse(data.toString()) as Trade;
        log(`trade ${trade.symbol} ${trade.price}`);
      },
    },
  });
}

// Run as a program: `URL=ws://127.0.0.1:9000/ node dist/examples/cookbook/market-data.js`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const feed = followTrades(process.env['URL'] ?? 'ws://127.0.0.1:9000/', ['BTC-USD'], (line) =>
    console.log(line),
  );
  process.once('SIGINT', () => feed.close());
  await feed.closed;
}
