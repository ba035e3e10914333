/* Tests for probes/h264_sps.c against SPS units that x264 wrote. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "h264_sps.h"
#include "sps_fixtures.h"
#include "video_params.h"

Test(h264_sps, matches_ffprobe_for_every_x264_fixture)
{
    struct sps_case cases[32];
    size_t n = sps_load_manifest("h264_", cases, 32);
    cr_assert_geq(n, 6, "expected the x264 fixtures, found %zu", n);
    for (size_t i = 0; i < n; i++) {
        uint8_t nal[512];
        size_t len = sps_load_nal(cases[i].name, "sps", nal, sizeof(nal));
        struct video_params vp;
        cr_assert_eq(h264_parse_sps(nal, len, &vp), 0, "%s: parse failed", cases[i].name);
        cr_expect_eq(vp.codec, PROBE_CODEC_H264);
        cr_expect_eq(vp.width, cases[i].width, "%s: width %d", cases[i].name, vp.width);
        cr_expect_eq(vp.height, cases[i].height, "%s: height %d", cases[i].name, vp.height);
        cr_expect_eq(vp.level_idc, cases[i].level, "%s: level %d", cases[i].name, vp.level_idc);
        cr_expect_str_eq(h264_profile_name(vp.profile_idc, vp.constraint_flags), cases[i].profile,
                         "%s: profile", cases[i].name);
        cr_expect_eq(vp.fps_milli, cases[i].fps_milli, "%s: fps %u", cases[i].name, vp.fps_milli);
    }
}

Test(h264_sps, interlaced_stream_reports_frame_height)
{
    uint8_t nal[512];
    size_t len = sps_load_nal("h264_720x576_interlaced", "sps", nal, sizeof(nal));
    struct video_params vp;
    cr_assert_eq(h264_parse_sps(nal, len, &vp), 0);
    cr_expect_eq(vp.interlaced, 1);
    cr_expect_eq(vp.height, 576);
}

Test(h264_sps, accepts_annex_b_start_code)
{
    uint8_t nal[512 + 4] = {0, 0, 0, 1};
    size_t len = sps_load_nal("h264_1920x1080_high", "sps", nal + 4, 512);
    struct video_params vp;
    cr_assert_eq(h264_parse_sps(nal, len + 4, &vp), 0);
    cr_expect_eq(vp.width, 1920);
    cr_expect_eq(vp.height, 1080);
}

Test(h264_sps, every_truncation_fails_cleanly_or_keeps_the_size)
{
    uint8_t nal[512];
    size_t len = sps_load_nal("h264_1366x768_high", "sps", nal, sizeof(nal));
    for (size_t cut = 0; cut < len; cut++) {
        struct video_params vp;
        int rc = h264_parse_sps(nal, cut, &vp);
        /* A cut in the VUI still gives a valid size; earlier cuts must fail. */
        if (rc == 0) {
            cr_expect_eq(vp.width, 1366, "cut at %zu", cut);
            cr_expect_eq(vp.height, 768, "cut at %zu", cut);
        } else {
            cr_expect(rc == -EBADMSG, "cut at %zu gave %d", cut, rc);
        }
    }
}

Test(h264_sps, rejects_other_nal_types)
{
    uint8_t pps[] = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
    struct video_params vp;
    cr_expect_eq(h264_parse_sps(pps, sizeof(pps), &vp), -EINVAL);
}

Test(h264_sps, rejects_oversized_units)
{
    static uint8_t big[VIDEO_NAL_MAX + 1];
    big[0] = 0x67;
    struct video_params vp;
    cr_expect_eq(h264_parse_sps(big, sizeof(big), &vp), -EMSGSIZE);
}

Test(h264_sps, rejects_absurd_picture_size)
{
    /* profile 66, level 30, sps_id 0, frame_num 0, poc type 2, 1 ref,
     * gaps 0, then pic_width_in_mbs_minus1 = 4095 (ue: 12 zeros ...). */
    uint8_t nal[] = {0x67, 0x42, 0x00, 0x1e, 0xbb, 0x80, 0x01, 0x00, 0x00, 0x8c, 0x40};
    struct video_params vp;
    cr_expect_neq(h264_parse_sps(nal, sizeof(nal), &vp), 0);
}

Test(h264_sps, fills_probe_video_metadata)
{
    uint8_t nal[512];
    size_t len = sps_load_nal("h264_1280x720_main", "sps", nal, sizeof(nal));
    struct video_params vp;
    cr_assert_eq(h264_parse_sps(nal, len, &vp), 0);
    struct probe_video pv = {0};
    video_params_to_probe(&vp, &pv);
    cr_expect_eq(pv.codec, PROBE_CODEC_H264);
    cr_expect_str_eq(pv.profile, "Main");
    cr_expect_eq(pv.level, 31);
    cr_expect_eq(pv.width, 1280);
    cr_expect_eq(pv.height, 720);
    cr_expect_eq(pv.fps_milli, 30000);
}
