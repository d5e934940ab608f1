/**
 * The uWebSockets.js benchmark server (npm `@trufflesuite/uws-js-unofficial`, a build of
 * uWebSockets.js v20.30 published to npm). One `ws()` route per benchmark route; broadcast uses
 * uWS's own `publish` to a topic every `/sub` connection subscribed to, which is how uWS apps
 * broadcast (it batches each subscriber's messages of one loop iteration into one write).
 *
 * The package's `src/uws.js` silently falls back to a pure-JS implementation on top of `ws`
 * when the native binary does not load. That would benchmark `ws` under uWS's name, so this
 * server loads the binary for this Node ABI itself and fails loudly when it cannot.
 *
 * With BENCH_TLS_KEY and BENCH_TLS_CERT it is an `SSLApp` (`wss://`).
 *
 * Run: `node dist/bench/e2e/servers/uws-echo-server.js --port 0`
 */
import { createRequire } from 'node:module';
import type * as Uws from '@trufflesuite/uws-js-unofficial';
import { PHASE_ACK, PHASE_MESSAGE, PhaseAction, PhaseScript } from './phase-script.js';
import { routeOf } from './route.js';
import { portArgument, reportReady, type ServerStats } from './server-report.js';
import { serverTls } from './server-tls.js';

type UwsModule = typeof Uws;

const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;

function loadNativeUws(): UwsModule {
  const require = createRequire(import.meta.url);
  try {
    return require(`@trufflesuite/uws-js-unofficial/binaries/${binary}`) as UwsModule;
  } catch (error) {
    throw new Error(
      `uWebSockets.js native binary ${binary} does not load on Node ${process.version}: ${error}`,
    );
  }
}

const uws = loadNativeUws();
const stats: ServerStats = { messages: 0 };
const TOPIC = 'broadcast';
const MiB = 1024 * 1024;
/** Same limits as the other servers: no compression, 16 MiB messages, 64 MiB backpressure. */
const limits = {
  compression: uws.DISABLED,
  maxPayloadLength: 16 * MiB,
  maxBackpressure: 64 * MiB,
} as const;

interface PhaseData {
  readonly script: PhaseScript;
}

const tls = serverTls();
const app =
  tls === undefined
    ? uws.App()
    : uws.SSLApp({ key_file_name: tls.keyPath, cert_file_name: tls.certPath });

app.ws<unknown>('/echo', {
  ...limits,
  message(ws, message, isBinary) {
    stats.messages++;
    ws.send(message, isBinary);
  },
});

app.ws<PhaseData>('/phases', {
  ...limits,
  upgrade(res, req, context) {
    const route = routeOf(`${req.getUrl()}?${req.getQuery()}`);
    if (route.kind !== 'phases') throw new Error('unreachable');
    res.upgrade<PhaseData>(
      { script: new PhaseScript(route.messages) },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  message(ws, message, isBinary) {
    stats.messages++;
    const script = ws.getUserData().script;
    switch (script.next()) {
      case PhaseAction.COUNT:
        return;
      case PhaseAction.ACK:
        ws.send(PHASE_ACK, false);
        return;
      case PhaseAction.ECHO:
        ws.send(message, isBinary);
        return;
      case PhaseAction.PUSH:
        for (let i = 0; i < script.messages; i++) ws.send(PHASE_MESSAGE, false);
        return;
    }
  },
});

app.ws<unknown>('/sub', {
  ...limits,
  open(ws) {
    ws.subscribe(TOPIC);
  },
  message(ws, message, isBinary) {
    stats.messages++;
    ws.send(message, isBinary);
  },
});

app.ws<unknown>('/pub', {
  ...limits,
  message(_ws, message, isBinary) {
    stats.messages++;
    app.publish(TOPIC, message, isBinary);
  },
});

app.listen('127.0.0.1', portArgument(), (listenSocket) => {
  if (listenSocket === false) throw new Error('uWebSockets.js could not listen');
  const port = uws.us_socket_local_port(listenSocket as unknown as Uws.us_socket);
  const mode = tls === undefined ? '' : ', SSLApp';
  reportReady('uws', port, `native ${binary} (uWS ${uwsVersion()})${mode}`, stats);
});

function uwsVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('@trufflesuite/uws-js-unofficial/package.json') as { version: string }).version;
}
