/* Tests for probes/video_params.c: the parser for each codec, and finding
 * the SPS in an Annex B stream, as the deep probe reads it from
 * libavformat's extradata and keyframes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "sps_fixtures.h"
#include "video_params.h"

/* Appends a start code (3 or 4 bytes) and a NAL unit; returns the new length. */
static size_t put_nal(uint8_t *buf, size_t at, bool long_code, const uint8_t *nal, size_t len)
{
    static const uint8_t four[] = {0, 0, 0, 1};
    size_t sc = long_code ? 4 : 3;
    memcpy(buf + at, long_code ? four : four + 1, sc);
    memcpy(buf + at + sc, nal, len);
    return at + sc + len;
}

/* A PPS-like unit of the codec (contents do not matter to the scan). */
static const uint8_t H264_PPS[] = {0x68, 0xce, 0x3c, 0x80};
static const uint8_t H265_PPS[] = {0x44, 0x01, 0xc1, 0x72, 0xb4, 0x62, 0x40};

Test(video_params_annexb, finds_the_sps_among_other_units_for_every_fixture)
{
    struct sps_case cases[32];
    size_t n = sps_load_manifest("h26", cases, 32);
    cr_assert_geq(n, 10, "expected the x264 and x265 fixtures, found %zu", n);
    for (size_t i = 0; i < n; i++) {
        bool hevc = strncmp(cases[i].name, "h265_", 5) == 0;
        enum probe_codec codec = hevc ? PROBE_CODEC_H265 : PROBE_CODEC_H264;
        uint8_t sps[512], buf[2048];
        size_t len = sps_load_nal(cases[i].name, "sps", sps, sizeof(sps)), at = 0;
        /* What libavformat makes of sprop-parameter-sets: four-byte start
         * codes, the SPS neither first nor last. */
        if (hevc) {
            uint8_t vps[512];
            size_t vlen = sps_load_nal(cases[i].name, "vps", vps, sizeof(vps));
            at = put_nal(buf, at, true, vps, vlen);
        } else {
            at = put_nal(buf, at, true, H264_PPS, sizeof(H264_PPS));
        }
        at = put_nal(buf, at, i % 2 == 0, sps, len);
        at = put_nal(buf, at, true, hevc ? H265_PPS : H264_PPS, hevc ? sizeof(H265_PPS) : 4);
        struct video_params vp;
        cr_assert_eq(video_params_from_annexb(codec, buf, at, &vp), 0, "%s", cases[i].name);
        cr_expect_eq(vp.codec, codec, "%s", cases[i].name);
        cr_expect_eq(vp.width, cases[i].width, "%s: width %d", cases[i].name, vp.width);
        cr_expect_eq(vp.height, cases[i].height, "%s: height %d", cases[i].name, vp.height);
        cr_expect_eq(vp.level_idc, cases[i].level, "%s: level %d", cases[i].name, vp.level_idc);
    }
}

Test(video_params_annexb, sps_as_the_last_unit_with_trailing_zeros)
{
    uint8_t sps[512], buf[1024];
    size_t len = sps_load_nal("h264_1280x720_main", "sps", sps, sizeof(sps));
    size_t at = put_nal(buf, 0, false, sps, len);
    memset(buf + at, 0, 3); /* trailing_zero_8bits */
    struct video_params vp;
    cr_assert_eq(video_params_from_annexb(PROBE_CODEC_H264, buf, at + 3, &vp), 0);
    cr_expect_eq(vp.width, 1280);
    cr_expect_eq(vp.height, 720);
}

Test(video_params_annexb, no_sps_is_enoent)
{
    uint8_t buf[64];
    size_t at = put_nal(buf, 0, true, H264_PPS, sizeof(H264_PPS));
    struct video_params vp;
    cr_expect_eq(video_params_from_annexb(PROBE_CODEC_H264, buf, at, &vp), -ENOENT);
    cr_expect_eq(video_params_from_annexb(PROBE_CODEC_H264, buf, 0, &vp), -ENOENT);
    /* Without any start code nothing is a NAL unit. */
    cr_expect_eq(video_params_from_annexb(PROBE_CODEC_H264, H264_PPS, sizeof(H264_PPS), &vp),
                 -ENOENT);
}

Test(video_params_annexb, the_other_codecs_sps_type_is_not_taken)
{
    /* An H.265 SPS scanned as H.264 (type 0x42 & 0x1f = 2, a slice) and an
     * H.264 SPS as H.265 (0x67 >> 1 = 51): neither is an SPS. */
    uint8_t sps[512], buf[1024];
    size_t len = sps_load_nal("h265_1280x720_main", "sps", sps, sizeof(sps));
    size_t at = put_nal(buf, 0, true, sps, len);
    struct video_params vp;
    cr_expect_eq(video_params_from_annexb(PROBE_CODEC_H264, buf, at, &vp), -ENOENT);
    len = sps_load_nal("h264_1280x720_main", "sps", sps, sizeof(sps));
    at = put_nal(buf, 0, true, sps, len);
    cr_expect_eq(video_params_from_annexb(PROBE_CODEC_H265, buf, at, &vp), -ENOENT);
}

Test(video_params_annexb, a_broken_sps_gives_the_parsers_error)
{
    uint8_t sps[512], buf[1024];
    size_t len = sps_load_nal("h264_1920x1080_high", "sps", sps, sizeof(sps));
    size_t at = put_nal(buf, 0, true, sps, 4); /* cut after the level byte */
    struct video_params vp;
    cr_expect_eq(video_params_from_annexb(PROBE_CODEC_H264, buf, at, &vp), -EBADMSG);
    /* ...and a good one later still wins. */
    at = put_nal(buf, at, true, sps, len);
    cr_expect_eq(video_params_from_annexb(PROBE_CODEC_H264, buf, at, &vp), 0);
    cr_expect_eq(vp.width, 1920);
}

Test(video_params_annexb, other_codecs_are_not_supported)
{
    uint8_t buf[8] = {0, 0, 1, 0x67};
    struct video_params vp;
    cr_expect_eq(video_params_from_annexb(PROBE_CODEC_MJPEG, buf, sizeof(buf), &vp), -ENOTSUP);
}

Test(video_params, each_codec_goes_to_its_own_parser)
{
    uint8_t sps[512];
    struct video_params vp;
    size_t len = sps_load_nal("h264_1280x720_main", "sps", sps, sizeof(sps));
    cr_assert_eq(video_parse_sps(PROBE_CODEC_H264, sps, len, &vp), 0);
    cr_expect_eq(vp.codec, PROBE_CODEC_H264);
    cr_expect_eq(vp.width, 1280);
    cr_expect_eq(video_parse_sps(PROBE_CODEC_H265, sps, len, &vp), -EINVAL);
    len = sps_load_nal("h265_1280x720_main", "sps", sps, sizeof(sps));
    cr_assert_eq(video_parse_sps(PROBE_CODEC_H265, sps, len, &vp), 0);
    cr_expect_eq(vp.codec, PROBE_CODEC_H265);
    cr_expect_eq(vp.width, 1280);
    cr_expect_eq(video_parse_sps(PROBE_CODEC_H264, sps, len, &vp), -EINVAL);
    cr_expect_eq(video_parse_sps(PROBE_CODEC_MJPEG, sps, len, &vp), -ENOTSUP);
}
