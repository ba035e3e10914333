/* Reply heads in the vendors' styles (Hikvision, Dahua). */
#include "reply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "conn.h"

static const char *reason(int code)
{
    switch (code) {
    case 200:
        return "OK";
    case 302:
        return "Moved Temporarily";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 453:
        return "Not Enough Bandwidth";
    case 454:
        return "Session Not Found";
    case 455:
        return "Method Not Valid in This State";
    case 461:
        return "Unsupported Transport";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

int reply_head(struct conn *c, char *out, size_t cap, int code, long cseq)
{
    struct cam *cam = conn_cam(c);
    /* Formatting the date costs more than the rest of a reply: once a second. */
    static char date[64];
    static time_t date_of;
    time_t t = time(NULL);
    if (t != date_of) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof(date), "%a, %b %d %Y %H:%M:%S GMT", &tm);
        date_of = t;
    }
    const char *server = cam && cam->vendor == VENDOR_DAHUA ? "Rtsp Server/3.0" : "Hikvision-Webs";
    int n;
    if (cseq >= 0)
        n = snprintf(out, cap, "RTSP/1.0 %d %s\r\nCSeq: %ld\r\nServer: %s\r\nDate: %s\r\n", code,
                     reason(code), cseq, server, date);
    else
        n = snprintf(out, cap, "RTSP/1.0 %d %s\r\nServer: %s\r\nDate: %s\r\n", code, reason(code),
                     server, date);
    return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int reply_append(char *out, size_t cap, int used, const char *fmt, ...)
{
    if (used < 0)
        return used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + used, cap - (size_t)used, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)(used + n) >= cap ? -ENOSPC : used + n;
}

void reply_simple(struct conn *c, int code, long cseq, const char *extra)
{
    char buf[2048]; /* room for a Location: of a maximal URI */
    int n = reply_head(c, buf, sizeof(buf), code, cseq);
    n = reply_append(buf, sizeof(buf), n, "%s\r\n", extra ? extra : "");
    if (n > 0)
        conn_reply(c, buf, (size_t)n);
}
