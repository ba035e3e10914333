/* logfmt lines on stderr; see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>


#include "base/log.h"

static enum log_level threshold = LEVEL_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
    threshold = level;
}

bool log_enabled(enum log_level level)
{
    return level <= threshold;
}

static void put_value(char *buf, size_t *o, size_t cap, const char *v)
{
    bool quote = !*v || v[strcspn(v, " =\"\\\t\r\n")];
    for (const unsigned char *p = (const unsigned char *)v; *p && !quote; p++)
        quote = *p < 0x20 || *p == 0x7f;
#define PUT(c)                                                                                 \
    do {                                                                                       \
        if (*o + 1 < cap)                                                                      \
            buf[(*o)++] = (c);                                                                 \
    } while (0)
    if (quote)
        PUT('"');
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\') {
            PUT('\\');
            PUT((char)*p);
        } else if (*p == '\n') {
            PUT('\\');
            PUT('n');
        } else if (*p < 0x20 || *p == 0x7f) {
            PUT('?'); /* one line per event, no terminal control */
        } else {
            PUT((char)*p);
        }
    }
    if (quote)
        PUT('"');
#undef PUT
}

void log_kv(enum log_level level, const char *msg, ...)
{
    if (!log_enabled(level))
        return;
    char buf[2048];
    size_t o = 0;
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    o += strftime(buf, sizeof(buf), "ts=%Y-%m-%dT%H:%M:%S", &tm);
    o += (size_t)snprintf(buf + o, sizeof(buf) - o, ".%03ldZ level=%s msg=", ts.tv_nsec / 1000000,
                          level_names[level]);
    put_value(buf, &o, sizeof(buf), msg);
    va_list ap;
    va_start(ap, msg);
    const char *k;
    while ((k = va_arg(ap, const char *))) {
        const char *v = va_arg(ap, const char *);
        if (o + 2 < sizeof(buf))
            buf[o++] = ' ';
        put_value(buf, &o, sizeof(buf), k);
        if (o + 2 < sizeof(buf))
            buf[o++] = '=';
        put_value(buf, &o, sizeof(buf), v ? v : "");
    }
    va_end(ap);
    buf[o < sizeof(buf) - 1 ? o : sizeof(buf) - 2] = '\n';
    fwrite(buf, 1, (o < sizeof(buf) - 1 ? o : sizeof(buf) - 2) + 1, stderr);
}
