/* What a simulated camera answers: Hikvision- and Dahua-styled RTSP
 * replies, authentication, SDP, and the request-level faults. Connection
 * handling and media pacing are in server.c. */
#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "packetizer.h"

#define REPLY_MAX     8192
#define GARBAGE_BYTES 256

/* ---- reply heads ---- */

static const char *reason(int code)
{
    switch (code) {
    case 200:
        return "OK";
    case 302:
        return "Moved Temporarily";
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
    case 453:
        return "Not Enough Bandwidth";
    case 454:
        return "Session Not Found";
    case 455:
        return "Method Not Valid in This State";
    case 461:
        return "Unsupported Transport";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

/* Starts a reply head: status line, CSeq, vendor Server header and Date. */
static int head(struct conn *c, char *out, size_t cap, int code, long cseq)
{
    struct cam *cam = conn_cam(c);
    /* Formatting the date costs more than the rest of a reply: once a second. */
    static char date[64];
    static time_t date_of;
    time_t t = time(NULL);
    if (t != date_of) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof(date), "%a, %b %d %Y %H:%M:%S GMT", &tm);
        date_of = t;
    }
    const char *server = cam && cam->vendor == VENDOR_DAHUA ? "Rtsp Server/3.0" : "Hikvision-Webs";
    int n;
    if (cseq >= 0)
        n = snprintf(out, cap, "RTSP/1.0 %d %s\r\nCSeq: %ld\r\nServer: %s\r\nDate: %s\r\n", code,
                     reason(code), cseq, server, date);
    else
        n = snprintf(out, cap, "RTSP/1.0 %d %s\r\nServer: %s\r\nDate: %s\r\n", code, reason(code),
                     server, date);
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

void camera_reply_simple(struct conn *c, int code, long cseq, const char *extra)
{
    char buf[2048]; /* room for a Location: of a maximal URI */
    int n = head(c, buf, sizeof(buf), code, cseq);
    n = append(buf, sizeof(buf), n, "%s\r\n", extra ? extra : "");
    if (n > 0)
        conn_reply(c, buf, (size_t)n);
}

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
/* The Digest nonce camera `cam` issues in a given minute. */
static void camera_nonce(int cam, uint64_t minute, char out[33])
{
    char src[64];
    int n = snprintf(src, sizeof(src), "%d:%llu", cam, (unsigned long long)minute);
    auth_md5_hex(src, (size_t)n, out);
}

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

static uint64_t id_key(const struct farm *f, const struct cam *cam)
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
    return k >= 0 ? k : cam->clip;
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

/* ---- SDP and methods ---- */

static int build_sdp(struct conn *c, const struct cam *cam, const char *base, char *out, size_t cap)
{
    const struct clip *k = &c->farm->clips->clips[camera_clip(c->farm, cam)];
    char ip[16];
    camera_ip_str(c->local_ip, ip, sizeof(ip));
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

static void do_describe(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    char base[RTSP_REQ_URI_MAX + 2], sdp[4096], buf[REPLY_MAX];
    snprintf(base, sizeof(base), "%.*s%s", (int)req->uri.len, req->uri.p,
             req->uri.len && req->uri.p[req->uri.len - 1] == '/' ? "" : "/");
    int slen = build_sdp(c, cam, base, sdp, sizeof(sdp));
    if (slen < 0) {
        camera_reply_simple(c, 500, req->cseq, NULL);
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
        camera_reply_simple(c, 500, req->cseq, NULL);
        return;
    }
    memcpy(buf + n, sdp, (size_t)slen);
    c->described = true;
    conn_reply(c, buf, (size_t)n + (size_t)slen);
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
        camera_reply_simple(c, 454, req->cseq, NULL);
        return;
    }
    if (tcp) {
        if (rtsp_param(req->transport, "interleaved", &v) == 0 &&
            (sscanf(v.p, "%d-%d", &a, &b) < 1 || a < 0 || a > 254 || b < 0 || b > 255)) {
            camera_reply_simple(c, 461, req->cseq, NULL);
            return;
        }
        if (b != a + 1)
            b = a + 1;
        snprintf(transport, sizeof(transport),
                 "RTP/AVP/TCP;unicast;interleaved=%d-%d;ssrc=%08x;mode=\"play\"", a, b, 0u);
    } else {
        int cp = 0, cp2 = 0;
        if (!(cam->flags & CAM_UDP) || !f->udp_open ||
            rtsp_param(req->transport, "client_port", &v) != 0 ||
            sscanf(v.p, "%d-%d", &cp, &cp2) < 1 || cp <= 0 || cp > 65535) {
            camera_reply_simple(c, 461, req->cseq, NULL);
            return;
        }
        c->client_port = (uint16_t)cp;
        /* Looked up only here: most connections never need it. */
        struct sockaddr_storage ss;
        int slen = sizeof(ss);
        if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &slen) < 0 ||
            ss.ss_family != AF_INET) {
            camera_reply_simple(c, 461, req->cseq, NULL);
            return;
        }
        c->peer_ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
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
                const char *msg =
                    "Forbidden: the number of connections has reached the upper limit";
                n = append(b2, sizeof(b2), n,
                           "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s", strlen(msg),
                           msg);
                if (n > 0)
                    conn_reply(c, b2, (size_t)n);
            } else {
                camera_reply_simple(c, 453, req->cseq, NULL);
            }
            return;
        }
        c->has_session = true;
        c->session_id =
            (uint32_t)(fault_hash(f->start_ms, ++f->session_seq, 3) % 900000000u) + 100000000u;
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

static void do_play(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    char buf[REPLY_MAX];
    if (!session_matches(c, req)) {
        camera_reply_simple(c, 454, req->cseq, NULL);
        return;
    }
    c->clip = camera_clip(c->farm, cam);
    c->ts_base = (uint32_t)fault_hash(c->session_id, 0, 7);
    c->frame_no = 0;
    if (cam->mode == FAULT_EARLY_RTP) {
        c->play_start_ms = farm_now_ms(c->farm);
        conn_send_frame(c); /* before the reply, which confuses strict clients */
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
    /* Sent at once: media starts now; held back: when the reply has gone. */
    if (c->state == CONN_READING || c->state == CONN_PLAYING)
        conn_start_media(c);
}

static void do_teardown(struct conn *c, const struct rtsp_req *req)
{
    conn_release_session(c);
    if (c->state == CONN_PLAYING)
        conn_set_state(c, CONN_READING);
    camera_reply_simple(c, 200, req->cseq, NULL);
}

void camera_request(struct conn *c, const struct rtsp_req *req)
{
    struct farm *f = c->farm;
    struct rtsp_span path = uri_path(req->uri);
    char buf[REPLY_MAX];

    if (c->cam < 0) {
        int i = path_camera(f, &path);
        if (i < 0) {
            camera_reply_simple(c, 404, req->cseq, NULL);
            return;
        }
        c->cam = i;
        struct cam *cam = conn_cam(c);
        cam->conns++;
        cam->open_conns++;
        if (camera_refuses(f, cam)) {
            conn_close(c, true);
            return;
        }
        if (cam->mode == FAULT_BLACKHOLE || cam->mode == FAULT_SYN_DROP ||
            cam->mode == FAULT_SILENT) {
            conn_set_state(c, CONN_SILENT);
            return;
        }
    } else if (!f->fleet->cams[c->cam].ip || c->local_ip != f->fleet->cams[c->cam].ip) {
        path_camera(f, &path); /* path-identified camera: strip the prefix again */
    }
    struct cam *cam = conn_cam(c);
    c->last_req_ms = farm_now_ms(f);
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
    if (req->method == RTSP_M_OPTIONS)
        c->optioned = true;
    else if (cam->mode == FAULT_OPTIONS_FIRST && !c->optioned) {
        /* A strict server: the session "state" starts with OPTIONS. */
        int n = head(c, buf, sizeof(buf), 455, req->cseq);
        n = append(buf, sizeof(buf), n, "\r\n");
        if (n > 0)
            conn_reply(c, buf, (size_t)n);
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
        camera_reply_simple(c, 400, -1, NULL);
        return;
    }
    if (cam->mode == FAULT_BIG_HEADERS) {
        /* Capped at 1 MiB: enough to break any sane client limit. */
        size_t want = (size_t)(cam->arg < 1024 ? cam->arg : 1024) * 1024;
        char *big = malloc(want + 1024);
        if (!big) {
            conn_close(c, false);
            return;
        }
        int n = head(c, big, 1024, 200, req->cseq);
        size_t used = n > 0 ? (size_t)n : 0;
        for (int k = 0; used + 80 < want; k++)
            used += (size_t)snprintf(big + used, want + 1024 - used, "X-Extension-%05d: %060d\r\n",
                                     k, k);
        memcpy(big + used, "\r\n", 2);
        conn_reply(c, big, used + 2);
        free(big);
        return;
    }

    bool stream_method =
        req->method == RTSP_M_DESCRIBE || req->method == RTSP_M_SETUP || req->method == RTSP_M_PLAY;
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
        int scheme =
            cam->mode == FAULT_BAD_AUTH && cam->auth == AUTH_NONE ? AUTH_DIGEST : cam->auth;
        /* A nonce is good in the minute it was issued and the next, as
         * camera firmware limits a nonce's life: a client that keeps one
         * between connections is answered without a new challenge until it
         * expires, and then with stale=TRUE. */
        char nonce[33], prev[33];
        uint64_t minute = farm_now_ms(f) / 60000;
        camera_nonce(c->cam, minute, nonce);
        camera_nonce(c->cam, minute - 1, prev);
        const char *valid[] = {nonce, prev};
        int arc = auth_check(req, scheme, realm, fleet_str(f->fleet, cam->user), pass, valid, 2);
        if (arc < 0) {
            char ch[512];
            if (auth_challenge(scheme, realm, nonce, arc == -ESTALE, ch, sizeof(ch)) < 0)
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
            camera_reply_simple(c, code, req->cseq, extra);
            return;
        }
    }

    enum sess_state next;
    if (sess_next(c->sess, req->method, &next) < 0) {
        camera_reply_simple(
            c, req->method == RTSP_M_RECORD || req->method == RTSP_M_ANNOUNCE ? 405 : 455,
            req->cseq,
            "Allow: OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, "
            "SET_PARAMETER\r\n");
        return;
    }
    switch (req->method) {
    case RTSP_M_OPTIONS:
        camera_reply_simple(c, 200, req->cseq,
                            "Public: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, "
                            "SET_PARAMETER, GET_PARAMETER\r\n");
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
            camera_reply_simple(c, 454, req->cseq, NULL);
            return;
        }
        c->sess = next;
        if (c->state == CONN_PLAYING)
            conn_set_state(c, CONN_READING);
        camera_reply_simple(c, 200, req->cseq, NULL);
        return;
    case RTSP_M_TEARDOWN:
        c->sess = next;
        do_teardown(c, req);
        return;
    case RTSP_M_GET_PARAMETER:
    case RTSP_M_SET_PARAMETER:
        if (req->session.len && !session_matches(c, req)) {
            camera_reply_simple(c, 454, req->cseq, NULL);
            return;
        }
        if (c->has_session) {
            char s[64];
            snprintf(s, sizeof(s), "Session: %u\r\n", c->session_id);
            camera_reply_simple(c, 200, req->cseq, s);
        } else {
            camera_reply_simple(c, 200, req->cseq, NULL);
        }
        return;
    default:
        camera_reply_simple(c, 501, req->cseq, NULL);
        return;
    }
}
