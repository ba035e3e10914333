/* Value encoding primitives; see codec.h for the format rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

void enc_init(struct enc *e)
{
    memset(e, 0, sizeof(*e));
}

void enc_reset(struct enc *e)
{
    e->len = 0;
    e->err = 0;
}

void enc_free(struct enc *e)
{
    free(e->buf);
    enc_init(e);
}

static uint8_t *enc_room(struct enc *e, size_t n)
{
    if (e->err)
        return NULL;
    if (e->len + n > e->cap) {
        size_t cap = e->cap ? e->cap : 256;
        while (cap < e->len + n)
            cap *= 2;
        uint8_t *nb = realloc(e->buf, cap);
        if (!nb) {
            e->err = -ENOMEM;
            return NULL;
        }
        e->buf = nb;
        e->cap = cap;
    }
    uint8_t *p = e->buf + e->len;
    e->len += n;
    return p;
}

void enc_u8(struct enc *e, uint8_t v)
{
    uint8_t *p = enc_room(e, 1);
    if (p)
        *p = v;
}

void enc_uvar(struct enc *e, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        enc_u8(e, b | (v ? 0x80 : 0));
    } while (v);
}

void enc_svar(struct enc *e, int64_t v)
{
    enc_uvar(e, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void enc_f64(struct enc *e, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    uint8_t *p = enc_room(e, 8);
    if (p)
        be64_put(p, bits);
}

void enc_bytes(struct enc *e, const void *src, size_t n)
{
    uint8_t *p = enc_room(e, n);
    if (p && n)
        memcpy(p, src, n);
}

void enc_str(struct enc *e, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n > max) {
        if (!e->err)
            e->err = -EINVAL;
        return;
    }
    enc_uvar(e, n);
    enc_bytes(e, s ? s : "", n);
    enc_u8(e, 0);
}

void dec_init(struct dec *d, const void *buf, size_t len)
{
    d->p = buf;
    d->end = d->p + len;
    d->err = 0;
}

static void dec_fail(struct dec *d)
{
    if (!d->err)
        d->err = -EBADMSG;
    d->p = d->end;
}

uint8_t dec_u8(struct dec *d)
{
    if (d->p >= d->end) {
        dec_fail(d);
        return 0;
    }
    return *d->p++;
}

uint64_t dec_uvar(struct dec *d)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        uint8_t b = dec_u8(d);
        if (d->err)
            return 0;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    dec_fail(d);
    return 0;
}

int64_t dec_svar(struct dec *d)
{
    uint64_t u = dec_uvar(d);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

double dec_f64(struct dec *d)
{
    double v = 0;
    if (d->end - d->p < 8) {
        dec_fail(d);
        return v;
    }
    uint64_t bits = be64_get(d->p);
    d->p += 8;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

const char *dec_str(struct dec *d)
{
    return dec_str_max(d, SIZE_MAX);
}

const char *dec_str_max(struct dec *d, size_t max)
{
    uint64_t n = dec_uvar(d);
    /* The stored terminator is what makes in-place use safe: check it. */
    if (d->err || n >= (uint64_t)(d->end - d->p) || d->p[n] != 0 || n > max ||
        (max != SIZE_MAX && memchr(d->p, 0, (size_t)n))) {
        dec_fail(d);
        return "";
    }
    const char *s = (const char *)d->p;
    d->p += n + 1;
    return s;
}

bool dec_done(const struct dec *d)
{
    return d->p >= d->end;
}

void be64_put(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

uint64_t be64_get(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

void be32_put(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

uint32_t be32_get(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | p[i];
    return v;
}
