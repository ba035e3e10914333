/* RTSP request parsing for camfarm: no I/O, every length bounded. */
#include "rtsp_req.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

static const char *const method_names[RTSP_M_COUNT] = {
    [RTSP_M_UNKNOWN] = "UNKNOWN",
    [RTSP_M_OPTIONS] = "OPTIONS",
    [RTSP_M_DESCRIBE] = "DESCRIBE",
    [RTSP_M_SETUP] = "SETUP",
    [RTSP_M_PLAY] = "PLAY",
    [RTSP_M_PAUSE] = "PAUSE",
    [RTSP_M_TEARDOWN] = "TEARDOWN",
    [RTSP_M_GET_PARAMETER] = "GET_PARAMETER",
    [RTSP_M_SET_PARAMETER] = "SET_PARAMETER",
    [RTSP_M_ANNOUNCE] = "ANNOUNCE",
    [RTSP_M_RECORD] = "RECORD",
};

const char *rtsp_method_name(enum rtsp_method m)
{
    return (unsigned)m < RTSP_M_COUNT ? method_names[m] : "UNKNOWN";
}

static bool span_eq(struct rtsp_span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && strncasecmp(s.p, lit, n) == 0;
}

static struct rtsp_span trim(const char *p, size_t len)
{
    while (len && (*p == ' ' || *p == '\t'))
        p++, len--;
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
        len--;
    return (struct rtsp_span){p, len};
}

/* Finds "\r\n\r\n" (or bare "\n\n", which some clients send) within the
 * first `lim` bytes; returns the length of the head including it, or 0. */
static size_t head_end(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (i + 1 < len && buf[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

static int parse_ulong(struct rtsp_span s, long max, long *out)
{
    long v = 0;
    if (s.len == 0 || s.len > 10)
        return -EBADMSG;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return -EBADMSG;
        v = v * 10 + (s.p[i] - '0');
    }
    if (v > max)
        return -EMSGSIZE;
    *out = v;
    return 0;
}

static int parse_request_line(const char *p, size_t len, struct rtsp_req *req)
{
    const char *sp1 = memchr(p, ' ', len);
    if (!sp1 || sp1 == p)
        return -EBADMSG;
    const char *rest = sp1 + 1;
    size_t rlen = len - (size_t)(rest - p);
    const char *sp2 = memchr(rest, ' ', rlen);
    if (!sp2 || sp2 == rest)
        return -EBADMSG;
    struct rtsp_span version = trim(sp2 + 1, rlen - (size_t)(sp2 + 1 - rest));
    if (version.len < 6 || strncmp(version.p, "RTSP/1", 6) != 0)
        return -EBADMSG;
    req->method_name = (struct rtsp_span){p, (size_t)(sp1 - p)};
    req->uri = (struct rtsp_span){rest, (size_t)(sp2 - rest)};
    if (req->uri.len > RTSP_REQ_URI_MAX)
        return -EMSGSIZE;
    for (size_t i = 0; i < req->method_name.len; i++) {
        char c = req->method_name.p[i];
        if (!((c >= 'A' && c <= 'Z') || c == '_'))
            return -EBADMSG;
    }
    req->method = RTSP_M_UNKNOWN;
    for (int m = 1; m < RTSP_M_COUNT; m++) {
        if (req->method_name.len == strlen(method_names[m]) &&
            memcmp(req->method_name.p, method_names[m], req->method_name.len) == 0) {
            req->method = (enum rtsp_method)m;
            break;
        }
    }
    return 0;
}

static int parse_header(struct rtsp_span line, struct rtsp_req *req)
{
    const char *colon = memchr(line.p, ':', line.len);
    if (!colon || colon == line.p)
        return -EBADMSG;
    struct rtsp_span name = trim(line.p, (size_t)(colon - line.p));
    struct rtsp_span value = trim(colon + 1, line.len - (size_t)(colon + 1 - line.p));
    long v;
    int rc;

    if (span_eq(name, "CSeq")) {
        if ((rc = parse_ulong(value, RTSP_REQ_CSEQ_MAX, &v)) < 0)
            return rc;
        req->cseq = v;
    } else if (span_eq(name, "Content-Length")) {
        if ((rc = parse_ulong(value, RTSP_REQ_BODY_MAX, &v)) < 0)
            return rc;
        req->content_length = (size_t)v;
    } else if (span_eq(name, "Session")) {
        const char *semi = memchr(value.p, ';', value.len);
        req->session = semi ? trim(value.p, (size_t)(semi - value.p)) : value;
    } else if (span_eq(name, "Transport")) {
        req->transport = value;
    } else if (span_eq(name, "Authorization")) {
        req->authorization = value;
    } else if (span_eq(name, "User-Agent")) {
        req->user_agent = value;
    }
    return 0;
}

int rtsp_req_parse(const char *buf, size_t len, struct rtsp_req *req)
{
    memset(req, 0, sizeof(*req));
    req->cseq = -1;
    if (len == 0)
        return 0;

    /* RFC 2326 10.12: interleaved binary data, '$' channel length16. */
    if (buf[0] == '$') {
        if (len < 4)
            return 0;
        size_t n = 4 + (((size_t)(uint8_t)buf[2] << 8) | (uint8_t)buf[3]);
        if (len < n)
            return 0;
        req->kind = RTSP_KIND_INTERLEAVED;
        return (int)n;
    }

    size_t scan = len < RTSP_REQ_HEAD_MAX ? len : RTSP_REQ_HEAD_MAX;
    /* Reject non-RTSP early rather than waiting for a head that never ends. */
    for (size_t i = 0; i < scan; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x20 && c != '\r' && c != '\n' && c != '\t')
            return -EBADMSG;
    }
    size_t head = head_end(buf, scan);
    if (head == 0)
        return len >= RTSP_REQ_HEAD_MAX ? -EMSGSIZE : 0;

    req->kind = RTSP_KIND_REQUEST;
    const char *p = buf, *end = buf + head;
    int line_no = 0, rc;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        struct rtsp_span line = trim(p, (size_t)(nl - p));
        p = nl + 1;
        if (line.len == 0)
            break;
        if (line_no == 0)
            rc = parse_request_line(line.p, line.len, req);
        else if (line_no > RTSP_REQ_HEADERS_MAX)
            rc = -EMSGSIZE;
        else
            rc = parse_header(line, req);
        if (rc < 0)
            return rc;
        line_no++;
    }
    if (line_no == 0)
        return -EBADMSG;
    if (len - head < req->content_length)
        return 0;
    req->body = (struct rtsp_span){buf + head, req->content_length};
    return (int)(head + req->content_length);
}

int rtsp_param(struct rtsp_span h, const char *name, struct rtsp_span *out)
{
    size_t n = strlen(name);
    size_t i = 0;
    while (i < h.len) {
        /* Skip separators so each iteration starts at a parameter name. */
        while (i < h.len && (h.p[i] == ' ' || h.p[i] == ',' || h.p[i] == ';'))
            i++;
        size_t start = i;
        while (i < h.len && h.p[i] != '=' && h.p[i] != ',' && h.p[i] != ';' && h.p[i] != ' ')
            i++;
        size_t key_len = i - start;
        struct rtsp_span val = {h.p + i, 0};
        if (i < h.len && h.p[i] == '=') {
            i++;
            if (i < h.len && h.p[i] == '"') {
                i++;
                val.p = h.p + i;
                while (i < h.len && h.p[i] != '"')
                    i++;
                val.len = (size_t)(h.p + i - val.p);
                if (i < h.len)
                    i++;
            } else {
                val.p = h.p + i;
                while (i < h.len && h.p[i] != ',' && h.p[i] != ';')
                    i++;
                val.len = (size_t)(h.p + i - val.p);
            }
        }
        if (key_len == n && strncasecmp(h.p + start, name, n) == 0) {
            *out = trim(val.p, val.len);
            return 0;
        }
        if (i == start)
            i++;
    }
    return -ENOENT;
}
