/* Tests for probes/h265_sps.c against VPS/SPS units that x265 wrote. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "h265_sps.h"
#include "sps_fixtures.h"
#include "video_params.h"

Test(h265_sps, matches_ffprobe_for_every_x265_fixture)
{
    struct sps_case cases[32];
    size_t n = sps_load_manifest("h265_", cases, 32);
    cr_assert_geq(n, 5, "expected the x265 fixtures, found %zu", n);
    for (size_t i = 0; i < n; i++) {
        uint8_t nal[512];
        size_t len = sps_load_nal(cases[i].name, "sps", nal, sizeof(nal));
        struct video_params vp;
        cr_assert_eq(h265_parse_sps(nal, len, &vp), 0, "%s: parse failed", cases[i].name);
        cr_expect_eq(vp.codec, PROBE_CODEC_H265);
        cr_expect_eq(vp.width, cases[i].width, "%s: width %d", cases[i].name, vp.width);
        cr_expect_eq(vp.height, cases[i].height, "%s: height %d", cases[i].name, vp.height);
        cr_expect_eq(vp.level_idc, cases[i].level, "%s: level %d", cases[i].name, vp.level_idc);
        cr_expect_str_eq(h265_profile_name(vp.profile_idc), cases[i].profile, "%s: profile",
                         cases[i].name);
        cr_expect_eq(vp.fps_milli, cases[i].fps_milli, "%s: fps %u", cases[i].name, vp.fps_milli);
    }
}

Test(h265_sps, vps_gives_the_same_profile_and_level)
{
    struct sps_case cases[32];
    size_t n = sps_load_manifest("h265_", cases, 32);
    for (size_t i = 0; i < n; i++) {
        uint8_t nal[512];
        size_t len = sps_load_nal(cases[i].name, "vps", nal, sizeof(nal));
        struct video_params vp;
        cr_assert_eq(h265_parse_vps(nal, len, &vp), 0, "%s", cases[i].name);
        cr_expect_eq(vp.level_idc, cases[i].level, "%s", cases[i].name);
        cr_expect_str_eq(h265_profile_name(vp.profile_idc), cases[i].profile, "%s", cases[i].name);
        cr_expect_eq(vp.max_sub_layers, 1);
    }
}

Test(h265_sps, conformance_window_crops_1366x768)
{
    uint8_t nal[512];
    size_t len = sps_load_nal("h265_1366x768_main", "sps", nal, sizeof(nal));
    struct video_params vp;
    cr_assert_eq(h265_parse_sps(nal, len, &vp), 0);
    cr_expect_gt(vp.coded_width, 1366, "x265 codes whole CUs");
    cr_expect_eq(vp.width, 1366);
}

Test(h265_sps, ten_bit_stream_reports_bit_depth)
{
    uint8_t nal[512];
    size_t len = sps_load_nal("h265_352x288_main10", "sps", nal, sizeof(nal));
    struct video_params vp;
    cr_assert_eq(h265_parse_sps(nal, len, &vp), 0);
    cr_expect_eq(vp.bit_depth, 10);
}

Test(h265_sps, every_truncation_fails_cleanly_or_keeps_the_size)
{
    uint8_t nal[512];
    size_t len = sps_load_nal("h265_1920x1080_main", "sps", nal, sizeof(nal));
    for (size_t cut = 0; cut < len; cut++) {
        struct video_params vp;
        int rc = h265_parse_sps(nal, cut, &vp);
        if (rc == 0) {
            cr_expect_eq(vp.width, 1920, "cut at %zu", cut);
            cr_expect_eq(vp.height, 1080, "cut at %zu", cut);
        } else {
            cr_expect(rc == -EBADMSG, "cut at %zu gave %d", cut, rc);
        }
    }
}

Test(h265_sps, rejects_wrong_nal_types)
{
    uint8_t nal[512];
    size_t len = sps_load_nal("h265_1280x720_main", "vps", nal, sizeof(nal));
    struct video_params vp;
    cr_expect_eq(h265_parse_sps(nal, len, &vp), -EINVAL, "a VPS is not an SPS");
    len = sps_load_nal("h265_1280x720_main", "sps", nal, sizeof(nal));
    cr_expect_eq(h265_parse_vps(nal, len, &vp), -EINVAL, "an SPS is not a VPS");
}

Test(h265_sps, fills_probe_video_metadata)
{
    uint8_t nal[512];
    size_t len = sps_load_nal("h265_2560x1440_main", "sps", nal, sizeof(nal));
    struct video_params vp;
    cr_assert_eq(h265_parse_sps(nal, len, &vp), 0);
    struct probe_video pv = {0};
    video_params_to_probe(&vp, &pv);
    cr_expect_eq(pv.codec, PROBE_CODEC_H265);
    cr_expect_str_eq(pv.profile, "Main");
    cr_expect_eq(pv.level, 150);
    cr_expect_eq(pv.width, 2560);
    cr_expect_eq(pv.height, 1440);
}
