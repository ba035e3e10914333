/* Tests for probes/url.c: splitting camera URLs and redacting credentials. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "url.h"

static struct probe_url u;

Test(url_parse, splits_hikvision_rtsp_url_with_credentials)
{
    cr_assert_eq(probe_url_parse("rtsp://admin:Abc12345@10.1.2.3:554/Streaming/Channels/101", &u),
                 0);
    cr_assert_eq(u.scheme, PROBE_URL_RTSP);
    cr_assert_str_eq(u.scheme_name, "rtsp");
    cr_assert(u.has_userinfo && u.has_password);
    cr_assert_str_eq(u.user, "admin");
    cr_assert_str_eq(u.password, "Abc12345");
    cr_assert_str_eq(u.host, "10.1.2.3");
    cr_assert(u.host_is_ipv4);
    cr_assert_eq(u.port, 554);
    cr_assert(u.port_explicit);
    cr_assert_str_eq(u.path, "/Streaming/Channels/101");
}

Test(url_parse, keeps_dahua_query_in_path)
{
    cr_assert_eq(probe_url_parse("rtsp://10.0.0.9/cam/realmonitor?channel=1&subtype=0", &u), 0);
    cr_assert_not(u.has_userinfo);
    cr_assert_str_eq(u.path, "/cam/realmonitor?channel=1&subtype=0");
    cr_assert_eq(u.port, 554);
    cr_assert_not(u.port_explicit);
}

Test(url_parse, default_port_per_scheme)
{
    static const struct {
        const char *url;
        uint16_t port;
        enum probe_url_scheme s;
    } t[] = {
        {"rtsp://h/x", 554, PROBE_URL_RTSP},       {"rtsps://h/x", 322, PROBE_URL_RTSPS},
        {"http://h/x", 80, PROBE_URL_HTTP},        {"https://h/x", 443, PROBE_URL_HTTPS},
        {"rtmp://h/live/a", 1935, PROBE_URL_RTMP},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        cr_assert_eq(probe_url_parse(t[i].url, &u), 0, "%s", t[i].url);
        cr_assert_eq(u.port, t[i].port, "%s", t[i].url);
        cr_assert_eq(u.scheme, t[i].s, "%s", t[i].url);
    }
    cr_assert_eq(probe_url_default_port("RTSP"), 554);
    cr_assert_eq(probe_url_default_port("ftp"), 0);
}

Test(url_tier, plain_rtsp_is_tier_1_everything_else_tier_2)
{
    static const struct {
        const char *url;
        enum probe_tier tier;
    } t[] = {
        {"rtsp://h/x", PROBE_TIER_1},       {"RTSP://u:p@h:8554/x", PROBE_TIER_1},
        {"rtsps://h/x", PROBE_TIER_2},      {"http://h/live.flv", PROBE_TIER_2},
        {"https://h/a.m3u8", PROBE_TIER_2}, {"rtmp://h/live/a", PROBE_TIER_2},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        cr_assert_eq(probe_url_parse(t[i].url, &u), 0, "%s", t[i].url);
        cr_expect_eq(probe_url_tier(&u), t[i].tier, "%s", t[i].url);
    }
}

Test(url_parse, scheme_is_case_insensitive)
{
    cr_assert_eq(probe_url_parse("RTSP://Cam-01.Example.ORG:8554/live", &u), 0);
    cr_assert_str_eq(u.scheme_name, "rtsp");
    cr_assert_str_eq(u.host, "cam-01.example.org");
    cr_assert_eq(u.port, 8554);
}

Test(url_parse, rejects_unsupported_scheme_naming_the_allowed_ones)
{
    cr_assert_eq(probe_url_parse("rtps://admin:pw@10.1.2.3/x", &u), -EPROTONOSUPPORT);
    cr_assert_str_eq(u.error, "is not a supported scheme (use rtsp, rtsps, http, https, rtmp)");
    cr_assert_eq(u.password[0], '\0', "no credentials kept after a failure");
    cr_assert_eq(probe_url_parse("ftp://h/x", &u), -EPROTONOSUPPORT);
}

Test(url_parse, ipv6_literal_in_brackets)
{
    cr_assert_eq(probe_url_parse("rtsp://u:p@[fe80::1]:8554/ch1", &u), 0);
    cr_assert(u.host_is_ipv6);
    cr_assert_str_eq(u.host, "fe80::1");
    cr_assert_eq(u.port, 8554);
    cr_assert_eq(probe_url_parse("rtsp://[::1]/x", &u), 0);
    cr_assert_eq(u.port, 554);
    cr_assert_eq(probe_url_parse("rtsp://[::1/x", &u), -EINVAL);
    cr_assert_eq(probe_url_parse("rtsp://[zz::1]/x", &u), -EINVAL);
    cr_assert_eq(probe_url_parse("rtsp://fe80::1/x", &u), -EINVAL, "IPv6 needs brackets");
}

Test(url_parse, last_at_sign_ends_userinfo)
{
    cr_assert_eq(probe_url_parse("rtsp://admin:Admin@123@10.1.2.3/x", &u), 0);
    cr_assert_str_eq(u.user, "admin");
    cr_assert_str_eq(u.password, "Admin@123");
    cr_assert_str_eq(u.host, "10.1.2.3");
}

Test(url_parse, decodes_percent_encoded_credentials)
{
    cr_assert_eq(probe_url_parse("rtsp://ad%6Din:p%40ss%3Aw%2Fd@h/x", &u), 0);
    cr_assert_str_eq(u.user, "admin");
    cr_assert_str_eq(u.password, "p@ss:w/d");
    cr_assert_eq(probe_url_parse("rtsp://a:b%4@h/x", &u), -EINVAL);
    cr_assert_eq(probe_url_parse("rtsp://a:b%zz@h/x", &u), -EINVAL);
    cr_assert_eq(probe_url_parse("rtsp://a:b%00@h/x", &u), -EINVAL);
}

Test(url_parse, userinfo_without_password)
{
    cr_assert_eq(probe_url_parse("rtsp://admin@h/x", &u), 0);
    cr_assert(u.has_userinfo);
    cr_assert_not(u.has_password);
    cr_assert_str_eq(u.user, "admin");
}

Test(url_parse, refuses_at_sign_after_host_as_ambiguous)
{
    /* A '/' or '?' inside an unencoded password moves the '@' past the host. */
    cr_assert_eq(probe_url_parse("rtsp://admin:12/34@10.1.2.3/x", &u), -EINVAL);
    cr_assert_eq(probe_url_parse("rtsp://admin:a?b@10.1.2.3/x", &u), -EINVAL);
    cr_assert_not_null(strstr(u.error, "percent-encode"));
}

Test(url_parse, rejects_bad_ports_hosts_and_shapes)
{
    static const char *bad[] = {
        "",
        "10.1.2.3/x",
        "rtsp:/10.1.2.3/x",
        "rtsp://",
        "rtsp:///x",
        "rtsp://h:0/x",
        "rtsp://h:65536/x",
        "rtsp://h:12ab/x",
        "rtsp://256.1.2.3/x",
        "rtsp://1.2.3/x",
        "rtsp://-bad-.example/x",
        "rtsp://a..b/x",
        "rtsp://h/x y",
        "rtsp://h/x\n",
        "rtsp://ho st/x",
        "1tsp://h/x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_lt(probe_url_parse(bad[i], &u), 0, "accepted \"%s\"", bad[i]);
        cr_assert_not_null(u.error, "no reason for \"%s\"", bad[i]);
    }
}

Test(url_parse, empty_port_means_default_and_fragment_is_dropped)
{
    cr_assert_eq(probe_url_parse("http://h:/live/a.flv#frag", &u), 0);
    cr_assert_eq(u.port, 80);
    cr_assert_str_eq(u.path, "/live/a.flv");
    cr_assert_eq(probe_url_parse("http://h", &u), 0);
    cr_assert_str_eq(u.path, "/");
    cr_assert_eq(probe_url_parse("http://h?x=1", &u), 0);
    cr_assert_str_eq(u.path, "/?x=1");
}

Test(url_parse, enforces_length_limits)
{
    static char big[PROBE_URL_MAX + 16];
    memset(big, 'a', sizeof big - 1);
    memcpy(big, "rtsp://h/", 9);
    cr_assert_eq(probe_url_parse(big, &u), -ENAMETOOLONG);
    big[PROBE_URL_MAX - 1] = '\0'; /* 2048 bytes: the longest accepted */
    cr_assert_eq(probe_url_parse(big, &u), 0, "%s", u.error);
    cr_assert_eq(strlen(u.path), PROBE_URL_MAX - 1 - 8);
    char host[300] = "rtsp://";
    memset(host + 7, 'a', 280);
    cr_assert_eq(probe_url_parse(host, &u), -ENAMETOOLONG);
}

/* ---- redaction ------------------------------------------------------- */

static char out[256];

static void redacts(const char *url, const char *want, const char *secret)
{
    int n = probe_url_redact(url, out, sizeof out);
    cr_assert_geq(n, 0);
    cr_assert_eq((size_t)n, strlen(out));
    cr_assert_str_eq(out, want, "redact(%s)", url);
    if (secret)
        cr_assert_null(strstr(out, secret), "\"%s\" leaked in \"%s\"", secret, out);
}

Test(url_redact, hides_user_and_password)
{
    redacts("rtsp://admin:Abc12345@10.1.2.3:554/Streaming/Channels/101",
            "rtsp://***@10.1.2.3:554/Streaming/Channels/101", "Abc12345");
}

Test(url_redact, leaves_urls_without_credentials_alone)
{
    redacts("rtsp://10.1.2.3:554/cam/realmonitor?channel=1&subtype=0",
            "rtsp://10.1.2.3:554/cam/realmonitor?channel=1&subtype=0", NULL);
}

Test(url_redact, covers_at_sign_inside_password)
{
    redacts("rtsp://admin:Admin@123@10.1.2.3/x", "rtsp://***@10.1.2.3/x", "123@");
    redacts("rtsp://admin:Admin@123@10.1.2.3/x", "rtsp://***@10.1.2.3/x", "Admin");
}

Test(url_redact, covers_slash_and_question_mark_inside_password)
{
    redacts("rtsp://admin:12/34@10.1.2.3/x", "rtsp://***@10.1.2.3/x", "34");
    redacts("rtsp://admin:a?b@10.1.2.3/x", "rtsp://***@10.1.2.3/x", "a?b");
}

Test(url_redact, covers_percent_encoded_and_userless_credentials)
{
    redacts("rtsp://admin:p%40ss@h/x", "rtsp://***@h/x", "p%40ss");
    redacts("rtsp://admin@h/x", "rtsp://***@h/x", "admin");
    redacts("rtsp://:secret@h/x", "rtsp://***@h/x", "secret");
    /* an encoded '@' used as the separator still hides what precedes it */
    redacts("rtsp://admin:secret%40h/x", "rtsp://***%40h/x", "secret");
}

Test(url_redact, redacts_malformed_urls_up_to_the_last_at)
{
    redacts("rtps://admin:pw@10.1.2.3/x", "rtps://***@10.1.2.3/x", "pw@");
    redacts("admin:topsecret@10.1.2.3/x", "***@10.1.2.3/x", "topsecret");
    redacts("rtsp:/admin:topsecret@10.1.2.3/x", "***@10.1.2.3/x", "topsecret");
    redacts("not a url at all", "not a url at all", NULL);
}

Test(url_redact, hides_secret_query_parameters)
{
    redacts("http://h/live/a.flv?token=abc123&x=1", "http://h/live/a.flv?token=***&x=***",
            "abc123");
    redacts("http://h/a.m3u8?txSecret=f00d&txTime=5F", "http://h/a.m3u8?txSecret=***&txTime=***",
            "f00d");
    redacts("rtsp://h/cam/realmonitor?channel=1&subtype=0",
            "rtsp://h/cam/realmonitor?channel=1&subtype=0", NULL);
}

/* Only values of parameters known to be harmless are kept; anything else,
 * names nobody thought of included, is hidden. */
static const struct {
    const char *url, *want;
} query_table[] = {
    /* Hikvision */
    {"rtsp://h/Streaming/Channels/101?transportmode=unicast&profile=Profile_1",
     "rtsp://h/Streaming/Channels/101?transportmode=unicast&profile=Profile_1"},
    {"rtsp://h/Streaming/tracks/101?starttime=20261201T000000Z&endtime=20261201T010000Z",
     "rtsp://h/Streaming/tracks/101?starttime=20261201T000000Z&endtime=20261201T010000Z"},
    /* Dahua, with credentials in the query as some firmware takes them */
    {"rtsp://h/cam/realmonitor?channel=1&subtype=1&unicast=true&proto=Onvif",
     "rtsp://h/cam/realmonitor?channel=1&subtype=1&unicast=true&proto=Onvif"},
    {"rtsp://h/cam/realmonitor?channel=1&user=admin&pw=Secret1",
     "rtsp://h/cam/realmonitor?channel=1&user=***&pw=***"},
    /* Uniview and Axis / ONVIF media URLs */
    {"rtsp://h/media/video1?StreamType=main", "rtsp://h/media/video1?StreamType=main"},
    {"rtsp://h/axis-media/media.amp?videocodec=h264&resolution=1280x720&fps=25&camera=1",
     "rtsp://h/axis-media/media.amp?videocodec=h264&resolution=1280x720&fps=25&camera=1"},
    {"rtsp://h/onvif-media/media.amp?profile=profile_1_h264&sessiontimeout=60&streamtype=unicast",
     "rtsp://h/onvif-media/media.amp?profile=profile_1_h264&sessiontimeout=60&streamtype=unicast"},
    /* GB/T 28181 gateways and media servers */
    {"rtsp://h/rtp/34020000001320000001?vhost=__defaultVhost__&sign=9f8e7d",
     "rtsp://h/rtp/34020000001320000001?vhost=__defaultVhost__&sign=***"},
    {"http://h/live/a.flv?sessionkey=Zk9v&deviceId=3402&channelId=1",
     "http://h/live/a.flv?sessionkey=***&deviceId=3402&channelId=1"},
    /* bare items, empty items, other separators, fragments */
    {"rtsp://h/x?tcp&abcdef0123", "rtsp://h/x?tcp&***"},
    {"rtsp://h/x?&channel=2;key=k3y", "rtsp://h/x?&channel=2;key=***"},
    {"rtsp://h/x?channel=2#tok3n", "rtsp://h/x?channel=2#***"},
    {"rtsp://h/x#tok3n", "rtsp://h/x#***"},
    {"rtsp://h/x?", "rtsp://h/x?"},
    /* credentials in both places */
    {"rtsp://admin:pw1@h/x?Password=pw2&CHANNEL=3", "rtsp://***@h/x?Password=***&CHANNEL=3"},
};

Test(url_redact, keeps_only_values_of_harmless_query_parameters)
{
    for (size_t i = 0; i < sizeof query_table / sizeof query_table[0]; i++) {
        int n = probe_url_redact(query_table[i].url, out, sizeof out);
        cr_expect_eq((size_t)n, strlen(out));
        cr_expect_str_eq(out, query_table[i].want, "redact(%s)", query_table[i].url);
    }
}

Test(url_redact, replaces_control_bytes)
{
    redacts("rtsp://h/a\nb\x1b", "rtsp://h/a?b?", NULL);
}

Test(url_redact, truncates_with_ellipsis_and_never_overflows)
{
    char small[16];
    int n = probe_url_redact("rtsp://admin:secretpassword@10.1.2.3/long/path", small, sizeof small);
    cr_assert_eq((size_t)n, strlen(small));
    cr_assert_lt(strlen(small), sizeof small);
    cr_assert_str_eq(small, "rtsp://***@1...");
    cr_assert_null(strstr(small, "secret"));
    cr_assert_eq(probe_url_redact("x", small, 4), -EINVAL);
    cr_assert_eq(probe_url_redact("x", NULL, 64), -EINVAL);
}
