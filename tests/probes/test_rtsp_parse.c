/* Tests for probes/rtsp_parse.c: complete, split, interleaved, oversized and
 * malformed RTSP input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtsp_parse.h"

#define OPTIONS_REPLY                                                                              \
    "RTSP/1.0 200 OK\r\n"                                                                          \
    "CSeq: 2\r\n"                                                                                  \
    "Public: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n"    \
    "Date:  Fri, Nov 27 2026 16:00:00 GMT\r\n"                                                     \
    "\r\n"

#define SDP_BODY                                                                                   \
    "v=0\r\n"                                                                                      \
    "o=- 1 1 IN IP4 10.1.2.3\r\n"                                                                  \
    "s=Media Presentation\r\n"                                                                     \
    "m=video 0 RTP/AVP 96\r\n"                                                                     \
    "a=rtpmap:96 H264/90000\r\n"                                                                   \
    "a=control:trackID=1\r\n"

#define DESCRIBE_REPLY                                                                             \
    "RTSP/1.0 200 OK\r\n"                                                                          \
    "CSeq: 3\r\n"                                                                                  \
    "Content-Type: application/sdp\r\n"                                                            \
    "Content-Base: rtsp://10.1.2.3:554/Streaming/Channels/101/\r\n"                                \
    "Content-Length: 119\r\n"                                                                      \
    "\r\n" SDP_BODY

#define UNAUTHORIZED_LF_ONLY                                                                       \
    "RTSP/1.0 401 Unauthorized\n"                                                                  \
    "CSeq: 2\n"                                                                                    \
    "WWW-Authenticate: Digest realm=\"IP Camera(C2358)\", nonce=\"abc\", stale=\"FALSE\"\n"        \
    "WWW-Authenticate: Basic realm=\"IP Camera(C2358)\"\n"                                         \
    "\n"

struct parsed {
    int rc;
    size_t consumed;
    int status;
    size_t nheaders;
    size_t body_len;
};

/* Feed text growing one byte at a time, as the slowest network would, and
 * check that every prefix says "need more" until the whole is there. */
static struct parsed parse_split(const char *text, size_t len)
{
    struct rtsp_msg msg;
    struct rtsp_frame frame;
    size_t consumed;
    uint8_t *buf = malloc(len + 1);
    cr_assert_not_null(buf);
    memcpy(buf, text, len);
    for (size_t cut = 0; cut < len; cut++) {
        int rc = rtsp_parse(buf, cut, &msg, &frame, &consumed, NULL);
        cr_assert_eq(rc, RTSP_NEED_MORE, "prefix of %zu/%zu bytes gave %d", cut, len, rc);
    }
    struct parsed p = {0};
    p.rc = rtsp_parse(buf, len, &msg, &frame, &p.consumed, NULL);
    if (p.rc == RTSP_MESSAGE) {
        p.status = msg.status;
        p.nheaders = msg.nheaders;
        p.body_len = msg.body_len;
    }
    free(buf);
    return p;
}

Test(rtsp_parse, options_reply_parses_identically_at_every_split)
{
    struct parsed p = parse_split(OPTIONS_REPLY, strlen(OPTIONS_REPLY));
    cr_assert_eq(p.rc, RTSP_MESSAGE);
    cr_expect_eq(p.status, 200);
    cr_expect_eq(p.nheaders, 3);
    cr_expect_eq(p.consumed, strlen(OPTIONS_REPLY));
}

Test(rtsp_parse, describe_reply_body_waits_for_content_length_at_every_split)
{
    cr_assert_eq(strlen(SDP_BODY), 119, "fixture length drifted");
    struct parsed p = parse_split(DESCRIBE_REPLY, strlen(DESCRIBE_REPLY));
    cr_assert_eq(p.rc, RTSP_MESSAGE);
    cr_expect_eq(p.status, 200);
    cr_expect_eq(p.body_len, 119);
    cr_expect_eq(p.consumed, strlen(DESCRIBE_REPLY));
}

Test(rtsp_parse, lf_only_reply_parses_at_every_split)
{
    struct parsed p = parse_split(UNAUTHORIZED_LF_ONLY, strlen(UNAUTHORIZED_LF_ONLY));
    cr_assert_eq(p.rc, RTSP_MESSAGE);
    cr_expect_eq(p.status, 401);
    cr_expect_eq(p.nheaders, 3);
}

Test(rtsp_parse, interleaved_frame_parses_at_every_split)
{
    const char frame[] = "$\x01\x00\x05hello";
    struct parsed p = parse_split(frame, sizeof(frame) - 1);
    cr_expect_eq(p.rc, RTSP_FRAME);
    cr_expect_eq(p.consumed, 9);
}

Test(rtsp_parse, header_lookup_is_case_insensitive_and_indexed)
{
    const char *t = UNAUTHORIZED_LF_ONLY;
    struct rtsp_msg msg;
    struct rtsp_frame frame;
    size_t consumed, vl;
    cr_assert_eq(rtsp_parse((const uint8_t *)t, strlen(t), &msg, &frame, &consumed, NULL),
                 RTSP_MESSAGE);
    const char *v = rtsp_msg_header(&msg, "www-authenticate", 0, &vl);
    cr_assert_not_null(v);
    cr_expect(strncmp(v, "Digest ", 7) == 0);
    v = rtsp_msg_header(&msg, "WWW-AUTHENTICATE", 1, &vl);
    cr_assert_not_null(v);
    cr_expect(vl == strlen("Basic realm=\"IP Camera(C2358)\"") && strncmp(v, "Basic", 5) == 0);
    cr_expect_null(rtsp_msg_header(&msg, "WWW-Authenticate", 2, &vl));
    uint32_t cseq = 0;
    cr_expect_eq(rtsp_msg_cseq(&msg, &cseq), 0);
    cr_expect_eq(cseq, 2);
    cr_expect_eq(msg.reason_len, strlen("Unauthorized"));
}

Test(rtsp_parse, frames_before_and_between_replies_are_reported_in_order)
{
    const char in[] = "$\x00\x00\x03"
                      "abc" OPTIONS_REPLY "$\x01\x00\x02xy" DESCRIBE_REPLY;
    const uint8_t *p = (const uint8_t *)in;
    size_t left = sizeof(in) - 1;
    int kinds[8], n = 0;
    while (left && n < 8) {
        struct rtsp_msg msg;
        struct rtsp_frame frame;
        size_t used;
        int rc = rtsp_parse(p, left, &msg, &frame, &used, NULL);
        cr_assert_gt(rc, 0, "item %d: rc %d", n, rc);
        if (rc == RTSP_FRAME && n == 0) {
            cr_expect_eq(frame.channel, 0);
            cr_expect_eq(frame.len, 3);
            cr_expect(memcmp(frame.data, "abc", 3) == 0);
        }
        kinds[n++] = rc;
        p += used;
        left -= used;
    }
    cr_assert_eq(n, 4);
    cr_expect_eq(kinds[0], RTSP_FRAME);
    cr_expect_eq(kinds[1], RTSP_MESSAGE);
    cr_expect_eq(kinds[2], RTSP_FRAME);
    cr_expect_eq(kinds[3], RTSP_MESSAGE);
}

Test(rtsp_parse, stray_crlf_after_a_body_is_skipped)
{
    const char in[] = "\r\n" OPTIONS_REPLY;
    struct rtsp_msg msg;
    struct rtsp_frame frame;
    size_t used;
    cr_assert_eq(rtsp_parse((const uint8_t *)in, sizeof(in) - 1, &msg, &frame, &used, NULL),
                 RTSP_MESSAGE);
    cr_expect_eq(used, sizeof(in) - 1);
}

Test(rtsp_parse, server_request_is_reported_as_request)
{
    const char in[] = "GET_PARAMETER rtsp://10.1.2.3/ RTSP/1.0\r\nCSeq: 9\r\n\r\n";
    struct rtsp_msg msg;
    struct rtsp_frame frame;
    size_t used;
    cr_assert_eq(rtsp_parse((const uint8_t *)in, sizeof(in) - 1, &msg, &frame, &used, NULL),
                 RTSP_MESSAGE);
    cr_expect(msg.is_request);
    cr_expect_eq(msg.method_len, strlen("GET_PARAMETER"));
}

struct bad_case {
    const char *what;
    const char *text;
    int rc;
    enum rtsp_perr err;
};

static const struct bad_case bad_cases[] = {
    {"garbage bytes", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", -EBADMSG,
     RTSP_PERR_BAD_STATUS_LINE},
    {"not a status line", "HELLO WORLD\r\n\r\n", -EBADMSG, RTSP_PERR_BAD_STATUS_LINE},
    {"status not a number", "RTSP/1.0 2x0 OK\r\n\r\n", -EBADMSG, RTSP_PERR_BAD_STATUS_LINE},
    {"status too short", "RTSP/1.0 20 OK\r\n\r\n", -EBADMSG, RTSP_PERR_BAD_STATUS_LINE},
    {"status glued to reason", "RTSP/1.0 200OK\r\n\r\n", -EBADMSG, RTSP_PERR_BAD_STATUS_LINE},
    {"bad version", "RTSP/x.0 200 OK\r\n\r\n", -EBADMSG, RTSP_PERR_BAD_STATUS_LINE},
    {"http server on the port", "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n", -EPROTO,
     RTSP_PERR_HTTP_REPLY},
    {"header without colon", "RTSP/1.0 200 OK\r\nCSeq 2\r\n\r\n", -EBADMSG, RTSP_PERR_BAD_HEADER},
    {"header with empty name", "RTSP/1.0 200 OK\r\n: 2\r\n\r\n", -EBADMSG, RTSP_PERR_BAD_HEADER},
    {"fold before any header", "RTSP/1.0 200 OK\r\n folded\r\n\r\n", -EBADMSG,
     RTSP_PERR_BAD_HEADER},
    {"negative content-length", "RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", -EBADMSG,
     RTSP_PERR_BAD_CONTENT_LENGTH},
    {"content-length with junk", "RTSP/1.0 200 OK\r\nContent-Length: 12abc\r\n\r\n", -EBADMSG,
     RTSP_PERR_BAD_CONTENT_LENGTH},
    {"conflicting content-lengths",
     "RTSP/1.0 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", -EBADMSG,
     RTSP_PERR_BAD_CONTENT_LENGTH},
    {"body over 64 KiB", "RTSP/1.0 200 OK\r\nContent-Length: 65537\r\n\r\n", -EMSGSIZE,
     RTSP_PERR_BODY_TOO_LARGE},
    {"huge content-length", "RTSP/1.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
     -EMSGSIZE, RTSP_PERR_BODY_TOO_LARGE},
    {"nul in a header", "RTSP/1.0 200 OK\r\nServer: a\0b\r\n\r\n", -EBADMSG, RTSP_PERR_BAD_HEADER},
};

Test(rtsp_parse, malformed_replies_are_rejected_with_a_reason)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        /* The NUL case needs its real length, so measure up to the final blank line. */
        size_t len = strlen(c->text);
        if (strcmp(c->what, "nul in a header") == 0)
            len = sizeof("RTSP/1.0 200 OK\r\nServer: a\0b\r\n\r\n") - 1;
        struct rtsp_msg msg;
        struct rtsp_frame frame;
        size_t used;
        enum rtsp_perr err = RTSP_PERR_NONE;
        int rc = rtsp_parse((const uint8_t *)c->text, len, &msg, &frame, &used, &err);
        cr_expect_eq(rc, c->rc, "%s: rc %d", c->what, rc);
        cr_expect_eq(err, c->err, "%s: err %s", c->what, rtsp_perr_name(err));
    }
}

Test(rtsp_parse, header_block_over_16k_is_rejected)
{
    size_t len = RTSP_HEADER_BLOCK_MAX + 10;
    char *big = malloc(len);
    cr_assert_not_null(big);
    memcpy(big, "RTSP/1.0 200 OK\r\nX-Pad: ", 24);
    memset(big + 24, 'a', len - 24);
    struct rtsp_msg msg;
    struct rtsp_frame frame;
    size_t used;
    enum rtsp_perr err;
    /* Below the limit it may still complete, so it waits... */
    cr_expect_eq(rtsp_parse((uint8_t *)big, RTSP_HEADER_BLOCK_MAX - 1, &msg, &frame, &used, &err),
                 RTSP_NEED_MORE);
    /* ...and at the limit without a blank line it gives up. */
    cr_expect_eq(rtsp_parse((uint8_t *)big, len, &msg, &frame, &used, &err), -EMSGSIZE);
    cr_expect_eq(err, RTSP_PERR_HEADER_TOO_LARGE);
    free(big);
}

Test(rtsp_parse, too_many_headers_are_rejected)
{
    char buf[8192];
    size_t n = (size_t)snprintf(buf, sizeof(buf), "RTSP/1.0 200 OK\r\n");
    for (int i = 0; i <= RTSP_HEADERS_MAX; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X-%d: v\r\n", i);
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
    struct rtsp_msg msg;
    struct rtsp_frame frame;
    size_t used;
    enum rtsp_perr err;
    cr_expect_eq(rtsp_parse((uint8_t *)buf, n, &msg, &frame, &used, &err), -EMSGSIZE);
    cr_expect_eq(err, RTSP_PERR_TOO_MANY_HEADERS);
}

Test(rtsp_parse, body_exactly_at_the_limit_is_accepted)
{
    size_t hl = 64, len = hl + RTSP_BODY_MAX;
    uint8_t *buf = malloc(len);
    cr_assert_not_null(buf);
    int n = snprintf((char *)buf, hl + 1, "RTSP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n",
                     RTSP_BODY_MAX);
    cr_assert_lt((size_t)n, hl);
    memset(buf + n, 'x', len - (size_t)n);
    struct rtsp_msg msg;
    struct rtsp_frame frame;
    size_t used;
    cr_expect_eq(rtsp_parse(buf, (size_t)n + RTSP_BODY_MAX, &msg, &frame, &used, NULL),
                 RTSP_MESSAGE);
    cr_expect_eq(msg.body_len, RTSP_BODY_MAX);
    free(buf);
}

Test(rtsp_parse, folded_header_value_is_joined)
{
    const char in[] = "RTSP/1.0 200 OK\r\nCSeq: 4\r\nX-Long: part one\r\n  part two\r\n\r\n";
    struct rtsp_msg msg;
    struct rtsp_frame frame;
    size_t used, vl;
    cr_assert_eq(rtsp_parse((const uint8_t *)in, sizeof(in) - 1, &msg, &frame, &used, NULL),
                 RTSP_MESSAGE);
    const char *v = rtsp_msg_header(&msg, "x-long", 0, &vl);
    cr_assert_not_null(v);
    cr_expect(vl > 8 && strncmp(v, "part one", 8) == 0 && strncmp(v + vl - 8, "part two", 8) == 0);
}

Test(rtsp_parse, session_header_splits_id_and_timeout)
{
    char id[RTSP_SESSION_ID_MAX + 1];
    unsigned t;
    const char *v = "1185228359;timeout=60";
    cr_assert_eq(rtsp_parse_session(v, strlen(v), id, sizeof(id), &t), 0);
    cr_expect_str_eq(id, "1185228359");
    cr_expect_eq(t, 60);
    v = "  A1B2c3 ; Timeout = 30";
    cr_assert_eq(rtsp_parse_session(v, strlen(v), id, sizeof(id), &t), 0);
    cr_expect_str_eq(id, "A1B2c3");
    v = "abc";
    cr_assert_eq(rtsp_parse_session(v, strlen(v), id, sizeof(id), &t), 0);
    cr_expect_eq(t, 0);
    cr_expect_eq(rtsp_parse_session("", 0, id, sizeof(id), &t), -EBADMSG);
    cr_expect_eq(rtsp_parse_session("a b", 3, id, sizeof(id), &t), -EBADMSG);
    char long_id[300];
    memset(long_id, '7', sizeof(long_id));
    cr_expect_eq(rtsp_parse_session(long_id, sizeof(long_id), id, sizeof(id), &t), -EBADMSG);
}

Test(rtsp_parse, public_token_list_lookup)
{
    const char *v = "OPTIONS, DESCRIBE, PLAY,SETUP ,TEARDOWN, GET_PARAMETER";
    cr_expect(rtsp_token_list_has(v, strlen(v), "get_parameter"));
    cr_expect(rtsp_token_list_has(v, strlen(v), "SETUP"));
    cr_expect_not(rtsp_token_list_has(v, strlen(v), "SET"));
    cr_expect_not(rtsp_token_list_has(v, strlen(v), "ANNOUNCE"));
}

Test(rtsp_parse, transport_interleaved_channels)
{
    int a, b;
    const char *v = "RTP/AVP/TCP;unicast;interleaved=2-3;ssrc=1A2B3C4D;mode=\"PLAY\"";
    cr_assert_eq(rtsp_parse_transport_interleaved(v, strlen(v), &a, &b), 0);
    cr_expect_eq(a, 2);
    cr_expect_eq(b, 3);
    v = "RTP/AVP/TCP;unicast;interleaved=0";
    cr_assert_eq(rtsp_parse_transport_interleaved(v, strlen(v), &a, &b), 0);
    cr_expect_eq(b, 1);
    v = "RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971";
    cr_expect_eq(rtsp_parse_transport_interleaved(v, strlen(v), &a, &b), -ENOENT);
    v = "RTP/AVP/TCP;interleaved=x-1";
    cr_expect_eq(rtsp_parse_transport_interleaved(v, strlen(v), &a, &b), -EBADMSG);
    v = "RTP/AVP/TCP;interleaved=999-1000";
    cr_expect_eq(rtsp_parse_transport_interleaved(v, strlen(v), &a, &b), -EBADMSG);
}
