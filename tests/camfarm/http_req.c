/* HTTP/1.x request parsing (RFC 9112 request line and header fields),
 * limited to what a media client sends: origin-form targets, no chunked
 * bodies. */
#include "http_req.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static bool is_tchar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool span_is(struct rtsp_span s, const char *word)
{
    size_t n = strlen(word);
    return s.len == n && strncasecmp(s.p, word, n) == 0;
}

/* "GET /path HTTP/1.1": fills method, target, path, minor. */
static int parse_request_line(const char *p, size_t n, struct http_req *req)
{
    size_t i = 0;
    while (i < n && is_tchar(p[i]))
        i++;
    if (i == 0 || i > 16 || i >= n || p[i] != ' ')
        return -EBADMSG;
    req->method = (struct rtsp_span){p, i};
    const char *t = p + i + 1;
    const char *sp = memchr(t, ' ', n - i - 1);
    if (!sp || sp == t || t[0] != '/')
        return -EBADMSG;
    size_t tlen = (size_t)(sp - t);
    if (tlen > HTTP_REQ_TARGET_MAX)
        return -EMSGSIZE;
    for (size_t k = 0; k < tlen; k++)
        if ((unsigned char)t[k] <= 0x20 || (unsigned char)t[k] >= 0x7f)
            return -EBADMSG;
    req->target = (struct rtsp_span){t, tlen};
    const char *q = memchr(t, '?', tlen);
    req->path = (struct rtsp_span){t, q ? (size_t)(q - t) : tlen};
    const char *v = sp + 1;
    size_t vlen = n - (size_t)(v - p);
    if (vlen != 8 || memcmp(v, "HTTP/1.", 7) != 0 || (v[7] != '0' && v[7] != '1'))
        return -EBADMSG;
    req->minor = v[7] - '0';
    return 0;
}

/* One "Name: value" line; records the headers the server acts on. */
static int parse_header(const char *p, size_t n, struct http_req *req, size_t *content_length,
                        bool *conn_close, bool *conn_keep)
{
    const char *colon = memchr(p, ':', n);
    if (!colon || colon == p)
        return -EBADMSG;
    struct rtsp_span name = {p, (size_t)(colon - p)};
    for (size_t k = 0; k < name.len; k++)
        if (!is_tchar(name.p[k]))
            return -EBADMSG;
    const char *v = colon + 1, *end = p + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    struct rtsp_span val = {v, (size_t)(end - v)};
    if (span_is(name, "Content-Length")) {
        size_t cl = 0;
        if (val.len == 0 || val.len > 6)
            return val.len ? -EMSGSIZE : -EBADMSG;
        for (size_t k = 0; k < val.len; k++) {
            if (val.p[k] < '0' || val.p[k] > '9')
                return -EBADMSG;
            cl = cl * 10 + (size_t)(val.p[k] - '0');
        }
        if (cl > HTTP_REQ_BODY_MAX)
            return -EMSGSIZE;
        *content_length = cl;
    } else if (span_is(name, "Transfer-Encoding")) {
        return -EBADMSG; /* media clients never send bodies in chunks */
    } else if (span_is(name, "Authorization")) {
        req->authorization = val;
    } else if (span_is(name, "Connection")) {
        *conn_close = *conn_close || (val.len >= 5 && strncasecmp(val.p, "close", 5) == 0);
        *conn_keep = *conn_keep || (val.len >= 10 && strncasecmp(val.p, "keep-alive", 10) == 0);
    }
    return 0;
}

int http_req_parse(const char *buf, size_t len, struct http_req *req)
{
    memset(req, 0, sizeof(*req));
    size_t scan = len < HTTP_REQ_HEAD_MAX ? len : HTTP_REQ_HEAD_MAX;
    const char *line = buf, *end = buf + scan;
    size_t content_length = 0;
    bool conn_close = false, conn_keep = false;
    int lines = 0;
    size_t head = 0;
    while (head == 0) {
        const char *lf = memchr(line, '\n', (size_t)(end - line));
        if (!lf)
            return len >= HTTP_REQ_HEAD_MAX ? -EMSGSIZE : 0;
        size_t n = (size_t)(lf - line);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (memchr(line, '\0', n))
            return -EBADMSG;
        int rc = 0;
        if (lines == 0)
            rc = parse_request_line(line, n, req);
        else if (n == 0)
            head = (size_t)(lf + 1 - buf); /* the blank line ends the head */
        else if (lines > HTTP_REQ_HEADERS_MAX)
            rc = -EMSGSIZE;
        else
            rc = parse_header(line, n, req, &content_length, &conn_close, &conn_keep);
        if (rc < 0)
            return rc;
        lines++;
        line = lf + 1;
    }
    if (len - head < content_length)
        return 0;
    req->keep_alive = req->minor == 1 ? !conn_close : conn_keep;
    return (int)(head + content_length);
}
