/* RTSP request parser for camfarm: a pure function over a buffer that may
 * hold a partial message, with hard limits on every length it accepts. */
#ifndef CAMFARM_RTSP_REQ_H
#define CAMFARM_RTSP_REQ_H

#include <stddef.h>
#include <stdint.h>

/* Limits: a request longer than these is refused, never buffered further. */
#define RTSP_REQ_HEAD_MAX    8192 /* request line + headers + blank line */
#define RTSP_REQ_URI_MAX     1024
#define RTSP_REQ_HEADERS_MAX 48
#define RTSP_REQ_BODY_MAX    4096
#define RTSP_REQ_CSEQ_MAX    999999999L

enum rtsp_method {
    RTSP_M_UNKNOWN = 0,
    RTSP_M_OPTIONS,
    RTSP_M_DESCRIBE,
    RTSP_M_SETUP,
    RTSP_M_PLAY,
    RTSP_M_PAUSE,
    RTSP_M_TEARDOWN,
    RTSP_M_GET_PARAMETER,
    RTSP_M_SET_PARAMETER,
    RTSP_M_ANNOUNCE,
    RTSP_M_RECORD,
    RTSP_M_COUNT
};

/* A string inside the parsed buffer (not NUL-terminated). */
struct rtsp_span {
    const char *p;
    size_t len;
};

enum rtsp_kind {
    RTSP_KIND_REQUEST = 1,    /* a full request is in `req` */
    RTSP_KIND_INTERLEAVED = 2 /* a '$' frame (client RTCP) to skip */
};

struct rtsp_req {
    enum rtsp_kind kind;
    enum rtsp_method method;
    struct rtsp_span method_name; /* as sent, also for unknown methods */
    struct rtsp_span uri;
    long cseq;                /* -1 when absent */
    struct rtsp_span session; /* Session header without ";timeout=" */
    struct rtsp_span transport;
    struct rtsp_span authorization;
    struct rtsp_span user_agent;
    size_t content_length;
    struct rtsp_span body;
};

/* Parses one message at the start of buf[0..len).
 * Returns the number of bytes the message occupies (> 0) when complete,
 * 0 when more bytes are needed, -EMSGSIZE when a limit is exceeded, or
 * -EBADMSG when the bytes are not RTSP. */
int rtsp_req_parse(const char *buf, size_t len, struct rtsp_req *req);

const char *rtsp_method_name(enum rtsp_method m);

/* Case-insensitive "name=value" lookup in a header value such as
 * `Digest username="a", realm="b"` or `RTP/AVP/TCP;interleaved=0-1`.
 * Quotes are stripped. Returns 0 and fills out, or -ENOENT. */
int rtsp_param(struct rtsp_span header, const char *name, struct rtsp_span *out);

#endif
