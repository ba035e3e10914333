/* Tests for probes/rtsp_auth.c: challenge parsing, choice, and header
 * building checked against RFC 2617 and independently computed digests. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rtsp_auth.h"

static const char rfc2617_challenge[] =
    "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", "
    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

static const char *field(const char *hdr, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof(key), "%s=", name);
    const char *p = hdr;
    while ((p = strstr(p, key)) != NULL) {
        if (p == hdr || p[-1] == ' ')
            break;
        p++;
    }
    if (!p)
        return NULL;
    p += strlen(key);
    bool quoted = *p == '"';
    p += quoted;
    size_t n = 0;
    while (p[n] && (quoted ? p[n] != '"' : p[n] != ',') && n + 1 < cap)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

Test(rtsp_auth, rfc2617_example_gives_the_published_response)
{
    struct rtsp_auth_challenge ch;
    cr_assert_eq(rtsp_auth_parse(rfc2617_challenge, strlen(rfc2617_challenge), &ch), 0);
    cr_expect_eq(ch.scheme, RTSP_AUTH_DIGEST);
    cr_expect(ch.qop_auth);
    cr_expect(ch.has_opaque);
    cr_expect_str_eq(ch.realm, "testrealm@host.com");
    char hdr[RTSP_AUTH_HEADER_MAX], v[128];
    cr_assert_eq(rtsp_auth_header(&ch, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1,
                                  "0a4f113b", hdr, sizeof(hdr)),
                 0);
    cr_expect_str_eq(field(hdr, "response", v, sizeof(v)), "6629fae49393a05397450978507c4ef1");
    cr_expect_str_eq(field(hdr, "nc", v, sizeof(v)), "00000001");
    cr_expect_str_eq(field(hdr, "cnonce", v, sizeof(v)), "0a4f113b");
    cr_expect_str_eq(field(hdr, "opaque", v, sizeof(v)), "5ccc069c403ebaf9f0171e9517f40e41");
    cr_expect_str_eq(field(hdr, "uri", v, sizeof(v)), "/dir/index.html");
    cr_expect_str_eq(field(hdr, "qop", v, sizeof(v)), "auth");
    cr_expect(strncmp(hdr, "Digest ", 7) == 0);
    cr_expect_null(strstr(hdr, "Circle"), "the password must never be sent");
}

struct digest_case {
    const char *what, *challenge, *user, *pass, *method, *uri, *cnonce, *want;
};

/* Expected responses computed with Python's hashlib from the RFC 2617
 * formulas, independently of the code under test. */
static const struct digest_case digest_cases[] = {
    {"no qop (RFC 2069 style, most IP cameras)",
     "Digest realm=\"IP Camera(C2358)\", nonce=\"4e4a1c1b5a6f9\", stale=\"FALSE\"", "admin",
     "12345", "DESCRIBE", "rtsp://10.1.2.3:554/Streaming/Channels/101", NULL,
     "ca652cb3e87fa0b5e1206fe603486ce8"},
    {"MD5-sess with qop", "Digest realm=\"r\", nonce=\"n0\", algorithm=MD5-sess, qop=\"auth\"", "u",
     "p", "SETUP", "rtsp://h/live/trackID=1", "c0ffee", "1196c39f96f011ec76d05a4e50c592eb"},
    {"algorithm=MD5 explicit, qop token",
     "Digest realm=\"r\", nonce=\"n0\", algorithm=MD5, qop=auth", "u", "p", "OPTIONS",
     "rtsp://h/live", "c0ffee", "6ce5d96dc9611a0fb2e80616ae96e7c7"},
};

Test(rtsp_auth, digest_variants_match_independent_computation)
{
    for (size_t i = 0; i < sizeof(digest_cases) / sizeof(digest_cases[0]); i++) {
        const struct digest_case *c = &digest_cases[i];
        struct rtsp_auth_challenge ch;
        cr_assert_eq(rtsp_auth_parse(c->challenge, strlen(c->challenge), &ch), 0, "%s", c->what);
        char hdr[RTSP_AUTH_HEADER_MAX], v[128];
        cr_assert_eq(rtsp_auth_header(&ch, c->user, c->pass, c->method, c->uri, 1, c->cnonce, hdr,
                                      sizeof(hdr)),
                     0, "%s", c->what);
        cr_expect_str_eq(field(hdr, "response", v, sizeof(v)), c->want, "%s: %s", c->what, hdr);
    }
}

Test(rtsp_auth, basic_header_is_base64_of_user_colon_password)
{
    const char *c = "Basic realm=\"/\"";
    struct rtsp_auth_challenge ch;
    cr_assert_eq(rtsp_auth_parse(c, strlen(c), &ch), 0);
    cr_expect_eq(ch.scheme, RTSP_AUTH_BASIC);
    char hdr[RTSP_AUTH_HEADER_MAX];
    cr_assert_eq(rtsp_auth_header(&ch, "Aladdin", "open sesame", "DESCRIBE", "rtsp://h/", 1, NULL,
                                  hdr, sizeof(hdr)),
                 0);
    cr_expect_str_eq(hdr, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

Test(rtsp_auth, digest_is_chosen_over_basic_whatever_the_order)
{
    const char *reply = "RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\n"
                        "WWW-Authenticate: Basic realm=\"cam\"\r\n"
                        "WWW-Authenticate: Digest realm=\"cam\", nonce=\"xyz\"\r\n\r\n";
    struct rtsp_msg msg;
    struct rtsp_frame fr;
    size_t used;
    cr_assert_eq(rtsp_parse((const uint8_t *)reply, strlen(reply), &msg, &fr, &used, NULL),
                 RTSP_MESSAGE);
    struct rtsp_auth_challenge ch;
    cr_assert_eq(rtsp_auth_choose(&msg, &ch), 0);
    cr_expect_eq(ch.scheme, RTSP_AUTH_DIGEST);
    cr_expect_str_eq(ch.nonce, "xyz");

    const char *one = "Basic realm=\"cam\", Digest realm=\"cam\", nonce=\"n1\", qop=\"auth\"";
    cr_assert_eq(rtsp_auth_parse(one, strlen(one), &ch), 0);
    cr_expect_eq(ch.scheme, RTSP_AUTH_DIGEST, "two challenges in one header value");
    cr_expect_str_eq(ch.nonce, "n1");
}

Test(rtsp_auth, stale_flag_and_unknown_params_are_handled)
{
    const char *c = "Digest realm=\"r\", nonce=\"new\", stale=TRUE, domain=\"/x\", charset=UTF-8";
    struct rtsp_auth_challenge ch;
    cr_assert_eq(rtsp_auth_parse(c, strlen(c), &ch), 0);
    cr_expect(ch.stale);
    cr_expect_not(ch.qop_auth);
}

Test(rtsp_auth, unusable_challenges_are_skipped_or_refused)
{
    struct rtsp_auth_challenge ch;
    const char *sha = "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256";
    cr_expect_eq(rtsp_auth_parse(sha, strlen(sha), &ch), -ENOTSUP);
    const char *authint = "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"";
    cr_expect_eq(rtsp_auth_parse(authint, strlen(authint), &ch), -ENOTSUP);
    const char *nononce = "Digest realm=\"r\"";
    cr_expect_eq(rtsp_auth_parse(nononce, strlen(nononce), &ch), -ENOTSUP);
    const char *mixed =
        "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256, Digest realm=\"r\", nonce=\"m\"";
    cr_assert_eq(rtsp_auth_parse(mixed, strlen(mixed), &ch), 0);
    cr_expect_str_eq(ch.nonce, "m");
    const char *neg = "Negotiate abc==, Basic realm=\"x\"";
    cr_assert_eq(rtsp_auth_parse(neg, strlen(neg), &ch), 0);
    cr_expect_eq(ch.scheme, RTSP_AUTH_BASIC);
    const char *unterminated = "Digest nonce=\"n\", realm=\"r";
    cr_expect_eq(rtsp_auth_parse(unterminated, strlen(unterminated), &ch), -EBADMSG);
}

Test(rtsp_auth, oversized_nonce_makes_the_challenge_unusable)
{
    char c[1024] = "Digest realm=\"r\", nonce=\"";
    size_t n = strlen(c);
    memset(c + n, 'a', 600);
    strcpy(c + n + 600, "\"");
    struct rtsp_auth_challenge ch;
    cr_expect_eq(rtsp_auth_parse(c, strlen(c), &ch), -ENOTSUP);
}

Test(rtsp_auth, header_injection_through_credentials_is_refused)
{
    const char *c = "Digest realm=\"r\", nonce=\"n\"";
    struct rtsp_auth_challenge ch;
    cr_assert_eq(rtsp_auth_parse(c, strlen(c), &ch), 0);
    char hdr[RTSP_AUTH_HEADER_MAX];
    cr_expect_eq(rtsp_auth_header(&ch, "admin\r\nX-Evil: 1", "p", "DESCRIBE", "rtsp://h/", 1, NULL,
                                  hdr, sizeof(hdr)),
                 -EINVAL);
    cr_expect_eq(
        rtsp_auth_header(&ch, "admin", "p", "DESCRIBE", "rtsp://h/\n", 1, NULL, hdr, sizeof(hdr)),
        -EINVAL);
}

Test(rtsp_auth, quotes_in_user_names_are_escaped)
{
    const char *c = "Digest realm=\"r\", nonce=\"n\"";
    struct rtsp_auth_challenge ch;
    cr_assert_eq(rtsp_auth_parse(c, strlen(c), &ch), 0);
    char hdr[RTSP_AUTH_HEADER_MAX];
    cr_assert_eq(
        rtsp_auth_header(&ch, "a\"b", "p", "DESCRIBE", "rtsp://h/", 1, NULL, hdr, sizeof(hdr)), 0);
    cr_expect_not_null(strstr(hdr, "username=\"a\\\"b\""));
}

Test(rtsp_auth, small_output_buffer_is_reported)
{
    struct rtsp_auth_challenge ch;
    cr_assert_eq(rtsp_auth_parse(rfc2617_challenge, strlen(rfc2617_challenge), &ch), 0);
    char hdr[40];
    cr_expect_eq(rtsp_auth_header(&ch, "Mufasa", "x", "GET", "/", 1, "c", hdr, sizeof(hdr)),
                 -ENOSPC);
    cr_expect_str_eq(hdr, "");
}

Test(rtsp_auth, no_challenge_header_is_enoent)
{
    const char *reply = "RTSP/1.0 401 Unauthorized\r\nCSeq: 3\r\n\r\n";
    struct rtsp_msg msg;
    struct rtsp_frame fr;
    size_t used;
    cr_assert_eq(rtsp_parse((const uint8_t *)reply, strlen(reply), &msg, &fr, &used, NULL),
                 RTSP_MESSAGE);
    struct rtsp_auth_challenge ch;
    cr_expect_eq(rtsp_auth_choose(&msg, &ch), -ENOENT);
}

/* ---- challenges kept between probes ---- */

Test(rtsp_auth_memo, digest_round_trips_with_its_nonce_count)
{
    struct rtsp_auth_challenge ch, back;
    cr_assert_eq(rtsp_auth_parse(rfc2617_challenge, strlen(rfc2617_challenge), &ch), 0);
    uint8_t memo[RTSP_AUTH_MEMO_MAX];
    int n = rtsp_auth_memo_pack(&ch, 0x01020304, memo, sizeof(memo));
    cr_assert_gt(n, 0);
    cr_expect_lt(n, 120, "kept per camera: must stay small (%d bytes)", n);
    uint32_t nc = 0;
    cr_assert_eq(rtsp_auth_memo_unpack(memo, (size_t)n, &back, &nc), 0);
    cr_expect_eq(nc, 0x01020304);
    cr_expect_eq(back.scheme, RTSP_AUTH_DIGEST);
    cr_expect_eq(back.qop_auth, ch.qop_auth);
    cr_expect_eq(back.has_opaque, ch.has_opaque);
    cr_expect_str_eq(back.realm, ch.realm);
    cr_expect_str_eq(back.nonce, ch.nonce);
    cr_expect_str_eq(back.opaque, ch.opaque);
    /* The unpacked challenge signs exactly as the parsed one. */
    char h1[RTSP_AUTH_HEADER_MAX], h2[RTSP_AUTH_HEADER_MAX];
    cr_assert_eq(rtsp_auth_header(&ch, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1,
                                  "0a4f113b", h1, sizeof(h1)),
                 0);
    cr_assert_eq(rtsp_auth_header(&back, "Mufasa", "Circle Of Life", "GET", "/dir/index.html", 1,
                                  "0a4f113b", h2, sizeof(h2)),
                 0);
    cr_expect_str_eq(h1, h2);
}

Test(rtsp_auth_memo, basic_keeps_only_its_realm)
{
    const char *c = "Basic realm=\"IP Camera(A01234)\"";
    struct rtsp_auth_challenge ch, back;
    cr_assert_eq(rtsp_auth_parse(c, strlen(c), &ch), 0);
    uint8_t memo[RTSP_AUTH_MEMO_MAX];
    int n = rtsp_auth_memo_pack(&ch, 0, memo, sizeof(memo));
    cr_assert_eq(n, 5 + (int)strlen("IP Camera(A01234)") + 3);
    uint32_t nc;
    cr_assert_eq(rtsp_auth_memo_unpack(memo, (size_t)n, &back, &nc), 0);
    cr_expect_eq(back.scheme, RTSP_AUTH_BASIC);
    cr_expect_str_eq(back.realm, "IP Camera(A01234)");
}

Test(rtsp_auth_memo, md5_sess_and_no_scheme_are_not_kept)
{
    const char *c = "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess, qop=\"auth\"";
    struct rtsp_auth_challenge ch;
    cr_assert_eq(rtsp_auth_parse(c, strlen(c), &ch), 0);
    uint8_t memo[RTSP_AUTH_MEMO_MAX];
    cr_expect_eq(rtsp_auth_memo_pack(&ch, 1, memo, sizeof(memo)), 0);
    struct rtsp_auth_challenge none = {.scheme = RTSP_AUTH_NONE};
    cr_expect_eq(rtsp_auth_memo_pack(&none, 1, memo, sizeof(memo)), 0);
}

Test(rtsp_auth_memo, small_buffer_and_damaged_memos_are_refused)
{
    struct rtsp_auth_challenge ch, back;
    cr_assert_eq(rtsp_auth_parse(rfc2617_challenge, strlen(rfc2617_challenge), &ch), 0);
    uint8_t memo[RTSP_AUTH_MEMO_MAX];
    cr_expect_eq(rtsp_auth_memo_pack(&ch, 1, memo, 20), -ENOSPC);
    int n = rtsp_auth_memo_pack(&ch, 1, memo, sizeof(memo));
    cr_assert_gt(n, 0);
    uint32_t nc;
    cr_expect_eq(rtsp_auth_memo_unpack(memo, (size_t)n - 1, &back, &nc), -EBADMSG, "truncated");
    cr_expect_eq(rtsp_auth_memo_unpack(memo, 4, &back, &nc), -EBADMSG, "shorter than the head");
    uint8_t bad = memo[0];
    memo[0] = 0x40;
    cr_expect_eq(rtsp_auth_memo_unpack(memo, (size_t)n, &back, &nc), -EBADMSG, "unknown flags");
    memo[0] = bad;
    uint8_t longer[RTSP_AUTH_MEMO_MAX + 1];
    memcpy(longer, memo, (size_t)n);
    longer[n] = 'x';
    cr_expect_eq(rtsp_auth_memo_unpack(longer, (size_t)n + 1, &back, &nc), -EBADMSG,
                 "trailing bytes");
    cr_expect_eq(back.scheme, RTSP_AUTH_NONE, "a refused memo leaves no half challenge");
}

/* Memos now come back from the index file too, which can be damaged: what
 * rtsp_auth_memo_pack never writes is refused, and no field may carry a
 * line break into an Authorization header (both found by the fuzz target). */
Test(rtsp_auth_memo, memos_pack_never_writes_are_refused)
{
    struct rtsp_auth_challenge ch, back;
    cr_assert_eq(rtsp_auth_parse(rfc2617_challenge, strlen(rfc2617_challenge), &ch), 0);
    uint8_t memo[RTSP_AUTH_MEMO_MAX];
    int n = rtsp_auth_memo_pack(&ch, 1, memo, sizeof(memo));
    cr_assert_gt(n, 0);
    uint32_t nc;
    cr_assert_eq(rtsp_auth_memo_unpack(memo, (size_t)n, &back, &nc), 0);

    uint8_t bad[RTSP_AUTH_MEMO_MAX];
    memcpy(bad, memo, (size_t)n);
    bad[6] = '\n'; /* inside the realm */
    cr_expect_eq(rtsp_auth_memo_unpack(bad, (size_t)n, &back, &nc), -EBADMSG, "LF in the realm");
    bad[6] = '\r';
    cr_expect_eq(rtsp_auth_memo_unpack(bad, (size_t)n, &back, &nc), -EBADMSG, "CR in the realm");

    /* Basic with a nonce, or an opaque value without its flag. */
    static const uint8_t basic_nonce[] = {0x01, 1, 0, 0, 0, 'r', 0, 'n', 0, 0};
    static const uint8_t opaque_no_flag[] = {0x02, 1, 0, 0, 0, 'r', 0, 'n', 0, 'o', 0};
    cr_expect_eq(rtsp_auth_memo_unpack(basic_nonce, sizeof(basic_nonce), &back, &nc), -EBADMSG);
    cr_expect_eq(rtsp_auth_memo_unpack(opaque_no_flag, sizeof(opaque_no_flag), &back, &nc),
                 -EBADMSG);
    /* The same without the extra field is a memo. */
    static const uint8_t basic[] = {0x01, 1, 0, 0, 0, 'r', 0, 0, 0};
    static const uint8_t opaque_flag[] = {0x0a, 1, 0, 0, 0, 'r', 0, 'n', 0, 'o', 0};
    cr_expect_eq(rtsp_auth_memo_unpack(basic, sizeof(basic), &back, &nc), 0);
    cr_expect_eq(rtsp_auth_memo_unpack(opaque_flag, sizeof(opaque_flag), &back, &nc), 0);
    cr_expect_str_eq(back.opaque, "o");
}
