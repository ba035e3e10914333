/* Basic/Digest authentication of RTSP requests. */
#include "auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libavutil/base64.h>
#include <libavutil/md5.h>

#include "fleet.h"

void auth_md5_hex(const void *buf, size_t len, char out[33])
{
    uint8_t d[16];
    av_md5_sum(d, buf, len);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void auth_realm(int vendor, unsigned long long key, char *out, size_t cap)
{
    if (vendor == VENDOR_DAHUA) {
        /* Dahua serials are 15 upper-case alphanumerics. */
        static const char al[] = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
        char serial[16];
        for (int i = 0; i < 15; i++) {
            serial[i] = al[key % (sizeof(al) - 1)];
            key = key / (sizeof(al) - 1) + (unsigned long long)i * 2654435761u;
        }
        serial[15] = 0;
        snprintf(out, cap, "Login to %s", serial);
    } else {
        snprintf(out, cap, "IP Camera(%c%05llu)", 'A' + (int)(key % 26), (key / 26) % 100000);
    }
}

int auth_challenge(int scheme, const char *realm, const char *nonce, bool stale, char *out,
                   size_t cap)
{
    int n;
    if (scheme == AUTH_BASIC)
        n = snprintf(out, cap, "WWW-Authenticate: Basic realm=\"%s\"\r\n", realm);
    else
        n = snprintf(out, cap,
                     "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", stale=\"%s\"\r\n",
                     realm, nonce, stale ? "TRUE" : "FALSE");
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

static int span_is(struct rtsp_span s, const char *v)
{
    return s.len == strlen(v) && memcmp(s.p, v, s.len) == 0;
}

static int check_basic(struct rtsp_span cred, const char *user, const char *pass)
{
    char expect[600], enc[AV_BASE64_SIZE(600)];
    int n = snprintf(expect, sizeof(expect), "%s:%s", user, pass);
    if (n < 0 || (size_t)n >= sizeof(expect))
        return -EACCES;
    av_base64_encode(enc, sizeof(enc), (const uint8_t *)expect, n);
    return span_is(cred, enc) ? 0 : -EACCES;
}

static int check_digest(struct rtsp_span h, const char *method, const char *realm, const char *user,
                        const char *pass, const char *const *nonces, int n_nonces)
{
    struct rtsp_span u, r, nonce, uri, resp, qop, nc, cnonce;
    if (rtsp_param(h, "username", &u) || rtsp_param(h, "realm", &r) ||
        rtsp_param(h, "nonce", &nonce) || rtsp_param(h, "uri", &uri) ||
        rtsp_param(h, "response", &resp))
        return -EACCES;
    if (!span_is(u, user) || !span_is(r, realm) || nonce.len > 128 || uri.len > RTSP_REQ_URI_MAX)
        return -EACCES;
    char buf[RTSP_REQ_URI_MAX + 512], ha1[33], ha2[33], want[33];
    int n = snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pass);
    auth_md5_hex(buf, (size_t)n, ha1);
    n = snprintf(buf, sizeof(buf), "%s:%.*s", method, (int)uri.len, uri.p);
    auth_md5_hex(buf, (size_t)n, ha2);
    if (rtsp_param(h, "qop", &qop) == 0 && qop.len) {
        if (rtsp_param(h, "nc", &nc) || rtsp_param(h, "cnonce", &cnonce) || nc.len > 16 ||
            cnonce.len > 128 || qop.len > 16)
            return -EACCES;
        n = snprintf(buf, sizeof(buf), "%s:%.*s:%.*s:%.*s:%.*s:%s", ha1, (int)nonce.len, nonce.p,
                     (int)nc.len, nc.p, (int)cnonce.len, cnonce.p, (int)qop.len, qop.p, ha2);
    } else {
        n = snprintf(buf, sizeof(buf), "%s:%.*s:%s", ha1, (int)nonce.len, nonce.p, ha2);
    }
    auth_md5_hex(buf, (size_t)n, want);
    if (resp.len != 32 || strncasecmp(resp.p, want, 32) != 0)
        return -EACCES;
    if (!nonces)
        return 0;
    for (int i = 0; i < n_nonces; i++)
        if (span_is(nonce, nonces[i]))
            return 0;
    return -ESTALE; /* the password was right; the nonce is too old */
}

int auth_check(const struct rtsp_req *req, int scheme, const char *realm, const char *user,
               const char *pass, const char *const *nonces, int n_nonces)
{
    struct rtsp_span a = req->authorization;
    if (scheme == AUTH_NONE)
        return 0;
    if (a.len > 6 && strncasecmp(a.p, "Basic ", 6) == 0) {
        /* Digest cameras still take Basic, as Hikvision firmware does. */
        struct rtsp_span cred = {a.p + 6, a.len - 6};
        while (cred.len && *cred.p == ' ')
            cred.p++, cred.len--;
        return check_basic(cred, user, pass);
    }
    if (scheme == AUTH_DIGEST && a.len > 7 && strncasecmp(a.p, "Digest ", 7) == 0) {
        char method[32];
        snprintf(method, sizeof(method), "%.*s", (int)req->method_name.len, req->method_name.p);
        return check_digest((struct rtsp_span){a.p + 7, a.len - 7}, method, realm, user, pass,
                            nonces, n_nonces);
    }
    return -EACCES;
}
