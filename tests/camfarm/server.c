/* The RTSP side of camfarm: accept, per-connection state machine, replies
 * styled after Hikvision and Dahua firmware, faults, RTP pacing. */
#include "server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "auth.h"
#include "packetizer.h"
#include "rtsp_req.h"
#include "session.h"

#define IN_MAX          (RTSP_REQ_HEAD_MAX + RTSP_REQ_BODY_MAX + 8)
#define REPLY_MAX       8192
#define WRITE_QUEUE_MAX (1u << 20) /* drop frames beyond this backlog, as cameras do */
#define GARBAGE_BYTES   256

struct conn {
    uv_tcp_t tcp; /* first: handle->data not needed to find the conn */
    uv_timer_t timer;
    struct farm *farm;
    struct conn *prev, *next;
    int cam; /* index, -1 until known */
    enum conn_state state;
    enum sess_state sess;
    uint32_t session_id;
    uint32_t local_ip, peer_ip;
    uint16_t client_port; /* UDP transport: client's RTP port */
    bool reading, has_session, described, udp, play_after_reply, close_after_reply;
    int handles_open;
    char *in; /* partial request bytes */
    size_t in_len;
    char *out; /* reply held back by "slow" / dribbled by "slowloris" */
    size_t out_len, out_off;
    /* playing */
    int clip;
    uint64_t play_start_ms, last_req_ms;
    uint32_t frame_no, ts_base;
    struct pkt_stream pkt;
};

struct wreq {
    uv_write_t req;
    char data[];
};

static void conn_set_state(struct conn *c, enum conn_state s);
static void conn_close(struct conn *c, bool reset);
static void drain_input(struct conn *c);
static void on_timer(uv_timer_t *t);

static struct cam *cam_of(struct conn *c)
{
    return c->cam >= 0 ? &c->farm->fleet->cams[c->cam] : NULL;
}

static uint64_t now_ms(const struct farm *f)
{
    return uv_now(f->loop);
}

/* ---- writing ---- */

static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a failed write surfaces as a read error and closes */
    free(req);
}

static int conn_write(struct conn *c, const char *data, size_t len)
{
    if (c->state == CONN_CLOSING || len == 0)
        return 0;
    struct cam *cam = cam_of(c);
    c->farm->bytes += len;
    if (cam)
        cam->bytes += len;
    size_t done = 0;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) == 0) {
        int n = uv_try_write((uv_stream_t *)&c->tcp, &(uv_buf_t){(char *)data, len}, 1);
        if (n > 0)
            done = (size_t)n;
        else if (n != UV_EAGAIN)
            return n;
    }
    if (done == len)
        return 0;
    struct wreq *w = malloc(sizeof(*w) + len - done);
    if (!w)
        return -ENOMEM;
    memcpy(w->data, data + done, len - done);
    uv_buf_t b = {w->data, len - done};
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc < 0)
        free(w);
    return rc;
}

/* ---- replies ---- */

static const char *reason(int code)
{
    switch (code) {
    case 200: return "OK";
    case 302: return "Moved Temporarily";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 453: return "Not Enough Bandwidth";
    case 454: return "Session Not Found";
    case 455: return "Method Not Valid in This State";
    case 461: return "Unsupported Transport";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

/* Starts a reply head: status line, CSeq, vendor Server header and Date. */
static int head(struct conn *c, char *out, size_t cap, int code, long cseq)
{
    struct cam *cam = cam_of(c);
    char date[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %b %d %Y %H:%M:%S GMT", &tm);
    const char *server = cam && cam->vendor == VENDOR_DAHUA ? "Rtsp Server/3.0" : "Hikvision-Webs";
    int n;
    if (cseq >= 0)
        n = snprintf(out, cap, "RTSP/1.0 %d %s\r\nCSeq: %ld\r\nServer: %s\r\nDate: %s\r\n", code,
                     reason(code), cseq, server, date);
    else
        n = snprintf(out, cap, "RTSP/1.0 %d %s\r\nServer: %s\r\nDate: %s\r\n", code,
                     reason(code), server, date);
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

static int append(char *out, size_t cap, int used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int append(char *out, size_t cap, int used, const char *fmt, ...)
{
    if (used < 0)
        return used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + used, cap - (size_t)used, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)(used + n) >= cap ? -ENOSPC : used + n;
}

/* Sends a reply, honouring the "slow" and "slowloris" faults. */
static void conn_reply(struct conn *c, const char *data, size_t len)
{
    struct cam *cam = cam_of(c);
    struct farm *f = c->farm;
    f->requests++;
    if (cam)
        cam->requests++;
    if (cam && (cam->mode == FAULT_SLOW || cam->mode == FAULT_SLOWLORIS)) {
        free(c->out);
        c->out = malloc(len);
        if (!c->out) {
            conn_close(c, false);
            return;
        }
        memcpy(c->out, data, len);
        c->out_len = len;
        c->out_off = 0;
        conn_set_state(c, cam->mode == FAULT_SLOW ? CONN_DELAYING : CONN_DRIBBLING);
        return;
    }
    conn_write(c, data, len);
}

static void reply_simple(struct conn *c, int code, long cseq, const char *extra)
{
    char buf[1024];
    int n = head(c, buf, sizeof(buf), code, cseq);
    n = append(buf, sizeof(buf), n, "%s\r\n", extra ? extra : "");
    if (n > 0)
        conn_reply(c, buf, (size_t)n);
}

/* ---- camera identity and URLs ---- */

static void ip_str(uint32_t ip, char *out, size_t cap)
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

/* Resolves "/cam/REF/rest" to a camera and strips the prefix. */
static int path_camera(struct farm *f, struct rtsp_span *path)
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
    int i = fleet_resolve(f->fleet, buf);
    if (i < 0 && buf[0] >= '0' && buf[0] <= '9') {
        char hashed[100];
        snprintf(hashed, sizeof(hashed), "#%s", buf);
        i = fleet_by_id(f->fleet, buf, rlen) >= 0 ? -ENOENT : fleet_resolve(f->fleet, hashed);
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
        ip_str(cam->ip, ip, sizeof(ip));
        snprintf(out, cap, "rtsp://%s:%u%s", ip, f->port, fleet_str(f->fleet, cam->path));
    } else {
        snprintf(out, cap, "rtsp://127.0.0.1:%u/cam/%s%s", f->port,
                 fleet_str(f->fleet, cam->id), fleet_str(f->fleet, cam->path));
    }
}

static uint64_t id_key(const struct farm *f, const struct cam *cam)
{
    const char *s = fleet_str(f->fleet, cam->id);
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

static int effective_clip(const struct farm *f, const struct cam *cam)
{
    int k = f->mode_clip[cam->mode];
    return k >= 0 ? k : cam->clip;
}

static bool flap_down(const struct farm *f, const struct cam *cam)
{
    uint64_t period = (uint64_t)(cam->arg ? cam->arg : 1) * 1000;
    return ((now_ms(f) - f->start_ms) / period) % 2 == 1;
}

/* Faults that act before any byte is read. */
static bool refuses(const struct farm *f, const struct cam *cam)
{
    return (cam->flags & CAM_KILLED) || cam->mode == FAULT_REFUSED ||
           (cam->mode == FAULT_FLAP && flap_down(f, cam));
}

/* ---- SDP ---- */

static int build_sdp(struct conn *c, const struct cam *cam, const char *base, char *out,
                     size_t cap)
{
    const struct clip *k = &c->farm->clips->clips[effective_clip(c->farm, cam)];
    char ip[16];
    ip_str(c->local_ip, ip, sizeof(ip));
    uint64_t key = id_key(c->farm, cam);
    int n = snprintf(out, cap,
                     "v=0\r\n"
                     "o=- %llu %llu IN IP4 %s\r\n"
                     "s=%s\r\n"
                     "e=NONE\r\n"
                     "b=AS:5100\r\n"
                     "t=0 0\r\n"
                     "a=control:%s\r\n"
                     "a=range:npt=now-\r\n"
                     "m=video 0 RTP/AVP %d\r\n"
                     "c=IN IP4 0.0.0.0\r\n"
                     "b=AS:5000\r\n"
                     "a=recvonly\r\n"
                     "a=x-dimensions:%d,%d\r\n"
                     "a=control:%strackID=1\r\n"
                     "a=rtpmap:%d %s/90000\r\n"
                     "a=fmtp:%d %s\r\n"
                     "a=framerate:%d.000000\r\n",
                     (unsigned long long)(key % 10000000000ull), (unsigned long long)1, ip,
                     cam->vendor == VENDOR_DAHUA ? "Media Server" : "Media Presentation", base,
                     PKT_PT, k->width, k->height, base, PKT_PT,
                     k->codec == CLIP_H264 ? "H264" : "H265", PKT_PT, k->fmtp, k->fps);
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/* ---- methods ---- */

static void do_describe(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    char base[RTSP_REQ_URI_MAX + 2], sdp[4096], buf[REPLY_MAX];
    snprintf(base, sizeof(base), "%.*s%s", (int)req->uri.len, req->uri.p,
             req->uri.len && req->uri.p[req->uri.len - 1] == '/' ? "" : "/");
    int slen = build_sdp(c, cam, base, sdp, sizeof(sdp));
    if (slen < 0) {
        reply_simple(c, 500, req->cseq, NULL);
        return;
    }
    size_t clen = (size_t)slen;
    if (cam->mode == FAULT_BAD_SDP) {
        slen = snprintf(sdp, sizeof(sdp),
                        "v=9\r\no=garbage\r\nthis is not SDP\r\nm=video RTP/AVP\r\n"
                        "a=rtpmap:96 H264/abc\r\n");
        clen = (size_t)slen;
    } else if (cam->mode == FAULT_TRUNCATED_SDP) {
        /* Cut in the middle of the media section, Content-Length agreeing. */
        char *m = strstr(sdp, "a=rtpmap:");
        slen = (int)(m ? (size_t)(m - sdp) + 12 : (size_t)slen / 2);
        clen = (size_t)slen;
    } else if (cam->mode == FAULT_BAD_LENGTH) {
        clen += 200; /* the client waits for bytes that never come */
    }
    int n = head(c, buf, sizeof(buf), 200, req->cseq);
    n = append(buf, sizeof(buf), n,
               "Content-Type: application/sdp\r\nContent-Base: %s\r\nContent-Length: %zu\r\n\r\n",
               base, clen);
    if (n < 0 || (size_t)n + (size_t)slen > sizeof(buf)) {
        reply_simple(c, 500, req->cseq, NULL);
        return;
    }
    memcpy(buf + n, sdp, (size_t)slen);
    c->described = true;
    conn_reply(c, buf, (size_t)n + (size_t)slen);
}

static void release_session(struct conn *c)
{
    struct cam *cam = cam_of(c);
    if (!c->has_session)
        return;
    c->has_session = false;
    c->farm->sessions_open--;
    if (cam && cam->sessions)
        cam->sessions--;
}

static bool session_matches(const struct conn *c, const struct rtsp_req *req)
{
    char id[16];
    int n = snprintf(id, sizeof(id), "%u", c->session_id);
    return c->has_session && req->session.len == (size_t)n && memcmp(req->session.p, id, n) == 0;
}

static void do_setup(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    struct farm *f = c->farm;
    struct rtsp_span v;
    char buf[REPLY_MAX], transport[256];
    bool tcp = req->transport.len >= 11 && strncasecmp(req->transport.p, "RTP/AVP/TCP", 11) == 0;
    int a = 0, b = 1;

    if (req->session.len && !session_matches(c, req)) {
        reply_simple(c, 454, req->cseq, NULL);
        return;
    }
    if (tcp) {
        if (rtsp_param(req->transport, "interleaved", &v) == 0 &&
            (sscanf(v.p, "%d-%d", &a, &b) < 1 || a < 0 || a > 254 || b < 0 || b > 255)) {
            reply_simple(c, 461, req->cseq, NULL);
            return;
        }
        if (b != a + 1)
            b = a + 1;
        snprintf(transport, sizeof(transport), "RTP/AVP/TCP;unicast;interleaved=%d-%d;ssrc=%08x;mode=\"play\"",
                 a, b, 0u);
    } else {
        int cp = 0, cp2 = 0;
        if (!(cam->flags & CAM_UDP) || !f->udp_open ||
            rtsp_param(req->transport, "client_port", &v) != 0 ||
            sscanf(v.p, "%d-%d", &cp, &cp2) < 1 || cp <= 0 || cp > 65535) {
            reply_simple(c, 461, req->cseq, NULL);
            return;
        }
        c->client_port = (uint16_t)cp;
        snprintf(transport, sizeof(transport),
                 "RTP/AVP;unicast;client_port=%d-%d;server_port=%u-%u;ssrc=%08x;mode=\"play\"", cp,
                 cp + 1, f->udp_port, f->udp_port + 1, 0u);
    }
    if (!c->has_session) {
        /* Slots are per camera, as in firmware: NVR-side viewers count too. */
        if (cam->mode == FAULT_SESSION_LIMIT || cam->sessions >= cam->max_sessions) {
            if (cam->vendor == VENDOR_DAHUA) {
                char b2[1024];
                int n = head(c, b2, sizeof(b2), 403, req->cseq);
                const char *msg = "Forbidden: the number of connections has reached the upper limit";
                n = append(b2, sizeof(b2), n, "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
                           strlen(msg), msg);
                if (n > 0)
                    conn_reply(c, b2, (size_t)n);
            } else {
                reply_simple(c, 453, req->cseq, NULL);
            }
            return;
        }
        c->has_session = true;
        c->session_id = (uint32_t)(fault_hash(f->start_ms, ++f->session_seq, 3) % 900000000u) + 100000000u;
        cam->sessions++;
        f->sessions_open++;
    }
    c->udp = !tcp;
    c->pkt.channel = tcp ? a : -1;
    c->pkt.ssrc = (uint32_t)fault_hash(c->session_id, (uint32_t)c->cam, 5);
    c->pkt.seq = (uint16_t)fault_hash(c->session_id, 0, 6);
    /* Fix up the ssrc now that it is known. */
    char *ss = strstr(transport, "ssrc=");
    if (ss)
        snprintf(ss + 5, 9, "%08x", c->pkt.ssrc), ss[13] = ';';
    int n = head(c, buf, sizeof(buf), 200, req->cseq);
    n = append(buf, sizeof(buf), n, "Session: %u;timeout=%u\r\nTransport: %s\r\n\r\n",
               c->session_id, f->opts.session_timeout_s, transport);
    if (n > 0)
        conn_reply(c, buf, (size_t)n);
}

static void start_media(struct conn *c);
static void send_frame(struct conn *c);

static void do_play(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    char buf[REPLY_MAX];
    if (!session_matches(c, req)) {
        reply_simple(c, 454, req->cseq, NULL);
        return;
    }
    c->clip = effective_clip(c->farm, cam);
    c->ts_base = (uint32_t)fault_hash(c->session_id, 0, 7);
    c->frame_no = 0;
    if (cam->mode == FAULT_EARLY_RTP) {
        c->play_start_ms = now_ms(c->farm);
        send_frame(c); /* before the reply, which confuses strict clients */
        c->frame_no = 0;
    }
    int n = head(c, buf, sizeof(buf), 200, req->cseq);
    n = append(buf, sizeof(buf), n,
               "Session: %u\r\nRange: npt=now-\r\nRTP-Info: url=%.*s;seq=%u;rtptime=%u\r\n\r\n",
               c->session_id, (int)req->uri.len, req->uri.p, c->pkt.seq, c->ts_base);
    if (n < 0)
        return;
    c->play_after_reply = true;
    conn_reply(c, buf, (size_t)n);
    if (c->state == CONN_READING)
        start_media(c);
}

static void start_media(struct conn *c)
{
    c->play_after_reply = false;
    c->play_start_ms = now_ms(c->farm);
    c->last_req_ms = c->play_start_ms;
    c->frame_no = 0;
    conn_set_state(c, CONN_PLAYING);
}

static void do_teardown(struct conn *c, const struct rtsp_req *req)
{
    release_session(c);
    if (c->state == CONN_PLAYING)
        conn_set_state(c, CONN_READING);
    reply_simple(c, 200, req->cseq, NULL);
}

static void handle_request(struct conn *c, const struct rtsp_req *req)
{
    struct farm *f = c->farm;
    struct rtsp_span path = uri_path(req->uri);
    char buf[REPLY_MAX];

    if (c->cam < 0) {
        int i = path_camera(f, &path);
        if (i < 0) {
            reply_simple(c, 404, req->cseq, NULL);
            return;
        }
        c->cam = i;
        struct cam *cam = cam_of(c);
        cam->conns++;
        if (refuses(f, cam)) {
            conn_close(c, true);
            return;
        }
        if (cam->mode == FAULT_BLACKHOLE || cam->mode == FAULT_SILENT) {
            conn_set_state(c, CONN_SILENT);
            return;
        }
    } else if (!f->fleet->cams[c->cam].ip || c->local_ip != f->fleet->cams[c->cam].ip) {
        path_camera(f, &path); /* path-identified camera: strip the prefix again */
    }
    struct cam *cam = cam_of(c);
    c->last_req_ms = now_ms(f);
    if (f->opts.verbose)
        fprintf(stderr, "camfarm: conn %p cam %d: %s CSeq %ld (mode %s)\n", (void *)c, c->cam,
                rtsp_method_name(req->method), req->cseq, fault_name((enum fault)cam->mode));

    if (cam->mode == FAULT_SILENT) {
        conn_set_state(c, CONN_SILENT);
        return;
    }
    if (cam->mode == FAULT_STALL_DESCRIBE && c->described && req->method != RTSP_M_OPTIONS) {
        conn_set_state(c, CONN_SILENT);
        return;
    }
    if (cam->mode == FAULT_GARBAGE) {
        char g[GARBAGE_BYTES];
        for (int i = 0; i < GARBAGE_BYTES; i++)
            g[i] = (char)(fault_hash(c->session_id + i, (uint32_t)c->cam, 9) & 0xff);
        memcpy(g, "\x16\x03\x01\x00\xfe\x01", 6); /* starts like a TLS hello */
        conn_reply(c, g, sizeof(g));
        return;
    }
    if (req->cseq < 0) {
        reply_simple(c, 400, -1, NULL);
        return;
    }
    if (cam->mode == FAULT_BIG_HEADERS) {
        size_t want = (size_t)cam->arg * 1024;
        char *big = malloc(want + 1024);
        if (!big) {
            conn_close(c, false);
            return;
        }
        int n = head(c, big, 1024, 200, req->cseq);
        size_t used = n > 0 ? (size_t)n : 0;
        for (int k = 0; used + 80 < want; k++)
            used += (size_t)snprintf(big + used, want + 1024 - used, "X-Extension-%05d: %060d\r\n", k, k);
        memcpy(big + used, "\r\n", 2);
        conn_reply(c, big, used + 2);
        free(big);
        return;
    }

    bool stream_method = req->method == RTSP_M_DESCRIBE || req->method == RTSP_M_SETUP ||
                         req->method == RTSP_M_PLAY;
    if (req->method != RTSP_M_OPTIONS && req->method != RTSP_M_UNKNOWN) {
        char realm[AUTH_REALM_MAX];
        auth_realm(cam->vendor, id_key(f, cam), realm, sizeof(realm));
        const char *pass = fleet_str(f->fleet, cam->pass);
        char wrong[300];
        if (cam->mode == FAULT_BAD_AUTH) {
            /* The camera's password was changed on site; the inventory lags. */
            snprintf(wrong, sizeof(wrong), "%s-changed", pass);
            pass = wrong;
        }
        int scheme = cam->mode == FAULT_BAD_AUTH && cam->auth == AUTH_NONE ? AUTH_DIGEST : cam->auth;
        if (auth_check(req, scheme, realm, fleet_str(f->fleet, cam->user), pass) < 0) {
            char nonce_src[64], nonce[33], ch[512];
            snprintf(nonce_src, sizeof(nonce_src), "%d:%llu", c->cam,
                     (unsigned long long)(now_ms(f) / 60000));
            auth_md5_hex(nonce_src, strlen(nonce_src), nonce);
            if (auth_challenge(scheme, realm, nonce, ch, sizeof(ch)) < 0)
                ch[0] = 0;
            int n = head(c, buf, sizeof(buf), 401, req->cseq);
            n = append(buf, sizeof(buf), n, "%s\r\n", ch);
            if (n > 0)
                conn_reply(c, buf, (size_t)n);
            return;
        }
    }
    if (stream_method) {
        int code = 0;
        char extra[1200] = "";
        if (cam->mode == FAULT_NOT_FOUND || !path_matches(f, cam, path))
            code = 404;
        else if (cam->mode == FAULT_ERROR_500)
            code = 500;
        else if (cam->mode == FAULT_ERROR_503)
            code = 503;
        else if (cam->mode == FAULT_REDIRECT || cam->mode == FAULT_REDIRECT_LOOP) {
            char url[1100];
            int target = c->cam;
            if (cam->mode == FAULT_REDIRECT)
                target = cam->arg >= 1 && cam->arg <= f->fleet->count
                             ? cam->arg - 1
                             : (int)(((uint32_t)c->cam + 1) % f->fleet->count);
            cam_url(f, target, url, sizeof(url));
            snprintf(extra, sizeof(extra), "Location: %s\r\n", url);
            code = 302;
        }
        if (code) {
            reply_simple(c, code, req->cseq, extra);
            return;
        }
    }

    enum sess_state next;
    if (sess_next(c->sess, req->method, &next) < 0) {
        reply_simple(c, req->method == RTSP_M_RECORD || req->method == RTSP_M_ANNOUNCE ? 405 : 455,
                     req->cseq, "Allow: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER\r\n");
        return;
    }
    switch (req->method) {
    case RTSP_M_OPTIONS:
        reply_simple(c, 200, req->cseq,
                     "Public: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n");
        return;
    case RTSP_M_DESCRIBE:
        do_describe(c, cam, req);
        return;
    case RTSP_M_SETUP:
        do_setup(c, cam, req);
        if (c->has_session)
            c->sess = next;
        return;
    case RTSP_M_PLAY:
        if (session_matches(c, req))
            c->sess = next;
        do_play(c, cam, req);
        return;
    case RTSP_M_PAUSE:
        if (!session_matches(c, req)) {
            reply_simple(c, 454, req->cseq, NULL);
            return;
        }
        c->sess = next;
        if (c->state == CONN_PLAYING)
            conn_set_state(c, CONN_READING);
        reply_simple(c, 200, req->cseq, NULL);
        return;
    case RTSP_M_TEARDOWN:
        c->sess = next;
        do_teardown(c, req);
        return;
    case RTSP_M_GET_PARAMETER:
    case RTSP_M_SET_PARAMETER:
        if (req->session.len && !session_matches(c, req)) {
            reply_simple(c, 454, req->cseq, NULL);
            return;
        }
        if (c->has_session) {
            char s[64];
            snprintf(s, sizeof(s), "Session: %u\r\n", c->session_id);
            reply_simple(c, 200, req->cseq, s);
        } else {
            reply_simple(c, 200, req->cseq, NULL);
        }
        return;
    default:
        reply_simple(c, 501, req->cseq, NULL);
        return;
    }
}

/* ---- media ---- */

static void send_frame(struct conn *c)
{
    struct farm *f = c->farm;
    const struct clip *k = &f->clips->clips[c->clip];
    size_t au = c->frame_no % k->n_aus;
    uint32_t ts = c->ts_base + (uint32_t)((uint64_t)c->frame_no * 90000 / (uint64_t)k->fps);
    unsigned npkts = 0;
    struct pkt_stream saved = c->pkt;
    if (!c->udp && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > WRITE_QUEUE_MAX)
        return; /* the client reads too slowly: drop the frame, keep the clock */
    int n = pkt_au(k, au, ts, &c->pkt, f->scratch, f->scratch_cap, &npkts);
    if (n < 0) {
        c->pkt = saved;
        return;
    }
    f->rtp_packets += npkts;
    if (!c->udp) {
        conn_write(c, (const char *)f->scratch, (size_t)n);
        return;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(c->client_port),
                             .sin_addr.s_addr = htonl(c->peer_ip)};
    for (size_t off = 0; off + 2 <= (size_t)n;) {
        size_t len = ((size_t)f->scratch[off] << 8) | f->scratch[off + 1];
        uv_buf_t b = {(char *)f->scratch + off + 2, len};
        if (uv_udp_try_send(&f->udp, &b, 1, (const struct sockaddr *)&to) > 0) {
            f->bytes += len;
            if (cam_of(c))
                cam_of(c)->bytes += len;
        }
        off += 2 + len;
    }
}

static void on_play_tick(struct conn *c)
{
    struct farm *f = c->farm;
    struct cam *cam = cam_of(c);
    uint64_t now = now_ms(f);
    const struct clip *k = &f->clips->clips[c->clip];
    /* Cameras drop a session whose client stopped sending keepalives. */
    if (now - c->last_req_ms > (uint64_t)f->opts.session_timeout_s * 1000 + 5000) {
        conn_close(c, false);
        return;
    }
    bool media = cam->mode != FAULT_NO_RTP &&
                 !(cam->mode == FAULT_RTP_STOP && now - c->play_start_ms >= (uint64_t)cam->arg * 1000);
    uint64_t due = c->play_start_ms + (uint64_t)c->frame_no * 1000 / (uint64_t)k->fps;
    if (media && now >= due) {
        /* After a stall (busy loop) skip ahead rather than burst. */
        if (now - due > 1000) {
            c->frame_no = (uint32_t)((now - c->play_start_ms) * (uint64_t)k->fps / 1000);
        }
        send_frame(c);
        c->frame_no++;
        due = c->play_start_ms + (uint64_t)c->frame_no * 1000 / (uint64_t)k->fps;
    }
    uint64_t wait = media ? (due > now ? due - now : 0) : 1000;
    uv_timer_start(&c->timer, on_timer, wait, 0);
}

/* ---- state machine ---- */

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct conn *c = (struct conn *)h;
    (void)hint;
    buf->base = c->farm->rdbuf;
    buf->len = sizeof(c->farm->rdbuf);
}

static void set_reading(struct conn *c, bool on)
{
    if (on == c->reading)
        return;
    if (on && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        return;
    if (!on)
        uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = on;
}

/* The one place a connection changes state: arms the timer for the new
 * state's deadline and starts or stops reading. */
static void conn_set_state(struct conn *c, enum conn_state s)
{
    struct farm *f = c->farm;
    if (c->state == CONN_CLOSING)
        return;
    if (f->opts.verbose)
        fprintf(stderr, "camfarm: conn %p cam %d: %s -> %s\n", (void *)c, c->cam,
                conn_state_name(c->state), conn_state_name(s));
    c->state = s;
    const struct cam *cam = cam_of(c);
    switch (s) {
    case CONN_READING:
        uv_timer_start(&c->timer, on_timer, f->opts.idle_timeout_ms, 0);
        set_reading(c, true);
        break;
    case CONN_DELAYING:
        set_reading(c, false);
        uv_timer_start(&c->timer, on_timer, cam ? cam->arg : 0, 0);
        break;
    case CONN_DRIBBLING:
        set_reading(c, false);
        uv_timer_start(&c->timer, on_timer, 0, 0);
        break;
    case CONN_PLAYING:
        set_reading(c, true);
        uv_timer_start(&c->timer, on_timer, 0, 0);
        break;
    case CONN_SILENT:
        /* Keep draining so the client's writes succeed, answer nothing. */
        uv_timer_start(&c->timer, on_timer, f->opts.idle_timeout_ms, 0);
        break;
    case CONN_CLOSING:
    case CONN_STATE_COUNT:
        break;
    }
}

/* Called when a held-back reply has gone out completely. */
static void reply_done(struct conn *c)
{
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = 0;
    if (c->play_after_reply)
        start_media(c);
    else
        conn_set_state(c, CONN_READING);
    drain_input(c);
}

static void on_timer(uv_timer_t *t)
{
    struct conn *c = (struct conn *)((char *)t - offsetof(struct conn, timer));
    switch (c->state) {
    case CONN_READING:
    case CONN_SILENT:
        conn_close(c, false); /* idle deadline passed */
        return;
    case CONN_DELAYING:
        conn_write(c, c->out, c->out_len);
        reply_done(c);
        return;
    case CONN_DRIBBLING:
        conn_write(c, c->out + c->out_off, 1);
        if (++c->out_off >= c->out_len) {
            reply_done(c);
            return;
        }
        uv_timer_start(&c->timer, on_timer, 1000, 0);
        return;
    case CONN_PLAYING:
        on_play_tick(c);
        return;
    default:
        return;
    }
}

/* Parses and answers every complete request buffered in c->in. */
static void drain_input(struct conn *c)
{
    size_t off = 0;
    if (!c->in)
        return;
    while (off < c->in_len && (c->state == CONN_READING || c->state == CONN_PLAYING)) {
        struct rtsp_req req;
        int rc = rtsp_req_parse(c->in + off, c->in_len - off, &req);
        if (rc == 0)
            break;
        if (rc < 0) {
            reply_simple(c, 400, -1, NULL);
            conn_close(c, false);
            return;
        }
        off += (size_t)rc;
        if (req.kind == RTSP_KIND_REQUEST)
            handle_request(c, &req);
    }
    if (c->state == CONN_CLOSING)
        return;
    if (c->state == CONN_SILENT)
        off = c->in_len;
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    if (c->state == CONN_READING && off > 0)
        uv_timer_start(&c->timer, on_timer, c->farm->opts.idle_timeout_ms, 0);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct conn *c = (struct conn *)s;
    if (n < 0) {
        conn_close(c, false);
        return;
    }
    if (n == 0 || c->state == CONN_SILENT || c->state == CONN_CLOSING)
        return;
    if (c->in_len + (size_t)n > IN_MAX) {
        reply_simple(c, 400, -1, NULL);
        conn_close(c, false);
        return;
    }
    if (!c->in) {
        /* Most requests arrive whole: parse them straight from the shared
         * buffer and only copy what is left over. */
        size_t off = 0;
        while (off < (size_t)n && (c->state == CONN_READING || c->state == CONN_PLAYING)) {
            struct rtsp_req req;
            int rc = rtsp_req_parse(buf->base + off, (size_t)n - off, &req);
            if (rc == 0)
                break;
            if (rc < 0) {
                reply_simple(c, 400, -1, NULL);
                conn_close(c, false);
                return;
            }
            off += (size_t)rc;
            if (req.kind == RTSP_KIND_REQUEST)
                handle_request(c, &req);
        }
        if (c->state == CONN_CLOSING || c->state == CONN_SILENT || off == (size_t)n)
            return;
        if (c->state == CONN_READING && off > 0)
            uv_timer_start(&c->timer, on_timer, c->farm->opts.idle_timeout_ms, 0);
        if (!(c->in = malloc(IN_MAX))) {
            conn_close(c, false);
            return;
        }
        memcpy(c->in, buf->base + off, (size_t)n - off);
        c->in_len = (size_t)n - off;
        return;
    }
    memcpy(c->in + c->in_len, buf->base, (size_t)n);
    c->in_len += (size_t)n;
    drain_input(c);
}

/* ---- connections ---- */

static void on_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    if (--c->handles_open > 0)
        return;
    free(c->in);
    free(c->out);
    free(c);
}

static void conn_close(struct conn *c, bool reset)
{
    struct farm *f = c->farm;
    if (c->state == CONN_CLOSING)
        return;
    conn_set_state(c, CONN_CLOSING);
    release_session(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        f->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    f->open_conns--;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_closed);
    if (reset) {
        f->resets++;
        /* SO_LINGER 0: the client sees a reset, as from a closed port's host. */
        if (uv_tcp_close_reset(&c->tcp, on_closed) == 0)
            return;
    }
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_connection(uv_stream_t *server, int status)
{
    struct farm *f = server->data;
    if (status < 0)
        return;
    struct conn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->farm = f;
    c->cam = -1;
    uv_tcp_init(f->loop, &c->tcp);
    uv_timer_init(f->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->handles_open = 2;
    c->next = f->conns;
    if (f->conns)
        f->conns->prev = c;
    f->conns = c;
    f->open_conns++;
    f->total_conns++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c, false);
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) < 0 || ss.ss_family != AF_INET) {
        conn_close(c, false);
        return;
    }
    c->local_ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
    /* Only loopback is ever served, even when bound to 0.0.0.0. */
    if ((c->local_ip >> 24) != 127) {
        conn_close(c, true);
        return;
    }
    len = sizeof(ss);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_INET)
        c->peer_ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
    uv_tcp_nodelay(&c->tcp, 1);
    c->cam = fleet_by_ip(f->fleet, c->local_ip);
    struct cam *cam = cam_of(c);
    if (cam) {
        cam->conns++;
        if (refuses(f, cam)) {
            conn_close(c, true);
            return;
        }
        if (cam->mode == FAULT_BLACKHOLE) {
            conn_set_state(c, CONN_SILENT); /* not even reading */
            return;
        }
    }
    conn_set_state(c, CONN_READING);
}

int farm_init(struct farm *f, uv_loop_t *loop, struct fleet *fleet, const struct clip_set *clips,
              const struct farm_opts *opts)
{
    memset(f, 0, offsetof(struct farm, rdbuf));
    f->loop = loop;
    f->fleet = fleet;
    f->clips = clips;
    f->opts = *opts;
    f->start_ms = uv_now(loop);
    size_t max_au = 0;
    for (int i = 0; i < clips->count; i++)
        if (clips->clips[i].max_au_bytes > max_au)
            max_au = clips->clips[i].max_au_bytes;
    for (int m = 0; m < FAULT_COUNT; m++) {
        const char *name = fault_clip((enum fault)m);
        f->mode_clip[m] = name ? clip_find(clips, name) : -1;
        if (name && f->mode_clip[m] < 0) {
            /* A missing video-fault clip falls back to a healthy picture. */
            f->mode_clip[m] = -1;
        }
    }
    f->scratch_cap = pkt_au_bound(max_au);
    f->scratch = malloc(f->scratch_cap);
    return f->scratch ? 0 : -ENOMEM;
}

int farm_listen(struct farm *f, const char *ip, int port)
{
    struct sockaddr_in addr;
    int rc = uv_ip4_addr(ip, port, &addr);
    if (rc < 0)
        return rc;
    uv_tcp_init(f->loop, &f->listener);
    f->listener.data = f;
    f->listening = 1;
    if ((rc = uv_tcp_bind(&f->listener, (const struct sockaddr *)&addr, 0)) < 0)
        return rc;
    /* A deep backlog: probers open thousands of connections at once. */
    if ((rc = uv_listen((uv_stream_t *)&f->listener, 4096, on_connection)) < 0)
        return rc;
    struct sockaddr_in got;
    int len = sizeof(got);
    uv_tcp_getsockname(&f->listener, (struct sockaddr *)&got, &len);
    f->port = ntohs(got.sin_port);

    /* UDP transport shares one socket on loopback for every session. */
    struct sockaddr_in uaddr;
    uv_ip4_addr("127.0.0.1", 0, &uaddr);
    uv_udp_init(f->loop, &f->udp);
    f->udp_open = 1;
    if (uv_udp_bind(&f->udp, (const struct sockaddr *)&uaddr, 0) == 0) {
        len = sizeof(got);
        uv_udp_getsockname(&f->udp, (struct sockaddr *)&got, &len);
        f->udp_port = ntohs(got.sin_port);
    }
    return 0;
}

void farm_drop_camera(struct farm *f, int cam)
{
    struct conn *c = f->conns, *next;
    for (; c; c = next) {
        next = c->next;
        if (c->cam == cam)
            conn_close(c, true);
    }
}

void farm_close(struct farm *f)
{
    while (f->conns)
        conn_close(f->conns, false);
    if (f->listening && !uv_is_closing((uv_handle_t *)&f->listener))
        uv_close((uv_handle_t *)&f->listener, NULL);
    if (f->udp_open && !uv_is_closing((uv_handle_t *)&f->udp))
        uv_close((uv_handle_t *)&f->udp, NULL);
    free(f->scratch);
    f->scratch = NULL;
}

int farm_stats_json(const struct farm *f, int i, char *out, size_t cap)
{
    int n;
    if (i < 0) {
        n = snprintf(out, cap,
                     "{\"cameras\":%u,\"connections\":%llu,\"open_connections\":%llu,"
                     "\"sessions_open\":%llu,\"requests\":%llu,\"bytes\":%llu,"
                     "\"rtp_packets\":%llu,\"resets\":%llu}",
                     f->fleet->count, (unsigned long long)f->total_conns,
                     (unsigned long long)f->open_conns, (unsigned long long)f->sessions_open,
                     (unsigned long long)f->requests, (unsigned long long)f->bytes,
                     (unsigned long long)f->rtp_packets, (unsigned long long)f->resets);
    } else {
        const struct cam *c = &f->fleet->cams[i];
        char ip[16] = "";
        if (c->ip)
            ip_str(c->ip, ip, sizeof(ip));
        const char *id = fleet_str(f->fleet, c->id);
        /* Inventory ids are digits and letters; refuse to emit anything else raw. */
        for (const char *p = id; *p; p++)
            if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
                id = "(unprintable)";
        n = snprintf(out, cap,
                     "{\"id\":\"%s\",\"index\":%d,\"ip\":\"%s\",\"mode\":\"%s\",\"arg\":%u,"
                     "\"killed\":%s,\"clip\":\"%s\",\"connections\":%u,\"sessions_open\":%u,"
                     "\"max_sessions\":%u,\"requests\":%u,\"bytes\":%llu}",
                     id, i + 1, ip, fault_name((enum fault)c->mode), c->arg,
                     (c->flags & CAM_KILLED) ? "true" : "false",
                     f->clips->clips[effective_clip(f, c)].name, c->conns, c->sessions,
                     c->max_sessions, c->requests, (unsigned long long)c->bytes);
    }
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}
