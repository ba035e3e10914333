/* Tests for probes/probe_result.c: names tables and the text formatter. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "probe_result.h"
#include "text_clean.h"

Test(probe_result, every_reason_round_trips_through_its_name)
{
    for (int i = 0; i < PROBE_R_COUNT; i++) {
        const char *name = probe_reason_name((enum probe_reason)i);
        cr_assert_str_neq(name, "unknown", "reason %d has no name", i);
        enum probe_reason back;
        cr_assert_eq(probe_reason_from_name(name, &back), 0, "%s", name);
        cr_expect_eq((int)back, i);
    }
    cr_expect_str_eq(probe_reason_name(PROBE_R_AUTH_FAILED), "auth_failed");
    cr_expect_str_eq(probe_reason_name(PROBE_R_COUNT), "unknown");
}

Test(probe_result, reason_codes_keep_their_persisted_values)
{
    /* Storage keeps the numbers: these must never move. */
    cr_expect_eq(PROBE_R_DNS_FAILED, 1);
    cr_expect_eq(PROBE_R_AUTH_FAILED, 7);
    cr_expect_eq(PROBE_R_INTERNAL_ERROR, 24);
}

Test(probe_result, unknown_names_are_refused)
{
    enum probe_reason r;
    enum probe_state s;
    enum probe_codec c;
    cr_expect_eq(probe_reason_from_name("auth failed", &r), -EINVAL);
    cr_expect_eq(probe_reason_from_name(NULL, &r), -EINVAL);
    cr_expect_eq(probe_state_from_name("maintenance", &s), -EINVAL);
    cr_expect_eq(probe_codec_from_name("vp9", &c), -EINVAL);
    cr_expect_eq(probe_state_from_name("degraded", &s), 0);
    cr_expect_eq(s, PROBE_DEGRADED);
    cr_expect_eq(probe_codec_from_name("h265", &c), 0);
    cr_expect_eq(c, PROBE_CODEC_H265);
}

Test(probe_result, detail_stays_on_one_line)
{
    struct probe_result r;
    probe_result_init(&r);
    probe_result_set(&r, PROBE_OFFLINE, PROBE_R_SERVER_ERROR, "server said %s",
                     "500\r\nInjected: yes");
    cr_expect_null(strchr(r.detail, '\n'));
    cr_expect_null(strchr(r.detail, '\r'));
    cr_expect_eq(r.reason, PROBE_R_SERVER_ERROR);
}

Test(probe_result, formatter_prints_the_fields_that_are_set)
{
    struct probe_result r;
    probe_result_init(&r);
    probe_result_set(&r, PROBE_ONLINE, PROBE_R_NONE, NULL);
    r.rtsp_status = 200;
    r.phase_us[PROBE_PH_CONNECT] = 812;
    r.phase_us[PROBE_PH_DESCRIBE] = 4100;
    r.video.codec = PROBE_CODEC_H264;
    strcpy(r.video.profile, "High");
    r.video.width = 1920;
    r.video.height = 1080;
    r.video.fps_milli = 25000;
    probe_result_set_server(&r, "Hikvision\x01 RTSP", 15);
    char buf[512];
    int n = probe_result_format(&r, buf, sizeof(buf));
    cr_expect_eq((size_t)n, strlen(buf));
    cr_expect_str_eq(buf,
                     "state=online reason=none rtsp=200 connect_us=812 describe_us=4100 video=h264 "
                     "profile=\"High\" size=1920x1080 fps=25.000 server=\"Hikvision? RTSP\"");
}

Test(probe_result, formatter_truncates_safely_and_reports_full_length)
{
    struct probe_result r;
    probe_result_init(&r);
    probe_result_set(&r, PROBE_OFFLINE, PROBE_R_CONNECT_TIMEOUT, "no answer in 3000 ms");
    char full[256], small[10];
    int n = probe_result_format(&r, full, sizeof(full));
    int m = probe_result_format(&r, small, sizeof(small));
    cr_expect_eq(n, m);
    cr_expect_eq(strlen(small), sizeof(small) - 1);
    cr_expect(strncmp(full, small, sizeof(small) - 1) == 0);
}

/* A camera's Chinese reason phrase longer than the detail is cut between
 * characters, and invalid bytes are replaced: the stored event stays valid
 * UTF-8 for every reader. */
Test(probe_result, a_long_chinese_detail_is_cut_between_characters)
{
    struct probe_result r;
    probe_result_init(&r);
    probe_result_set(&r, PROBE_OFFLINE, PROBE_R_NOT_FOUND, "DESCRIBE rtsp://10.1.2.3/x: 404 %s%s",
                     "x找不到这个摄像机的视频流请检查配置是否正确谢谢合作",
                     "找不到这个摄像机的视频流请检查配置是否正确谢谢合作\xff");
    cr_assert(text_is_clean(r.detail, strlen(r.detail)), "%s", r.detail);
    cr_assert_gt(strlen(r.detail), PROBE_DETAIL_MAX - 4);
    probe_result_set(&r, PROBE_OFFLINE, PROBE_R_NOT_FOUND, "404 %s", "\xff\xfe\xc3 gef\xfcnden\x1b[2J");
    cr_assert_str_eq(r.detail, "404 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD gef\xEF\xBF\xBDnden\xEF\xBF\xBD[2J");
}
