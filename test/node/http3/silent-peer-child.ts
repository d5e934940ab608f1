/**
 * Child process of the silent-peer tests in `websocket-h3.test.ts`: it opens HTTP/3 to
 * `wss://127.0.0.1:<port>` (a UDP socket the parent holds, which reads and never answers) in
 * the way the argument names, prints how that failed as one JSON line, and then must exit by
 * itself: nothing (a timer, a UDP socket, a QUIC connection) may keep it alive. It never
 * calls `process.exit`.
 *
 * - `connect`: `connect(url, { http3: true, connectTimeout: 300, handshakeTimeout: 60_000 })`
 * - `session`: `Http3WebSocketSession.connect(url, { handshakeTimeout: 300 })`
 */
import { WirekitError } from '../../../src/core/errors.js';
import { connect } from '../../../src/node/connect.js';
import { Http3WebSocketSession } from '../../../src/node/http3/h3-client.js';

/** What the child prints. */
export interface SilentPeerReport {
  readonly code: string | undefined;
  readonly message: string;
}

const [mode = 'connect', port = '0'] = process.argv.slice(2);
const url = `wss://127.0.0.1:${port}/`;

const attempt =
  mode === 'session'
    ? Http3WebSocketSession.connect(url, { handshakeTimeout: 300 })
    : connect(url, { http3: true, connectTimeout: 300, handshakeTimeout: 60_000 });

attempt.then(
  () => {
    console.log(JSON.stringify({ code: undefined, message: 'connected to a silent peer?' }));
    process.exitCode = 1;
  },
  (error: unknown) => {
    const report: SilentPeerReport = {
      code: error instanceof WirekitError ? error.code : undefined,
      message: error instanceof Error ? error.message : String(error),
    };
    console.log(JSON.stringify(report));
  },
);
