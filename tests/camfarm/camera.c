/* What a simulated camera does with a request before its method's handler
 * (methods.c): which camera it is for, the request-level faults,
 * credentials, the faults of the stream, and whether the method is valid in
 * the session's state. Reply heads are in reply.c; connection handling and
 * media pacing in server.c. */
#include "conn.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "methods.h"
#include "reply.h"

#define REPLY_MAX     8192
#define GARBAGE_BYTES 256

/* ---- identity and URLs ---- */

void camera_ip_str(uint32_t ip, char *out, size_t cap)
{
    snprintf(out, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

/* The path of a request URI: "rtsp://host[:port]/p?q" -> "/p?q". */
static struct rtsp_span uri_path(struct rtsp_span uri)
{
    if (uri.len >= 7 && strncasecmp(uri.p, "rtsp://", 7) == 0) {
        const char *slash = memchr(uri.p + 7, '/', uri.len - 7);
        if (!slash)
            return (struct rtsp_span){"/", 1};
        return (struct rtsp_span){slash, uri.len - (size_t)(slash - uri.p)};
    }
    return uri;
}

int path_camera(struct farm *f, struct rtsp_span *path)
{
    if (path->len < 6 || strncmp(path->p, "/cam/", 5) != 0)
        return -ENOENT;
    const char *ref = path->p + 5;
    const char *end = memchr(ref, '/', path->len - 5);
    size_t rlen = end ? (size_t)(end - ref) : path->len - 5;
    char buf[96];
    if (rlen == 0 || rlen >= sizeof(buf))
        return -ENOENT;
    memcpy(buf, ref, rlen);
    buf[rlen] = 0;
    /* An inventory id first; failing that, a camera number. */
    int i = fleet_resolve(f->fleet, buf);
    if (i < 0 && buf[0] >= '0' && buf[0] <= '9') {
        char numbered[100];
        snprintf(numbered, sizeof(numbered), "#%s", buf);
        i = fleet_resolve(f->fleet, numbered);
    }
    if (i < 0)
        return i;
    path->p = end ? end : "/";
    path->len = end ? path->len - 5 - rlen : 1;
    return i;
}

/* True when `path` addresses the camera's stream (or one of its tracks). */
static bool path_matches(const struct farm *f, const struct cam *cam, struct rtsp_span path)
{
    const char *want = fleet_str(f->fleet, cam->path);
    size_t n = strlen(want);
    if (path.len < n || memcmp(path.p, want, n) != 0)
        return false;
    return path.len == n || path.p[n] == '/' || want[n - 1] == '/';
}

/* The URL a client would use for camera i, for redirects. */
static void cam_url(const struct farm *f, int i, char *out, size_t cap)
{
    const struct cam *cam = &f->fleet->cams[i];
    char ip[16];
    if (cam->ip) {
        camera_ip_str(cam->ip, ip, sizeof(ip));
        snprintf(out, cap, "rtsp://%s:%u%s", ip, f->port, fleet_str(f->fleet, cam->path));
    } else {
        snprintf(out, cap, "rtsp://127.0.0.1:%u/cam/%s%s", f->port, fleet_str(f->fleet, cam->id),
                 fleet_str(f->fleet, cam->path));
    }
}

uint64_t camera_id_key(const struct farm *f, const struct cam *cam)
{
    const char *s = fleet_str(f->fleet, cam->id);
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

int camera_clip(const struct farm *f, const struct cam *cam)
{
    int k = f->mode_clip[cam->mode];
    /* scene_changed: the first scene until ARG s after camfarm's start
     * (long enough for a monitor to take it as the camera's reference),
     * then another photograph. */
    if (cam->mode == FAULT_SCENE_CHANGED && k >= 0 &&
        farm_now_ms(f) - f->start_ms < (uint64_t)cam->arg * 1000) {
        int first = clip_find(f->clips, "scene");
        return first >= 0 ? first : cam->clip;
    }
    /* A camera whose picture goes wrong keeps its picture size. */
    return k >= 0 ? f->sized_clip[cam->mode][cam->clip] : cam->clip;
}

static bool flap_down(const struct farm *f, const struct cam *cam)
{
    uint64_t period = (uint64_t)(cam->arg ? cam->arg : 1) * 1000;
    return ((farm_now_ms(f) - f->start_ms) / period) % 2 == 1;
}

/* Faults that act before any byte is read. */
bool camera_refuses(const struct farm *f, const struct cam *cam)
{
    return (cam->flags & CAM_KILLED) || cam->mode == FAULT_REFUSED ||
           (cam->mode == FAULT_FLAP && flap_down(f, cam));
}

/* ---- checks before the method's handler ----
 * Each returns 0 to pass the request on, or a negative errno once it has
 * dealt with the request itself: answered it, or chosen not to. */

/* Finds the request's camera: known from the local address since accept,
 * or named by a "/cam/REF/" prefix, which is stripped from `path` on every
 * request. A camera named so meets its connection faults only now. */
static int bind_camera(struct conn *c, struct rtsp_span *path, long cseq)
{
    struct farm *f = c->farm;
    if (c->cam >= 0) {
        const struct cam *cam = conn_cam(c);
        if (!cam->ip || c->local_ip != cam->ip)
            path_camera(f, path); /* path-identified camera: strip the prefix again */
        return 0;
    }
    int i = path_camera(f, path);
    if (i < 0) {
        reply_simple(c, 404, cseq, NULL);
        return i;
    }
    c->cam = i;
    struct cam *cam = conn_cam(c);
    cam->conns++;
    cam->open_conns++;
    if (camera_refuses(f, cam)) {
        conn_close(c, true);
        return -ECONNREFUSED;
    }
    if (cam->mode == FAULT_BLACKHOLE || cam->mode == FAULT_SYN_DROP || cam->mode == FAULT_SILENT) {
        conn_set_state(c, CONN_SILENT);
        return -ETIMEDOUT;
    }
    return 0;
}

/* Bytes that are not RTSP, the same for a camera on every connection. */
static void send_garbage(struct conn *c)
{
    char g[GARBAGE_BYTES];
    for (int i = 0; i < GARBAGE_BYTES; i++)
        g[i] = (char)(fault_hash(c->session_id + i, (uint32_t)c->cam, 9) & 0xff);
    memcpy(g, "\x16\x03\x01\x00\xfe\x01", 6); /* starts like a TLS hello */
    conn_reply(c, g, sizeof(g));
}

/* A 200 whose head carries ARG KiB of extension headers, capped at 1 MiB:
 * enough to break any sane client limit. */
static void send_big_headers(struct conn *c, const struct cam *cam, long cseq)
{
    size_t want = (size_t)(cam->arg < 1024 ? cam->arg : 1024) * 1024;
    char *big = malloc(want + 1024);
    if (!big) {
        conn_close(c, false);
        return;
    }
    int n = reply_head(c, big, 1024, 200, cseq);
    size_t used = n > 0 ? (size_t)n : 0;
    for (int k = 0; used + 80 < want; k++)
        used +=
            (size_t)snprintf(big + used, want + 1024 - used, "X-Extension-%05d: %060d\r\n", k, k);
    memcpy(big + used, "\r\n", 2);
    conn_reply(c, big, used + 2);
    free(big);
}

/* Faults that answer any request, before credentials are looked at. */
static int request_faults(struct conn *c, const struct cam *cam, const struct rtsp_req *req)
{
    if (cam->mode == FAULT_SILENT ||
        (cam->mode == FAULT_STALL_DESCRIBE && c->described && req->method != RTSP_M_OPTIONS)) {
        conn_set_state(c, CONN_SILENT);
        return -ETIMEDOUT;
    }
    if (req->method == RTSP_M_OPTIONS) {
        c->optioned = true;
    } else if (cam->mode == FAULT_OPTIONS_FIRST && !c->optioned) {
        /* A strict server: the session "state" starts with OPTIONS. */
        reply_simple(c, 455, req->cseq, NULL);
        return -EPROTO;
    }
    if (cam->mode == FAULT_GARBAGE) {
        send_garbage(c);
        return -EBADMSG;
    }
    if (req->cseq < 0) {
        reply_simple(c, 400, -1, NULL);
        return -EBADMSG;
    }
    if (cam->mode == FAULT_BIG_HEADERS) {
        send_big_headers(c, cam, req->cseq);
        return -EMSGSIZE;
    }
    return 0;
}

/* The Digest nonce camera `cam` issues in a given minute. */
static void camera_nonce(int cam, uint64_t minute, char out[33])
{
    char src[64];
    int n = snprintf(src, sizeof(src), "%d:%llu", cam, (unsigned long long)minute);
    auth_md5_hex(src, (size_t)n, out);
}

/* Checks the request's credentials as the camera's firmware would; a
 * refusal is answered 401 with a challenge, and returns -EACCES. */
static int authorize(struct conn *c, const struct cam *cam, const struct rtsp_req *req)
{
    struct farm *f = c->farm;
    char realm[AUTH_REALM_MAX];
    auth_realm(cam->vendor, camera_id_key(f, cam), realm, sizeof(realm));
    const char *pass = fleet_str(f->fleet, cam->pass);
    char wrong[300];
    if (cam->mode == FAULT_BAD_AUTH) {
        /* The camera's password was changed on site; the inventory lags. */
        snprintf(wrong, sizeof(wrong), "%s-changed", pass);
        pass = wrong;
    }
    int scheme = cam->mode == FAULT_BAD_AUTH && cam->auth == AUTH_NONE ? AUTH_DIGEST : cam->auth;
    /* A nonce is good in the minute it was issued and the next, as camera
     * firmware limits a nonce's life: a client that keeps one between
     * connections is answered without a new challenge until it expires,
     * and then with stale=TRUE. */
    char nonce[33], prev[33];
    uint64_t minute = farm_now_ms(f) / 60000;
    camera_nonce(c->cam, minute, nonce);
    camera_nonce(c->cam, minute - 1, prev);
    const char *valid[] = {nonce, prev};
    int rc = auth_check(req, scheme, realm, fleet_str(f->fleet, cam->user), pass, valid, 2);
    if (rc >= 0)
        return 0;
    char ch[512], buf[REPLY_MAX];
    if (auth_challenge(scheme, realm, nonce, rc == -ESTALE, ch, sizeof(ch)) < 0)
        ch[0] = 0;
    int n = reply_head(c, buf, sizeof(buf), 401, req->cseq);
    n = reply_append(buf, sizeof(buf), n, "%s\r\n", ch);
    if (n > 0)
        conn_reply(c, buf, (size_t)n);
    return -EACCES;
}

/* Where a redirecting camera sends clients: camera #ARG (by default the
 * next one), or itself when the redirect loops. */
static int redirect_target(const struct farm *f, int i, const struct cam *cam)
{
    if (cam->mode == FAULT_REDIRECT_LOOP)
        return i;
    return cam->arg >= 1 && cam->arg <= f->fleet->count
               ? cam->arg - 1
               : (int)(((uint32_t)i + 1) % f->fleet->count);
}

/* What the methods that address the stream meet: a path other than the
 * camera's, and the faults of the stream itself. */
static int stream_faults(struct conn *c, const struct cam *cam, struct rtsp_span path, long cseq)
{
    struct farm *f = c->farm;
    char extra[1200] = "";
    int code, rc;
    if (cam->mode == FAULT_NOT_FOUND || !path_matches(f, cam, path)) {
        code = 404;
        rc = -ENOENT;
    } else if (cam->mode == FAULT_ERROR_500 || cam->mode == FAULT_ERROR_503) {
        code = cam->mode == FAULT_ERROR_500 ? 500 : 503;
        rc = -EIO;
    } else if (cam->mode == FAULT_REDIRECT || cam->mode == FAULT_REDIRECT_LOOP) {
        char url[1100];
        cam_url(f, redirect_target(f, c->cam, cam), url, sizeof(url));
        snprintf(extra, sizeof(extra), "Location: %s\r\n", url);
        code = 302;
        rc = -EREMCHG;
    } else {
        return 0;
    }
    reply_simple(c, code, cseq, extra);
    return rc;
}

/* Whether the method is valid in the session's state, and where it takes
 * the session: 455 when not valid now, 405 for what cameras never accept. */
static int session_allows(struct conn *c, const struct rtsp_req *req, enum sess_state *next)
{
    int rc = sess_next(c->sess, req->method, next);
    if (rc < 0)
        reply_simple(c, req->method == RTSP_M_RECORD || req->method == RTSP_M_ANNOUNCE ? 405 : 455,
                     req->cseq,
                     "Allow: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, "
                     "SET_PARAMETER\r\n");
    return rc;
}

/* ---- dispatch ---- */

/* The one place a connection's RTSP session changes state: after its
 * method's handler accepted a request. */
static void session_move(struct conn *c, enum sess_state next)
{
    c->sess = next;
    /* A session exists exactly while it is past SETUP (see camera_request). */
    assert(c->state == CONN_CLOSING || c->has_session == (c->sess != SESS_INIT));
}

void camera_request(struct conn *c, const struct rtsp_req *req)
{
    /* Requests are parsed only while the connection reads them; SETUP opens
     * the session that takes it past SESS_INIT, TEARDOWN and closing end it. */
    assert(c->state == CONN_READING || c->state == CONN_PLAYING);
    assert(c->has_session == (c->sess != SESS_INIT));
    const struct method *m = method_get(req->method);
    struct rtsp_span path = uri_path(req->uri);
    if (bind_camera(c, &path, req->cseq) < 0)
        return;
    struct cam *cam = conn_cam(c);
    assert(cam);
    c->last_req_ms = farm_now_ms(c->farm);
    if (c->farm->opts.verbose)
        fprintf(stderr, "camfarm: conn %p cam %d: %s CSeq %ld (mode %s)\n", (void *)c, c->cam,
                rtsp_method_name(req->method), req->cseq, fault_name((enum fault)cam->mode));
    if (request_faults(c, cam, req) < 0)
        return;
    if ((m->flags & METHOD_AUTH) && authorize(c, cam, req) < 0)
        return;
    if ((m->flags & METHOD_STREAM) && stream_faults(c, cam, path, req->cseq) < 0)
        return;
    enum sess_state next;
    if (session_allows(c, req, &next) < 0)
        return;
    if (m->handle(c, cam, req) == 0)
        session_move(c, next);
}
