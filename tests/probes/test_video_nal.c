/* Tests for probes/video_nal.c: unit types, Annex B scanning and
 * emulation prevention. */
#include <criterion/criterion.h>
#include <string.h>

#include "video_nal.h"

Test(video_nal, unescape_removes_emulation_prevention_bytes)
{
    const uint8_t in[] = {0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03, 0xff};
    uint8_t out[sizeof(in)];
    size_t n = video_nal_unescape(in, sizeof(in), out);
    const uint8_t want[] = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0xff};
    cr_assert_eq(n, sizeof(want));
    cr_expect_arr_eq(out, want, sizeof(want));
}

Test(video_nal, kinds_of_each_codec)
{
    const enum probe_codec h264 = PROBE_CODEC_H264, h265 = PROBE_CODEC_H265;
    cr_expect_eq(video_nal_kind(h264, video_nal_type(h264, 0x65)), VIDEO_NAL_IRAP);
    cr_expect_eq(video_nal_kind(h264, video_nal_type(h264, 0x67)), VIDEO_NAL_SPS);
    cr_expect_eq(video_nal_kind(h264, video_nal_type(h264, 0x68)), VIDEO_NAL_PPS);
    cr_expect_eq(video_nal_kind(h264, video_nal_type(h264, 0x41)), VIDEO_NAL_OTHER);
    /* 33 is an SPS to H.265 only. */
    cr_expect_eq(video_nal_kind(h264, 33), VIDEO_NAL_OTHER);
    cr_expect_eq(video_nal_kind(h265, video_nal_type(h265, 0x40)), VIDEO_NAL_VPS);
    cr_expect_eq(video_nal_kind(h265, video_nal_type(h265, 0x42)), VIDEO_NAL_SPS);
    cr_expect_eq(video_nal_kind(h265, video_nal_type(h265, 0x44)), VIDEO_NAL_PPS);
    for (int t = 16; t <= 21; t++)
        cr_expect_eq(video_nal_kind(h265, t), VIDEO_NAL_IRAP, "type %d", t);
    cr_expect_eq(video_nal_kind(h265, 22), VIDEO_NAL_IRAP_RESERVED);
    cr_expect_eq(video_nal_kind(h265, 23), VIDEO_NAL_IRAP_RESERVED);
    cr_expect_eq(video_nal_kind(h265, 1), VIDEO_NAL_OTHER);
    cr_expect_eq(video_nal_kind(PROBE_CODEC_MJPEG, 7), VIDEO_NAL_OTHER);
}

Test(video_nal, annexb_units_without_start_codes_and_trailing_zeros)
{
    /* Bytes before the first start code, a four-byte start code, an empty
     * unit, and a unit followed by the zero of a four-byte start code. */
    const uint8_t buf[] = {0x12, 0x34, 0,    0,    0, 1, 0x67, 0x42, 0,    0,    1, 0,
                           0,    1,    0x68, 0xce, 0, 0, 0,    1,    0x65, 0x88, 0, 0};
    struct video_annexb it;
    const uint8_t *nal;
    size_t n;
    video_annexb_init(&it, buf, sizeof(buf));
    cr_assert(video_annexb_next(&it, &nal, &n));
    cr_expect_eq(nal, buf + 6);
    cr_expect_eq(n, 2);
    cr_assert(video_annexb_next(&it, &nal, &n));
    cr_expect_eq(nal, buf + 14);
    cr_expect_eq(n, 2);
    cr_assert(video_annexb_next(&it, &nal, &n));
    cr_expect_eq(nal, buf + 20);
    cr_expect_eq(n, 2);
    cr_expect_not(video_annexb_next(&it, &nal, &n));
    cr_expect_not(video_annexb_next(&it, &nal, &n));
}

Test(video_nal, irap_found_only_behind_a_start_code)
{
    /* SPS, PPS, then an IDR slice start (H.264 type 5). */
    const uint8_t idr[] = {0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88};
    cr_expect(video_annexb_has_irap(PROBE_CODEC_H264, idr, sizeof(idr)));
    /* A P slice (type 1) and an SPS alone are not. */
    const uint8_t p[] = {0, 0, 0, 1, 0x41, 0x9a, 0x02};
    cr_expect_not(video_annexb_has_irap(PROBE_CODEC_H264, p, sizeof(p)));
    cr_expect_not(video_annexb_has_irap(PROBE_CODEC_H264, idr, 9));
    /* The continuation of a fragmented unit has no start code: 0x65 in its
     * data is not a NAL header. */
    const uint8_t cont[] = {0x65, 0x88, 0x84, 0x00, 0x65};
    cr_expect_not(video_annexb_has_irap(PROBE_CODEC_H264, cont, sizeof(cont)));
    /* A start code as the last bytes, with no header after it. */
    const uint8_t tail[] = {0x12, 0, 0, 1};
    cr_expect_not(video_annexb_has_irap(PROBE_CODEC_H264, tail, sizeof(tail)));
    /* H.265: IDR_W_RADL (19) and CRA (21) are IRAP; TRAIL_R (1) is not. */
    const uint8_t h265_idr[] = {0, 0, 1, 19 << 1, 0x01};
    const uint8_t h265_cra[] = {0, 0, 1, 21 << 1, 0x01};
    const uint8_t h265_trail[] = {0, 0, 1, 1 << 1, 0x01};
    cr_expect(video_annexb_has_irap(PROBE_CODEC_H265, h265_idr, sizeof(h265_idr)));
    cr_expect(video_annexb_has_irap(PROBE_CODEC_H265, h265_cra, sizeof(h265_cra)));
    cr_expect_not(video_annexb_has_irap(PROBE_CODEC_H265, h265_trail, sizeof(h265_trail)));
    cr_expect_not(video_annexb_has_irap(PROBE_CODEC_MJPEG, idr, sizeof(idr)));
}
