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
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libavutil/log.h>

#include "deepm.h"
#include "text_clean.h"
#include "url.h"

static bool url_scheme_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
}

char *deepm_redact_line(const char *line, char *out, size_t outlen)
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
        /* A URL cut short may have lost its '@': show none of it. */
        size_t n = tlen < sizeof(tok) ? tlen : 0;
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
    atomic_bool configured; /* deepm_av_log_setup ran: else libav's default prints */
} log_sink;

/* The probe running on this thread: libav logs on the thread that called
 * it, so per-thread is per-probe, and a pointer needs no lock. */
static _Thread_local struct deepm_said *said;

/* The camera's words end up in the probe's detail: cut between
 * characters, invalid bytes replaced. */
static void copy_line(char *dst, size_t cap, const char *src)
{
    text_clean(dst, cap, src, strcspn(src, "\r\n"), NULL);
}

bool deep_same_origin(const struct probe_url *origin, const char *origin_addr, const char *url)
{
    struct probe_url *u = calloc(1, sizeof(*u));
    if (!u)
        return false;
    bool same =
        probe_url_parse(url, u) == 0 && u->scheme == origin->scheme && u->port == origin->port &&
        (strcmp(u->host, origin->host) == 0 || (origin_addr && strcmp(u->host, origin_addr) == 0));
    explicit_bzero(u, sizeof(*u));
    free(u);
    return same;
}

/* libavformat's rtsp.c logs this on the demuxer's context just before it
 * reconnects to the Location of a 3xx reply. */
static const char redirect_fmt[] = "Status %d: Redirecting to %s\n";

static void note_redirect(struct deepm_said *s, va_list vl)
{
    va_list cp;
    va_copy(cp, vl);
    (void)va_arg(cp, int);
    const char *to = va_arg(cp, const char *);
    va_end(cp);
    size_t n = to ? strnlen(to, sizeof(s->redirect)) : 0;
    if (n >= sizeof(s->redirect))
        n = sizeof(s->redirect) - 1; /* cut: no longer our origin's URL, so it is stopped */
    memcpy(s->redirect, to ? to : "", n);
    s->redirect[n] = '\0';
    if (!s->origin ||
        (to && to[n] == '\0' && deep_same_origin(s->origin, s->origin_addr, s->redirect)))
        return;
    s->left_origin = true;
}

/* libavformat's rtsp.c logs each line of a reply with this, the empty
 * line that ends the headers included. */
static const char reply_line_fmt[] = "line='%s'\n";

static void note_reply_line(struct deepm_said *s, va_list vl)
{
    va_list cp;
    va_copy(cp, vl);
    const char *l = va_arg(cp, const char *);
    va_end(cp);
    if (!l)
        return;
    if (strncmp(l, "RTSP/", 5) == 0) {
        const char *sp = strchr(l, ' ');
        s->reply_status = sp ? atoi(sp + 1) : 0;
        s->offers_basic = s->offers_digest = false;
    } else if (strncasecmp(l, "WWW-Authenticate:", 17) == 0) {
        const char *v = l + 17 + strspn(l + 17, " \t");
        if (strncasecmp(v, "Basic", 5) == 0)
            s->offers_basic = true;
        else if (strncasecmp(v, "Digest", 6) == 0)
            s->offers_digest = true;
    } else if (l[0] == '\0') {
        if (s->reply_status == 401 && s->offers_basic && !s->offers_digest && s->refuse_basic)
            s->basic_refused = true;
        s->reply_status = 0;
    }
}

/* The probe's last error line, "context: text", for its detail: libav's
 * error codes say less ("Invalid data found") than its lines do. */
static void keep_last(struct deepm_said *s, void *avcl, const char *fmt, va_list vl)
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
    deepm_redact_line(line, clean, sizeof(clean));
    char shown[112];
    text_clean(shown, sizeof(shown), clean, strlen(clean), NULL);
    /* Cut to fit the record: the detail has room for a line's start only. */
    snprintf(s->last, sizeof(s->last), "%.24s%s%s", ctx, *ctx ? ": " : "", shown);
}

static void note_said(void *avcl, int level, const char *fmt, va_list vl)
{
    struct deepm_said *s = said;
    if (s && level <= AV_LOG_ERROR && fmt)
        keep_last(s, avcl, fmt, vl);
    if (s && avcl == s->fc && fmt && strcmp(fmt, redirect_fmt) == 0) {
        note_redirect(s, vl);
        return;
    }
    if (s && s->refuse_basic && avcl == s->fc && fmt && strcmp(fmt, reply_line_fmt) == 0) {
        note_reply_line(s, vl);
        return;
    }
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

/* libav emits a line in pieces, and a URL cut in two passes redaction as
 * two harmless halves (no '@' in the first), so each thread gathers a whole
 * line before it is redacted. A line longer than this is cut back to its
 * last blank, so the token the limit fell into, maybe a URL before its '@',
 * is never shown. */
#define LOG_LINE_MAX 4096

static _Thread_local struct {
    char buf[LOG_LINE_MAX];
    size_t len;
    bool cut; /* bytes of this line were dropped */
} line;

static void emit_line(int level)
{
    size_t n = line.len;
    if (line.cut) {
        while (n > 0 && line.buf[n - 1] != ' ' && line.buf[n - 1] != '\t')
            n--;
    }
    if (n > 0 && line.buf[n - 1] == '\r')
        n--;
    line.buf[n] = '\0';
    static _Thread_local char clean[LOG_LINE_MAX + 16];
    deepm_redact_line(line.buf, clean, sizeof(clean) - 8);
    if (line.cut)
        strcat(clean, "[cut]");
    deep_log_fn fn = atomic_load(&log_sink.fn);
    if (clean[0] && fn)
        fn(atomic_load(&log_sink.opaque), level, clean);
    line.len = 0;
    line.cut = false;
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
    static _Thread_local int print_prefix = 1;
    static _Thread_local char part[LOG_LINE_MAX];
    int need = av_log_format_line2(avcl, level, fmt, vl, part, sizeof(part), &print_prefix);
    /* Multi-line messages (RTSP replies, SDP) go out line by line. */
    for (const char *p = part; *p; p++) {
        if (*p == '\n')
            emit_line(level);
        else if (line.len + 1 < sizeof(line.buf))
            line.buf[line.len++] = *p;
        else
            line.cut = true;
    }
    if (need >= (int)sizeof(part)) {
        /* The message itself did not fit: its end, and whatever newline
         * it had, are lost. */
        line.cut = true;
        size_t fl = fmt ? strlen(fmt) : 0;
        if (fl > 0 && fmt[fl - 1] == '\n')
            emit_line(level);
    }
}

void deepm_av_log_setup(deep_log_fn fn, void *opaque, int max_level)
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

void deepm_said_begin(struct deepm_said *s, const void *fc)
{
    pthread_once(&install_once, install);
    memset(s, 0, sizeof(*s));
    s->fc = fc;
    said = s;
}

void deepm_said_end(void)
{
    said = NULL;
}
