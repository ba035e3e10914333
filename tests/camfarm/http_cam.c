/* What an HLS or HTTP-FLV camera of a video platform answers over HTTP:
 * the live FLV stream, the sliding HLS playlist and its segments, and the
 * faults that make sense for HTTP (statuses, redirects, stalls, broken
 * bodies). Connection handling and tag pacing are in streams.c. */
#include "sconn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "stream_url.h"

#define HEAD_MAX      2048
#define GARBAGE_BYTES 256
#define BIG_HEADS_MAX (1024u * 1024u)

static const char *reason(int code)
{
    switch (code) {
    case 200:
        return "OK";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 500:
        return "Internal Server Error";
    default:
        return "Service Unavailable";
    }
}

/* A reply: head (with `extra` header lines, and ARG KiB of extension
 * headers for "big_headers" on a 200), then `body_len` bytes of body
 * copied from body (NULL: room left for the caller at *body_at).
 * length < 0 leaves Content-Length out (a stream the close ends). */
static char *build(struct sconn *c, int code, const char *ctype, const char *extra, long length,
                   bool close, const void *body, size_t body_len, size_t *len, size_t *body_at)
{
    const struct cam *cam = sconn_cam(c);
    size_t big = cam && cam->mode == FAULT_BIG_HEADERS && code == 200
                     ? (size_t)(cam->arg < 1024 ? cam->arg : 1024) * 1024
                     : 0;
    size_t cap = HEAD_MAX + big + body_len;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    char date[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    int n = snprintf(out, HEAD_MAX, "HTTP/1.1 %d %s\r\nServer: camfarm\r\nDate: %s\r\n%s%s%s%s",
                     code, reason(code), date, ctype ? "Content-Type: " : "", ctype ? ctype : "",
                     ctype ? "\r\n" : "", extra ? extra : "");
    if (n > 0 && length >= 0)
        n += snprintf(out + n, HEAD_MAX - (size_t)n, "Content-Length: %ld\r\n", length);
    if (n > 0)
        n += snprintf(out + n, HEAD_MAX - (size_t)n, "Connection: %s\r\n",
                      close ? "close" : "keep-alive");
    if (n <= 0 || (size_t)n >= HEAD_MAX - 2) {
        free(out);
        return NULL;
    }
    size_t used = (size_t)n;
    for (int k = 0; used + 80 < HEAD_MAX + big && big; k++)
        used += (size_t)snprintf(out + used, cap - used, "X-Extension-%05d: %060d\r\n", k, k);
    memcpy(out + used, "\r\n", 2);
    used += 2;
    if (body_at)
        *body_at = used;
    if (body)
        memcpy(out + used, body, body_len);
    *len = used + body_len;
    return out;
}

static void reply(struct sconn *c, int code, const char *ctype, const char *extra, const char *body,
                  bool close)
{
    size_t len, blen = body ? strlen(body) : 0;
    char *out = build(c, code, ctype, extra, (long)blen, close, body, blen, &len, NULL);
    if (!out) {
        sconn_close(c, false);
        return;
    }
    sconn_reply(c, out, len, false, close);
}

/* Bytes that are not HTTP, the same for a camera on every connection. */
static void send_garbage(struct sconn *c)
{
    char *g = malloc(GARBAGE_BYTES);
    if (!g) {
        sconn_close(c, false);
        return;
    }
    for (int i = 0; i < GARBAGE_BYTES; i++)
        g[i] = (char)(fault_hash((uint64_t)i, (uint32_t)c->cam, 9) & 0xff);
    memcpy(g, "\x16\x03\x01\x00\xfe\x01", 6); /* starts like a TLS hello */
    sconn_reply(c, g, GARBAGE_BYTES, false, false);
}

/* Statuses a platform answers instead of the stream. Returns true when it
 * answered. */
static bool status_faults(struct sconn *c, const struct cam *cam, const struct http_req *req)
{
    char extra[1400];
    char ip[16];
    switch (cam->mode) {
    case FAULT_BAD_AUTH:
        reply(c, 401, "text/plain", "WWW-Authenticate: Basic realm=\"camfarm\"\r\n",
              "401 Unauthorized: a valid token or account is required\n", true);
        return true;
    case FAULT_NOT_FOUND:
        reply(c, 404, "text/plain", NULL, "404 Not Found: no such stream\n", true);
        return true;
    case FAULT_ERROR_500:
        reply(c, 500, "text/plain", NULL, "500 Internal Server Error\n", true);
        return true;
    case FAULT_ERROR_503:
        reply(c, 503, "text/plain", "Retry-After: 30\r\n", "503 Service Unavailable\n", true);
        return true;
    case FAULT_SESSION_LIMIT:
        reply(c, 403, "text/plain", NULL,
              "Forbidden: the number of connections has reached the upper limit\n", true);
        return true;
    case FAULT_REDIRECT:
        if (c->by_path)
            return false; /* the platform's address serves the stream */
        /* The stream moved to the platform's own address, named by path. */
        snprintf(extra, sizeof(extra), "Location: http://127.0.0.1:%u/cam/%d%.*s\r\n",
                 c->s->http_port, c->cam + 1, (int)req->target.len, req->target.p);
        reply(c, 302, "text/plain", extra, "302 Found\n", true);
        return true;
    case FAULT_REDIRECT_LOOP:
        /* Back to where the request came (its target keeps any "/cam/N"). */
        camera_ip_str(cam->ip ? cam->ip : 0x7f000001u, ip, sizeof(ip));
        snprintf(extra, sizeof(extra), "Location: http://%s:%u%.*s\r\n", ip, c->s->http_port,
                 (int)req->target.len, req->target.p);
        reply(c, 302, "text/plain", extra, "302 Found\n", true);
        return true;
    default:
        return false;
    }
}

/* The live FLV stream: head and decoder configuration now, tags paced. */
static void serve_flv(struct sconn *c, const struct cam *cam, bool head_only)
{
    struct farm *f = c->s->farm;
    const struct media_flv *m = media_flv_of(c->s->media, camera_clip(f, cam));
    if (!m) {
        reply(c, 500, "text/plain", NULL, "500 no FLV form of this clip\n", true);
        return;
    }
    if (cam->mode == FAULT_BAD_SDP) { /* a portal's page instead of the stream */
        reply(c, 200, "text/html", NULL, "<html><body>Stream offline</body></html>\n", true);
        return;
    }
    size_t body = head_only ? 0 : cam->mode == FAULT_TRUNCATED_SDP ? 9 : m->prefix;
    size_t len;
    char *out = build(c, 200, "video/x-flv", "Cache-Control: no-cache\r\n", -1, true, m->data, body,
                      &len, NULL);
    if (!out) {
        sconn_close(c, false);
        return;
    }
    c->flv = m;
    bool stream = !head_only && cam->mode != FAULT_TRUNCATED_SDP;
    sconn_reply(c, out, len, stream, !stream);
}

/* Where the camera's live playlist starts now. */
static uint64_t hls_first(const struct sconn *c, const struct cam *cam, unsigned seg_ms)
{
    struct farm *f = c->s->farm;
    uint64_t elapsed = uv_now(c->s->loop) - f->start_ms;
    /* "rtp_stop": the playlist stops moving ARG s after the platform started. */
    if (cam->mode == FAULT_RTP_STOP && elapsed > (uint64_t)cam->arg * 1000)
        elapsed = (uint64_t)cam->arg * 1000;
    return elapsed / seg_ms;
}

static void serve_playlist(struct sconn *c, const struct cam *cam, const struct media *m,
                           bool head_only, bool close)
{
    const char *path = fleet_str(c->s->farm->fleet, cam->path);
    const char *name = strrchr(path, '/') + 1;
    char body[1024];
    int n = hls_playlist(body, sizeof(body), name, strlen(name) - 5, hls_first(c, cam, m->seg_ms),
                         m->seg_ms);
    if (n < 0) {
        sconn_close(c, false);
        return;
    }
    long length = n;
    if (cam->mode == FAULT_BAD_SDP)
        n = snprintf(body, sizeof(body), "<html><body>Stream offline</body></html>\n");
    else if (cam->mode == FAULT_TRUNCATED_SDP)
        n = 60; /* cut inside the head: no segment listed */
    else if (cam->mode == FAULT_BAD_LENGTH)
        length += 200; /* announces more than it sends */
    if (cam->mode == FAULT_BAD_SDP || cam->mode == FAULT_TRUNCATED_SDP)
        length = n;
    size_t len;
    char *out = build(c, 200, "application/vnd.apple.mpegurl", "Cache-Control: no-cache\r\n",
                      length, close, body, head_only ? 0 : (size_t)n, &len, NULL);
    if (!out) {
        sconn_close(c, false);
        return;
    }
    sconn_reply(c, out, len, false, close);
}

static void serve_segment(struct sconn *c, const struct cam *cam, const struct media *m,
                          uint64_t seq, bool head_only, bool close)
{
    uint64_t first = hls_first(c, cam, m->seg_ms);
    if (seq + HLS_WINDOW < first || seq >= first + HLS_WINDOW) {
        reply(c, 404, "text/plain", NULL, "404 Not Found: segment outside the window\n", close);
        return;
    }
    if (cam->mode == FAULT_NO_RTP) {
        sconn_set_state(c, SC_SILENT); /* the playlist moves, no segment comes */
        return;
    }
    unsigned k = (unsigned)(seq % m->n_seg);
    size_t len, at;
    char *out = build(c, 200, "video/mp2t", NULL, (long)m->seg_len[k], close,
                      head_only ? NULL : m->seg[k], head_only ? 0 : m->seg_len[k], &len, &at);
    if (!out) {
        sconn_close(c, false);
        return;
    }
    /* Each loop of the clip carries on the timestamps of the last. */
    uint64_t loop_90k = (uint64_t)m->n_seg * m->seg_ms * 90;
    if (!head_only)
        ts_shift((uint8_t *)out + at, m->seg_len[k], (seq / m->n_seg) * loop_90k);
    sconn_reply(c, out, len, false, close);
}

/* The camera the request is for: by address since accept, else by a
 * "/cam/N/" prefix (stripped from path). Returns it, or NULL once it has
 * dealt with the request. */
static const struct cam *bind_camera(struct sconn *c, struct rtsp_span *path)
{
    struct farm *f = c->s->farm;
    if (c->cam >= 0 && !c->by_path)
        return sconn_cam(c);
    int i = path_camera(f, path);
    if (i < 0 || (c->cam >= 0 && i != c->cam)) {
        reply(c, 404, "text/plain", NULL, "404 Not Found\n", true);
        return NULL;
    }
    if (c->cam < 0) {
        c->cam = i;
        c->by_path = true;
        struct cam *cam = sconn_cam(c);
        cam->conns++;
        cam->open_conns++;
        if (camera_refuses(f, cam) || (cam->proto != PROTO_HLS && cam->proto != PROTO_FLV)) {
            sconn_close(c, true);
            return NULL;
        }
    }
    return sconn_cam(c);
}

static void answer(struct sconn *c, const struct http_req *req)
{
    struct rtsp_span path = req->path;
    const struct cam *cam = bind_camera(c, &path);
    if (!cam)
        return;
    bool head_only = req->method.len == 4 && memcmp(req->method.p, "HEAD", 4) == 0;
    bool close = !req->keep_alive;
    if (cam->mode == FAULT_SILENT || cam->mode == FAULT_STALL_DESCRIBE ||
        cam->mode == FAULT_BLACKHOLE || cam->mode == FAULT_SYN_DROP) {
        sconn_set_state(c, SC_SILENT);
        return;
    }
    if (!head_only && !(req->method.len == 3 && memcmp(req->method.p, "GET", 3) == 0)) {
        reply(c, 405, "text/plain", "Allow: GET, HEAD\r\n", "405 Method Not Allowed\n", true);
        return;
    }
    if (cam->mode == FAULT_GARBAGE) {
        send_garbage(c);
        return;
    }
    if (status_faults(c, cam, req))
        return;
    const char *want = fleet_str(c->s->farm->fleet, cam->path);
    bool exact = path.len == strlen(want) && memcmp(path.p, want, path.len) == 0;
    if (cam->proto == PROTO_FLV && exact) {
        serve_flv(c, cam, head_only);
        return;
    }
    const struct media *m = &c->s->media->m[camera_clip(c->s->farm, cam)];
    uint64_t seq;
    if (cam->proto == PROTO_HLS && m->n_seg == 0)
        reply(c, 500, "text/plain", NULL, "500 no MPEG-TS form of this clip\n", true);
    else if (cam->proto == PROTO_HLS && exact)
        serve_playlist(c, cam, m, head_only, close);
    else if (cam->proto == PROTO_HLS && hls_segment_seq(want, path.p, path.len, &seq) == 0)
        serve_segment(c, cam, m, seq, head_only, close);
    else
        reply(c, 404, "text/plain", NULL, "404 Not Found: no such stream\n", close);
}

int http_cam_input(struct sconn *c, const char *buf, size_t len)
{
    struct http_req req;
    int n = http_req_parse(buf, len, &req);
    if (n == 0)
        return 0;
    if (n < 0) {
        reply(c, 400, "text/plain", NULL, "400 Bad Request\n", true);
        return (int)len; /* nothing after a request that is not HTTP is read */
    }
    answer(c, &req);
    return n;
}

void http_cam_send_tag(struct sconn *c, const struct media_tag *t, uint32_t ts)
{
    uint8_t head[FLV_TAG_HEAD];
    memcpy(head, c->flv->data + t->off, FLV_TAG_HEAD);
    flv_tag_set_ts(head, ts);
    if (sconn_write(c, head, sizeof(head)) < 0 ||
        sconn_write(c, c->flv->data + t->off + FLV_TAG_HEAD, t->len - FLV_TAG_HEAD) < 0)
        sconn_close(c, false);
}
