/* Server-sent events for the dashboard, read with fetch() so that the
 * request can carry Authorization and Last-Event-ID (the browser's
 * EventSource can send neither header on demand). The parser is a pure
 * object fed text in pieces of any size; tests/dashboard/test_sse.js runs it
 * under node. */
'use strict';

(function (root) {
  /* Limits against a stream that never ends its lines or events. */
  const MAX_LINE = 1 << 20;
  const MAX_EVENT = 4 << 20;

  /* The event-stream format (WHATWG HTML, "Server-sent events"): lines end
   * with CRLF, LF or CR; "field: value"; a blank line dispatches; lines
   * starting with ":" are comments. `onEvent({type, data, id})` runs per
   * event, `onComment(text)` per comment (the keepalives prove the
   * connection alive), `onRetry(ms)` when the server sets the delay. */
  class SSEParser {
    constructor(handlers) {
      this.h = handlers || {};
      this.line = '';
      this.afterCR = false; /* a CR ended the last line: skip one LF */
      this.lastEventId = '';
      this.reset();
    }

    reset() {
      this.data = [];
      this.dataLen = 0;
      this.type = '';
      this.idSet = false;
    }

    push(text) {
      let start = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== 10 && c !== 13)
          continue;
        if (this.afterCR && c === 10 && i === start && this.line === '') {
          this.afterCR = false;
          start = i + 1;
          continue;
        }
        this.afterCR = c === 13;
        this.takeLine(this.line + text.slice(start, i));
        this.line = '';
        start = i + 1;
      }
      if (start < text.length) {
        this.afterCR = false;
        this.line += text.slice(start);
        if (this.line.length > MAX_LINE)
          throw new Error('event stream: a line longer than ' + MAX_LINE + ' characters');
      }
    }

    takeLine(line) {
      if (line === '') {
        this.dispatch();
        return;
      }
      if (line[0] === ':') {
        if (this.h.onComment)
          this.h.onComment(line.slice(1).replace(/^ /, ''));
        return;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value[0] === ' ')
        value = value.slice(1);
      switch (field) {
      case 'data':
        this.data.push(value);
        this.dataLen += value.length + 1;
        if (this.dataLen > MAX_EVENT)
          throw new Error('event stream: an event larger than ' + MAX_EVENT + ' characters');
        break;
      case 'event':
        this.type = value;
        break;
      case 'id':
        /* An id with NUL is ignored, as the standard says. */
        if (value.indexOf('\0') < 0) {
          this.lastEventId = value;
          this.idSet = true;
        }
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value) && this.h.onRetry)
          this.h.onRetry(Number(value));
        break;
      default:
        break; /* unknown fields are ignored */
      }
    }

    dispatch() {
      if (this.data.length === 0) {
        this.reset();
        return;
      }
      const ev = {type: this.type || 'message', data: this.data.join('\n'), id: this.lastEventId};
      this.reset();
      if (this.h.onEvent)
        this.h.onEvent(ev);
    }
  }

  /* Reads one event stream until it ends, fails or `signal` aborts it.
   * Resolves when the stream ends; rejects with an Error whose `status` is
   * the HTTP status when the server refused. The caller reconnects. */
  async function readEventStream(url, opts) {
    const headers = {Accept: 'text/event-stream'};
    if (opts.token)
      headers.Authorization = 'Bearer ' + opts.token;
    if (opts.lastEventId)
      headers['Last-Event-ID'] = opts.lastEventId;
    const res = await fetch(url, {headers, cache: 'no-store', signal: opts.signal});
    if (!res.ok || !res.body) {
      const err = new Error('event stream: HTTP ' + res.status);
      err.status = res.status;
      throw err;
    }
    const type = res.headers.get('content-type') || '';
    if (!type.startsWith('text/event-stream')) {
      const err = new Error('event stream: the server sent ' + (type || 'no content type'));
      err.status = 415;
      throw err;
    }
    if (opts.onOpen)
      opts.onOpen();
    const parser = new SSEParser(opts);
    parser.lastEventId = opts.lastEventId || '';
    const reader = res.body.getReader();
    /* One decoder for the whole stream: a character split between two
     * chunks is put back together. */
    const decoder = new TextDecoder('utf-8');
    for (;;) {
      const {value, done} = await reader.read();
      if (done)
        break;
      if (opts.onBytes)
        opts.onBytes();
      parser.push(decoder.decode(value, {stream: true}));
    }
    parser.push(decoder.decode());
  }

  const api = {SSEParser, readEventStream};
  if (typeof module !== 'undefined' && module.exports)
    module.exports = api;
  else
    root.CamdexSSE = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
