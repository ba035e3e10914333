/* Incremental RTSP response parser. It is stateless: each call re-reads the
 * buffer from its start, which keeps partial reads trivially correct and
 * costs little because the header block is capped at 16 KiB. */
#include "ascii.h"
#include "rtsp_parse.h"

#include <errno.h>
#include <string.h>

static const char *const perr_names[RTSP_PERR_COUNT] = {
    [RTSP_PERR_NONE] = "none",
    [RTSP_PERR_HEADER_TOO_LARGE] = "header block too large",
    [RTSP_PERR_BODY_TOO_LARGE] = "body too large",
    [RTSP_PERR_TOO_MANY_HEADERS] = "too many headers",
    [RTSP_PERR_BAD_STATUS_LINE] = "malformed status line",
    [RTSP_PERR_BAD_HEADER] = "malformed header line",
    [RTSP_PERR_BAD_CONTENT_LENGTH] = "bad Content-Length",
    [RTSP_PERR_HTTP_REPLY] = "HTTP reply on an RTSP connection",
};

const char *rtsp_perr_name(enum rtsp_perr e)
{
    if ((unsigned)e >= RTSP_PERR_COUNT)
        return "unknown";
    return perr_names[e];
}

/* Locale-free so a server's bytes never meet toupper() of some locale. */
static bool ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++)
        if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
            return false;
    return true;
}

static bool is_blank(int c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A header-name or method character: visible ASCII except separators. */
static bool is_tchar(int c)
{
    return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

static int fail(enum rtsp_perr *err, enum rtsp_perr why)
{
    if (err)
        *err = why;
    switch (why) {
    case RTSP_PERR_HEADER_TOO_LARGE:
    case RTSP_PERR_BODY_TOO_LARGE:
    case RTSP_PERR_TOO_MANY_HEADERS:
        return -EMSGSIZE;
    case RTSP_PERR_HTTP_REPLY:
        return -EPROTO;
    default:
        return -EBADMSG;
    }
}

/* "RTSP/1.0 200 OK" */
static int parse_status_line(const char *s, size_t n, struct rtsp_msg *msg)
{
    if (n < 12 || memcmp(s, "RTSP/", 5) != 0 || !is_digit(s[5]) || s[6] != '.' || !is_digit(s[7]))
        return -1;
    size_t i = 8;
    if (!is_blank(s[i]))
        return -1;
    while (i < n && is_blank(s[i]))
        i++;
    if (i + 3 > n || !is_digit(s[i]) || !is_digit(s[i + 1]) || !is_digit(s[i + 2]))
        return -1;
    msg->status = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
    if (msg->status < 100)
        return -1;
    i += 3;
    if (i < n && !is_blank(s[i]))
        return -1;
    const char *r = s + i;
    size_t rl = n - i;
    ascii_trim(&r, &rl, " \t\r\n");
    msg->reason = r;
    msg->reason_len = rl;
    return 0;
}

/* "GET_PARAMETER rtsp://... RTSP/1.0": a server may send these at any time. */
static int parse_request_line(const char *s, size_t n, struct rtsp_msg *msg)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)s[i]))
        i++;
    if (i == 0 || i >= n || s[i] != ' ')
        return -1;
    if (n < 9 || memcmp(s + n - 9, " RTSP/1.0", 9) != 0 || n - 9 <= i)
        return -1;
    msg->is_request = true;
    msg->method = s;
    msg->method_len = i;
    return 0;
}

static int parse_content_length(const char *v, size_t n, size_t *out)
{
    if (n == 0 || n > 9)
        return -1;
    size_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)v[i]))
            return -1;
        x = x * 10 + (size_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

static int parse_frame(const uint8_t *buf, size_t len, struct rtsp_frame *frame, size_t *consumed)
{
    if (len < 4)
        return RTSP_NEED_MORE;
    size_t n = ((size_t)buf[2] << 8) | buf[3];
    if (len < 4 + n)
        return RTSP_NEED_MORE;
    frame->channel = buf[1];
    frame->len = (uint16_t)n;
    frame->data = buf + 4;
    *consumed = 4 + n;
    return RTSP_FRAME;
}

/* Offset just past the blank line that ends the header block in
 * s[0, scan), or 0 when it has not come yet. Lines end in LF with an
 * optional CR before it, since some cameras send bare LF. */
static size_t header_block_end(const char *s, size_t scan)
{
    size_t pos = 0;
    while (pos < scan) {
        const char *nl = memchr(s + pos, '\n', scan - pos);
        if (!nl)
            break;
        size_t line_len = (size_t)(nl - (s + pos));
        if (line_len > 0 && s[pos + line_len - 1] == '\r')
            line_len--;
        pos = (size_t)(nl - s) + 1;
        if (line_len == 0)
            return pos;
    }
    return 0;
}

/* The header lines in s[pos, hdr_end), which ends with the blank line. */
static int parse_headers(const char *s, size_t pos, size_t hdr_end, struct rtsp_msg *msg,
                         enum rtsp_perr *err)
{
    while (pos < hdr_end) {
        const char *nl = memchr(s + pos, '\n', hdr_end - pos);
        const char *line = s + pos;
        size_t ll = (size_t)(nl - line);
        pos = (size_t)(nl - s) + 1;
        if (ll && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            break;
        if (memchr(line, '\0', ll))
            return fail(err, RTSP_PERR_BAD_HEADER);
        if (is_blank((unsigned char)line[0])) {
            /* Obsolete line folding: the value continues on this line. */
            if (msg->nheaders == 0)
                return fail(err, RTSP_PERR_BAD_HEADER);
            struct rtsp_header *h = &msg->headers[msg->nheaders - 1];
            const char *start = h->value_len ? h->value : line;
            h->value = start;
            h->value_len = (size_t)(line + ll - start);
            ascii_trim(&h->value, &h->value_len, " \t\r\n");
            continue;
        }
        size_t i = 0;
        while (i < ll && is_tchar((unsigned char)line[i]))
            i++;
        size_t name_len = i;
        while (i < ll && is_blank((unsigned char)line[i]))
            i++;
        if (name_len == 0 || i >= ll || line[i] != ':')
            return fail(err, RTSP_PERR_BAD_HEADER);
        if (msg->nheaders >= RTSP_HEADERS_MAX)
            return fail(err, RTSP_PERR_TOO_MANY_HEADERS);
        struct rtsp_header *h = &msg->headers[msg->nheaders++];
        h->name = line;
        h->name_len = name_len;
        h->value = line + i + 1;
        h->value_len = ll - i - 1;
        ascii_trim(&h->value, &h->value_len, " \t\r\n");
    }
    return 0;
}

/* The body length Content-Length gives, 0 without one; every copy of the
 * header must agree. */
static int body_length(const struct rtsp_msg *msg, size_t *body_len, enum rtsp_perr *err)
{
    bool have_cl = false;
    *body_len = 0;
    for (size_t k = 0; k < msg->nheaders; k++) {
        const struct rtsp_header *h = &msg->headers[k];
        if (!ieq(h->name, h->name_len, "Content-Length"))
            continue;
        size_t cl;
        if (parse_content_length(h->value, h->value_len, &cl) != 0)
            return fail(err, h->value_len > 9 && h->value_len < 32 && is_digit(h->value[0])
                                 ? RTSP_PERR_BODY_TOO_LARGE
                                 : RTSP_PERR_BAD_CONTENT_LENGTH);
        if (have_cl && cl != *body_len)
            return fail(err, RTSP_PERR_BAD_CONTENT_LENGTH);
        have_cl = true;
        *body_len = cl;
    }
    return 0;
}

static int parse_one(const uint8_t *buf, size_t len, struct rtsp_msg *msg, struct rtsp_frame *frame,
                     size_t *consumed, enum rtsp_perr *err)
{
    if (buf[0] == '$')
        return parse_frame(buf, len, frame, consumed);

    const char *s = (const char *)buf;
    size_t scan = len < RTSP_HEADER_BLOCK_MAX ? len : RTSP_HEADER_BLOCK_MAX;

    /* Reject binary garbage on the first line as soon as it shows instead of
     * waiting for 16 KiB that may never come. */
    for (size_t i = 0; i < scan && s[i] != '\n'; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
            return fail(err, RTSP_PERR_BAD_STATUS_LINE);
    }
    size_t hdr_end = header_block_end(s, scan);
    if (!hdr_end)
        return len >= RTSP_HEADER_BLOCK_MAX ? fail(err, RTSP_PERR_HEADER_TOO_LARGE)
                                            : RTSP_NEED_MORE;

    memset(msg, 0, sizeof(*msg));
    /* Status line. */
    const char *nl = memchr(s, '\n', hdr_end);
    size_t l0 = (size_t)(nl - s);
    if (l0 && s[l0 - 1] == '\r')
        l0--;
    if (l0 >= 5 && memcmp(s, "HTTP/", 5) == 0)
        return fail(err, RTSP_PERR_HTTP_REPLY);
    if (parse_status_line(s, l0, msg) != 0 && parse_request_line(s, l0, msg) != 0)
        return fail(err, RTSP_PERR_BAD_STATUS_LINE);

    size_t body_len;
    int rc = parse_headers(s, (size_t)(nl - s) + 1, hdr_end, msg, err);
    if (rc < 0 || (rc = body_length(msg, &body_len, err)) < 0)
        return rc;
    if (body_len > RTSP_BODY_MAX)
        return fail(err, RTSP_PERR_BODY_TOO_LARGE);
    if (len - hdr_end < body_len)
        return RTSP_NEED_MORE;
    msg->body = body_len ? buf + hdr_end : NULL;
    msg->body_len = body_len;
    *consumed = hdr_end + body_len;
    return RTSP_MESSAGE;
}

int rtsp_parse(const uint8_t *buf, size_t len, struct rtsp_msg *msg, struct rtsp_frame *frame,
               size_t *consumed, enum rtsp_perr *err)
{
    if (err)
        *err = RTSP_PERR_NONE;
    *consumed = 0;
    /* Some servers put a stray CRLF after a body that Content-Length does not
     * count; skip it rather than call the next reply malformed. */
    size_t skip = 0;
    while (skip < len && skip < RTSP_HEADER_BLOCK_MAX && (buf[skip] == '\r' || buf[skip] == '\n'))
        skip++;
    if (skip >= RTSP_HEADER_BLOCK_MAX)
        return fail(err, RTSP_PERR_HEADER_TOO_LARGE);
    if (skip == len)
        return RTSP_NEED_MORE;
    int rc = parse_one(buf + skip, len - skip, msg, frame, consumed, err);
    if (rc > 0)
        *consumed += skip;
    return rc;
}

const char *rtsp_msg_header(const struct rtsp_msg *msg, const char *name, size_t idx,
                            size_t *value_len)
{
    for (size_t k = 0; k < msg->nheaders; k++) {
        const struct rtsp_header *h = &msg->headers[k];
        if (ieq(h->name, h->name_len, name) && idx-- == 0) {
            if (value_len)
                *value_len = h->value_len;
            return h->value;
        }
    }
    if (value_len)
        *value_len = 0;
    return NULL;
}

int rtsp_msg_cseq(const struct rtsp_msg *msg, uint32_t *cseq)
{
    size_t n;
    const char *v = rtsp_msg_header(msg, "CSeq", 0, &n);
    if (!v)
        return -ENOENT;
    if (n == 0 || n > 9)
        return -EBADMSG;
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)v[i]))
            return -EBADMSG;
        x = x * 10 + (uint32_t)(v[i] - '0');
    }
    *cseq = x;
    return 0;
}

int rtsp_parse_session(const char *v, size_t len, char *id, size_t idcap, unsigned *timeout_s)
{
    *timeout_s = 0;
    size_t i = 0;
    while (i < len && is_blank((unsigned char)v[i]))
        i++;
    size_t start = i;
    /* RFC 2326 allows alnum and "$-_.+"; cameras also use other visible
     * characters, so only refuse what would break the header we echo back. */
    while (i < len && v[i] != ';' && (unsigned char)v[i] > 0x20 && (unsigned char)v[i] < 0x7f)
        i++;
    size_t n = i - start;
    if (n == 0 || n >= idcap || n > RTSP_SESSION_ID_MAX)
        return -EBADMSG;
    while (i < len && is_blank((unsigned char)v[i]))
        i++;
    if (i < len && v[i] != ';')
        return -EBADMSG;
    memcpy(id, v + start, n);
    id[n] = '\0';
    while (i < len) {
        i++; /* ';' */
        while (i < len && is_blank((unsigned char)v[i]))
            i++;
        size_t p = i;
        while (i < len && v[i] != ';')
            i++;
        const char *param = v + p;
        size_t pl = i - p;
        if (pl > 8 && ieq(param, 8, "timeout=")) {
            unsigned t = 0;
            for (size_t k = 8; k < pl && is_digit((unsigned char)param[k]) && t < 100000; k++)
                t = t * 10 + (unsigned)(param[k] - '0');
            *timeout_s = t;
        }
    }
    return 0;
}

bool rtsp_token_list_has(const char *v, size_t len, const char *token)
{
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && v[i] != ',')
            i++;
        const char *t = v + start;
        size_t tl = i - start;
        ascii_trim(&t, &tl, " \t\r\n");
        if (ieq(t, tl, token))
            return true;
        i++;
    }
    return false;
}

static int parse_small_uint(const char **p, const char *end, int *out)
{
    int x = 0, digits = 0;
    while (*p < end && is_digit((unsigned char)**p) && digits < 4) {
        x = x * 10 + (**p - '0');
        (*p)++;
        digits++;
    }
    if (digits == 0 || x > 255)
        return -1;
    *out = x;
    return 0;
}

int rtsp_parse_transport_interleaved(const char *v, size_t len, int *ch_rtp, int *ch_rtcp)
{
    const char *end = v + len;
    const char *p = v;
    while (p < end) {
        const char *q = p;
        while (q < end && *q != ';' && *q != ',')
            q++;
        const char *param = p;
        size_t pl = (size_t)(q - p);
        ascii_trim(&param, &pl, " \t\r\n");
        if (pl > 12 && ieq(param, 12, "interleaved=")) {
            const char *c = param + 12, *pe = param + pl;
            if (parse_small_uint(&c, pe, ch_rtp) != 0)
                return -EBADMSG;
            *ch_rtcp = *ch_rtp + 1;
            if (c < pe) {
                if (*c != '-')
                    return -EBADMSG;
                c++;
                if (parse_small_uint(&c, pe, ch_rtcp) != 0 || c != pe)
                    return -EBADMSG;
            }
            return 0;
        }
        if (q < end && *q == ',')
            break; /* only the first transport spec counts: it is the one granted */
        p = q + 1;
    }
    return -ENOENT;
}
