/* Tests for probes/sdp.c: real-world camera SDPs and the SETUP URL rules. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "h264_sps.h"
#include "h265_sps.h"
#include "sdp.h"

/* Shaped like a Hikvision DS-2CD reply (absolute controls, x-dimensions,
 * G.711 audio); the parameter sets are x264/x265 fixtures from tests/data/sps. */
static const char hik_sdp[] =
    "v=0\r\n"
    "o=- 1109162014219182 1109162014219192 IN IP4 10.1.2.3\r\n"
    "s=Media Presentation\r\n"
    "e=NONE\r\n"
    "b=AS:5050\r\n"
    "t=0 0\r\n"
    "a=control:rtsp://10.1.2.3:554/Streaming/Channels/101/?transportmode=unicast\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "b=AS:5000\r\n"
    "a=recvonly\r\n"
    "a=x-dimensions:1920,1080\r\n"
    "a=control:rtsp://10.1.2.3:554/Streaming/Channels/101/trackID=1?transportmode=unicast\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=420029; packetization-mode=1; "
    "sprop-parameter-sets=Z2QAKKzZQHgCJ+XARAAAAwAEAAADAMg8YMZY,aO48gA==\r\n"
    "m=audio 0 RTP/AVP 8\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "b=AS:50\r\n"
    "a=recvonly\r\n"
    "a=control:rtsp://10.1.2.3:554/Streaming/Channels/101/trackID=2?transportmode=unicast\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=Media_header:MEDIAINFO="
    "494D4B48010200000400000111710110401F000000FA000000000000000000000000000000000000;\r\n";

/* Shaped like a Dahua reply: relative controls, H.265 with sprop-vps/sps/pps,
 * LF-only line ends, framerate. */
static const char dahua_sdp[] =
    "v=0\n"
    "o=- 2251938202 2251938202 IN IP4 0.0.0.0\n"
    "s=Media Server\n"
    "c=IN IP4 0.0.0.0\n"
    "t=0 0\n"
    "a=control:*\n"
    "a=range:npt=now-\n"
    "m=video 0 RTP/AVP 98\n"
    "a=control:trackID=0\n"
    "a=framerate:25.000000\n"
    "a=rtpmap:98 H265/90000\n"
    "a=fmtp:98 profile-id=1;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwB4oAPAgBDlllZpJMrwFoCAAAADAIAAAAyE;"
    "sprop-pps=RAHA8vA8kAA=;sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwB4lZgJ\n"
    "a=recvonly\n"
    "m=application 0 RTP/AVP 107\n"
    "a=control:trackID=4\n"
    "a=rtpmap:107 vnd.onvif.metadata/90000\n"
    "a=recvonly\n";

Test(sdp, hikvision_style_sdp_gives_codecs_size_and_controls)
{
    struct sdp s;
    cr_assert_eq(sdp_parse(hik_sdp, strlen(hik_sdp), &s), 0);
    cr_expect_str_eq(s.session_name, "Media Presentation");
    cr_expect_eq(s.bandwidth_kbps, 5050);
    cr_assert_eq(s.nmedia, 2);
    const struct sdp_media *v = sdp_find_media(&s, SDP_MEDIA_VIDEO);
    cr_assert_not_null(v);
    cr_expect_eq(v->payload, 96);
    cr_expect_str_eq(v->encoding, "H264");
    cr_expect_eq(v->clock_rate, 90000);
    cr_expect_eq(v->width, 1920);
    cr_expect_eq(v->height, 1080);
    cr_expect_eq(v->bandwidth_kbps, 5000);
    cr_expect_eq(v->packetization_mode, 1);
    cr_expect(v->has_profile_level_id);
    cr_expect_eq(v->profile_level_id[0], 0x42);
    cr_expect_eq(sdp_media_codec(v), PROBE_CODEC_H264);
    cr_expect_eq(v->sps.data[0] & 0x1f, 7);
    cr_expect_eq(v->pps.data[0] & 0x1f, 8);
    cr_expect_eq(v->pps.len, 4);
    const struct sdp_media *a = sdp_find_media(&s, SDP_MEDIA_AUDIO);
    cr_assert_not_null(a);
    cr_expect_eq(sdp_media_codec(a), PROBE_CODEC_PCMA);
    cr_expect_eq(a->clock_rate, 8000);
}

Test(sdp, sprop_sps_decodes_to_a_parseable_sps)
{
    struct sdp s;
    cr_assert_eq(sdp_parse(hik_sdp, strlen(hik_sdp), &s), 0);
    const struct sdp_media *v = sdp_find_media(&s, SDP_MEDIA_VIDEO);
    struct video_params vp;
    cr_assert_eq(h264_parse_sps(v->sps.data, v->sps.len, &vp), 0);
    cr_expect_eq(vp.profile_idc, 100);
    cr_expect_eq(vp.level_idc, 40);
    cr_expect_eq(vp.fps_milli, 25000);
    cr_expect_eq(vp.width, 1920);
    cr_expect_eq(vp.height, 1080);
}

Test(sdp, dahua_style_h265_sdp_with_lf_line_ends)
{
    struct sdp s;
    cr_assert_eq(sdp_parse(dahua_sdp, strlen(dahua_sdp), &s), 0);
    cr_expect_str_eq(s.control, "*");
    cr_assert_eq(s.nmedia, 2);
    const struct sdp_media *v = sdp_find_media(&s, SDP_MEDIA_VIDEO);
    cr_assert_not_null(v);
    cr_expect_eq(sdp_media_codec(v), PROBE_CODEC_H265);
    cr_expect_str_eq(v->control, "trackID=0");
    cr_expect_eq(v->framerate_milli, 25000);
    cr_expect_gt(v->vps.len, 0);
    cr_expect_gt(v->sps.len, 0);
    cr_expect_gt(v->pps.len, 0);
    cr_expect_eq((v->sps.data[0] >> 1) & 0x3f, 33);
    cr_expect_eq((v->vps.data[0] >> 1) & 0x3f, 32);
    struct video_params vp;
    cr_assert_eq(h265_parse_sps(v->sps.data, v->sps.len, &vp), 0);
    cr_expect_eq(vp.width, 1920);
    cr_expect_eq(vp.height, 1080);
    cr_expect_eq(s.media[1].type, SDP_MEDIA_APPLICATION);
    cr_expect_eq(sdp_media_codec(&s.media[1]), PROBE_CODEC_OTHER);
}

Test(sdp, static_payload_types_need_no_rtpmap)
{
    const char t[] = "v=0\r\nm=audio 0 RTP/AVP 0\r\nm=video 0 RTP/AVP 26\r\n";
    struct sdp s;
    cr_assert_eq(sdp_parse(t, strlen(t), &s), 0);
    cr_expect_eq(sdp_media_codec(&s.media[0]), PROBE_CODEC_PCMU);
    cr_expect_eq(sdp_media_codec(&s.media[1]), PROBE_CODEC_MJPEG);
}

Test(sdp, fmtp_for_another_payload_is_ignored)
{
    const char t[] =
        "v=0\r\nm=video 0 RTP/AVP 96 97\r\na=rtpmap:97 H265/90000\r\na=rtpmap:96 H264/90000\r\n"
        "a=fmtp:97 sprop-sps=QgEBAWAAAAMAsAAAAwAAAwB4oAPAgBDlja5JMvTcBAQEAg==\r\n";
    struct sdp s;
    cr_assert_eq(sdp_parse(t, strlen(t), &s), 0);
    cr_expect_str_eq(s.media[0].encoding, "H264");
    cr_expect_eq(s.media[0].sps.len, 0);
}

Test(sdp, media_beyond_the_limit_are_counted_not_kept)
{
    char t[2048] = "v=0\r\n";
    for (int i = 0; i < SDP_MEDIA_MAX + 3; i++)
        strcat(t, "m=video 0 RTP/AVP 96\r\na=control:trackID=9\r\n");
    struct sdp s;
    cr_assert_eq(sdp_parse(t, strlen(t), &s), 0);
    cr_expect_eq(s.nmedia, SDP_MEDIA_MAX);
    cr_expect_eq(s.nmedia_seen, SDP_MEDIA_MAX + 3);
}

Test(sdp, non_sdp_input_is_rejected)
{
    struct sdp s;
    cr_expect_eq(sdp_parse("<html>", 6, &s), -EBADMSG);
    cr_expect_eq(sdp_parse("", 0, &s), -EBADMSG);
    cr_expect_eq(sdp_parse("v=0\r\n\0m=", 8, &s), -EBADMSG);
    cr_expect_eq(sdp_parse(hik_sdp, SDP_INPUT_MAX + 1, &s), -EMSGSIZE);
}

Test(sdp, oversized_control_is_dropped_not_truncated)
{
    char t[2048] = "v=0\r\nm=video 0 RTP/AVP 96\r\na=control:rtsp://h/";
    size_t n = strlen(t);
    memset(t + n, 'a', SDP_CONTROL_MAX + 10);
    strcpy(t + n + SDP_CONTROL_MAX + 10, "\r\n");
    struct sdp s;
    cr_assert_eq(sdp_parse(t, strlen(t), &s), 0);
    cr_expect_str_eq(s.media[0].control, "");
}

struct resolve_case {
    const char *what;
    const char *request, *base, *location, *session, *media, *want;
};

static const struct resolve_case resolve_cases[] = {
    {"absolute media control wins", "rtsp://10.1.2.3/a", "rtsp://10.1.2.3/base/", NULL, NULL,
     "rtsp://10.1.2.3/Streaming/Channels/101/trackID=1",
     "rtsp://10.1.2.3/Streaming/Channels/101/trackID=1"},
    {"content-base with slash", "rtsp://10.1.2.3/Streaming/Channels/101",
     "rtsp://10.1.2.3/Streaming/Channels/101/", NULL, NULL, "trackID=1",
     "rtsp://10.1.2.3/Streaming/Channels/101/trackID=1"},
    {"dahua query-string base", "rtsp://10.1.2.3:554/cam/realmonitor?channel=1&subtype=0",
     "rtsp://10.1.2.3:554/cam/realmonitor?channel=1&subtype=0", NULL, "*", "trackID=0",
     "rtsp://10.1.2.3:554/cam/realmonitor?channel=1&subtype=0/trackID=0"},
    {"dahua without content-base", "rtsp://10.1.2.3:554/cam/realmonitor?channel=1&subtype=0", NULL,
     NULL, NULL, "trackID=0", "rtsp://10.1.2.3:554/cam/realmonitor?channel=1&subtype=0/trackID=0"},
    {"content-location when no base", "rtsp://h/req", NULL, "rtsp://h/loc/", NULL, "track1",
     "rtsp://h/loc/track1"},
    {"request url when nothing else", "rtsp://h/live", "", "", "", "track1",
     "rtsp://h/live/track1"},
    {"media star means the base", "rtsp://h/live", "rtsp://h/live/", NULL, NULL, "*",
     "rtsp://h/live/"},
    {"empty media control means the base", "rtsp://h/live", NULL, NULL, NULL, "", "rtsp://h/live"},
    {"absolute session control is the base", "rtsp://h/live", "rtsp://h/other/", NULL,
     "rtsp://h/agg/", "video", "rtsp://h/agg/video"},
    {"relative session control joins the base", "rtsp://h/live", "rtsp://h/live/", NULL, "sess",
     "v", "rtsp://h/live/sess/v"},
    {"path-absolute control replaces the path", "rtsp://h:8554/live/stream", NULL, NULL, NULL,
     "/other/track1", "rtsp://h:8554/other/track1"},
};

Test(sdp, setup_url_resolution_follows_rfc2326_c11_and_camera_practice)
{
    for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
        const struct resolve_case *c = &resolve_cases[i];
        char out[512];
        int rc = sdp_resolve_control(c->request, c->base, c->location, c->session, c->media, out,
                                     sizeof(out));
        cr_expect_eq(rc, 0, "%s: rc %d", c->what, rc);
        cr_expect_str_eq(out, c->want, "%s", c->what);
    }
}

Test(sdp, setup_url_too_long_for_the_buffer_is_refused)
{
    char out[16];
    cr_expect_eq(sdp_resolve_control("rtsp://10.1.2.3/live", NULL, NULL, NULL, "trackID=1", out,
                                     sizeof(out)),
                 -ENAMETOOLONG);
    cr_expect_str_eq(out, "");
}

Test(sdp, empty_or_oversized_sprop_items_are_skipped)
{
    char t[2048] = "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                   "a=fmtp:96 sprop-parameter-sets=,aO48gA==,";
    size_t n = strlen(t);
    memset(t + n, 'Z', 900); /* a third item far beyond SDP_NAL_MAX once decoded */
    strcpy(t + n + 900, "\r\n");
    struct sdp s;
    cr_assert_eq(sdp_parse(t, strlen(t), &s), 0);
    cr_expect_eq(s.media[0].sps.len, 0);
    cr_expect_eq(s.media[0].pps.len, 4);
}
