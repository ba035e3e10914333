/* Request heads (http_head.h). Only what the gate needs is taken out; the
 * rest is h2o's to parse, so a head this parser cannot read is handed on
 * unjudged only when it is also one h2o refuses (-EBADMSG leads to a 400
 * from us, never to a pass). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http/http_head.h"

/* The line at p (without its CR LF or LF); 0 when no line end yet. */
static size_t line_at(const char *p, const char *end, size_t *next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
        return 0;
    *next = (size_t)(nl - p) + 1;
    size_t n = (size_t)(nl - p);
    if (n && p[n - 1] == '\r')
        n--;
    return n + 1; /* +1 so that an empty line is not "no line" */
}

static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int parse_request_line(const char *p, size_t n, struct http_head *h)
{
    const char *sp1 = memchr(p, ' ', n);
    if (!sp1 || sp1 == p)
        return -EBADMSG;
    for (const char *c = p; c < sp1; c++)
        if (!is_tchar((unsigned char)*c))
            return -EBADMSG;
    const char *rest = sp1 + 1;
    size_t rn = n - (size_t)(rest - p);
    const char *sp2 = memchr(rest, ' ', rn);
    if (!sp2 || sp2 == rest)
        return -EBADMSG;
    size_t vn = rn - (size_t)(sp2 + 1 - rest);
    if (vn != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1'))
        return -EBADMSG;
    for (const char *c = rest; c < sp2; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f)
            return -EBADMSG;
    h->method = p;
    h->method_len = (size_t)(sp1 - p);
    h->target = rest;
    h->target_len = (size_t)(sp2 - rest);
    return 0;
}

static int parse_length(const char *v, size_t n, uint64_t *out)
{
    if (!n || n > 15) /* 10^15 bytes: far past any limit, never an overflow */
        return -EBADMSG;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -EBADMSG;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

static int take_field(const char *p, size_t n, struct http_head *h)
{
    const char *colon = memchr(p, ':', n);
    if (!colon || colon == p)
        return -EBADMSG;
    size_t nl = (size_t)(colon - p);
    for (size_t i = 0; i < nl; i++)
        if (!is_tchar((unsigned char)p[i]))
            return -EBADMSG;
    const char *v = colon + 1, *ve = p + n;
    while (v < ve && (*v == ' ' || *v == '\t'))
        v++;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
    size_t vn = (size_t)(ve - v);
    for (size_t i = 0; i < vn; i++)
        if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
            return -EBADMSG;
    if (nl == 4 && strncasecmp(p, "host", 4) == 0) {
        if (h->has_host)
            return -EBADMSG;
        h->has_host = true;
        h->host = v;
        h->host_len = vn;
    } else if (nl == 13 && strncasecmp(p, "authorization", 13) == 0) {
        if (h->has_auth)
            return -EBADMSG;
        h->has_auth = true;
        h->auth = v;
        h->auth_len = vn;
    } else if (nl == 14 && strncasecmp(p, "content-length", 14) == 0) {
        uint64_t x;
        if (parse_length(v, vn, &x) || (h->has_length && x != h->content_length))
            return -EBADMSG;
        h->has_length = true;
        h->content_length = x;
    } else if (nl == 17 && strncasecmp(p, "transfer-encoding", 17) == 0) {
        /* h2o takes "chunked" alone; anything else it refuses (400). */
        if (vn != 7 || strncasecmp(v, "chunked", 7) != 0)
            return -EBADMSG;
        h->chunked = true;
    }
    return 0;
}

int http_head_parse(const char *buf, size_t len, struct http_head *h)
{
    memset(h, 0, sizeof(*h));
    const char *end = buf + (len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX);
    /* Empty lines before the request line are allowed (RFC 9112 2.2). */
    const char *p = buf;
    size_t next = 0, n;
    while ((n = line_at(p, end, &next)) == 1)
        p += next;
    if (!n)
        return len >= HTTP_HEAD_MAX ? -EMSGSIZE : 0;
    int rc = parse_request_line(p, n - 1, h);
    if (rc)
        return rc;
    p += next;
    for (int fields = 0;; fields++) {
        n = line_at(p, end, &next);
        if (!n)
            return len >= HTTP_HEAD_MAX ? -EMSGSIZE : 0;
        if (n == 1)
            return (int)(p + next - buf);
        if (fields == HTTP_HEAD_FIELDS)
            return -EMSGSIZE;
        if (*p == ' ' || *p == '\t') /* obsolete line folding */
            return -EBADMSG;
        rc = take_field(p, n - 1, h);
        if (rc)
            return rc;
        p += next;
    }
}

bool http_head_has_body(const struct http_head *h)
{
    return h->chunked || (h->has_length && h->content_length > 0);
}
