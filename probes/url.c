/* Camera stream URL parsing and credential redaction (no I/O). */
#include "ascii.h"
#include "url.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    enum probe_url_scheme scheme;
    uint16_t port;
} schemes[] = {
    {"rtsp", PROBE_URL_RTSP, 554},   {"rtsps", PROBE_URL_RTSPS, 322}, {"http", PROBE_URL_HTTP, 80},
    {"https", PROBE_URL_HTTPS, 443}, {"rtmp", PROBE_URL_RTMP, 1935},
};

/* Query parameters whose values are known to be harmless in the URL forms
 * of common cameras, NVRs and gateways (Hikvision, Dahua, Uniview, Axis and
 * ONVIF media URLs, GB/T 28181 gateways, HLS/FLV servers). Every other value
 * is redacted: a list of secret names always misses one (pw=, sessionkey=,
 * a vendor's own), while showing too little only costs a look at the
 * inventory. Lower case, compared without regard to case. */
static const char harmless_params[] =
    " app audio bitrate cam camera ch channel channelid chn codec compression deviceid endtime"
    " format fps framerate http multicast profile proto protocol resolution rtsp_transport"
    " sessiontimeout starttime stream streamtype subtype tcp transport transportmode type udp"
    " unicast vhost videobitrate videocodec ";

enum probe_tier probe_url_tier(const struct probe_url *u)
{
    assert(u->scheme != 0); /* only a URL probe_url_parse accepted has a tier */
    return u->scheme == PROBE_URL_RTSP ? PROBE_TIER_1 : PROBE_TIER_2;
}

uint16_t probe_url_default_port(const char *scheme)
{
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (strcasecmp(scheme, schemes[i].name) == 0)
            return schemes[i].port;
    return 0;
}

static int fail(struct probe_url *out, int rc, const char *why)
{
    /* Do not leave half-parsed credentials behind on failure. */
    explicit_bzero(out->user, sizeof out->user);
    explicit_bzero(out->password, sizeof out->password);
    out->error = why;
    return rc;
}

static int is_scheme_char(int c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

/* Percent-decode [s, s+n) into dst (size cap). RTSP auth needs the raw
 * credentials, and a decoded NUL could never be sent anyway. */
static int pct_decode(const char *s, size_t n, char *dst, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -EINVAL;
            int hi = ascii_hexval((unsigned char)s[i + 1]);
            int lo = ascii_hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return -EINVAL;
            c = hi * 16 + lo;
            if (c == 0)
                return -EINVAL;
            i += 2;
        }
        if (o + 1 >= cap)
            return -ENAMETOOLONG;
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    return 0;
}

static int parse_host(const char *s, size_t n, struct probe_url *out)
{
    if (n == 0)
        return fail(out, -EINVAL, "has no host");
    if (n >= PROBE_URL_HOST_MAX)
        return fail(out, -ENAMETOOLONG, "has a host name that is too long");
    int all_num = 1;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (!((c >= '0' && c <= '9') || c == '.'))
            all_num = 0;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return fail(out, -EINVAL, "has a character that is not allowed in a host name");
        out->host[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    out->host[n] = '\0';
    if (all_num) {
        struct in_addr a;
        if (inet_pton(AF_INET, out->host, &a) != 1)
            return fail(out, -EINVAL, "has an invalid IPv4 address");
        out->host_is_ipv4 = true;
        return 0;
    }
    /* DNS labels: 1..63 bytes, not starting or ending with '-'. */
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        size_t label = i - start;
        if (label == 0)
            return fail(out, -EINVAL, "has an empty label in its host name");
        if (label > 63)
            return fail(out, -EINVAL, "has a host name label longer than 63 bytes");
        if (s[start] == '-' || s[i - 1] == '-')
            return fail(out, -EINVAL, "has a host name label starting or ending with '-'");
        start = i + 1;
    }
    return 0;
}

static int parse_port(const char *s, size_t n, struct probe_url *out)
{
    if (n == 0)
        return 0; /* "host:" means the default port (RFC 3986 3.2.3) */
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return fail(out, -EINVAL, "has a port that is not a number");
        v = v * 10 + (unsigned long)(s[i] - '0');
        if (v > 65535)
            return fail(out, -EINVAL, "has a port above 65535");
    }
    if (v == 0)
        return fail(out, -EINVAL, "has port 0");
    out->port = (uint16_t)v;
    out->port_explicit = true;
    return 0;
}

/* The scheme before "://", one of PROBE_URL_SCHEMES; *auth is what follows. */
static int parse_scheme(const char *url, struct probe_url *out, const char **auth)
{
    const char *sep = strstr(url, "://");
    size_t slen = sep ? (size_t)(sep - url) : 0;
    for (size_t i = 0; sep && i < slen; i++)
        if (!is_scheme_char((unsigned char)url[i], i == 0))
            sep = NULL;
    if (!sep || slen == 0 || slen >= sizeof out->scheme_name)
        return fail(out, -EINVAL, "is not a URL (expected scheme://host/path)");
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        if (strlen(schemes[i].name) == slen && strncasecmp(url, schemes[i].name, slen) == 0) {
            out->scheme = schemes[i].scheme;
            out->port = schemes[i].port;
            memcpy(out->scheme_name, schemes[i].name, slen + 1);
        }
    }
    if (!out->scheme)
        return fail(out, -EPROTONOSUPPORT, "is not a supported scheme (use " PROBE_URL_SCHEMES ")");
    *auth = sep + 3;
    return 0;
}

/* The credentials before the host of the authority [auth, auth + alen), if
 * any; *hp is where the host starts. */
static int parse_userinfo(const char *auth, size_t alen, struct probe_url *out, const char **hp)
{
    /* The last '@' ends the userinfo: passwords like "Admin@123" are common. */
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@')
            at = auth + i;
    *hp = auth;
    if (!at)
        return 0;
    out->has_userinfo = true;
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    size_t ulen = colon ? (size_t)(colon - auth) : (size_t)(at - auth);
    int rc = pct_decode(auth, ulen, out->user, sizeof out->user);
    if (rc == 0 && colon) {
        out->has_password = true;
        rc = pct_decode(colon + 1, (size_t)(at - colon - 1), out->password, sizeof out->password);
    }
    if (rc == -ENAMETOOLONG)
        return fail(out, rc, "has a user name or password longer than 255 bytes");
    if (rc < 0)
        return fail(out, rc, "has bad percent-encoding in its user name or password");
    *hp = at + 1;
    return 0;
}

/* "[v6]" with an optional ":port" after it. */
static int parse_ipv6_port(const char *hp, size_t hplen, struct probe_url *out)
{
    const char *close = memchr(hp, ']', hplen);
    if (!close)
        return fail(out, -EINVAL, "has an IPv6 address without a closing ']'");
    size_t hlen = (size_t)(close - hp - 1);
    if (hlen == 0 || hlen >= 64)
        return fail(out, -EINVAL, "has an invalid IPv6 address");
    memcpy(out->host, hp + 1, hlen);
    out->host[hlen] = '\0';
    struct in6_addr a6;
    if (inet_pton(AF_INET6, out->host, &a6) != 1)
        return fail(out, -EINVAL, "has an invalid IPv6 address");
    out->host_is_ipv6 = true;
    const char *after = close + 1;
    size_t left = (size_t)(hp + hplen - after);
    if (left == 0)
        return 0;
    if (after[0] != ':')
        return fail(out, -EINVAL, "has text after the IPv6 address");
    return parse_port(after + 1, left - 1, out);
}

/* The host (a name, IPv4 or "[IPv6]") and an optional ":port". */
static int parse_host_port(const char *hp, size_t hplen, struct probe_url *out)
{
    if (hplen > 0 && hp[0] == '[')
        return parse_ipv6_port(hp, hplen, out);
    const char *colon = memchr(hp, ':', hplen);
    size_t hlen = colon ? (size_t)(colon - hp) : hplen;
    if (colon && memchr(colon + 1, ':', (size_t)(hp + hplen - colon - 1)))
        return fail(out, -EINVAL, "has more than one ':' after the host (IPv6 needs [ ])");
    int rc = parse_host(hp, hlen, out);
    if (rc < 0 || !colon)
        return rc;
    return parse_port(colon + 1, (size_t)(hp + hplen - colon - 1), out);
}

/* Path and query after the authority: the fragment is never sent to a
 * server, so it is left out. */
static int parse_path(const char *rest, struct probe_url *out)
{
    size_t plen = strcspn(rest, "#");
    size_t o = 0;
    if (plen == 0 || rest[0] != '/')
        out->path[o++] = '/';
    if (o + plen >= sizeof out->path)
        return fail(out, -ENAMETOOLONG, "has a path that is too long");
    memcpy(out->path + o, rest, plen);
    out->path[o + plen] = '\0';
    return 0;
}

int probe_url_parse(const char *url, struct probe_url *out)
{
    if (!out)
        return -EINVAL;
    /* Not a full memset: the struct is ~3 KiB and inventories parse 43,000 URLs. */
    out->scheme = 0;
    out->scheme_name[0] = out->user[0] = out->password[0] = out->host[0] = out->path[0] = '\0';
    out->has_userinfo = out->has_password = out->host_is_ipv6 = out->host_is_ipv4 = false;
    out->port = 0;
    out->port_explicit = false;
    out->error = NULL;
    if (!url)
        return fail(out, -EINVAL, "is missing");
    size_t len = strnlen(url, PROBE_URL_MAX);
    if (len >= PROBE_URL_MAX)
        return fail(out, -ENAMETOOLONG, "is longer than 2048 bytes");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= ' ' || c == 0x7f)
            return fail(out, -EINVAL, "contains a space or a control character");
    }

    const char *auth, *hp;
    int rc = parse_scheme(url, out, &auth);
    if (rc < 0)
        return rc;
    size_t alen = strcspn(auth, "/?#");
    const char *rest = auth + alen;
    /* An '@' after the authority means a password held '/', '?' or '#'
     * unencoded; guessing would send credentials to the wrong host. */
    if (strchr(rest, '@'))
        return fail(out, -EINVAL,
                    "has an '@' after the host; percent-encode '/', '?', '#' and '@' in "
                    "credentials (%2F, %3F, %23, %40)");
    if ((rc = parse_userinfo(auth, alen, out, &hp)) < 0)
        return rc;
    if ((rc = parse_host_port(hp, (size_t)(auth + alen - hp), out)) < 0)
        return rc;
    return parse_path(rest, out);
}

/* Bounded writer for probe_url_redact: remembers when it ran out of room. */
struct sink {
    char *buf;
    size_t cap, len;
    int full;
};

static void put(struct sink *k, const char *s, size_t n)
{
    for (size_t i = 0; i < n && !k->full; i++) {
        if (k->len + 4 >= k->cap) { /* keep room for "..." and NUL */
            k->full = 1;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        k->buf[k->len++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
}

static int is_harmless_param(const char *name, size_t n)
{
    char key[34];
    if (n == 0 || n > sizeof key - 3)
        return 0;
    key[0] = ' ';
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || c == '_'))
            return 0;
        key[i + 1] = c;
    }
    key[n + 1] = ' ';
    key[n + 2] = '\0';
    return strstr(harmless_params, key) != NULL;
}

/* Emit the host/path/query part, keeping only the values of harmless
 * parameters. A bare item (no '=') is a value too, unless it is a harmless
 * name ("?tcp"); a fragment is never sent to a camera and shows as "#***". */
static void put_tail(struct sink *k, const char *s)
{
    size_t pathlen = strcspn(s, "?#");
    put(k, s, pathlen);
    const char *p = s + pathlen;
    if (*p == '?') {
        put(k, p++, 1);
        while (*p && *p != '#') {
            size_t plen = strcspn(p, "&;#");
            const char *eq = memchr(p, '=', plen);
            size_t nlen = eq ? (size_t)(eq - p) : plen;
            if (plen == 0 || is_harmless_param(p, nlen)) {
                put(k, p, plen);
            } else if (eq) {
                put(k, p, nlen + 1);
                put(k, "***", 3);
            } else {
                put(k, "***", 3);
            }
            p += plen;
            if (*p == '&' || *p == ';')
                put(k, p++, 1);
        }
    }
    if (*p == '#')
        put(k, p[1] ? "#***" : "#", p[1] ? 4 : 1);
}

int probe_url_redact(const char *url, char *out, size_t outlen)
{
    if (!out || outlen < 8)
        return -EINVAL;
    struct sink k = {out, outlen, 0, 0};
    if (!url)
        url = "";

    /* Credentials start after a well-formed "scheme://"; without one we cannot
     * tell where they begin, so everything up to the last '@' goes. */
    size_t start = 0;
    const char *sep = strstr(url, "://");
    if (sep && sep > url && sep - url <= 16) {
        int ok = 1;
        for (const char *c = url; c < sep; c++)
            ok &= is_scheme_char((unsigned char)*c, c == url);
        if (ok)
            start = (size_t)(sep - url) + 3;
    }

    /* The last '@' anywhere, or a "%40" standing in for it, ends the
     * credentials: '@', '/' or '?' inside a password must not leak. */
    const char *cut = NULL;
    size_t cutlen = 0;
    for (const char *c = url + start; *c; c++) {
        if (*c == '@') {
            cut = c;
            cutlen = 1;
        } else if (c[0] == '%' && c[1] == '4' && c[2] == '0') {
            cut = c;
            cutlen = 3;
        }
    }
    put(&k, url, start);
    if (cut) {
        put(&k, "***", 3);
        put(&k, cut, cutlen);
        put_tail(&k, cut + cutlen);
    } else {
        put_tail(&k, url + start);
    }
    if (k.full) {
        memcpy(k.buf + k.len, "...", 3);
        k.len += 3;
    }
    k.buf[k.len] = '\0';
    return (int)k.len;
}
