/**
 * The `ws` echo server of the compression benchmarks: `WebSocketServer` with
 * `perMessageDeflate` on (its defaults: context takeover both ways, 15-bit windows, threshold
 * 1024 B, at most 10 concurrent zlib jobs) and `zlibDeflateOptions.level` when `--level` is
 * given; `--mode off` turns compression off. ws has no shared mode: `--mode shared` is refused.
 *
 * Run: `node --expose-gc dist/bench/deflate/ws-server.js --mode dedicated --level 1`
 */
import { WebSocketServer } from 'ws';
import { reportReady, serverArguments } from './server-control.js';

const { mode, level, windowBits, memLevel } = serverArguments();
if (mode === 'shared') throw new RangeError('ws has no shared compression mode');
if (windowBits !== undefined || memLevel !== undefined)
  throw new RangeError('the ws server runs with its defaults only');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: 16 * 1024 * 1024,
  perMessageDeflate:
    mode === 'off' ? false : level === undefined ? true : { zlibDeflateOptions: { level } },
});

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    ws.send(data as Buffer, { binary: isBinary });
  });
});

wss.on('listening', () => {
  const address = wss.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  const detail =
    mode === 'off' ? 'no compression' : `perMessageDeflate, level ${level ?? 'default (6)'}`;
  reportReady('ws', address.port, detail, () => wss.clients.size);
});
