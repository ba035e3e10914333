/* The dashboard's event-stream parser (indexer/http/dashboard/sse.js) under
 * node's test runner: the camdex stream's shape, every split point, line
 * endings, comments, ids and the limits. */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const {SSEParser} = require(path.join(__dirname, '../../indexer/http/dashboard/sse.js'));

function parse(chunks) {
  const events = [], comments = [], retries = [];
  const p = new SSEParser({
    onEvent: (e) => events.push(e),
    onComment: (c) => comments.push(c),
    onRetry: (ms) => retries.push(ms),
  });
  for (const c of chunks)
    p.push(c);
  return {events, comments, retries, parser: p};
}

const transition = {time: '2026-11-27T18:40:05+08:00', key: 7234567890123, camera: '32010200001325000001',
  unit: '32010000002165000001', from: 'online', to: 'offline', reason: 'connect_refused',
  detail: 'TCP connect: connection refused · 市公安局'};
const stream = ': keepalive\n\n' +
  'id: 7234567890123\nevent: transition\ndata: ' + JSON.stringify(transition) + '\n\n' +
  'id: 7234567890124\nevent: transition\ndata: {"camera":"b"}\n\n';

test('the camdex stream: events with type, id and JSON data; keepalive comments', () => {
  const {events, comments} = parse([stream]);
  assert.equal(events.length, 2);
  assert.equal(events[0].type, 'transition');
  assert.equal(events[0].id, '7234567890123');
  assert.deepEqual(JSON.parse(events[0].data), transition);
  assert.equal(events[1].id, '7234567890124');
  assert.deepEqual(comments, ['keepalive']);
});

test('split at every position gives the same events', () => {
  const whole = parse([stream]).events;
  for (let i = 0; i <= stream.length; i++)
    assert.deepEqual(parse([stream.slice(0, i), stream.slice(i)]).events, whole, 'split at ' + i);
  /* and one character at a time */
  assert.deepEqual(parse(stream.split('')).events, whole);
});

test('CRLF, CR and LF line endings, also split between CR and LF', () => {
  for (const eol of ['\r\n', '\r', '\n']) {
    const s = 'event: transition' + eol + 'data: a' + eol + 'data: b' + eol + eol;
    for (let i = 0; i <= s.length; i++) {
      const {events} = parse([s.slice(0, i), s.slice(i)]);
      assert.equal(events.length, 1, JSON.stringify(eol) + ' split at ' + i);
      assert.equal(events[0].data, 'a\nb');
      assert.equal(events[0].type, 'transition');
    }
  }
});

test('no data, no event; the default type is message; fields without a space', () => {
  const {events} = parse(['event: transition\n\n', 'id: 5\n\n', 'data:x\n\n']);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'message');
  assert.equal(events[0].data, 'x');
  /* The last event id carries over to later events, as the standard says. */
  assert.equal(events[0].id, '5');
});

test('an event not ended by a blank line is not dispatched', () => {
  assert.equal(parse(['data: half\n']).events.length, 0);
});

test('unknown fields are ignored, an id with NUL too, retry is reported', () => {
  const {events, retries, parser} = parse(['foo: bar\nid: a\0b\nretry: 2500\nretry: x\ndata: 1\n\n']);
  assert.equal(events.length, 1);
  assert.equal(events[0].id, '');
  assert.equal(parser.lastEventId, '');
  assert.deepEqual(retries, [2500]);
});

test('an endless line is refused instead of growing without bound', () => {
  const p = new SSEParser({});
  assert.throws(() => {
    for (let i = 0; i < 1100; i++)
      p.push('x'.repeat(1024));
  }, /longer than/);
});
