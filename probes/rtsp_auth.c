/* RTSP Basic/Digest authentication (RFC 2617, as RFC 2326 uses it). */
#include "ascii.h"
#include "rtsp_auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/base64.h>
#include <libavutil/md5.h>

/* Copies src, cut to fit: callers have already flagged values that do not
 * fit, so the cut copy is only ever a best effort for error messages. */
static void copy_cut(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = 0;
}

static bool ieq(const char *a, size_t alen, const char *b)
{
    if (alen != strlen(b))
        return false;
    for (size_t i = 0; i < alen; i++)
        if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
            return false;
    return true;
}

static bool is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_tchar(int c)
{
    return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/* A cursor over one header value. */
struct lex {
    const char *p, *end;
};

static void skip_ws(struct lex *lx)
{
    while (lx->p < lx->end && is_ws((unsigned char)*lx->p))
        lx->p++;
}

static size_t token(struct lex *lx, const char **tok)
{
    skip_ws(lx);
    *tok = lx->p;
    while (lx->p < lx->end && is_tchar((unsigned char)*lx->p))
        lx->p++;
    return (size_t)(lx->p - *tok);
}

/* A token or quoted-string value, unescaped into val[cap]. -EMSGSIZE when it
 * does not fit (the value is still consumed), -EBADMSG when unterminated. */
static int value(struct lex *lx, char *val, size_t cap)
{
    size_t n = 0;
    int rc = 0;
    skip_ws(lx);
    if (lx->p < lx->end && *lx->p == '"') {
        lx->p++;
        for (;;) {
            if (lx->p >= lx->end)
                return -EBADMSG;
            char c = *lx->p++;
            if (c == '"')
                break;
            if (c == '\\') {
                if (lx->p >= lx->end)
                    return -EBADMSG;
                c = *lx->p++;
            }
            if (c == '\0' || c == '\r' || c == '\n')
                return -EBADMSG;
            if (n + 1 < cap)
                val[n++] = c;
            else
                rc = -EMSGSIZE;
        }
    } else {
        const char *t;
        size_t tl = token(lx, &t);
        if (tl + 1 > cap)
            rc = -EMSGSIZE;
        else {
            memcpy(val, t, tl);
            n = tl;
        }
    }
    val[n < cap ? n : 0] = '\0';
    return rc;
}

/* Whether a qop list ("auth,auth-int") offers plain auth. */
static bool qop_has_auth(const char *q)
{
    const char *p = q;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *s = p;
        while (*p && *p != ',' && *p != ' ')
            p++;
        if (ieq(s, (size_t)(p - s), "auth"))
            return true;
    }
    return false;
}

/* Parse one challenge starting at the scheme token. On return lx points at
 * the next challenge's scheme or the end. *usable says whether we can answer
 * it. */
static int parse_one(struct lex *lx, struct rtsp_auth_challenge *ch, bool *usable)
{
    memset(ch, 0, sizeof(*ch));
    *usable = false;
    const char *scheme;
    size_t sl = token(lx, &scheme);
    if (sl == 0)
        return -EBADMSG;
    bool basic = ieq(scheme, sl, "Basic"), digest = ieq(scheme, sl, "Digest");
    bool ok = basic || digest, have_nonce = false, qop_given = false, qop_ok = false;
    ch->scheme = digest ? RTSP_AUTH_DIGEST : RTSP_AUTH_BASIC;
    for (;;) {
        skip_ws(lx);
        while (lx->p < lx->end && *lx->p == ',') {
            lx->p++;
            skip_ws(lx);
        }
        if (lx->p >= lx->end)
            break;
        /* name=value, or the scheme of the next challenge (no '='). */
        struct lex save = *lx;
        const char *name;
        size_t nl = token(lx, &name);
        if (nl == 0) {
            /* Stray separators (a token68 "abc==" of some other scheme):
             * skip to the next comma rather than give up on the header. */
            while (lx->p < lx->end && *lx->p != ',')
                lx->p++;
            continue;
        }
        skip_ws(lx);
        if (lx->p >= lx->end || *lx->p != '=') {
            *lx = save;
            break;
        }
        lx->p++;
        char val[RTSP_AUTH_NONCE_MAX];
        int rc = value(lx, val, sizeof(val));
        if (rc == -EBADMSG)
            return rc;
        bool fits = rc == 0;
        if (ieq(name, nl, "realm")) {
            ok &= fits && strlen(val) < sizeof(ch->realm);
            copy_cut(ch->realm, sizeof(ch->realm), val);
        } else if (ieq(name, nl, "nonce")) {
            ok &= fits;
            have_nonce = true;
            copy_cut(ch->nonce, sizeof(ch->nonce), val);
        } else if (ieq(name, nl, "opaque")) {
            ok &= fits;
            ch->has_opaque = true;
            copy_cut(ch->opaque, sizeof(ch->opaque), val);
        } else if (ieq(name, nl, "stale")) {
            ch->stale = ieq(val, strlen(val), "true");
        } else if (ieq(name, nl, "algorithm")) {
            if (ieq(val, strlen(val), "MD5"))
                ch->algo = RTSP_DIGEST_MD5;
            else if (ieq(val, strlen(val), "MD5-sess"))
                ch->algo = RTSP_DIGEST_MD5_SESS;
            else
                ok = false;
        } else if (ieq(name, nl, "qop")) {
            qop_given = true;
            qop_ok = qop_has_auth(val);
        }
    }
    if (digest && (!have_nonce || (qop_given && !qop_ok)))
        ok = false;
    ch->qop_auth = qop_given && qop_ok;
    *usable = ok;
    return 0;
}

/* All challenges of one value; keeps the strongest usable in *best. */
static int scan_value(const char *v, size_t len, struct rtsp_auth_challenge *best, bool *found)
{
    struct lex lx = {v, v + len};
    struct rtsp_auth_challenge ch;
    for (;;) {
        skip_ws(&lx);
        if (lx.p >= lx.end)
            return 0;
        bool usable;
        int rc = parse_one(&lx, &ch, &usable);
        if (rc)
            return rc;
        if (usable && (!*found || ch.scheme > best->scheme)) {
            *best = ch;
            *found = true;
        }
    }
}

int rtsp_auth_parse(const char *v, size_t len, struct rtsp_auth_challenge *out)
{
    bool found = false;
    memset(out, 0, sizeof(*out));
    int rc = scan_value(v, len, out, &found);
    if (rc)
        return rc;
    return found ? 0 : -ENOTSUP;
}

int rtsp_auth_choose(const struct rtsp_msg *msg, struct rtsp_auth_challenge *out)
{
    bool found = false, any = false, malformed = false;
    memset(out, 0, sizeof(*out));
    size_t len;
    const char *v;
    for (size_t i = 0; (v = rtsp_msg_header(msg, "WWW-Authenticate", i, &len)) != NULL; i++) {
        any = true;
        /* One broken header must not hide a good one next to it. */
        if (scan_value(v, len, out, &found) != 0)
            malformed = true;
    }
    if (found)
        return 0;
    if (!any)
        return -ENOENT;
    return malformed ? -EBADMSG : -ENOTSUP;
}

static bool clean(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] == '\r' || s[n] == '\n' || n >= max)
            return false;
    return true;
}

static void md5_hex(const char *s, size_t len, char hex[33])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t d[16];
    av_md5_sum(d, (const uint8_t *)s, len);
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[32] = '\0';
}

/* Joins the NULL-terminated list of strings with ':' into buf. Returns the
 * length, or -1 when it does not fit. Plain copies rather than snprintf:
 * this runs three or four times for every authenticated request. */
static int join(char *buf, size_t cap, const char *const *parts)
{
    size_t n = 0;
    for (size_t i = 0; parts[i]; i++) {
        size_t l = strlen(parts[i]);
        if (n + l + 2 > cap)
            return -1;
        if (i)
            buf[n++] = ':';
        memcpy(buf + n, parts[i], l);
        n += l;
    }
    buf[n] = '\0';
    return (int)n;
}

/* Appends to a header being built; a piece that does not fit marks it. */
struct hdr {
    char *out;
    size_t cap, len;
    bool full;
};

static void hdr_add(struct hdr *h, const char *s)
{
    size_t l = strlen(s);
    if (h->full || l >= h->cap - h->len) {
        h->full = true;
        return;
    }
    memcpy(h->out + h->len, s, l + 1);
    h->len += l;
}

/* Copy s into a quoted-string body, escaping '"' and '\'. */
static int quote(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        if (n + 3 > cap)
            return -ENOSPC;
        if (*s == '"' || *s == '\\')
            dst[n++] = '\\';
        dst[n++] = *s;
    }
    dst[n] = '\0';
    return 0;
}

static int basic_header(const char *user, const char *pass, char *out, size_t cap)
{
    char plain[2 * RTSP_AUTH_CRED_MAX + 2];
    int n = snprintf(plain, sizeof(plain), "%s:%s", user, pass);
    if (n < 0 || (size_t)n >= sizeof(plain))
        return -EINVAL;
    char b64[AV_BASE64_SIZE(sizeof(plain))];
    if (!av_base64_encode(b64, (int)sizeof(b64), (const uint8_t *)plain, n))
        return -EINVAL;
    n = snprintf(out, cap, "Basic %s", b64);
    memset(plain, 0, sizeof(plain));
    return (n < 0 || (size_t)n >= cap) ? -ENOSPC : 0;
}

int rtsp_auth_header(const struct rtsp_auth_challenge *ch, const char *user, const char *pass,
                     const char *method, const char *uri, uint32_t nc, const char *cnonce,
                     char *out, size_t cap)
{
    if (!ch || !user || !pass || !method || !uri || !out || cap == 0)
        return -EINVAL;
    out[0] = '\0';
    if (!clean(user, RTSP_AUTH_CRED_MAX) || !clean(pass, RTSP_AUTH_CRED_MAX) ||
        !clean(method, 32) || !clean(uri, 1024))
        return -EINVAL;
    if (ch->scheme == RTSP_AUTH_BASIC)
        return basic_header(user, pass, out, cap);
    if (ch->scheme != RTSP_AUTH_DIGEST)
        return -EINVAL;
    if ((ch->qop_auth || ch->algo == RTSP_DIGEST_MD5_SESS) && (!cnonce || !clean(cnonce, 32)))
        return -EINVAL;

    char buf[RTSP_AUTH_CRED_MAX * 2 + RTSP_AUTH_REALM_MAX + RTSP_AUTH_NONCE_MAX + 1200];
    char ha1[33], ha2[33], resp[33], ncs[9];
    int n = join(buf, sizeof(buf), (const char *const[]){user, ch->realm, pass, NULL});
    if (n < 0)
        return -EINVAL;
    md5_hex(buf, (size_t)n, ha1);
    explicit_bzero(buf, (size_t)n); /* it held the password */
    if (ch->algo == RTSP_DIGEST_MD5_SESS) {
        n = join(buf, sizeof(buf), (const char *const[]){ha1, ch->nonce, cnonce, NULL});
        if (n < 0)
            return -EINVAL;
        md5_hex(buf, (size_t)n, ha1);
    }
    n = join(buf, sizeof(buf), (const char *const[]){method, uri, NULL});
    if (n < 0)
        return -EINVAL;
    md5_hex(buf, (size_t)n, ha2);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++)
        ncs[i] = digits[(nc >> (28 - 4 * i)) & 15];
    ncs[8] = '\0';
    if (ch->qop_auth)
        n = join(buf, sizeof(buf), (const char *const[]){ha1, ch->nonce, ncs, cnonce, "auth", ha2,
                                                        NULL});
    else
        n = join(buf, sizeof(buf), (const char *const[]){ha1, ch->nonce, ha2, NULL});
    if (n < 0)
        return -EINVAL;
    md5_hex(buf, (size_t)n, resp);
    explicit_bzero(ha1, sizeof(ha1));

    char quser[2 * RTSP_AUTH_CRED_MAX + 1], qrealm[2 * RTSP_AUTH_REALM_MAX + 1];
    char qnonce[2 * RTSP_AUTH_NONCE_MAX + 1], qopaque[2 * RTSP_AUTH_OPAQUE_MAX + 1];
    char quri[2 * 1024 + 1];
    if (quote(quser, sizeof(quser), user) || quote(qrealm, sizeof(qrealm), ch->realm) ||
        quote(qnonce, sizeof(qnonce), ch->nonce) || quote(qopaque, sizeof(qopaque), ch->opaque) ||
        quote(quri, sizeof(quri), uri))
        return -EINVAL;
    struct hdr h = {out, cap, 0, false};
    const char *const pieces[] = {"Digest username=\"", quser, "\", realm=\"", qrealm,
                                  "\", nonce=\"", qnonce, "\", uri=\"", quri, "\", response=\"",
                                  resp, "\""};
    for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
        hdr_add(&h, pieces[i]);
    if (ch->algo == RTSP_DIGEST_MD5_SESS)
        hdr_add(&h, ", algorithm=MD5-sess");
    if (ch->has_opaque) {
        hdr_add(&h, ", opaque=\"");
        hdr_add(&h, qopaque);
        hdr_add(&h, "\"");
    }
    if (ch->qop_auth) {
        hdr_add(&h, ", qop=auth, nc=");
        hdr_add(&h, ncs);
        hdr_add(&h, ", cnonce=\"");
        hdr_add(&h, cnonce);
        hdr_add(&h, "\"");
    }
    size_t used = h.full ? cap : h.len;
    if (used >= cap) {
        out[0] = '\0';
        return -ENOSPC;
    }
    return 0;
}

/* ---- challenges kept between probes ---- */

enum {
    MEMO_BASIC = 1,
    MEMO_DIGEST = 2,
    MEMO_SCHEME = 3, /* mask */
    MEMO_QOP = 4,
    MEMO_OPAQUE = 8,
};

static size_t memo_put(uint8_t *out, size_t at, const char *s)
{
    size_t n = strlen(s) + 1;
    memcpy(out + at, s, n);
    return at + n;
}

int rtsp_auth_memo_pack(const struct rtsp_auth_challenge *ch, uint32_t nc, uint8_t *out,
                        size_t cap)
{
    if (ch->scheme == RTSP_AUTH_NONE || ch->algo == RTSP_DIGEST_MD5_SESS)
        return 0;
    bool digest = ch->scheme == RTSP_AUTH_DIGEST;
    const char *nonce = digest ? ch->nonce : "";
    const char *opaque = digest && ch->has_opaque ? ch->opaque : "";
    size_t lr = strnlen(ch->realm, RTSP_AUTH_REALM_MAX), ln = strnlen(nonce, RTSP_AUTH_NONCE_MAX),
           lo = strnlen(opaque, RTSP_AUTH_OPAQUE_MAX);
    if (lr == RTSP_AUTH_REALM_MAX || ln == RTSP_AUTH_NONCE_MAX || lo == RTSP_AUTH_OPAQUE_MAX ||
        5 + lr + ln + lo + 3 > cap)
        return -ENOSPC; /* unterminated fields cannot come from rtsp_auth_parse */
    out[0] = (uint8_t)((digest ? MEMO_DIGEST : MEMO_BASIC) | (digest && ch->qop_auth ? MEMO_QOP : 0) |
                       (digest && ch->has_opaque ? MEMO_OPAQUE : 0));
    for (int i = 0; i < 4; i++)
        out[1 + i] = (uint8_t)(nc >> (8 * i));
    size_t at = memo_put(out, 5, ch->realm);
    at = memo_put(out, at, nonce);
    at = memo_put(out, at, opaque);
    return (int)at;
}

/* Copies the NUL-terminated field at in[*at] into dst[cap]; -EBADMSG when it
 * runs past `len` or does not fit. */
static int memo_get(const uint8_t *in, size_t len, size_t *at, char *dst, size_t cap)
{
    const uint8_t *end = memchr(in + *at, 0, len - *at);
    if (!end)
        return -EBADMSG;
    size_t n = (size_t)(end - (in + *at));
    /* As rtsp_auth_parse: no line break, which would end up in a header. */
    if (n >= cap || memchr(in + *at, '\r', n) || memchr(in + *at, '\n', n))
        return -EBADMSG;
    memcpy(dst, in + *at, n + 1);
    *at += n + 1;
    return 0;
}

int rtsp_auth_memo_unpack(const uint8_t *in, size_t len, struct rtsp_auth_challenge *ch,
                          uint32_t *nc)
{
    memset(ch, 0, sizeof(*ch));
    if (len < 8 || (in[0] & ~(MEMO_SCHEME | MEMO_QOP | MEMO_OPAQUE)) ||
        ((in[0] & MEMO_SCHEME) != MEMO_BASIC && (in[0] & MEMO_SCHEME) != MEMO_DIGEST))
        return -EBADMSG;
    ch->scheme = (in[0] & MEMO_SCHEME) == MEMO_DIGEST ? RTSP_AUTH_DIGEST : RTSP_AUTH_BASIC;
    ch->qop_auth = in[0] & MEMO_QOP;
    ch->has_opaque = in[0] & MEMO_OPAQUE;
    *nc = (uint32_t)in[1] | (uint32_t)in[2] << 8 | (uint32_t)in[3] << 16 | (uint32_t)in[4] << 24;
    size_t at = 5;
    if (memo_get(in, len, &at, ch->realm, sizeof(ch->realm)) ||
        memo_get(in, len, &at, ch->nonce, sizeof(ch->nonce)) ||
        memo_get(in, len, &at, ch->opaque, sizeof(ch->opaque)) || at != len ||
        /* Only what rtsp_auth_memo_pack writes: Basic carries a realm
         * alone, and an opaque value comes with its flag. */
        (ch->scheme == RTSP_AUTH_BASIC &&
         (ch->qop_auth || ch->has_opaque || ch->nonce[0] || ch->opaque[0])) ||
        (!ch->has_opaque && ch->opaque[0])) {
        memset(ch, 0, sizeof(*ch));
        return -EBADMSG;
    }
    return 0;
}
