/* SDP parser and SETUP URL resolution; see sdp.h. */
#include "ascii.h"
#include "sdp.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/base64.h>

static bool prefix_ieq(const char *s, size_t n, const char *p)
{
    size_t pl = strlen(p);
    if (n < pl)
        return false;
    for (size_t i = 0; i < pl; i++)
        if (ascii_lower((unsigned char)s[i]) != ascii_lower((unsigned char)p[i]))
            return false;
    return true;
}

static bool is_blank(int c)
{
    return c == ' ' || c == '\t';
}

/* Copy at most cap-1 printable bytes; a truncated control URL would be
 * wrong anyway, so the caller learns it via the return value. */
static int copy_str(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) {
        dst[0] = '\0';
        return -ENAMETOOLONG;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
    return 0;
}

/* Unsigned decimal with an optional fraction, scaled by 1000; bounded. */
static uint32_t parse_milli(const char *s, size_t n)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > 1000000)
            return 0;
    }
    v *= 1000;
    if (i < n && s[i] == '.') {
        uint64_t scale = 100;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            v += (uint64_t)(s[i] - '0') * scale;
            scale /= 10;
        }
    }
    return (uint32_t)v;
}

static uint32_t parse_uint(const char *s, size_t n, size_t *used)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > 0xffffffffu)
            v = 0xffffffffu;
    }
    if (used)
        *used = i;
    return (uint32_t)v;
}

/* Decode the first base64 item of a comma-separated list into nal. Items
 * beyond the first are ignored: a second SPS is for another layer. */
static void decode_nal(struct sdp_nal *nal, const char *s, size_t n)
{
    char tmp[SDP_NAL_MAX * 4 / 3 + 8];
    nal->len = 0;
    const char *comma = memchr(s, ',', n);
    if (comma)
        n = (size_t)(comma - s);
    ascii_trim(&s, &n, " \t\r");
    if (n == 0 || n >= sizeof(tmp))
        return;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    int got = av_base64_decode(nal->data, tmp, SDP_NAL_MAX);
    nal->len = got > 0 ? (uint16_t)got : 0;
}

/* H.264 sprop-parameter-sets: SPS and PPS in one list, told apart by the
 * NAL type in the first byte of each decoded unit. */
static void decode_h264_sets(struct sdp_media *m, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && s[i] != ',')
            i++;
        struct sdp_nal tmp;
        decode_nal(&tmp, s + start, i - start);
        if (tmp.len) {
            int type = tmp.data[0] & 0x1f;
            if (type == 7 && !m->sps.len)
                m->sps = tmp;
            else if (type == 8 && !m->pps.len)
                m->pps = tmp;
        }
        i++;
    }
}

static void parse_fmtp(struct sdp_media *m, const char *v, size_t n)
{
    size_t used;
    uint32_t pt = parse_uint(v, n, &used);
    if (used == 0 || (int)pt != m->payload)
        return;
    size_t i = used;
    while (i < n) {
        while (i < n && (is_blank((unsigned char)v[i]) || v[i] == ';'))
            i++;
        size_t start = i;
        while (i < n && v[i] != ';')
            i++;
        const char *p = v + start;
        size_t pl = i - start;
        ascii_trim(&p, &pl, " \t\r");
        const char *eq = memchr(p, '=', pl);
        if (!eq)
            continue;
        size_t kl = (size_t)(eq - p);
        const char *val = eq + 1;
        size_t vl = pl - kl - 1;
        ascii_trim(&val, &vl, " \t\r");
        if (kl == 16 && prefix_ieq(p, kl, "profile-level-id")) {
            if (vl == 6) {
                bool ok = true;
                for (int k = 0; k < 3; k++) {
                    int hi = ascii_hexval((unsigned char)val[2 * k]),
                        lo = ascii_hexval((unsigned char)val[2 * k + 1]);
                    if (hi < 0 || lo < 0)
                        ok = false;
                    else
                        m->profile_level_id[k] = (uint8_t)(hi << 4 | lo);
                }
                m->has_profile_level_id = ok;
            }
        } else if (kl == 18 && prefix_ieq(p, kl, "packetization-mode")) {
            m->packetization_mode = (int)parse_uint(val, vl, NULL);
        } else if (kl == 20 && prefix_ieq(p, kl, "sprop-parameter-sets")) {
            decode_h264_sets(m, val, vl);
        } else if (kl == 9 && prefix_ieq(p, kl, "sprop-vps")) {
            decode_nal(&m->vps, val, vl);
        } else if (kl == 9 && prefix_ieq(p, kl, "sprop-sps")) {
            decode_nal(&m->sps, val, vl);
        } else if (kl == 9 && prefix_ieq(p, kl, "sprop-pps")) {
            decode_nal(&m->pps, val, vl);
        }
    }
}

/* "96 H264/90000[/channels]" */
static void parse_rtpmap(struct sdp_media *m, const char *v, size_t n)
{
    size_t used;
    uint32_t pt = parse_uint(v, n, &used);
    if (used == 0 || (int)pt != m->payload)
        return;
    const char *p = v + used;
    size_t pl = n - used;
    ascii_trim(&p, &pl, " \t\r");
    const char *slash = memchr(p, '/', pl);
    size_t el = slash ? (size_t)(slash - p) : pl;
    if (copy_str(m->encoding, sizeof(m->encoding), p, el) != 0)
        return;
    if (!slash)
        return;
    const char *c = slash + 1;
    size_t cl = pl - el - 1;
    m->clock_rate = parse_uint(c, cl, &used);
    if (used < cl && c[used] == '/')
        m->channels = parse_uint(c + used + 1, cl - used - 1, NULL);
}

/* "video 0 RTP/AVP 96 97" */
static void parse_m_line(struct sdp_media *m, const char *v, size_t n)
{
    memset(m, 0, sizeof(*m));
    m->payload = -1;
    if (prefix_ieq(v, n, "video "))
        m->type = SDP_MEDIA_VIDEO;
    else if (prefix_ieq(v, n, "audio "))
        m->type = SDP_MEDIA_AUDIO;
    else if (prefix_ieq(v, n, "application "))
        m->type = SDP_MEDIA_APPLICATION;
    const char *sp = memchr(v, ' ', n);
    if (!sp)
        return;
    size_t i = (size_t)(sp - v) + 1, used;
    uint32_t port = parse_uint(v + i, n - i, &used);
    m->port = port > 65535 ? 0 : (uint16_t)port;
    i += used;
    while (i < n && v[i] != ' ') /* port count, then proto */
        i++;
    while (i < n && v[i] == ' ')
        i++;
    while (i < n && v[i] != ' ')
        i++;
    while (i < n && v[i] == ' ')
        i++;
    if (i < n) {
        uint32_t pt = parse_uint(v + i, n - i, &used);
        if (used && pt < 128)
            m->payload = (int)pt;
    }
}

int sdp_parse(const char *buf, size_t len, struct sdp *out)
{
    /* Media sections are cleared as their m= lines come (parse_m_line):
     * clearing all SDP_MEDIA_MAX here would write 17 KB per DESCRIBE. */
    out->session_name[0] = '\0';
    out->control[0] = '\0';
    out->bandwidth_kbps = 0;
    out->nmedia = 0;
    out->nmedia_seen = 0;
    if (len > SDP_INPUT_MAX)
        return -EMSGSIZE;
    if (memchr(buf, '\0', len))
        return -EBADMSG;
    struct sdp_media *cur = NULL;
    bool skipping = false; /* inside a media section beyond SDP_MEDIA_MAX */
    bool first = true;
    size_t i = 0;
    while (i < len) {
        const char *line = buf + i;
        const char *nl = memchr(line, '\n', len - i);
        size_t ll = nl ? (size_t)(nl - line) : len - i;
        i += ll + 1;
        ascii_trim(&line, &ll, " \t\r");
        if (ll == 0)
            continue;
        if (first) {
            /* RFC 4566: the first line is exactly "v=0". */
            if (ll != 3 || memcmp(line, "v=0", 3) != 0)
                return -EBADMSG;
            first = false;
            continue;
        }
        if (ll < 2 || line[1] != '=')
            continue;
        char type = line[0];
        const char *v = line + 2;
        size_t vl = ll - 2;
        if (type == 'm') {
            out->nmedia_seen++;
            if (out->nmedia >= SDP_MEDIA_MAX) {
                skipping = true;
                cur = NULL;
                continue;
            }
            cur = &out->media[out->nmedia++];
            parse_m_line(cur, v, vl);
            continue;
        }
        if (skipping)
            continue;
        if (type == 's' && !cur) {
            copy_str(out->session_name, sizeof(out->session_name), v,
                     vl < SDP_NAME_MAX ? vl : SDP_NAME_MAX - 1);
        } else if (type == 'b' && prefix_ieq(v, vl, "AS:")) {
            uint32_t kbps = parse_uint(v + 3, vl - 3, NULL);
            if (cur)
                cur->bandwidth_kbps = kbps;
            else
                out->bandwidth_kbps = kbps;
        } else if (type == 'a') {
            if (prefix_ieq(v, vl, "control:")) {
                const char *c = v + 8;
                size_t cl = vl - 8;
                ascii_trim(&c, &cl, " \t\r");
                if (cur)
                    copy_str(cur->control, sizeof(cur->control), c, cl);
                else
                    copy_str(out->control, sizeof(out->control), c, cl);
            } else if (!cur) {
                continue;
            } else if (prefix_ieq(v, vl, "rtpmap:")) {
                parse_rtpmap(cur, v + 7, vl - 7);
            } else if (prefix_ieq(v, vl, "fmtp:")) {
                parse_fmtp(cur, v + 5, vl - 5);
            } else if (prefix_ieq(v, vl, "framerate:")) {
                cur->framerate_milli = parse_milli(v + 10, vl - 10);
            } else if (prefix_ieq(v, vl, "x-framerate:")) {
                cur->framerate_milli = parse_milli(v + 12, vl - 12);
            } else if (prefix_ieq(v, vl, "x-dimensions:")) {
                const char *d = v + 13;
                size_t dl = vl - 13, used;
                ascii_trim(&d, &dl, " \t\r");
                uint32_t w = parse_uint(d, dl, &used);
                if (used && used < dl && d[used] == ',') {
                    uint32_t h = parse_uint(d + used + 1, dl - used - 1, NULL);
                    if (w <= 16384 && h <= 16384) {
                        cur->width = (uint16_t)w;
                        cur->height = (uint16_t)h;
                    }
                }
            }
        }
    }
    return first ? -EBADMSG : 0;
}

const struct sdp_media *sdp_find_media(const struct sdp *s, enum sdp_media_type type)
{
    for (size_t i = 0; i < s->nmedia; i++)
        if (s->media[i].type == type)
            return &s->media[i];
    return NULL;
}

enum probe_codec sdp_media_codec(const struct sdp_media *m)
{
    const char *e = m->encoding;
    size_t n = strlen(e);
    if (n) {
        if (prefix_ieq(e, n, "H264") && n == 4)
            return PROBE_CODEC_H264;
        if ((prefix_ieq(e, n, "H265") || prefix_ieq(e, n, "HEVC")) && n == 4)
            return PROBE_CODEC_H265;
        if (prefix_ieq(e, n, "JPEG") && n == 4)
            return PROBE_CODEC_MJPEG;
        if (prefix_ieq(e, n, "MPEG4-GENERIC") || prefix_ieq(e, n, "MP4A-LATM"))
            return PROBE_CODEC_AAC;
        if (prefix_ieq(e, n, "PCMA") && n == 4)
            return PROBE_CODEC_PCMA;
        if (prefix_ieq(e, n, "PCMU") && n == 4)
            return PROBE_CODEC_PCMU;
        return PROBE_CODEC_OTHER;
    }
    /* Static payload types of RFC 3551 need no rtpmap. */
    switch (m->payload) {
    case 0:
        return PROBE_CODEC_PCMU;
    case 8:
        return PROBE_CODEC_PCMA;
    case 26:
        return PROBE_CODEC_MJPEG;
    case -1:
        return PROBE_CODEC_NONE;
    default:
        return PROBE_CODEC_OTHER;
    }
}

static bool empty(const char *s)
{
    return !s || !s[0];
}

/* "scheme://" with an RFC 3986 scheme before it. */
static bool is_absolute(const char *s)
{
    const char *p = s;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return false;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '+' || *p == '-' || *p == '.')
        p++;
    return p[0] == ':' && p[1] == '/' && p[2] == '/';
}

/* Length of "scheme://authority" in an absolute URL. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    p += 3;
    while (*p && *p != '/' && *p != '?' && *p != '#')
        p++;
    return (size_t)(p - url);
}

/* Resolve rel against base into out: absolute wins, "/x" replaces the path,
 * anything else is appended with exactly one '/'. */
static int join(const char *base, const char *rel, char *out, size_t cap)
{
    int n;
    if (empty(rel) || strcmp(rel, "*") == 0)
        n = snprintf(out, cap, "%s", base);
    else if (is_absolute(rel))
        n = snprintf(out, cap, "%s", rel);
    else if (rel[0] == '/')
        n = snprintf(out, cap, "%.*s%s", (int)origin_len(base), base, rel);
    else {
        size_t bl = strlen(base);
        bool slash = bl && base[bl - 1] == '/';
        n = snprintf(out, cap, "%s%s%s", base, slash ? "" : "/", rel);
    }
    if (n < 0 || (size_t)n >= cap) {
        if (cap)
            out[0] = '\0';
        return -ENAMETOOLONG;
    }
    return 0;
}

int sdp_resolve_control(const char *request_url, const char *content_base,
                        const char *content_location, const char *session_control,
                        const char *media_control, char *out, size_t cap)
{
    if (!request_url || !out || cap == 0)
        return -EINVAL;
    if (!empty(media_control) && is_absolute(media_control))
        return join(media_control, NULL, out, cap);
    const char *base = !empty(content_base)       ? content_base
                       : !empty(content_location) ? content_location
                                                  : request_url;
    char tmp[2048];
    if (!empty(session_control) && strcmp(session_control, "*") != 0) {
        int rc = join(base, session_control, tmp, sizeof(tmp));
        if (rc != 0)
            return rc;
        base = tmp;
    }
    return join(base, media_control, out, cap);
}
