/* What an RTMP camera of a video platform answers: the handshake, connect,
 * createStream and play, then the clip's FLV tags as audio/video messages;
 * and the faults that make sense for RTMP (connect rejected or failed,
 * stream not found, stalls, no media). Connection handling and tag pacing
 * are in streams.c; chunks and AMF0 in rtmp_proto.c. */
#include "sconn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtmp_proto.h"

#define REPLY_MAX     8192
#define GARBAGE_BYTES 256
#define CS_CONTROL    2 /* protocol control and user control messages */
#define CS_COMMAND    3
#define CS_STATUS     5
#define CS_AUDIO      4
#define CS_VIDEO      6
#define STREAM_ID     1 /* the one message stream createStream hands out */

enum rtmp_phase {
    RP_C0C1 = 0, /* waiting for the client's version byte and C1 */
    RP_C2,       /* S0, S1, S2 sent; waiting for C2 */
    RP_COMMANDS, /* chunk stream: connect, createStream, play */
};

struct rtmp_sess {
    uint8_t phase;
    bool connected; /* connect succeeded */
    struct rtmp_rx rx;
};

/* A reply being put together: chunked messages, sent as one. */
struct out {
    uint8_t buf[REPLY_MAX];
    size_t len;
    bool overflow;
};

static void out_msg(struct out *o, int csid, uint8_t type, uint32_t sid, const void *p, size_t n)
{
    int w = rtmp_chunk_write(o->buf + o->len, sizeof(o->buf) - o->len, csid, type, 0, sid, p, n);
    if (w < 0)
        o->overflow = true;
    else
        o->len += (size_t)w;
}

static void out_u32(struct out *o, uint8_t type, uint32_t v, int extra_byte)
{
    uint8_t b[5] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v,
                    (uint8_t)extra_byte};
    out_msg(o, CS_CONTROL, type, 0, b, extra_byte >= 0 ? 5 : 4);
}

/* A command reply: NAME, txn, null or the properties, then an info object. */
static void out_status(struct out *o, int csid, uint32_t sid, const char *name, double txn,
                       const char *level, const char *code, const char *description)
{
    uint8_t body[1024];
    struct amf_buf b = {body, 0, sizeof(body), false};
    amf0_put_string(&b, name);
    amf0_put_number(&b, txn);
    amf0_put_null(&b);
    amf0_put_object_start(&b);
    amf0_put_prop_string(&b, "level", level);
    amf0_put_prop_string(&b, "code", code);
    amf0_put_prop_string(&b, "description", description);
    amf0_put_object_end(&b);
    if (b.overflow)
        o->overflow = true;
    else
        out_msg(o, csid, RTMP_COMMAND_AMF0, sid, body, b.len);
}

static void send_out(struct sconn *c, const struct out *o, bool then_stream, bool then_close)
{
    char *copy = o->overflow ? NULL : malloc(o->len ? o->len : 1);
    if (!copy) {
        sconn_close(c, false);
        return;
    }
    memcpy(copy, o->buf, o->len);
    sconn_reply(c, copy, o->len, then_stream, then_close);
}

/* S0, S1 (no digest: version bytes zero, so clients skip its check), S2
 * (C1 echoed). */
static void handshake(struct sconn *c, const uint8_t *c1)
{
    char *s = malloc(1 + 2 * RTMP_HANDSHAKE);
    if (!s) {
        sconn_close(c, false);
        return;
    }
    s[0] = 3;
    memset(s + 1, 0, 8);
    for (int i = 8; i < RTMP_HANDSHAKE; i++)
        s[1 + i] = (char)(fault_hash((uint64_t)i, (uint32_t)c->cam, 11) & 0xff);
    memcpy(s + 1 + RTMP_HANDSHAKE, c1, RTMP_HANDSHAKE);
    sconn_reply(c, s, 1 + 2 * RTMP_HANDSHAKE, false, false);
}

/* "/live/ID" splits into the application ("live") and the stream ("ID"). */
static bool path_part(const char *path, bool stream, const char *got)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return false;
    size_t n = stream ? strlen(slash + 1) : (size_t)(slash - path - 1);
    const char *want = stream ? slash + 1 : path + 1;
    size_t glen = strcspn(got, "?");
    return glen == n && strncmp(got, want, n) == 0;
}

static void on_connect(struct sconn *c, const struct cam *cam, double txn, const uint8_t *p,
                       const uint8_t *end)
{
    struct out o = {.len = 0};
    char app[256] = "";
    amf0_object_string(p, end, "app", app, sizeof(app));
    const char *code = NULL, *why = NULL;
    if (cam->mode == FAULT_BAD_AUTH)
        code = "NetConnection.Connect.Rejected", why = "Connection rejected: authentication failed";
    else if (cam->mode == FAULT_SESSION_LIMIT)
        code = "NetConnection.Connect.Rejected",
        why = "Connection rejected: the number of connections has reached the upper limit";
    else if (cam->mode == FAULT_ERROR_500 || cam->mode == FAULT_ERROR_503)
        code = "NetConnection.Connect.Failed", why = "Connection failed: server error";
    else if (!path_part(fleet_str(c->s->farm->fleet, cam->path), false, app))
        code = "NetConnection.Connect.Rejected", why = "Connection rejected: no such application";
    /* First: every later chunk is this long, the _error's too. */
    out_u32(&o, RTMP_SET_CHUNK_SIZE, RTMP_OUT_CHUNK, -1);
    if (code) {
        out_status(&o, CS_COMMAND, 0, "_error", txn, "error", code, why);
        send_out(c, &o, false, true);
        return;
    }
    out_u32(&o, RTMP_WINDOW_ACK, 2500000, -1);
    out_u32(&o, RTMP_PEER_BW, 2500000, 2);
    uint8_t body[1024];
    struct amf_buf b = {body, 0, sizeof(body), false};
    amf0_put_string(&b, "_result");
    amf0_put_number(&b, txn);
    amf0_put_object_start(&b);
    amf0_put_prop_string(&b, "fmsVer", "FMS/3,0,1,123");
    amf0_put_prop_number(&b, "capabilities", 31);
    amf0_put_object_end(&b);
    amf0_put_object_start(&b);
    amf0_put_prop_string(&b, "level", "status");
    amf0_put_prop_string(&b, "code", "NetConnection.Connect.Success");
    amf0_put_prop_string(&b, "description", "Connection succeeded.");
    amf0_put_prop_number(&b, "objectEncoding", 0);
    amf0_put_object_end(&b);
    out_msg(&o, CS_COMMAND, RTMP_COMMAND_AMF0, 0, body, b.len);
    c->rtmp->connected = true;
    send_out(c, &o, false, false);
}

/* The FLV's metadata and decoder configuration tags as messages. */
static void out_prefix(struct out *o, const struct media_flv *m)
{
    for (size_t off = 13; off + FLV_TAG_HEAD + 4 <= m->prefix;) {
        const uint8_t *t = m->data + off;
        size_t body = (size_t)t[1] << 16 | (size_t)t[2] << 8 | t[3];
        uint8_t type = t[0] & 0x1f;
        out_msg(o, type == RTMP_VIDEO ? CS_VIDEO : CS_AUDIO, type, STREAM_ID, t + FLV_TAG_HEAD,
                body);
        off += FLV_TAG_HEAD + body + 4;
    }
}

static void on_play(struct sconn *c, const struct cam *cam, const uint8_t *p, const uint8_t *end)
{
    struct out o = {.len = 0};
    char name[256] = "";
    amf0_skip(&p, end); /* null */
    amf0_read_string(&p, end, name, sizeof(name));
    const struct media_flv *m = media_flv_of(c->s->media, camera_clip(c->s->farm, cam));
    if (!m || cam->mode == FAULT_NOT_FOUND ||
        !path_part(fleet_str(c->s->farm->fleet, cam->path), true, name)) {
        out_status(&o, CS_STATUS, STREAM_ID, "onStatus", 0, "error",
                   "NetStream.Play.StreamNotFound", "No such stream.");
        send_out(c, &o, false, false);
        return;
    }
    uint8_t begin[6] = {0, 0, 0, 0, 0, STREAM_ID}; /* user control: Stream Begin */
    out_msg(&o, CS_CONTROL, RTMP_USER_CONTROL, 0, begin, sizeof(begin));
    out_status(&o, CS_STATUS, STREAM_ID, "onStatus", 0, "status", "NetStream.Play.Reset",
               "Playing and resetting.");
    out_status(&o, CS_STATUS, STREAM_ID, "onStatus", 0, "status", "NetStream.Play.Start",
               "Started playing.");
    bool cut = cam->mode == FAULT_TRUNCATED_SDP; /* the stream ends as it starts */
    if (!cut)
        out_prefix(&o, m);
    c->flv = m;
    send_out(c, &o, !cut, cut);
}

static int on_command(struct sconn *c, const struct rtmp_msg *msg)
{
    const struct cam *cam = sconn_cam(c);
    const uint8_t *p = msg->data, *end = msg->data + msg->len;
    char name[64];
    double txn = 0;
    if (amf0_read_string(&p, end, name, sizeof(name)) < 0)
        return -EPROTO;
    amf0_read_number(&p, end, &txn);
    if (cam->mode == FAULT_STALL_DESCRIBE && c->rtmp->connected) {
        sconn_set_state(c, SC_SILENT); /* connect answered, nothing after */
        return 0;
    }
    if (strcmp(name, "connect") == 0) {
        on_connect(c, cam, txn, p, end);
    } else if (!c->rtmp->connected) {
        return -EPROTO;
    } else if (strcmp(name, "createStream") == 0) {
        struct out o = {.len = 0};
        uint8_t body[64];
        struct amf_buf b = {body, 0, sizeof(body), false};
        amf0_put_string(&b, "_result");
        amf0_put_number(&b, txn);
        amf0_put_null(&b);
        amf0_put_number(&b, STREAM_ID);
        out_msg(&o, CS_COMMAND, RTMP_COMMAND_AMF0, 0, body, b.len);
        send_out(c, &o, false, false);
    } else if (strcmp(name, "play") == 0) {
        on_play(c, cam, p, end);
    } else if (strcmp(name, "deleteStream") == 0 || strcmp(name, "closeStream") == 0) {
        sconn_set_state(c, SC_FINISHING);
    }
    /* Anything else (releaseStream, FCSubscribe, getStreamLength, ...) needs
     * no answer to play. */
    return 0;
}

static int on_chunks(struct sconn *c, const uint8_t *buf, size_t len)
{
    struct rtmp_msg msg;
    bool done;
    int n = rtmp_chunk_parse(&c->rtmp->rx, buf, len, &msg, &done);
    if (n <= 0)
        return n;
    if (done && msg.type == RTMP_COMMAND_AMF0) {
        int rc = on_command(c, &msg);
        if (rc < 0)
            return rc;
    }
    return n;
}

int rtmp_cam_input(struct sconn *c, const char *in, size_t len)
{
    const struct cam *cam = sconn_cam(c);
    const uint8_t *buf = (const uint8_t *)in;
    if (!c->rtmp && !(c->rtmp = calloc(1, sizeof(*c->rtmp))))
        return -ENOMEM;
    if (c->rtmp->phase == RP_C0C1) {
        if (cam->mode == FAULT_SILENT) {
            sconn_set_state(c, SC_SILENT);
            return (int)len;
        }
        if (buf[0] != 3)
            return -EPROTO; /* not RTMP's plain version */
        if (len < 1 + RTMP_HANDSHAKE)
            return 0;
        if (cam->mode == FAULT_GARBAGE) {
            char *g = malloc(GARBAGE_BYTES);
            if (!g)
                return -ENOMEM;
            for (int i = 0; i < GARBAGE_BYTES; i++)
                g[i] = (char)(fault_hash((uint64_t)i, (uint32_t)c->cam, 9) & 0xff);
            memcpy(g, "\x16\x03\x01\x00\xfe\x01", 6); /* starts like a TLS hello */
            sconn_reply(c, g, GARBAGE_BYTES, false, false);
            return (int)len;
        }
        rtmp_rx_init(&c->rtmp->rx);
        c->rtmp->phase = RP_C2;
        handshake(c, buf + 1);
        return 1 + RTMP_HANDSHAKE;
    }
    if (c->rtmp->phase == RP_C2) {
        if (len < RTMP_HANDSHAKE)
            return 0;
        c->rtmp->phase = RP_COMMANDS;
        return RTMP_HANDSHAKE;
    }
    return on_chunks(c, buf, len);
}

void rtmp_cam_send_tag(struct sconn *c, const struct media_tag *t, uint32_t ts)
{
    struct streams *s = c->s;
    size_t body = t->len - FLV_TAG_HEAD - 4;
    size_t need = rtmp_chunked_bound(body);
    if (need > s->scratch_cap) {
        uint8_t *b = realloc(s->scratch, need);
        if (!b) {
            sconn_close(c, false);
            return;
        }
        s->scratch = b;
        s->scratch_cap = need;
    }
    int n =
        rtmp_chunk_write(s->scratch, s->scratch_cap, t->type == RTMP_VIDEO ? CS_VIDEO : CS_AUDIO,
                         t->type, ts, STREAM_ID, c->flv->data + t->off + FLV_TAG_HEAD, body);
    if (n < 0 || sconn_write(c, s->scratch, (size_t)n) < 0)
        sconn_close(c, false);
}

void rtmp_cam_free(struct sconn *c)
{
    free(c->rtmp);
    c->rtmp = NULL;
}
