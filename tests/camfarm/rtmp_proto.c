/* RTMP chunk streams (the Adobe RTMP specification, section 5.3) and AMF0
 * values (AMF0 specification), as far as a camera serving play needs. */
#include "rtmp_proto.h"

#include <errno.h>
#include <string.h>

static uint32_t be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | be24(p + 1);
}

void rtmp_rx_init(struct rtmp_rx *rx)
{
    memset(rx->cs, 0, sizeof(rx->cs));
    rx->chunk_size = 128;
    rx->partial_cs = -1;
    rx->got = 0;
}

/* Reads the message header of a chunk of format fmt into r (a copy of the
 * chunk stream's record). Returns its length (0 for a bare continuation),
 * -EAGAIN when more bytes are needed, or -EPROTO. */
static int read_header(struct rtmp_cs *r, int fmt, bool cont, const uint8_t *p, size_t avail)
{
    static const uint8_t sizes[4] = {11, 7, 3, 0};
    size_t n = sizes[fmt];
    if (fmt != 0 && !r->known)
        return -EPROTO; /* a compressed header needs a previous one */
    if (avail < n)
        return -EAGAIN;
    uint32_t field = fmt <= 2 ? be24(p) : 0;
    if (fmt <= 1) {
        r->len = be24(p + 3);
        r->type = p[6];
    }
    if (fmt == 0)
        r->sid =
            (uint32_t)p[7] | (uint32_t)p[8] << 8 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 24;
    if (fmt <= 2)
        r->ext = field == 0xffffff;
    if (r->ext) {
        if (avail < n + 4)
            return -EAGAIN;
        field = be32(p + n);
        n += 4;
    }
    if (fmt == 0)
        r->ts = field;
    else if (fmt <= 2 || !cont)
        r->ts += fmt <= 2 ? field : 0; /* a delta */
    r->known = true;
    return (int)n;
}

int rtmp_chunk_parse(struct rtmp_rx *rx, const uint8_t *buf, size_t len, struct rtmp_msg *msg,
                     bool *done)
{
    *done = false;
    if (len < 1)
        return 0;
    int fmt = buf[0] >> 6, csid = buf[0] & 0x3f;
    bool cont = rx->partial_cs >= 0;
    if (csid < 2)
        return -EPROTO; /* chunk stream ids beyond 63: no client needs them */
    if (cont && (csid != rx->partial_cs || fmt != 3))
        return -EPROTO; /* another message before this one ended */
    /* Work on a copy: nothing changes until the whole chunk is here. */
    struct rtmp_cs r = rx->cs[csid];
    int h = read_header(&r, fmt, cont, buf + 1, len - 1);
    if (h == -EAGAIN)
        return 0;
    if (h < 0)
        return h;
    if (r.len > RTMP_MSG_MAX)
        return -EMSGSIZE;
    uint32_t got = cont ? rx->got : 0;
    uint32_t piece = r.len - got < rx->chunk_size ? r.len - got : rx->chunk_size;
    size_t need = 1 + (size_t)h + piece;
    if (len < need)
        return 0;
    rx->cs[csid] = r;
    memcpy(rx->msg + got, buf + 1 + h, piece);
    got += piece;
    if (got < r.len) {
        rx->partial_cs = csid;
        rx->got = got;
        return (int)need;
    }
    rx->partial_cs = -1;
    rx->got = 0;
    *msg =
        (struct rtmp_msg){.type = r.type, .ts = r.ts, .sid = r.sid, .data = rx->msg, .len = r.len};
    *done = true;
    if (msg->type == RTMP_SET_CHUNK_SIZE) {
        uint32_t size = r.len >= 4 ? be32(rx->msg) & 0x7fffffff : 0;
        if (size == 0 || size > RTMP_CHUNK_MAX)
            return -EMSGSIZE;
        rx->chunk_size = size;
    }
    return (int)need;
}

size_t rtmp_chunked_bound(size_t len)
{
    return len + (len / RTMP_OUT_CHUNK + 1) * (RTMP_CHUNK_HEAD);
}

int rtmp_chunk_write(uint8_t *out, size_t cap, int csid, uint8_t type, uint32_t ts, uint32_t sid,
                     const uint8_t *payload, size_t len)
{
    if (cap < rtmp_chunked_bound(len) || csid < 2 || csid > 63 || len > 0xffffff)
        return -ENOSPC;
    bool ext = ts >= 0xffffff;
    uint32_t field = ext ? 0xffffff : ts;
    uint8_t *o = out;
    *o++ = (uint8_t)csid;
    *o++ = (uint8_t)(field >> 16);
    *o++ = (uint8_t)(field >> 8);
    *o++ = (uint8_t)field;
    *o++ = (uint8_t)(len >> 16);
    *o++ = (uint8_t)(len >> 8);
    *o++ = (uint8_t)len;
    *o++ = type;
    for (int i = 0; i < 4; i++)
        *o++ = (uint8_t)(sid >> (8 * i)); /* the message stream id is little-endian */
    size_t off = 0;
    for (;;) {
        if (ext)
            for (int i = 3; i >= 0; i--)
                *o++ = (uint8_t)(ts >> (8 * i));
        size_t piece = len - off < RTMP_OUT_CHUNK ? len - off : RTMP_OUT_CHUNK;
        memcpy(o, payload + off, piece);
        o += piece;
        off += piece;
        if (off == len)
            break;
        *o++ = (uint8_t)(0xc0 | csid);
    }
    return (int)(o - out);
}

/* ---- AMF0 ---- */

int amf0_read_number(const uint8_t **p, const uint8_t *end, double *v)
{
    if (end - *p < 9 || (*p)[0] != 0)
        return -EBADMSG;
    uint64_t bits = 0;
    for (int i = 1; i <= 8; i++)
        bits = bits << 8 | (*p)[i];
    memcpy(v, &bits, sizeof(*v));
    *p += 9;
    return 0;
}

int amf0_read_string(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
    if (end - *p < 3 || ((*p)[0] != 2 && (*p)[0] != 12))
        return -EBADMSG;
    size_t hl = (*p)[0] == 2 ? 3 : 5;
    if ((size_t)(end - *p) < hl)
        return -EBADMSG;
    size_t n = hl == 3 ? (size_t)(*p)[1] << 8 | (*p)[2] : be32(*p + 1);
    if (n >= cap || (size_t)(end - *p) - hl < n)
        return -EBADMSG;
    memcpy(out, *p + hl, n);
    out[n] = 0;
    *p += hl + n;
    return 0;
}

/* Name/value pairs up to the object end marker (00 00 09). */
static int skip_props(const uint8_t **p, const uint8_t *end, int depth);

static int skip_value(const uint8_t **p, const uint8_t *end, int depth)
{
    if (*p >= end || depth > RTMP_AMF_DEPTH)
        return -EBADMSG;
    const uint8_t *q = *p;
    size_t left = (size_t)(end - q);
    size_t n;
    switch (q[0]) {
    case 0: /* number */
        n = 9;
        break;
    case 1: /* boolean */
        n = 2;
        break;
    case 2: /* string */
        n = left >= 3 ? 3 + ((size_t)q[1] << 8 | q[2]) : 3;
        break;
    case 5: /* null */
    case 6: /* undefined */
        n = 1;
        break;
    case 11: /* date */
        n = 11;
        break;
    case 12: /* long string */
        n = left >= 5 ? 5 + (size_t)be32(q + 1) : 5;
        break;
    case 3: /* object */
        *p += 1;
        return skip_props(p, end, depth + 1);
    case 8: /* ECMA array: a count, then properties like an object */
        if (left < 5)
            return -EBADMSG;
        *p += 5;
        return skip_props(p, end, depth + 1);
    case 10: { /* strict array */
        if (left < 5)
            return -EBADMSG;
        uint32_t count = be32(q + 1);
        *p += 5;
        for (uint32_t i = 0; i < count; i++)
            if (skip_value(p, end, depth + 1) < 0)
                return -EBADMSG;
        return 0;
    }
    default:
        return -EBADMSG;
    }
    if (n > left)
        return -EBADMSG;
    *p += n;
    return 0;
}

static int skip_props(const uint8_t **p, const uint8_t *end, int depth)
{
    for (;;) {
        if (end - *p < 3)
            return -EBADMSG;
        size_t n = (size_t)(*p)[0] << 8 | (*p)[1];
        if (n == 0 && (*p)[2] == 9) {
            *p += 3;
            return 0;
        }
        if ((size_t)(end - *p) < 2 + n)
            return -EBADMSG;
        *p += 2 + n;
        if (skip_value(p, end, depth) < 0)
            return -EBADMSG;
    }
}

int amf0_skip(const uint8_t **p, const uint8_t *end)
{
    return skip_value(p, end, 0);
}

int amf0_object_string(const uint8_t *p, const uint8_t *end, const char *name, char *out,
                       size_t cap)
{
    size_t want = strlen(name);
    if (p >= end || p[0] != 3)
        return -EBADMSG;
    p++;
    for (;;) {
        if (end - p < 3)
            return -EBADMSG;
        size_t n = (size_t)p[0] << 8 | p[1];
        if (n == 0 && p[2] == 9)
            return -ENOENT;
        if ((size_t)(end - p) < 2 + n)
            return -EBADMSG;
        bool match = n == want && memcmp(p + 2, name, n) == 0;
        p += 2 + n;
        if (match && p < end && (p[0] == 2 || p[0] == 12))
            return amf0_read_string(&p, end, out, cap);
        if (skip_value(&p, end, 1) < 0)
            return -EBADMSG;
    }
}

static void put(struct amf_buf *b, const void *d, size_t n)
{
    if (b->overflow || b->cap - b->len < n) {
        b->overflow = true;
        return;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

void amf0_put_number(struct amf_buf *b, double v)
{
    uint8_t o[9] = {0};
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    for (int i = 0; i < 8; i++)
        o[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
    put(b, o, sizeof(o));
}

static void put_name(struct amf_buf *b, const char *s)
{
    size_t n = strlen(s);
    uint8_t h[2] = {(uint8_t)(n >> 8), (uint8_t)n};
    put(b, h, 2);
    put(b, s, n);
}

void amf0_put_string(struct amf_buf *b, const char *s)
{
    put(b, "\x02", 1);
    put_name(b, s);
}

void amf0_put_null(struct amf_buf *b)
{
    put(b, "\x05", 1);
}

void amf0_put_object_start(struct amf_buf *b)
{
    put(b, "\x03", 1);
}

void amf0_put_prop_string(struct amf_buf *b, const char *name, const char *v)
{
    put_name(b, name);
    amf0_put_string(b, v);
}

void amf0_put_prop_number(struct amf_buf *b, const char *name, double v)
{
    put_name(b, name);
    amf0_put_number(b, v);
}

void amf0_put_object_end(struct amf_buf *b)
{
    put(b, "\x00\x00\x09", 3);
}
