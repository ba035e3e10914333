/* indexer/http/http_head.c: the request heads the gate judges. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "http/http_head.h"

static int parse(const char *s, struct http_head *h)
{
    return http_head_parse(s, strlen(s), h);
}

Test(http_head, takes_what_the_gate_needs)
{
    const char *s = "POST /api/v1/inventory?dry_run=1 HTTP/1.1\r\nHost: localhost:8470\r\n"
                    "authorization:  Bearer abc \r\nContent-Length: 1234\r\n\r\nbody";
    struct http_head h;
    cr_assert_eq(parse(s, &h), (int)(strstr(s, "body") - s));
    cr_assert_eq(h.method_len, 4);
    cr_assert(strncmp(h.target, "/api/v1/inventory?dry_run=1", h.target_len) == 0);
    cr_assert(h.has_host && h.host_len == 14 && strncmp(h.host, "localhost:8470", 14) == 0);
    cr_assert(h.has_auth && h.auth_len == 10 && strncmp(h.auth, "Bearer abc", 10) == 0);
    cr_assert(h.has_length && h.content_length == 1234 && !h.chunked);
    cr_assert(http_head_has_body(&h));
}

Test(http_head, waits_for_the_empty_line)
{
    struct http_head h;
    cr_assert_eq(parse("GET / HTTP/1.1\r\nHost: x\r\n", &h), 0);
    cr_assert_eq(parse("GET / HTT", &h), 0);
    cr_assert_gt(parse("GET / HTTP/1.0\n\n", &h), 0);
    cr_assert(!http_head_has_body(&h));
}

Test(http_head, refuses_what_h2o_would)
{
    struct http_head h;
    cr_assert_eq(parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &h), -EBADMSG);
    cr_assert_eq(parse("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", &h),
                 -EBADMSG);
    cr_assert_eq(parse("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", &h), -EBADMSG);
    cr_assert_eq(parse("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", &h), -EBADMSG);
    cr_assert_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &h), -EBADMSG);
    cr_assert_eq(parse("GET / HTTP/1.1\r\n folded\r\n\r\n", &h), -EBADMSG);
    cr_assert_eq(parse("GET /a b HTTP/1.1\r\n\r\n", &h), -EBADMSG);
}

Test(http_head, has_hard_limits)
{
    static char big[HTTP_HEAD_MAX + 100];
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    struct http_head h;
    cr_assert_eq(http_head_parse(big, sizeof(big), &h), -EMSGSIZE);
    char many[4096] = "GET / HTTP/1.1\r\n";
    for (int i = 0; i <= HTTP_HEAD_FIELDS; i++)
        strcat(many, "A: b\r\n");
    strcat(many, "\r\n");
    cr_assert_eq(parse(many, &h), -EMSGSIZE);
}
