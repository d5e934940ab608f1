/**
 * Unidirectional streams, the control stream, SETTINGS and GOAWAY (RFC 9114 §5.2, §6.2, §7.2;
 * RFC 9204 §4.2): every MUST that applies to a peer of a capacity-0 endpoint, as the connection
 * error (or stream action) it must produce, for both roles where the rule has one.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Http3ErrorCode as E } from '../../../src/core/http3/error-code.js';
import { Http3Session } from '../../../src/core/http3/http3-session.js';
import {
  client,
  closeCode,
  concat,
  controlStream,
  drain,
  frame,
  headersFrame,
  server,
  settingsFrame,
  toHex,
  varint,
  WS_REQUEST,
} from './helpers.js';

/** The peer's unidirectional stream ID for a role: client-initiated 2, 6, ...; server 3, 7, ... */
function peerUni(role: 'server' | 'client', n = 0): number {
  return (role === 'server' ? 2 : 3) + 4 * n;
}

function fresh(role: 'server' | 'client'): Http3Session {
  return role === 'server' ? server() : client();
}

/** Feed the peer's control stream (stream type + bytes) and return the close code, if any. */
function controlClose(
  role: 'server' | 'client',
  bytes: Uint8Array,
  fin = false,
): number | undefined {
  const s = fresh(role);
  s.streamData(peerUni(role), concat(varint(0x00), bytes), fin);
  return closeCode(drain(s));
}

test('§6.2.1: each side opens its control stream with SETTINGS first (capacity 0, blocked 0)', () => {
  const s = new Http3Session({ role: 'server', maxFieldSectionSize: 1000 });
  const [open] = drain(s);
  // type 0x00, SETTINGS (0x04) with 01=0, 07=0, 06=1000, 08=1.
  assert.deepEqual(open, {
    type: 'write',
    streamId: 3,
    data: toHex(
      concat(
        varint(0),
        settingsFrame([
          [1, 0],
          [7, 0],
          [6, 1000],
          [8, 1],
        ]),
      ),
    ),
    fin: false,
  });
  const c = new Http3Session({ role: 'client' });
  const [copen] = drain(c);
  assert.equal(copen!['streamId'], 2);
  // RFC 8441 §3: only servers send ENABLE_CONNECT_PROTOCOL.
  assert.equal(
    copen!['data'],
    toHex(
      concat(
        varint(0),
        settingsFrame([
          [1, 0],
          [7, 0],
          [6, 65536],
        ]),
      ),
    ),
  );
});

for (const role of ['server', 'client'] as const) {
  describe(`as ${role}`, () => {
    test('§6.2.1: a control stream whose first frame is not SETTINGS is H3_MISSING_SETTINGS', () => {
      assert.equal(controlClose(role, frame(0x07, varint(0))), E.H3_MISSING_SETTINGS);
      assert.equal(controlClose(role, frame(0x21, Uint8Array.of(1))), E.H3_MISSING_SETTINGS);
    });

    test('§7.2.4: a second SETTINGS frame is H3_FRAME_UNEXPECTED', () => {
      assert.equal(
        controlClose(role, concat(settingsFrame(), settingsFrame())),
        E.H3_FRAME_UNEXPECTED,
      );
    });

    test('§7.2.4: a duplicate setting identifier is H3_SETTINGS_ERROR', () => {
      assert.equal(
        controlClose(
          role,
          settingsFrame([
            [6, 100],
            [6, 100],
          ]),
        ),
        E.H3_SETTINGS_ERROR,
      );
    });

    test('§7.2.4.1: HTTP/2 settings 0x00, 0x02-0x05 are H3_SETTINGS_ERROR; unknown and reserved ones are ignored', () => {
      for (const id of [0x00, 0x02, 0x03, 0x04, 0x05])
        assert.equal(controlClose(role, settingsFrame([[id, 1]])), E.H3_SETTINGS_ERROR, `0x${id}`);
      const s = fresh(role);
      s.streamData(
        peerUni(role),
        concat(
          varint(0),
          settingsFrame([
            [0x21, 7],
            [0x1f * 3 + 0x21, 1],
            [0x4242, 9],
          ]),
        ),
      );
      const events = drain(s);
      assert.equal(closeCode(events), undefined);
      assert.equal(events[0]!['type'], 'settings');
    });

    test('RFC 8441 §3: SETTINGS_ENABLE_CONNECT_PROTOCOL other than 0 or 1 is H3_SETTINGS_ERROR', () => {
      assert.equal(controlClose(role, settingsFrame([[8, 2]])), E.H3_SETTINGS_ERROR);
      assert.equal(controlClose(role, settingsFrame([[8, 1]])), undefined);
    });

    test('§7.1: a SETTINGS payload ending inside a pair is H3_FRAME_ERROR', () => {
      assert.equal(controlClose(role, frame(0x04, concat(varint(6)))), E.H3_FRAME_ERROR);
      assert.equal(controlClose(role, frame(0x04, Uint8Array.of(0x40))), E.H3_FRAME_ERROR);
    });

    test('a SETTINGS frame over the size limit is H3_EXCESSIVE_LOAD (before it is buffered)', () => {
      const s =
        role === 'server' ? server({ maxSettingsSize: 10 }) : client({ maxSettingsSize: 10 });
      s.streamData(peerUni(role), concat(varint(0), frame(0x04, new Uint8Array(0), 11)));
      assert.equal(closeCode(drain(s)), E.H3_EXCESSIVE_LOAD);
    });

    test('§7.2.1, §7.2.2, §7.2.5: DATA, HEADERS, PUSH_PROMISE on the control stream are H3_FRAME_UNEXPECTED', () => {
      for (const type of [0x00, 0x01, 0x05])
        assert.equal(
          controlClose(role, concat(settingsFrame(), frame(type, Uint8Array.of(0, 0)))),
          E.H3_FRAME_UNEXPECTED,
        );
    });

    test('§7.2.8: HTTP/2 frame types (0x02, 0x06, 0x08, 0x09) are H3_FRAME_UNEXPECTED; reserved types are skipped', () => {
      for (const type of [0x02, 0x06, 0x08, 0x09])
        assert.equal(
          controlClose(role, concat(settingsFrame(), frame(type, Uint8Array.of(0)))),
          E.H3_FRAME_UNEXPECTED,
        );
      assert.equal(
        controlClose(
          role,
          concat(
            settingsFrame(),
            frame(0x21, new Uint8Array(50)),
            frame(0x1f * 1000 + 0x21, new Uint8Array(3)),
          ),
        ),
        undefined,
      );
    });

    test('§6.2.1: a second control stream is H3_STREAM_CREATION_ERROR', () => {
      const s = fresh(role);
      s.streamData(peerUni(role, 0), controlStream());
      s.streamData(peerUni(role, 1), controlStream());
      assert.equal(closeCode(drain(s)), E.H3_STREAM_CREATION_ERROR);
    });

    test('§6.2.1: closing the control stream (FIN) is H3_CLOSED_CRITICAL_STREAM', () => {
      assert.equal(controlClose(role, settingsFrame(), true), E.H3_CLOSED_CRITICAL_STREAM);
      const s = fresh(role);
      s.streamData(peerUni(role), controlStream());
      s.streamData(peerUni(role), new Uint8Array(0), true);
      assert.equal(closeCode(drain(s)), E.H3_CLOSED_CRITICAL_STREAM);
    });

    test('§6.2.1: a reset of the control stream is H3_CLOSED_CRITICAL_STREAM', () => {
      const s = fresh(role);
      s.streamData(peerUni(role), controlStream());
      s.streamReset(peerUni(role), E.H3_NO_ERROR);
      assert.equal(closeCode(drain(s)), E.H3_CLOSED_CRITICAL_STREAM);
    });

    test('§6.2.1: STOP_SENDING on our control stream is H3_CLOSED_CRITICAL_STREAM', () => {
      const s = fresh(role);
      s.streamStopSending(s.controlStreamId, E.H3_NO_ERROR);
      assert.equal(closeCode(drain(s)), E.H3_CLOSED_CRITICAL_STREAM);
    });

    test('RFC 9204 §4.2: a second QPACK encoder or decoder stream is H3_STREAM_CREATION_ERROR', () => {
      for (const type of [0x02, 0x03]) {
        const s = fresh(role);
        s.streamData(peerUni(role, 1), varint(type));
        s.streamData(peerUni(role, 2), varint(type));
        assert.equal(closeCode(drain(s)), E.H3_STREAM_CREATION_ERROR);
      }
    });

    test('RFC 9204 §4.2: closing or resetting a QPACK stream is H3_CLOSED_CRITICAL_STREAM', () => {
      for (const type of [0x02, 0x03]) {
        const fin = fresh(role);
        fin.streamData(peerUni(role, 1), varint(type), true);
        assert.equal(closeCode(drain(fin)), E.H3_CLOSED_CRITICAL_STREAM);
        const reset = fresh(role);
        reset.streamData(peerUni(role, 1), varint(type));
        reset.streamReset(peerUni(role, 1), 0);
        assert.equal(closeCode(drain(reset)), E.H3_CLOSED_CRITICAL_STREAM);
      }
    });

    test('RFC 9204 §4.3.1: Set Dynamic Table Capacity above 0 on the encoder stream is QPACK_ENCODER_STREAM_ERROR', () => {
      const ok = fresh(role);
      ok.streamData(peerUni(role, 1), concat(varint(0x02), Uint8Array.of(0x20)));
      assert.equal(closeCode(drain(ok)), undefined);
      const bad = fresh(role);
      bad.streamData(peerUni(role, 1), concat(varint(0x02), Uint8Array.of(0x3f, 0xbd)));
      bad.streamData(peerUni(role, 1), Uint8Array.of(0x01));
      assert.equal(closeCode(drain(bad)), E.QPACK_ENCODER_STREAM_ERROR);
    });

    test('RFC 9204 §4.4: Section Acknowledgment and Insert Count Increment are QPACK_DECODER_STREAM_ERROR', () => {
      for (const instruction of [0x84, 0x01]) {
        const s = fresh(role);
        s.streamData(peerUni(role, 1), concat(varint(0x03), Uint8Array.of(instruction)));
        assert.equal(closeCode(drain(s)), E.QPACK_DECODER_STREAM_ERROR);
      }
    });

    test('§6.2, §9: unknown and reserved stream types get STOP_SENDING(H3_STREAM_CREATION_ERROR) and are discarded', () => {
      for (const type of [0x21, 0x40, 0x1f * 7 + 0x21, 0x3fff_ffff]) {
        const s = fresh(role);
        const id = peerUni(role, 1);
        s.streamData(id, concat(varint(type), new Uint8Array(100)));
        s.streamData(id, new Uint8Array(10), true);
        assert.deepEqual(drain(s), [
          { type: 'stop-sending', streamId: id, code: E.H3_STREAM_CREATION_ERROR },
        ]);
      }
    });

    test('§6.2: a unidirectional stream closed or reset before its type is tolerated', () => {
      const s = fresh(role);
      s.streamData(peerUni(role, 1), Uint8Array.of(0x40), true); // half a 2-byte type
      s.streamData(peerUni(role, 2), new Uint8Array(0), true);
      s.streamData(peerUni(role, 3), Uint8Array.of(0x80));
      s.streamReset(peerUni(role, 3), 0);
      assert.deepEqual(drain(s), []);
    });

    test('§6.2: the stream type varint may arrive cut in pieces', () => {
      const s = fresh(role);
      const bytes = concat(Uint8Array.of(0x40, 0x00), settingsFrame([[6, 10]])); // type 0 in 2 bytes
      for (const b of bytes) s.streamData(peerUni(role), Uint8Array.of(b));
      const [settings] = drain(s);
      assert.equal(settings!['type'], 'settings');
    });

    test('§7.1: GOAWAY, CANCEL_PUSH, MAX_PUSH_ID must hold exactly one varint (H3_FRAME_ERROR)', () => {
      for (const type of [0x07, 0x03, 0x0d]) {
        if (type === 0x0d && role === 'client') continue;
        assert.equal(controlClose(role, concat(settingsFrame(), frame(type))), E.H3_FRAME_ERROR);
        assert.equal(
          controlClose(role, concat(settingsFrame(), frame(type, Uint8Array.of(0, 0)))),
          E.H3_FRAME_ERROR,
        );
        assert.equal(
          controlClose(role, concat(settingsFrame(), frame(type, Uint8Array.of(0x40)))),
          E.H3_FRAME_ERROR,
        );
        assert.equal(
          controlClose(role, concat(settingsFrame(), frame(type, new Uint8Array(9)))),
          E.H3_FRAME_ERROR,
        );
      }
    });

    test('§7.2.3: CANCEL_PUSH is H3_ID_ERROR (no push was promised or allowed)', () => {
      assert.equal(
        controlClose(role, concat(settingsFrame(), frame(0x03, varint(0)))),
        E.H3_ID_ERROR,
      );
    });

    test('§7.2.3, §7.2.6, §7.2.7: control frames on a request stream are H3_FRAME_UNEXPECTED', () => {
      for (const type of [0x03, 0x04, 0x07, 0x0d]) {
        const s = fresh(role);
        if (role === 'server') s.streamData(0, concat(frame(type, varint(0))));
        else {
          s.streamData(3, controlStream([[8, 1]]));
          const id = s.openRequest(WS_REQUEST);
          drain(s);
          s.streamData(id, frame(type, varint(0)));
        }
        assert.equal(closeCode(drain(s)), E.H3_FRAME_UNEXPECTED, `type ${type}`);
      }
    });
  });
}

test('§7.2.7: MAX_PUSH_ID to a client is H3_FRAME_UNEXPECTED; to a server it may not decrease (H3_ID_ERROR)', () => {
  assert.equal(
    controlClose('client', concat(settingsFrame(), frame(0x0d, varint(5)))),
    E.H3_FRAME_UNEXPECTED,
  );
  assert.equal(
    controlClose('server', concat(settingsFrame(), frame(0x0d, varint(5)), frame(0x0d, varint(5)))),
    undefined,
  );
  assert.equal(
    controlClose('server', concat(settingsFrame(), frame(0x0d, varint(5)), frame(0x0d, varint(4)))),
    E.H3_ID_ERROR,
  );
});

test('§7.2.6: a GOAWAY to a client must name a client-initiated bidirectional stream (H3_ID_ERROR)', () => {
  for (const id of [1, 2, 3, 5])
    assert.equal(
      controlClose('client', concat(settingsFrame(), frame(0x07, varint(id)))),
      E.H3_ID_ERROR,
    );
  const s = client();
  s.streamData(3, concat(controlStream(), frame(0x07, varint(8))));
  assert.deepEqual(drain(s).slice(1), [{ type: 'goaway', id: 8 }]);
});

test('§5.2: a GOAWAY identifier may not increase (H3_ID_ERROR); it may stay or decrease', () => {
  assert.equal(
    controlClose(
      'client',
      concat(
        settingsFrame(),
        frame(0x07, varint(8)),
        frame(0x07, varint(8)),
        frame(0x07, varint(4)),
      ),
    ),
    undefined,
  );
  assert.equal(
    controlClose('client', concat(settingsFrame(), frame(0x07, varint(4)), frame(0x07, varint(8)))),
    E.H3_ID_ERROR,
  );
  // From a client, a GOAWAY carries a push ID: any value.
  assert.equal(controlClose('server', concat(settingsFrame(), frame(0x07, varint(3)))), undefined);
});

test('§5.2: after a client receives GOAWAY it opens no request at or past the identifier', () => {
  const s = client();
  s.streamData(3, concat(controlStream([[8, 1]]), frame(0x07, varint(4))));
  drain(s);
  assert.equal(s.openRequest(WS_REQUEST), 0);
  assert.throws(() => s.openRequest(WS_REQUEST), { code: 'ERR_INVALID_ARGUMENT' });
});

test('§5.2: a server rejects requests past its GOAWAY with H3_REQUEST_REJECTED and processes earlier ones', () => {
  const s = server();
  s.streamData(0, headersFrame(WS_REQUEST));
  drain(s);
  s.goaway();
  assert.deepEqual(drain(s), [
    { type: 'write', streamId: 3, data: toHex(frame(0x07, varint(4))), fin: false },
  ]);
  s.streamData(4, headersFrame(WS_REQUEST));
  assert.deepEqual(
    drain(s).map((e) => [e['type'], e['code']]),
    [
      ['stream-error', E.H3_REQUEST_REJECTED],
      ['stop-sending', E.H3_REQUEST_REJECTED],
      ['reset-stream', E.H3_REQUEST_REJECTED],
    ],
  );
});

test('§6.2.2: a push stream to a server is H3_STREAM_CREATION_ERROR; to a client without MAX_PUSH_ID, H3_ID_ERROR', () => {
  const s = server();
  s.streamData(2, concat(varint(0x01), varint(0)));
  assert.equal(closeCode(drain(s)), E.H3_STREAM_CREATION_ERROR);
  const c = client();
  c.streamData(3, concat(varint(0x01), varint(0)));
  assert.equal(closeCode(drain(c)), E.H3_ID_ERROR);
});

test('§6.1: a server-initiated bidirectional stream is H3_STREAM_CREATION_ERROR at a client', () => {
  const c = client();
  c.streamData(1, headersFrame([[':status', '200']]));
  assert.equal(closeCode(drain(c)), E.H3_STREAM_CREATION_ERROR);
});

test('after a close, input is ignored and nothing more is queued', () => {
  const s = server();
  s.streamData(2, concat(varint(0), frame(0x07, varint(0))));
  const events = drain(s);
  assert.equal(events.length, 1);
  s.streamData(0, headersFrame(WS_REQUEST));
  s.streamData(2, settingsFrame());
  s.streamReset(0, 0);
  assert.deepEqual(drain(s), []);
  assert.equal(s.closed, true);
});
