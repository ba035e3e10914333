/* Names tables and formatting for struct probe_result. */
#include "probe_result.h"
#include "text_clean.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {
    [PROBE_OFFLINE] = "offline",
    [PROBE_DEGRADED] = "degraded",
    [PROBE_ONLINE] = "online",
};

static const char *const reason_names[PROBE_R_COUNT] = {
    [PROBE_R_NONE] = "none",
    [PROBE_R_DNS_FAILED] = "dns_failed",
    [PROBE_R_CONNECT_REFUSED] = "connect_refused",
    [PROBE_R_CONNECT_TIMEOUT] = "connect_timeout",
    [PROBE_R_NET_UNREACHABLE] = "net_unreachable",
    [PROBE_R_RTSP_TIMEOUT] = "rtsp_timeout",
    [PROBE_R_PROTOCOL_ERROR] = "protocol_error",
    [PROBE_R_AUTH_FAILED] = "auth_failed",
    [PROBE_R_FORBIDDEN] = "forbidden",
    [PROBE_R_SESSION_LIMIT] = "session_limit",
    [PROBE_R_NOT_FOUND] = "not_found",
    [PROBE_R_SERVER_ERROR] = "server_error",
    [PROBE_R_REDIRECT_LOOP] = "redirect_loop",
    [PROBE_R_NO_MEDIA] = "no_media",
    [PROBE_R_NO_KEYFRAME] = "no_keyframe",
    [PROBE_R_DECODE_ERROR] = "decode_error",
    [PROBE_R_BLACK] = "black",
    [PROBE_R_FROZEN] = "frozen",
    [PROBE_R_BLURRED] = "blurred",
    [PROBE_R_OCCLUDED] = "occluded",
    [PROBE_R_LOW_FPS] = "low_fps",
    [PROBE_R_LOW_BITRATE] = "low_bitrate",
    [PROBE_R_RESOLUTION_MISMATCH] = "resolution_mismatch",
    [PROBE_R_UNSUPPORTED_URL] = "unsupported_url",
    [PROBE_R_INTERNAL_ERROR] = "internal_error",
    [PROBE_R_CONNECT_RESET] = "connect_reset",
    [PROBE_R_SIGNAL_LOST] = "signal_lost",
    [PROBE_R_TOO_BRIGHT] = "too_bright",
    [PROBE_R_COLOR_CAST] = "color_cast",
    [PROBE_R_NOISY] = "noisy",
    [PROBE_R_STRIPES] = "stripes",
    [PROBE_R_SCENE_CHANGED] = "scene_changed",
    [PROBE_R_SHAKING] = "shaking",
    [PROBE_R_CLOCK_SKEW] = "clock_skew",
    [PROBE_R_OSD_TIME_WRONG] = "osd_time_wrong",
    [PROBE_R_OSD_LABEL_WRONG] = "osd_label_wrong",
};

static const char *const phase_names[PROBE_PH_COUNT] = {
    [PROBE_PH_DNS] = "dns",
    [PROBE_PH_CONNECT] = "connect",
    [PROBE_PH_OPTIONS] = "options",
    [PROBE_PH_DESCRIBE] = "describe",
    [PROBE_PH_SETUP] = "setup",
    [PROBE_PH_PLAY] = "play",
    [PROBE_PH_FIRST_RTP] = "first_rtp",
    [PROBE_PH_FIRST_KEYFRAME] = "first_keyframe",
};

static const char *const codec_names[PROBE_CODEC_COUNT] = {
    [PROBE_CODEC_NONE] = "none",   [PROBE_CODEC_H264] = "h264",   [PROBE_CODEC_H265] = "h265",
    [PROBE_CODEC_MJPEG] = "mjpeg", [PROBE_CODEC_AAC] = "aac",     [PROBE_CODEC_PCMA] = "pcma",
    [PROBE_CODEC_PCMU] = "pcmu",   [PROBE_CODEC_OTHER] = "other",
};

void probe_result_init(struct probe_result *r)
{
    memset(r, 0, sizeof(*r));
    r->state = PROBE_OFFLINE;
}

void probe_result_set(struct probe_result *r, enum probe_state st, enum probe_reason why,
                      const char *fmt, ...)
{
    r->state = st;
    r->reason = why;
    if (!fmt) {
        r->detail[0] = '\0';
        return;
    }
    /* Formatted wider than the detail so that the cut happens in
     * text_clean, between characters: a camera's reason phrase is often
     * Chinese, and a split character would make the stored event invalid
     * UTF-8 for every reader. */
    char raw[PROBE_DETAIL_MAX * 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
    text_clean(r->detail, sizeof(r->detail), raw, len, NULL);
}

void probe_result_set_server(struct probe_result *r, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < sizeof(r->server); i++) {
        unsigned char c = (unsigned char)s[i];
        r->server[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    r->server[n] = '\0';
}

static const char *lookup(const char *const *tab, size_t n, unsigned idx)
{
    if (idx >= n || !tab[idx])
        return "unknown";
    return tab[idx];
}

static int rlookup(const char *const *tab, size_t n, const char *name, unsigned *out)
{
    if (!name)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (tab[i] && strcmp(tab[i], name) == 0) {
            *out = (unsigned)i;
            return 0;
        }
    }
    return -EINVAL;
}

#define N(tab) (sizeof(tab) / sizeof((tab)[0]))

const char *probe_state_name(enum probe_state st)
{
    return lookup(state_names, N(state_names), (unsigned)st);
}

const char *probe_reason_name(enum probe_reason why)
{
    return lookup(reason_names, N(reason_names), (unsigned)why);
}

const char *probe_phase_name(enum probe_phase ph)
{
    return lookup(phase_names, N(phase_names), (unsigned)ph);
}

const char *probe_codec_name(enum probe_codec c)
{
    return lookup(codec_names, N(codec_names), (unsigned)c);
}

int probe_state_from_name(const char *name, enum probe_state *out)
{
    unsigned v;
    int rc = rlookup(state_names, N(state_names), name, &v);
    if (rc == 0)
        *out = (enum probe_state)v;
    return rc;
}

int probe_reason_from_name(const char *name, enum probe_reason *out)
{
    unsigned v;
    int rc = rlookup(reason_names, N(reason_names), name, &v);
    if (rc == 0)
        *out = (enum probe_reason)v;
    return rc;
}

int probe_codec_from_name(const char *name, enum probe_codec *out)
{
    unsigned v;
    int rc = rlookup(codec_names, N(codec_names), name, &v);
    if (rc == 0)
        *out = (enum probe_codec)v;
    return rc;
}

/* Appends like snprintf but keeps counting past the end so the caller learns
 * the full length it would have needed. */
struct out {
    char *buf;
    size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

int probe_result_format(const struct probe_result *r, char *buf, size_t cap)
{
    struct out o = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    put(&o, "state=%s reason=%s", probe_state_name(r->state), probe_reason_name(r->reason));
    if (r->rtsp_status)
        put(&o, " rtsp=%d", r->rtsp_status);
    for (int i = 0; i < PROBE_PH_COUNT; i++)
        if (r->phase_us[i])
            put(&o, " %s_us=%u", probe_phase_name((enum probe_phase)i), (unsigned)r->phase_us[i]);
    const struct probe_video *v = &r->video;
    if (v->codec != PROBE_CODEC_NONE) {
        put(&o, " video=%s", probe_codec_name(v->codec));
        if (v->profile[0])
            put(&o, " profile=\"%s\"", v->profile);
        if (v->level)
            put(&o, " level=%u", (unsigned)v->level);
        if (v->width && v->height)
            put(&o, " size=%ux%u", (unsigned)v->width, (unsigned)v->height);
        if (v->fps_milli)
            put(&o, " fps=%u.%03u", (unsigned)(v->fps_milli / 1000),
                (unsigned)(v->fps_milli % 1000));
        if (v->bitrate)
            put(&o, " bitrate=%u", (unsigned)v->bitrate);
    }
    if (r->audio_codec != PROBE_CODEC_NONE)
        put(&o, " audio=%s", probe_codec_name(r->audio_codec));
    if (r->server[0])
        put(&o, " server=\"%s\"", r->server);
    if (r->detail[0])
        put(&o, " detail=\"%s\"", r->detail);
    return o.len > (size_t)0x7fffffff ? 0x7fffffff : (int)o.len;
}
