/**
 * The peer's QPACK encoder and decoder streams with a capacity of 0 on both sides (RFC 9204
 * §4.3, §4.4): what is allowed, what is QPACK_ENCODER_STREAM_ERROR or
 * QPACK_DECODER_STREAM_ERROR, with instructions cut anywhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Http3ErrorCode } from '../../../src/core/http3/error-code.js';
import { QpackInstructionStream } from '../../../src/core/qpack/instruction-stream.js';
import { hex } from '../http3/helpers.js';

function feed(
  kind: 'encoder' | 'decoder',
  bytes: Uint8Array,
  bytewise = false,
): number | undefined {
  const stream = new QpackInstructionStream(kind);
  const pieces = bytewise ? Array.from(bytes, (b) => Uint8Array.of(b)) : [bytes];
  for (const piece of pieces) {
    const error = stream.receive(piece);
    if (error !== undefined) return error.code;
  }
  return undefined;
}

const ENC = Http3ErrorCode.QPACK_ENCODER_STREAM_ERROR;
const DEC = Http3ErrorCode.QPACK_DECODER_STREAM_ERROR;

test('§4.3.1: Set Dynamic Table Capacity 0 is accepted, any larger capacity is an error', () => {
  for (const bytewise of [false, true]) {
    assert.equal(feed('encoder', hex('20 20 20'), bytewise), undefined);
    assert.equal(feed('encoder', hex('21'), bytewise), ENC);
    // Appendix B.2: Set Dynamic Table Capacity=220.
    assert.equal(feed('encoder', hex('3fbd01'), bytewise), ENC);
  }
});

test('§4.3.1: a capacity cut between chunks is completed before it is judged', () => {
  const stream = new QpackInstructionStream('encoder');
  assert.equal(stream.receive(hex('3f')), undefined);
  assert.equal(stream.partial, true);
  assert.equal(stream.receive(hex('bd'))?.code, undefined);
  assert.equal(stream.receive(hex('01'))?.code, ENC);
});

test('§4.3.2-§4.3.4: inserts and duplicates are errors with a capacity of 0', () => {
  assert.equal(feed('encoder', hex('c00f7777772e6578616d706c652e636f6d')), ENC); // B.2 insert
  assert.equal(feed('encoder', hex('4a637573746f6d2d6b65790c637573746f6d2d76616c7565')), ENC); // B.3
  assert.equal(feed('encoder', hex('02')), ENC); // Duplicate (B.4)
  assert.equal(feed('encoder', hex('20 00')), ENC); // capacity 0 then Duplicate 0
});

test('§4.4.2: Stream Cancellation is read and needs nothing', () => {
  assert.equal(feed('decoder', hex('44 7f 40 7f ff ff 03')), undefined);
  assert.equal(feed('decoder', hex('44 7f 40 7f ff ff 03'), true), undefined);
});

test('§4.4.1, §4.4.3: Section Acknowledgment and Insert Count Increment are errors', () => {
  assert.equal(feed('decoder', hex('84')), DEC); // B.2
  assert.equal(feed('decoder', hex('01')), DEC); // B.3
  assert.equal(feed('decoder', hex('00')), DEC); // increment 0
  assert.equal(feed('decoder', hex('44 84')), DEC);
});

test('an oversized stream ID in a Stream Cancellation is a decoder stream error', () => {
  assert.equal(feed('decoder', hex('7f ffffffffffffffffffff01')), DEC);
});
