/* GET /api/v1/events/stream end to end: `camdex serve` on a small index,
 * a raw-socket client that decodes the chunked text/event-stream, and
 * events made by putting cameras under maintenance through the API. The
 * service also probes the (unreachable) fleet, so other events arrive at
 * any time: tests compare what a stream delivered with the index. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>

#include "api_serve.h"

/* Streams stall after 2 s. */
static void start_serve(void)
{
    api_serve("--interval", "60s", API_TOKENS, "--log-level", "info", "--set",
              "http.stream_stall=2s", NULL);
}

static void setup(void)
{
    api_index(60, 7);
    start_serve();
}

/* A backlog of events to replay: a sweep finds every camera of a larger
 * fleet offline (one event each). */
static void setup_backlog(void)
{
    /* Enough that the replay outgrows what the kernel queues for a
     * socket (tcp_wmem's 4 MiB at most; an event is ~265 bytes). */
    api_index(25000, 7);
    char *sweep[] = {CAMDEX_BIN,        "--db", api.db, "sweep", "--connect-timeout", "300ms",
                     "--recheck-delay", "50ms", NULL};
    run_ok(sweep);
    start_serve();
}

TestSuite(api_stream, .init = setup, .fini = api_teardown, .timeout = 120);

/* ---- plain requests ---- */

static void send_str(int fd, const char *s)
{
    size_t len = strlen(s);
    cr_assert_eq(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* The body of the last answer to call(), until the next call. */
static const char *last_body = "";

/* One request: the status, and the body as JSON in *json (when json is not
 * NULL; the caller drops it). */
static int call(const char *method, const char *path, const char *token, const char *body,
                json_t **json)
{
    static struct resp last;
    resp_free(&last);
    last = request(method, path, token, body);
    last_body = last.body;
    if (json)
        *json = json_incref(last.json);
    return last.status;
}

/* Toggles maintenance on a camera (one event each time); returns nothing,
 * the event is found in the index by the caller. */
static void maintenance(const char *camera, bool on)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/maintenance", camera);
    json_t *j = NULL;
    int st = call("POST", path, API_RW, on ? "{\"on\": true}" : "{\"on\": false}", &j);
    cr_assert_eq(st, 200);
    cr_assert(json_is_true(json_object_get(j, "changed")));
    json_decref(j);
}

/* The newest event of a camera in the index: its key. */
static uint64_t last_event_of(const char *camera)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/events?since=1h&limit=1000", camera);
    json_t *j = NULL;
    cr_assert_eq(call("GET", path, API_RO, NULL, &j), 200);
    json_t *evs = json_object_get(j, "events");
    cr_assert_gt(json_array_size(evs), 0);
    uint64_t key = (uint64_t)json_integer_value(
        json_object_get(json_array_get(evs, json_array_size(evs) - 1), "key"));
    json_decref(j);
    return key;
}

/* Keys of every event in the index with after < key <= upto, in order. */
static size_t index_keys(uint64_t after, uint64_t upto, uint64_t *keys, size_t cap)
{
    size_t n = 0;
    char cursor[64] = "";
    for (int page = 0; page < 100; page++) {
        char path[256];
        snprintf(path, sizeof(path), "/api/v1/events?since=1h&limit=1000%s%s",
                 cursor[0] ? "&cursor=" : "", cursor);
        json_t *j = NULL;
        cr_assert_eq(call("GET", path, API_RO, NULL, &j), 200);
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(j, "events"), i, ev)
        {
            uint64_t k = (uint64_t)json_integer_value(json_object_get(ev, "key"));
            if (k > after && k <= upto && n < cap)
                keys[n++] = k;
        }
        const char *next = json_string_value(json_object_get(j, "next_cursor"));
        snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
        json_decref(j);
        if (!cursor[0])
            break;
    }
    return n;
}

/* Two cameras of different units, from the listing. */
static void two_cameras(char a[2][80], char unit[2][80])
{
    json_t *j = NULL;
    cr_assert_eq(call("GET", "/api/v1/cameras?limit=1000", API_RO, NULL, &j), 200);
    json_t *rows = json_object_get(j, "cameras");
    size_t found = 0, i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *u = json_string_value(json_object_get(row, "unit"));
        if (found == 1 && strcmp(u, unit[0]) == 0)
            continue;
        snprintf(a[found], 80, "%s", json_string_value(json_object_get(row, "id")));
        snprintf(unit[found], 80, "%s", u);
        if (++found == 2)
            break;
    }
    cr_assert_eq(found, 2, "the fleet has one unit only");
    json_decref(j);
}

/* ---- an SSE client over raw HTTP/1.1 (chunked) ---- */

struct sse {
    int fd;
    int status;
    char head[4096];
    char raw[1 << 16]; /* bytes not yet de-chunked */
    size_t rawlen;
    char body[1 << 18]; /* the event stream, de-chunked */
    size_t bodylen;
    size_t chunk_left;
    bool need_crlf, got_head, ended;
    bool plain; /* not chunked: an error with a plain body */
};

struct sse_event {
    uint64_t id;
    bool has_id;
    char event[32];
    json_t *data;
    bool keepalive, retry;
    int retry_ms;
};

/* Moves what can be de-chunked from raw to body. */
static void sse_dechunk(struct sse *s)
{
    for (;;) {
        if (!s->got_head) {
            char *e = memmem(s->raw, s->rawlen, "\r\n\r\n", 4);
            if (!e)
                return;
            size_t hl = (size_t)(e - s->raw);
            cr_assert_lt(hl, sizeof(s->head));
            memcpy(s->head, s->raw, hl);
            s->head[hl] = 0;
            cr_assert_eq(sscanf(s->head, "HTTP/1.1 %d", &s->status), 1, "%s", s->head);
            memmove(s->raw, e + 4, s->rawlen - hl - 4);
            s->rawlen -= hl + 4;
            s->got_head = true;
            s->plain = s->status != 200 || !strcasestr(s->head, "transfer-encoding: chunked");
            s->ended = s->plain;
            continue;
        }
        if (s->plain) {
            cr_assert_lt(s->bodylen + s->rawlen, sizeof(s->body));
            memcpy(s->body + s->bodylen, s->raw, s->rawlen);
            s->bodylen += s->rawlen;
            s->rawlen = 0;
            return;
        }
        if (s->ended)
            return;
        if (s->need_crlf) {
            if (s->rawlen < 2)
                return;
            cr_assert(s->raw[0] == '\r' && s->raw[1] == '\n', "bad chunk end");
            memmove(s->raw, s->raw + 2, s->rawlen - 2);
            s->rawlen -= 2;
            s->need_crlf = false;
        }
        if (s->chunk_left == 0) {
            char *e = memmem(s->raw, s->rawlen, "\r\n", 2);
            if (!e)
                return;
            size_t size = strtoul(s->raw, NULL, 16);
            size_t ll = (size_t)(e - s->raw) + 2;
            memmove(s->raw, s->raw + ll, s->rawlen - ll);
            s->rawlen -= ll;
            if (size == 0) {
                s->ended = true;
                return;
            }
            s->chunk_left = size;
        }
        size_t n = s->chunk_left < s->rawlen ? s->chunk_left : s->rawlen;
        if (!n)
            return;
        cr_assert_lt(s->bodylen + n, sizeof(s->body), "stream body overflow");
        memcpy(s->body + s->bodylen, s->raw, n);
        s->bodylen += n;
        memmove(s->raw, s->raw + n, s->rawlen - n);
        s->rawlen -= n;
        s->chunk_left -= n;
        if (!s->chunk_left)
            s->need_crlf = true;
    }
}

/* Reads more; false at end of input or when `deadline` passes. */
static bool sse_read_more(struct sse *s, uint64_t deadline)
{
    uint64_t now = procs_now_ms();
    if (now >= deadline)
        return false;
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    if (poll(&p, 1, (int)(deadline - now)) <= 0)
        return true;
    ssize_t r = recv(s->fd, s->raw + s->rawlen, sizeof(s->raw) - s->rawlen, 0);
    if (r <= 0)
        return false;
    s->rawlen += (size_t)r;
    sse_dechunk(s);
    return true;
}

static void sse_open(struct sse *s, const char *path, const char *extra_headers)
{
    memset(s, 0, sizeof(*s));
    s->fd = connect_api();
    char raw[1024];
    snprintf(raw, sizeof(raw),
             "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " API_RO "\r\n%s\r\n", path,
             extra_headers ? extra_headers : "");
    send_str(s->fd, raw);
    uint64_t deadline = procs_now_ms() + 10000;
    while (!s->got_head && sse_read_more(s, deadline))
        ;
    cr_assert(s->got_head, "no response head for %s", path);
}

static void sse_close(struct sse *s)
{
    close(s->fd);
    s->fd = -1;
}

/* The next block (up to a blank line), parsed; false when none came by
 * the deadline or the stream ended. */
static bool sse_next(struct sse *s, int ms, struct sse_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    uint64_t deadline = procs_now_ms() + (uint64_t)ms;
    char *end;
    while (!(end = memmem(s->body, s->bodylen, "\n\n", 2)))
        if (s->ended || !sse_read_more(s, deadline))
            return false;
    *end = 0;
    for (char *line = s->body, *nl; line < end; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            nl = end;
        *nl = 0;
        if (strncmp(line, "id: ", 4) == 0) {
            ev->id = strtoull(line + 4, NULL, 10);
            ev->has_id = true;
        } else if (strncmp(line, "event: ", 7) == 0) {
            snprintf(ev->event, sizeof(ev->event), "%s", line + 7);
        } else if (strncmp(line, "data: ", 6) == 0) {
            cr_assert_null(ev->data, "two data lines in one event");
            ev->data = json_loads(line + 6, 0, NULL);
            cr_assert_not_null(ev->data, "data is not one line of JSON: %s", line + 6);
        } else if (strcmp(line, ": keepalive") == 0) {
            ev->keepalive = true;
        } else if (strncmp(line, "retry: ", 7) == 0) {
            ev->retry = true;
            ev->retry_ms = atoi(line + 7);
        } else {
            cr_assert_fail("unexpected stream line: \"%s\"", line);
        }
    }
    size_t used = (size_t)(end + 2 - s->body);
    memmove(s->body, s->body + used, s->bodylen - used);
    s->bodylen -= used;
    return true;
}

/* The next transition event, checked for shape; skips retry and
 * keepalive blocks. */
static void sse_expect_event(struct sse *s, struct sse_event *ev)
{
    do
        cr_assert(sse_next(s, 10000, ev), "no event within 10 s");
    while (ev->retry || ev->keepalive);
    cr_assert(ev->has_id, "an event without id");
    cr_assert_str_eq(ev->event, "transition");
    cr_assert_not_null(ev->data);
    cr_assert_eq((uint64_t)json_integer_value(json_object_get(ev->data, "key")), ev->id,
                 "id is not the event's key");
}

/* Reads events until one of `camera` going `to`; returns its id. Every
 * id seen goes to `ids` (when given). */
static uint64_t sse_until(struct sse *s, const char *camera, const char *to, uint64_t *ids,
                          size_t *nids, const char *only_unit)
{
    for (int i = 0; i < 1000; i++) {
        struct sse_event ev;
        sse_expect_event(s, &ev);
        if (ids)
            ids[(*nids)++] = ev.id;
        if (only_unit)
            cr_assert_str_eq(json_string_value(json_object_get(ev.data, "unit")), only_unit,
                             "an event of another unit came through the filter");
        bool hit = strcmp(json_string_value(json_object_get(ev.data, "camera")), camera) == 0 &&
                   strcmp(json_string_value(json_object_get(ev.data, "to")), to) == 0;
        json_decref(ev.data);
        if (hit)
            return ev.id;
    }
    cr_assert_fail("no event of %s to %s", camera, to);
    return 0;
}

static char *header_of(struct sse *s, const char *name)
{
    static char val[256];
    char *h = strcasestr(s->head, name);
    if (!h)
        return NULL;
    h += strlen(name);
    h += strspn(h, ": ");
    snprintf(val, sizeof(val), "%.*s", (int)strcspn(h, "\r\n"), h);
    return val;
}

/* ---- tests ---- */

Test(api_stream, delivers_events_committed_after_it_connected)
{
    char cam[2][80], unit[2][80];
    two_cameras(cam, unit);
    struct sse s;
    sse_open(&s, "/api/v1/events/stream", NULL);
    cr_assert_eq(s.status, 200, "%s", s.body);
    cr_assert_str_eq(header_of(&s, "content-type"), "text/event-stream");
    cr_assert_str_eq(header_of(&s, "cache-control"), "no-cache");
    struct sse_event ev;
    cr_assert(sse_next(&s, 5000, &ev));
    cr_assert(ev.retry && ev.retry_ms == 2000, "the stream does not start with retry: 2000");
    maintenance(cam[0], true);
    uint64_t id = sse_until(&s, cam[0], "maintenance", NULL, NULL, NULL);
    cr_assert_eq(id, last_event_of(cam[0]));
    maintenance(cam[0], false);
    uint64_t id2 = sse_until(&s, cam[0], "unknown", NULL, NULL, NULL);
    cr_assert_gt(id2, id);
    sse_close(&s);
}

/* Reads events up to and including the one with key `upto`. */
static size_t sse_collect(struct sse *s, uint64_t upto, uint64_t *ids, size_t cap)
{
    size_t n = 0;
    for (;;) {
        struct sse_event ev;
        sse_expect_event(s, &ev);
        json_decref(ev.data);
        cr_assert_lt(n, cap);
        ids[n++] = ev.id;
        cr_assert_leq(ev.id, upto, "past %" PRIu64 " without seeing it", upto);
        if (ev.id == upto)
            return n;
    }
}

Test(api_stream, resume_replays_exactly_the_missed_events)
{
    char cam[2][80], unit[2][80];
    two_cameras(cam, unit);
    struct sse s;
    sse_open(&s, "/api/v1/events/stream", NULL);
    maintenance(cam[0], true);
    uint64_t seen = sse_until(&s, cam[0], "maintenance", NULL, NULL, NULL);
    sse_close(&s);
    /* Missed while disconnected. */
    maintenance(cam[1], true);
    maintenance(cam[0], false);
    uint64_t marker = last_event_of(cam[0]);
    static uint64_t want[4096], got[4096];
    /* Through the header, then through the parameter. */
    for (int how = 0; how < 2; how++) {
        size_t nwant = index_keys(seen, marker, want, 4096);
        cr_assert_geq(nwant, 2);
        char hdr[64] = "", path[128] = "/api/v1/events/stream";
        if (how == 0)
            snprintf(hdr, sizeof(hdr), "Last-Event-ID: %" PRIu64 "\r\n", seen);
        else
            snprintf(path, sizeof(path), "/api/v1/events/stream?last_event_id=%" PRIu64, seen);
        sse_open(&s, path, hdr);
        cr_assert_eq(s.status, 200, "%s", s.body);
        struct sse_event ev;
        cr_assert(sse_next(&s, 5000, &ev) && ev.retry);
        size_t ngot = sse_collect(&s, marker, got, 4096);
        cr_assert_eq(ngot, nwant, "replayed %zu events, the index has %zu after %" PRIu64, ngot,
                     nwant, seen);
        for (size_t i = 0; i < nwant; i++)
            cr_assert_eq(got[i], want[i], "event %zu: %" PRIu64 " instead of %" PRIu64, i, got[i],
                         want[i]);
        /* Then live, without repeating anything. */
        maintenance(cam[0], how == 0);
        sse_expect_event(&s, &ev);
        json_decref(ev.data);
        cr_assert_gt(ev.id, marker, "an event sent twice");
        sse_close(&s);
        marker = last_event_of(cam[0]);
    }
}

Test(api_stream, unit_filter_passes_only_that_unit)
{
    char cam[2][80], unit[2][80];
    two_cameras(cam, unit);
    struct sse s;
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/events/stream?unit=%s", unit[0]);
    sse_open(&s, path, NULL);
    cr_assert_eq(s.status, 200, "%s", s.body);
    maintenance(cam[1], true); /* the other unit: must not come */
    maintenance(cam[0], true);
    sse_until(&s, cam[0], "maintenance", NULL, NULL, unit[0]);
    sse_close(&s);
    snprintf(path, sizeof(path), "/api/v1/events/stream?unit=NO-SUCH-UNIT");
    sse_open(&s, path, NULL);
    cr_assert_eq(s.status, 404, "%s", s.body);
    sse_close(&s);
}

/* A stream speaks the language it was opened with: texts beside codes. */
static void assert_stream_texts(const char *path, const char *headers, const char *cam,
                                const char *to_text)
{
    struct sse s;
    sse_open(&s, path, headers);
    cr_assert_eq(s.status, 200, "%s", s.body);
    maintenance(cam, true);
    for (int i = 0;; i++) {
        cr_assert_lt(i, 1000, "no event of %s to maintenance", cam);
        struct sse_event ev;
        sse_expect_event(&s, &ev);
        const char *c = json_string_value(json_object_get(ev.data, "camera"));
        const char *to = json_string_value(json_object_get(ev.data, "to"));
        bool hit = strcmp(c, cam) == 0 && strcmp(to, "maintenance") == 0;
        if (hit)
            cr_assert_str_eq(json_string_value(json_object_get(ev.data, "to_text")), to_text,
                             "%s", s.body);
        cr_assert(json_is_string(json_object_get(ev.data, "reason_text")));
        json_decref(ev.data);
        if (hit)
            break;
    }
    sse_close(&s);
    maintenance(cam, false);
}

Test(api_stream, events_carry_texts_in_the_language_asked_for)
{
    char cam[2][80], unit[2][80];
    two_cameras(cam, unit);
    assert_stream_texts("/api/v1/events/stream", "Accept-Language: zh-CN,zh;q=0.9\r\n", cam[0],
                        "维护中");
    assert_stream_texts("/api/v1/events/stream?lang=en", "Accept-Language: zh-CN\r\n", cam[1],
                        "maintenance");
}

Test(api_stream, a_malformed_last_event_id_gets_400)
{
    static const char *bad[] = {
        "abc", "-1", "12x", "", "1 2", "184467440737095516160", "18446744073709551616"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sse s;
        char hdr[128];
        snprintf(hdr, sizeof(hdr), "Last-Event-ID: %s\r\nConnection: close\r\n", bad[i]);
        sse_open(&s, "/api/v1/events/stream", hdr);
        cr_assert_eq(s.status, 400, "Last-Event-ID \"%s\": %d", bad[i], s.status);
        while (sse_read_more(&s, procs_now_ms() + 5000))
            ;
        json_t *j = json_loadb(s.body, s.bodylen, 0, NULL);
        json_t *e = json_object_get(j, "error");
        cr_assert_str_eq(json_string_value(json_object_get(e, "code")), "bad_parameter", "%s",
                         s.body);
        cr_assert(strstr(json_string_value(json_object_get(e, "message")), "Last-Event-ID"));
        json_decref(j);
        sse_close(&s);
    }
    json_t *j = NULL;
    cr_assert_eq(call("GET", "/api/v1/events/stream?last_event_id=x", API_RO, NULL, &j), 400);
    json_decref(j);
    cr_assert_eq(call("GET", "/api/v1/events/stream?since=1h", API_RO, NULL, &j), 400);
    json_decref(j);
    cr_assert_eq(call("GET", "/api/v1/events/stream", "wrong", NULL, &j), 401);
    json_decref(j);
}

Test(api_stream, streams_are_capped)
{
    static struct sse s[65];
    for (int i = 0; i < 64; i++) {
        sse_open(&s[i], "/api/v1/events/stream", NULL);
        cr_assert_eq(s[i].status, 200, "stream %d: %d", i, s[i].status);
    }
    sse_open(&s[64], "/api/v1/events/stream", NULL);
    cr_assert_eq(s[64].status, 503, "the 65th stream got %d", s[64].status);
    sse_close(&s[64]);
    /* Closed streams free their places at once: no event, no heartbeat
     * needed (the server notices the closed sockets when asked for one). */
    for (int i = 0; i < 64; i++)
        sse_close(&s[i]);
    sse_open(&s[0], "/api/v1/events/stream", NULL);
    cr_assert_eq(s[0].status, 200, "a new stream after 64 closed ones got %d", s[0].status);
    sse_close(&s[0]);
}

Test(api_stream, streams_end_when_the_server_stops)
{
    struct sse s[2];
    for (int i = 0; i < 2; i++) {
        sse_open(&s[i], "/api/v1/events/stream", NULL);
        struct sse_event ev;
        cr_assert(sse_next(&s[i], 5000, &ev) && ev.retry);
    }
    kill(api.serve.pid, SIGTERM);
    /* Stopping commits what is left (with fsync): on a busy machine that
     * alone has taken seconds. */
    uint64_t deadline = procs_now_ms() + 15000;
    for (int i = 0; i < 2; i++) {
        while (!s[i].ended && sse_read_more(&s[i], deadline))
            ;
        cr_assert(s[i].ended, "stream %d did not end within 15 s of SIGTERM", i);
        sse_close(&s[i]);
    }
    /* Exit status 0 also means LeakSanitizer found nothing. */
    int rc = api_stop();
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

TestSuite(api_stream_backlog, .init = setup_backlog, .fini = api_teardown, .timeout = 240);

Test(api_stream_backlog, a_client_that_stops_reading_is_cut)
{
    /* A small receive buffer, and nothing read: replaying the backlog
     * (25,000 events, 6.6 MB) fills both sockets' buffers,
     * and the stream's write never completes. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)http_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    send_str(fd, "GET /api/v1/events/stream?last_event_id=0 HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: Bearer " API_RO "\r\n\r\n");
    /* Wait for the service to say it cut the stream (its gauge of open
     * streams goes to 0 after it was 1), however long a busy machine takes
     * to replay the backlog into the full buffers; nothing is read meanwhile. */
    bool seen_open = false, cut = false;
    uint64_t wait_end = procs_now_ms() + 90000;
    while (!cut && procs_now_ms() < wait_end) {
        cr_assert_eq(call("GET", "/metrics", API_RO, NULL, NULL), 200);
        const char *g = strstr(last_body, "\ncamdex_event_streams ");
        long open = g ? strtol(g + strlen("\ncamdex_event_streams "), NULL, 10) : -1;
        seen_open = seen_open || open == 1;
        cut = seen_open && open == 0;
        if (!cut)
            usleep(100 * 1000);
    }
    cr_assert(cut, "the service did not close the stalled stream within 90 s (%s)",
              seen_open ? "it was open" : "it was never seen open");

    /* Cut: reading on finds the end of the connection, well before the
     * whole backlog; not cut, the stream would go on (a keepalive a
     * second) and no end would come. */
    static char buf[1 << 16];
    size_t total = 0, events = 0;
    bool ended = false;
    uint64_t deadline = procs_now_ms() + 60000;
    while (!ended && procs_now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);
        if (r <= 0) {
            ended = true;
            break;
        }
        buf[r] = 0;
        total += (size_t)r;
        for (const char *e = buf; (e = strstr(e, "event: transition")); e++)
            events++;
    }
    close(fd);
    cr_assert(ended, "the stream was not cut: %zu bytes, %zu events read in 60 s", total, events);
    cr_expect_lt(events, 24000, "%zu events arrived before the cut: nothing was held back?",
                 events);
    /* The service goes on serving. */
    cr_expect_eq(call("GET", "/api/v1/units", API_RO, NULL, NULL), 200);
}
