/* libav's log lines: redacted and handed to the program's sink one whole
 * line at a time, and the lines that carry a probe's RTSP status or TLS
 * error kept for that probe (deep_log.h). */
#include "deep_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libavutil/log.h>

#include "deep_probe.h"
#include "url.h"

static bool url_scheme_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
}

char *deep_redact_line(const char *line, char *out, size_t outlen)
{
    if (!out || outlen == 0)
        return out;
    size_t o = 0;
    const char *p = line ? line : "";
    /* RTSP and HTTP requests are dumped at debug level; Basic credentials
     * are only base64 away from the password. */
    static const char *const secret_headers[] = {"Authorization:", "Proxy-Authorization:"};
    for (size_t i = 0; i < sizeof(secret_headers) / sizeof(secret_headers[0]); i++) {
        size_t hl = strlen(secret_headers[i]);
        const char *t = p + strspn(p, " \t");
        if (strncasecmp(t, secret_headers[i], hl) == 0) {
            snprintf(out, outlen, "%.*s ***", (int)(t - p + hl), p);
            return out;
        }
    }
    while (*p && o + 1 < outlen) {
        const char *sep = strstr(p, "://");
        if (!sep) {
            size_t n = strnlen(p, outlen - 1 - o);
            memcpy(out + o, p, n);
            o += n;
            break;
        }
        const char *start = sep;
        while (start > p && url_scheme_char(start[-1]))
            start--;
        /* A URL ends at white space or a quote; libav quotes them with '. */
        size_t tlen = strcspn(start, " \t\r\n'\"<>");
        size_t pre = (size_t)(start - p);
        if (pre > outlen - 1 - o)
            pre = outlen - 1 - o;
        memcpy(out + o, p, pre);
        o += pre;
        char tok[PROBE_URL_MAX], red[PROBE_URL_MAX];
        size_t n = tlen < sizeof(tok) - 1 ? tlen : sizeof(tok) - 1;
        memcpy(tok, start, n);
        tok[n] = '\0';
        int rn = o + 8 < outlen ? probe_url_redact(tok, red, sizeof(red)) : -EINVAL;
        if (rn < 0)
            break; /* no room to show it safely: cut the line here */
        size_t rl = strnlen(red, outlen - 1 - o);
        memcpy(out + o, red, rl);
        o += rl;
        p = start + tlen;
    }
    out[o] = '\0';
    return out;
}

static struct {
    _Atomic(deep_log_fn) fn;
    _Atomic(void *) opaque;
    atomic_int max_level;
    atomic_bool configured; /* deep_av_log_setup ran: else libav's default prints */
} log_sink;

/* The probe running on this thread: libav logs on the thread that called
 * it, so per-thread is per-probe, and a pointer needs no lock. */
static _Thread_local struct deep_said *said;

static void copy_line(char *dst, size_t cap, const char *src)
{
    size_t n = strcspn(src, "\r\n");
    snprintf(dst, cap, "%.*s", (int)n, src);
}

/* The probe's last error line, "context: text", for its detail: libav's
 * error codes say less ("Invalid data found") than its lines do. */
static void keep_last(struct deep_said *s, void *avcl, const char *fmt, va_list vl)
{
    char line[256], clean[256];
    va_list cp;
    va_copy(cp, vl);
    vsnprintf(line, sizeof(line), fmt, cp);
    va_end(cp);
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0])
        return;
    const AVClass *cls = avcl ? *(const AVClass *const *)avcl : NULL;
    const char *ctx = cls && cls->item_name ? cls->item_name(avcl) : "";
    deep_redact_line(line, clean, sizeof(clean));
    for (char *c = clean; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    /* Cut to fit the record: the detail has room for a line's start only. */
    snprintf(s->last, sizeof(s->last), "%.24s%s%.96s", ctx, *ctx ? ": " : "", clean);
}

static void note_said(void *avcl, int level, const char *fmt, va_list vl)
{
    struct deep_said *s = said;
    if (s && level <= AV_LOG_ERROR)
        keep_last(s, avcl, fmt, vl);
    if (!s || !avcl || level > AV_LOG_ERROR)
        return;
    char line[256];
    va_list cp;
    if (avcl == s->fc && strncmp(fmt, "method ", 7) == 0) {
        va_copy(cp, vl);
        vsnprintf(line, sizeof(line), fmt, cp);
        va_end(cp);
        char method[sizeof(s->method)];
        int status, off = 0;
        if (sscanf(line, "method %15s failed: %d%n", method, &status, &off) == 2 && off > 0 &&
            status > 400 && status < 1000) {
            s->status = status;
            memcpy(s->method, method, sizeof(s->method));
            copy_line(s->phrase, sizeof(s->phrase), line + off + strspn(line + off, " "));
        }
        return;
    }
    /* TLS lines come from the tls protocol's own context, named "tls". */
    const AVClass *cls = *(const AVClass *const *)avcl;
    if (cls && cls->item_name && strcmp(cls->item_name(avcl), "tls") == 0) {
        va_copy(cp, vl);
        vsnprintf(line, sizeof(line), fmt, cp);
        va_end(cp);
        copy_line(s->tls, sizeof(s->tls), line);
    }
}

static void av_log_to_sink(void *avcl, int level, const char *fmt, va_list vl)
{
    note_said(avcl, level, fmt, vl);
    if (!atomic_load(&log_sink.configured)) {
        av_log_default_callback(avcl, level, fmt, vl);
        return;
    }
    deep_log_fn fn = atomic_load(&log_sink.fn);
    if (!fn || level > atomic_load(&log_sink.max_level))
        return;
    /* libav emits partial lines; each thread gathers its own until '\n'. */
    static _Thread_local char pending[1024];
    static _Thread_local int print_prefix = 1;
    char part[1024];
    av_log_format_line2(avcl, level, fmt, vl, part, sizeof(part), &print_prefix);
    size_t have = strlen(pending);
    snprintf(pending + have, sizeof(pending) - have, "%s", part);
    size_t len = strlen(pending);
    if (len == 0 || (pending[len - 1] != '\n' && len + 1 < sizeof(pending)))
        return;
    /* Multi-line messages (RTSP replies, SDP) go out line by line. */
    char clean[1024];
    for (char *line = pending, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t l = strlen(line);
        if (l > 0 && line[l - 1] == '\r')
            line[l - 1] = '\0';
        deep_redact_line(line, clean, sizeof(clean));
        if (clean[0])
            fn(atomic_load(&log_sink.opaque), level, clean);
    }
    pending[0] = '\0';
}

void deep_av_log_setup(deep_log_fn fn, void *opaque, int max_level)
{
    atomic_store(&log_sink.opaque, opaque);
    atomic_store(&log_sink.max_level, max_level);
    atomic_store(&log_sink.fn, fn);
    atomic_store(&log_sink.configured, true);
    av_log_set_callback(av_log_to_sink);
}

static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void install(void)
{
    if (!atomic_load(&log_sink.configured))
        av_log_set_callback(av_log_to_sink);
}

void deep_said_begin(struct deep_said *s, const void *fc)
{
    pthread_once(&install_once, install);
    memset(s, 0, sizeof(*s));
    s->fc = fc;
    said = s;
}

void deep_said_end(void)
{
    said = NULL;
}

