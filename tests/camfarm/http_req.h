/* HTTP/1.x request parser for camfarm's HLS and HTTP-FLV cameras: a pure
 * function over a buffer that may hold a partial request, with hard limits
 * on every length it accepts. */
#ifndef CAMFARM_HTTP_REQ_H
#define CAMFARM_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include "rtsp_req.h"

/* Limits: a request beyond these is refused, never buffered further. */
#define HTTP_REQ_HEAD_MAX    8192 /* request line + headers + blank line */
#define HTTP_REQ_TARGET_MAX  1024
#define HTTP_REQ_HEADERS_MAX 48
#define HTTP_REQ_BODY_MAX    4096

struct http_req {
    struct rtsp_span method; /* as sent, e.g. "GET" */
    struct rtsp_span target; /* origin form, query included: "/live/1.flv?x=1" */
    struct rtsp_span path;   /* target without its query */
    struct rtsp_span authorization;
    int minor;       /* HTTP/1.minor */
    bool keep_alive; /* the client keeps the connection for another request */
};

/* Parses one request at the start of buf[0..len).
 * Returns the bytes it occupies, body included (> 0), 0 when more bytes are
 * needed, -EMSGSIZE when a limit is exceeded, or -EBADMSG when the bytes
 * are not an HTTP/1.x request. */
int http_req_parse(const char *buf, size_t len, struct http_req *req);

#endif
