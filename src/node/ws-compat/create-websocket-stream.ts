/**
 * ws's `createWebSocketStream` (ws.md): a `Duplex` over a WebSocket. Each message is pushed
 * as a chunk (text as a string in object mode); a full readable buffer pauses the WebSocket and
 * reading resumes it. Each written chunk is sent as a message, its callback the send's. Ending
 * the writable side closes the WebSocket; destroying the stream terminates it.
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import type { RawData, WebSocket } from './websocket.js';

function emitClose(stream: Duplex): void {
  stream.emit('close');
}

function duplexOnEnd(this: Duplex): void {
  if (!this.destroyed && this.writableFinished) this.destroy();
}

function duplexOnError(this: Duplex, error: Error): void {
  this.removeListener('error', duplexOnError);
  this.destroy();
  // Keep the throwing behaviour of an unhandled 'error'.
  if (this.listenerCount('error') === 0) this.emit('error', error);
}

/**
 * Wrap `ws` in a `Duplex`.
 *
 * @example
 * ```ts
 * const duplex = createWebSocketStream(ws, { encoding: 'utf8' });
 * duplex.pipe(process.stdout);
 * process.stdin.pipe(duplex);
 * ```
 */
export function createWebSocketStream(ws: WebSocket, options?: DuplexOptions): Duplex {
  let terminateOnDestroy = true;
  const duplex = new Duplex({
    ...options,
    autoDestroy: false,
    emitClose: false,
    objectMode: false,
    writableObjectMode: false,
  });

  ws.on('message', (message: RawData, isBinary: boolean) => {
    const data = !isBinary && duplex.readableObjectMode ? message.toString() : message;
    if (!duplex.push(data)) ws.pause();
  });

  ws.once('error', (error: Error) => {
    if (duplex.destroyed) return;
    // The WebSocket closes itself after an error (a close frame may still go out): destroying
    // the stream must not terminate it first.
    terminateOnDestroy = false;
    duplex.destroy(error);
  });

  ws.once('close', () => {
    if (duplex.destroyed) return;
    duplex.push(null);
  });

  duplex._destroy = (error, callback) => {
    if (ws.readyState === ws.CLOSED) {
      callback(error);
      process.nextTick(emitClose, duplex);
      return;
    }
    let called = false;
    ws.once('error', (wsError: Error) => {
      called = true;
      callback(wsError);
    });
    ws.once('close', () => {
      if (!called) callback(error);
      process.nextTick(emitClose, duplex);
    });
    if (terminateOnDestroy) ws.terminate();
  };

  duplex._final = (callback) => {
    if (ws.readyState === ws.CONNECTING) {
      ws.once('open', () => duplex._final(callback));
      return;
    }
    // The writable side is finished once the WebSocket has closed (the close handshake is
    // done, or the connection is gone).
    if (ws.readyState === ws.CLOSED) {
      callback();
      if (duplex.readableEnded) duplex.destroy();
      return;
    }
    ws.once('close', () => {
      callback();
      if (duplex.readableEnded) duplex.destroy();
    });
    ws.close();
  };

  duplex._read = () => {
    if (ws.isPaused) ws.resume();
  };

  duplex._write = (chunk: Buffer, encoding, callback) => {
    if (ws.readyState === ws.CONNECTING) {
      ws.once('open', () => duplex._write(chunk, encoding, callback));
      return;
    }
    ws.send(chunk, callback);
  };

  duplex.on('end', duplexOnEnd);
  duplex.on('error', duplexOnError);
  return duplex;
}
