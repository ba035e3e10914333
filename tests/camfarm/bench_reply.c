/* Checks a camera's reply for the benchmark clients: complete, 200, and the
 * CSeq of the request. No I/O. */
#include "bench_reply.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* "Name:" at the start of a header line, case-insensitive; returns the
 * value with leading blanks skipped, or NULL. */
static const char *header_value(const char *line, const char *end, const char *name)
{
    size_t n = strlen(name);
    if ((size_t)(end - line) <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return NULL;
    const char *v = line + n + 1;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    return v;
}

/* Decimal digits up to the end of the line, at most 9 of them (CSeq and
 * Content-Length are never larger here). Returns -1 otherwise. */
static long parse_number(const char *v, const char *end)
{
    long n = 0;
    int digits = 0;
    for (; v < end && *v >= '0' && *v <= '9'; v++) {
        if (++digits > 9)
            return -1;
        n = n * 10 + (*v - '0');
    }
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    return digits && v == end ? n : -1;
}

int bench_reply_check(const char *buf, size_t len, long cseq)
{
    static const char proto[] = "RTSP/1.0 ";
    size_t plen = sizeof(proto) - 1;
    /* Refuse early: a partial reply that cannot become RTSP needs no more bytes. */
    if (memcmp(buf, proto, len < plen ? len : plen) != 0)
        return -EPROTO;
    const char *end = NULL;
    for (size_t i = 3; i < len; i++)
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
            end = buf + i + 1;
            break;
        }
    if (!end)
        return len >= BENCH_REPLY_MAX ? -EMSGSIZE : 0;
    size_t head_len = (size_t)(end - buf);
    if (head_len < plen + 4 || (buf[plen + 3] != ' ' && buf[plen + 3] != '\r'))
        return -EPROTO;
    for (size_t i = plen; i < plen + 3; i++)
        if (buf[i] < '0' || buf[i] > '9')
            return -EPROTO;
    bool ok = memcmp(buf + plen, "200", 3) == 0;
    long got_cseq = -1, body = 0;
    const char *line = (const char *)memchr(buf, '\n', head_len) + 1;
    while (line < end - 2) {
        /* Every line of the head ends in '\n' (the head ends in CRLFCRLF). */
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *eol = nl > line && nl[-1] == '\r' ? nl - 1 : nl;
        const char *v;
        if ((v = header_value(line, eol, "CSeq")))
            got_cseq = parse_number(v, eol);
        else if ((v = header_value(line, eol, "Content-Length")) &&
                 (body = parse_number(v, eol)) < 0)
            return -EPROTO;
        line = nl + 1;
    }
    if (head_len + (size_t)body > BENCH_REPLY_MAX)
        return -EMSGSIZE;
    if (len < head_len + (size_t)body)
        return 0;
    if (!ok || got_cseq < 0 || got_cseq != cseq)
        return -EBADMSG;
    return (int)(head_len + (size_t)body);
}
