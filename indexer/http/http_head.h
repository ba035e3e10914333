/* The head of an HTTP/1.x request, read before h2o sees the connection so
 * that the token, the Host and the declared body are judged before a byte
 * of the body is taken in. A pure parser over a buffer with hard limits;
 * fuzzed by tests/fuzz/fuzz_http_params.c. */
#ifndef CAMDEX_HTTP_HEAD_H
#define CAMDEX_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_HEAD_MAX    8192 /* h2o's own limit on a request head */
#define HTTP_HEAD_FIELDS 100

struct http_head {
    const char *method, *target, *host, *auth; /* into the buffer, not NUL-terminated */
    size_t method_len, target_len, host_len, auth_len;
    bool has_host, has_auth;
    bool has_length, chunked;
    uint64_t content_length;
};

/* Parses buf[0..len). Returns the head's length (through its empty line)
 * when complete, 0 when more bytes are needed, -EBADMSG when it is not a
 * request head h2o would take, -EMSGSIZE past HTTP_HEAD_MAX bytes or
 * HTTP_HEAD_FIELDS fields. Fields of `h` point into buf. */
int http_head_parse(const char *buf, size_t len, struct http_head *h);

/* True when the request carries a body (a length above 0, or chunked). */
bool http_head_has_body(const struct http_head *h);

#endif
