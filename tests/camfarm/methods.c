/* One handler per RTSP method and the table that maps methods to them. A
 * handler runs once camera_request() has found the camera, applied its
 * request faults and credentials, and sess_next() has allowed the method
 * in the session's state; it answers, and says whether the session moves. */
#include "methods.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "packetizer.h"
#include "reply.h"

#define REPLY_MAX 8192

static bool session_matches(const struct conn *c, const struct rtsp_req *req)
{
    char id[16];
    int n = snprintf(id, sizeof(id), "%u", c->session_id);
    return c->has_session && req->session.len == (size_t)n && memcmp(req->session.p, id, n) == 0;
}

/* ---- OPTIONS ---- */

static int on_options(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    reply_simple(c, 200, req->cseq,
                 "Public: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, "
                 "SET_PARAMETER, GET_PARAMETER\r\n");
    return 0;
}

/* ---- DESCRIBE ---- */

static int build_sdp(struct conn *c, const struct cam *cam, const char *base, char *out, size_t cap)
{
    const struct clip *k = &c->farm->clips->clips[camera_clip(c->farm, cam)];
    char ip[16];
    camera_ip_str(c->local_ip, ip, sizeof(ip));
    uint64_t key = camera_id_key(c->farm, cam);
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

static int on_describe(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    char base[RTSP_REQ_URI_MAX + 2], sdp[4096], buf[REPLY_MAX];
    snprintf(base, sizeof(base), "%.*s%s", (int)req->uri.len, req->uri.p,
             req->uri.len && req->uri.p[req->uri.len - 1] == '/' ? "" : "/");
    int slen = build_sdp(c, cam, base, sdp, sizeof(sdp));
    if (slen < 0) {
        reply_simple(c, 500, req->cseq, NULL);
        return slen;
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
    int n = reply_head(c, buf, sizeof(buf), 200, req->cseq);
    n = reply_append(
        buf, sizeof(buf), n,
        "Content-Type: application/sdp\r\nContent-Base: %s\r\nContent-Length: %zu\r\n\r\n", base,
        clen);
    if (n < 0 || (size_t)n + (size_t)slen > sizeof(buf)) {
        reply_simple(c, 500, req->cseq, NULL);
        return -ENOSPC;
    }
    memcpy(buf + n, sdp, (size_t)slen);
    c->described = true;
    conn_reply(c, buf, (size_t)n + (size_t)slen);
    return 0;
}

/* ---- SETUP ---- */

/* What a SETUP's Transport header asks for. */
struct transport {
    bool tcp;
    int channel;     /* interleaved TCP: the RTP channel; RTCP is the next */
    int client_port; /* UDP: the client's RTP port; RTCP is the next */
};

/* Parses a Transport header: interleaved TCP ("interleaved=" optional,
 * channels 0-1 by default) or UDP unicast with "client_port=". Returns 0 or
 * -EPROTONOSUPPORT (answered 461 Unsupported Transport). */
static int transport_parse(struct rtsp_span h, struct transport *t)
{
    struct rtsp_span v;
    *t = (struct transport){.tcp = h.len >= 11 && strncasecmp(h.p, "RTP/AVP/TCP", 11) == 0};
    if (t->tcp) {
        int a = 0, b = 1;
        if (rtsp_param(h, "interleaved", &v) == 0 &&
            (sscanf(v.p, "%d-%d", &a, &b) < 1 || a < 0 || a > 254 || b < 0 || b > 255))
            return -EPROTONOSUPPORT;
        t->channel = a; /* RTCP goes on a + 1, whatever the client asked */
        return 0;
    }
    int cp = 0, cp2 = 0;
    if (rtsp_param(h, "client_port", &v) != 0 || sscanf(v.p, "%d-%d", &cp, &cp2) < 1 || cp <= 0 ||
        cp > 65535)
        return -EPROTONOSUPPORT;
    t->client_port = cp;
    return 0;
}

/* Where UDP media goes: the client's port and address. The address is
 * looked up only here: most connections never need it. Returns 0 or a
 * negative errno. */
static int udp_destination(struct conn *c, const struct cam *cam, const struct transport *t)
{
    if (!(cam->flags & CAM_UDP) || !c->farm->udp_open)
        return -EPROTONOSUPPORT;
    c->client_port = (uint16_t)t->client_port;
    struct sockaddr_storage ss;
    int slen = sizeof(ss);
    int rc = uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &slen);
    if (rc < 0)
        return rc;
    if (ss.ss_family != AF_INET)
        return -EAFNOSUPPORT;
    c->peer_ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
    return 0;
}

/* Every session slot taken, as each vendor says it. */
static void reply_sessions_full(struct conn *c, const struct cam *cam, long cseq)
{
    if (cam->vendor != VENDOR_DAHUA) {
        reply_simple(c, 453, cseq, NULL);
        return;
    }
    static const char msg[] = "Forbidden: the number of connections has reached the upper limit";
    char buf[1024];
    int n = reply_head(c, buf, sizeof(buf), 403, cseq);
    n = reply_append(buf, sizeof(buf), n,
                     "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s", strlen(msg), msg);
    if (n > 0)
        conn_reply(c, buf, (size_t)n);
}

/* Takes one of the camera's session slots for the connection. Slots are
 * per camera, as in firmware: NVR-side viewers count too. Returns 0, or
 * -EBUSY once it has answered that none is free. */
static int open_session(struct conn *c, struct cam *cam, long cseq)
{
    struct farm *f = c->farm;
    assert(!c->has_session);
    if (cam->mode == FAULT_SESSION_LIMIT || cam->sessions >= cam->max_sessions) {
        reply_sessions_full(c, cam, cseq);
        return -EBUSY;
    }
    c->has_session = true;
    c->session_id =
        (uint32_t)(fault_hash(f->start_ms, ++f->session_seq, 3) % 900000000u) + 100000000u;
    cam->sessions++;
    f->sessions_open++;
    return 0;
}

static int on_setup(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    struct farm *f = c->farm;
    struct transport t;
    if (req->session.len && !session_matches(c, req)) {
        reply_simple(c, 454, req->cseq, NULL);
        return -ESRCH;
    }
    int rc = transport_parse(req->transport, &t);
    if (rc == 0 && !t.tcp)
        rc = udp_destination(c, cam, &t);
    if (rc < 0) {
        reply_simple(c, 461, req->cseq, NULL);
        return rc;
    }
    if (!c->has_session && (rc = open_session(c, cam, req->cseq)) < 0)
        return rc;
    c->udp = !t.tcp;
    c->pkt.channel = t.tcp ? t.channel : -1;
    c->pkt.ssrc = (uint32_t)fault_hash(c->session_id, (uint32_t)c->cam, 5);
    c->pkt.seq = (uint16_t)fault_hash(c->session_id, 0, 6);
    char transport[256], buf[REPLY_MAX];
    if (t.tcp)
        snprintf(transport, sizeof(transport),
                 "RTP/AVP/TCP;unicast;interleaved=%d-%d;ssrc=%08x;mode=\"play\"", t.channel,
                 t.channel + 1, c->pkt.ssrc);
    else
        snprintf(transport, sizeof(transport),
                 "RTP/AVP;unicast;client_port=%d-%d;server_port=%u-%u;ssrc=%08x;mode=\"play\"",
                 t.client_port, t.client_port + 1, f->udp_port, f->udp_port + 1, c->pkt.ssrc);
    int n = reply_head(c, buf, sizeof(buf), 200, req->cseq);
    n = reply_append(buf, sizeof(buf), n, "Session: %u;timeout=%u\r\nTransport: %s\r\n\r\n",
                     c->session_id, f->opts.session_timeout_s, transport);
    if (n > 0)
        conn_reply(c, buf, (size_t)n);
    return 0;
}

/* ---- PLAY, PAUSE, TEARDOWN ---- */

static int on_play(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    char buf[REPLY_MAX];
    if (!session_matches(c, req)) {
        reply_simple(c, 454, req->cseq, NULL);
        return -ESRCH;
    }
    c->clip = camera_clip(c->farm, cam);
    c->ts_base = (uint32_t)fault_hash(c->session_id, 0, 7);
    c->frame_no = 0;
    if (cam->mode == FAULT_EARLY_RTP) {
        c->play_start_ms = farm_now_ms(c->farm);
        conn_send_frame(c); /* before the reply, which confuses strict clients */
        c->frame_no = 0;
    }
    int n = reply_head(c, buf, sizeof(buf), 200, req->cseq);
    n = reply_append(
        buf, sizeof(buf), n,
        "Session: %u\r\nRange: npt=now-\r\nRTP-Info: url=%.*s;seq=%u;rtptime=%u\r\n\r\n",
        c->session_id, (int)req->uri.len, req->uri.p, c->pkt.seq, c->ts_base);
    if (n > 0) {
        c->play_after_reply = true;
        conn_reply(c, buf, (size_t)n);
        /* Sent at once: media starts now; held back: when the reply has gone. */
        if (c->state == CONN_READING || c->state == CONN_PLAYING)
            conn_start_media(c);
    }
    return 0;
}

static int on_pause(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    if (!session_matches(c, req)) {
        reply_simple(c, 454, req->cseq, NULL);
        return -ESRCH;
    }
    if (c->state == CONN_PLAYING)
        conn_set_state(c, CONN_READING);
    reply_simple(c, 200, req->cseq, NULL);
    return 0;
}

/* Ends the connection's session; its Session header is not checked. */
static int on_teardown(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    conn_release_session(c);
    if (c->state == CONN_PLAYING)
        conn_set_state(c, CONN_READING);
    reply_simple(c, 200, req->cseq, NULL);
    return 0;
}

/* ---- GET_PARAMETER, SET_PARAMETER: keepalives ---- */

static int on_parameter(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    if (req->session.len && !session_matches(c, req)) {
        reply_simple(c, 454, req->cseq, NULL);
        return -ESRCH;
    }
    if (c->has_session) {
        char s[64];
        snprintf(s, sizeof(s), "Session: %u\r\n", c->session_id);
        reply_simple(c, 200, req->cseq, s);
    } else {
        reply_simple(c, 200, req->cseq, NULL);
    }
    return 0;
}

static int on_not_implemented(struct conn *c, struct cam *cam, const struct rtsp_req *req)
{
    reply_simple(c, 501, req->cseq, NULL);
    return -ENOSYS;
}

/* ---- the table ---- */

static const struct method methods[RTSP_M_COUNT] = {
    [RTSP_M_UNKNOWN] = {0, on_not_implemented},
    [RTSP_M_OPTIONS] = {0, on_options},
    [RTSP_M_DESCRIBE] = {METHOD_AUTH | METHOD_STREAM, on_describe},
    [RTSP_M_SETUP] = {METHOD_AUTH | METHOD_STREAM, on_setup},
    [RTSP_M_PLAY] = {METHOD_AUTH | METHOD_STREAM, on_play},
    [RTSP_M_PAUSE] = {METHOD_AUTH, on_pause},
    [RTSP_M_TEARDOWN] = {METHOD_AUTH, on_teardown},
    [RTSP_M_GET_PARAMETER] = {METHOD_AUTH, on_parameter},
    [RTSP_M_SET_PARAMETER] = {METHOD_AUTH, on_parameter},
    /* Cameras are sources: sess_next() refuses these before any handler. */
    [RTSP_M_ANNOUNCE] = {METHOD_AUTH, on_not_implemented},
    [RTSP_M_RECORD] = {METHOD_AUTH, on_not_implemented},
};

const struct method *method_get(enum rtsp_method m)
{
    /* The parser yields only known enum values, and each has an entry. */
    assert((unsigned)m < RTSP_M_COUNT && methods[m].handle);
    return &methods[m];
}
