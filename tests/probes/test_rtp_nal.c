/* Tests for probes/rtp_nal.c: RTP headers and keyframe detection in every
 * H.264 / H.265 packetisation cameras use. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "rtp_nal.h"

Test(rtp_nal, plain_header_gives_payload_and_fields)
{
    const uint8_t pkt[] = {0x80, 0xe0, 0x12, 0x34, 0x00, 0x00, 0x10,
                           0x00, 0xde, 0xad, 0xbe, 0xef, 0x65, 0x88};
    struct rtp_packet p;
    cr_assert_eq(rtp_parse_packet(pkt, sizeof(pkt), &p), 0);
    cr_expect_eq(p.payload_type, 96);
    cr_expect(p.marker);
    cr_expect_eq(p.seq, 0x1234);
    cr_expect_eq(p.timestamp, 0x1000);
    cr_expect_eq(p.ssrc, 0xdeadbeef);
    cr_expect_eq(p.payload_len, 2);
    cr_expect_eq(p.payload[0], 0x65);
}

Test(rtp_nal, csrc_extension_and_padding_are_skipped)
{
    /* V=2 P=1 X=1 CC=1; one CSRC; extension of one word; payload 2 bytes; 2 bytes padding. */
    const uint8_t pkt[] = {0xb1, 0x60, 0,    1,    0,    0,    0, 0, 0, 0, 0,    1,    0xaa, 0xbb,
                           0xcc, 0xdd, 0xbe, 0xde, 0x00, 0x01, 1, 2, 3, 4, 0x65, 0x88, 0x00, 0x02};
    struct rtp_packet p;
    cr_assert_eq(rtp_parse_packet(pkt, sizeof(pkt), &p), 0);
    cr_expect_eq(p.payload_len, 2);
    cr_expect_eq(p.payload[0], 0x65);
}

Test(rtp_nal, malformed_headers_are_rejected)
{
    struct rtp_packet p;
    const uint8_t v1[] = {0x40, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
    cr_expect_eq(rtp_parse_packet(v1, sizeof(v1), &p), -EBADMSG, "version 1");
    cr_expect_eq(rtp_parse_packet(v1, 11, &p), -EBADMSG, "short");
    const uint8_t csrc[] = {0x8f, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};
    cr_expect_eq(rtp_parse_packet(csrc, sizeof(csrc), &p), -EBADMSG, "15 CSRCs in 14 bytes");
    const uint8_t pad[] = {0xa0, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x65, 0x09};
    cr_expect_eq(rtp_parse_packet(pad, sizeof(pad), &p), -EBADMSG,
                 "padding longer than the payload");
    const uint8_t ext[] = {0x90, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0xff, 0xff};
    cr_expect_eq(rtp_parse_packet(ext, sizeof(ext), &p), -EBADMSG, "extension past the end");
}

struct nal_case {
    const char *what;
    enum probe_codec codec;
    uint8_t payload[16];
    size_t len;
    int rc;
    bool keyframe, sps;
};

static const struct nal_case nal_cases[] = {
    {"h264 single IDR", PROBE_CODEC_H264, {0x65, 0x88, 0x84}, 3, 0, true, false},
    {"h264 single P slice", PROBE_CODEC_H264, {0x41, 0x9a}, 2, 0, false, false},
    {"h264 single SPS", PROBE_CODEC_H264, {0x67, 0x42, 0x00, 0x1e}, 4, 0, false, true},
    {"h264 STAP-A SPS PPS IDR",
     PROBE_CODEC_H264,
     {0x18, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce, 0, 2, 0x65, 0x88},
     13,
     0,
     true,
     true},
    {"h264 STAP-A truncated",
     PROBE_CODEC_H264,
     {0x18, 0, 9, 0x67, 0x42},
     5,
     -EBADMSG,
     false,
     false},
    {"h264 FU-A start of IDR", PROBE_CODEC_H264, {0x7c, 0x85, 0x88}, 3, 0, true, false},
    {"h264 FU-A middle of IDR", PROBE_CODEC_H264, {0x7c, 0x05, 0x88}, 3, 0, false, false},
    {"h264 FU-A start of P", PROBE_CODEC_H264, {0x5c, 0x81, 0x9a}, 3, 0, false, false},
    {"h264 forbidden bit", PROBE_CODEC_H264, {0xe5, 0x88}, 2, -EBADMSG, false, false},
    {"h265 single IDR_W_RADL", PROBE_CODEC_H265, {0x26, 0x01, 0xaf}, 3, 0, true, false},
    {"h265 single CRA", PROBE_CODEC_H265, {0x2a, 0x01, 0xaf}, 3, 0, true, false},
    {"h265 single TRAIL_R", PROBE_CODEC_H265, {0x02, 0x01, 0xd0}, 3, 0, false, false},
    {"h265 AP VPS SPS PPS",
     PROBE_CODEC_H265,
     {0x60, 0x01, 0, 2, 0x40, 0x01, 0, 2, 0x42, 0x01, 0, 2, 0x44, 0x01},
     14,
     0,
     false,
     true},
    {"h265 FU start of IDR_N_LP", PROBE_CODEC_H265, {0x62, 0x01, 0x94, 0xaf}, 4, 0, true, false},
    {"h265 FU end of IDR", PROBE_CODEC_H265, {0x62, 0x01, 0x54, 0xaf}, 4, 0, false, false},
    {"h265 FU too short", PROBE_CODEC_H265, {0x62, 0x01}, 2, -EBADMSG, false, false},
    {"mjpeg is not scanned", PROBE_CODEC_MJPEG, {0x00}, 1, -ENOTSUP, false, false},
};

Test(rtp_nal, keyframes_are_found_in_every_packetisation)
{
    for (size_t i = 0; i < sizeof(nal_cases) / sizeof(nal_cases[0]); i++) {
        const struct nal_case *c = &nal_cases[i];
        struct rtp_nal_info info;
        int rc = rtp_nal_scan(c->codec, c->payload, c->len, &info);
        cr_expect_eq(rc, c->rc, "%s: rc %d", c->what, rc);
        if (rc != 0)
            continue;
        cr_expect_eq(info.keyframe, c->keyframe, "%s: keyframe", c->what);
        cr_expect_eq(info.has_sps, c->sps, "%s: sps", c->what);
    }
}

Test(rtp_nal, complete_sps_in_an_aggregate_is_pointed_at)
{
    const uint8_t stap[] = {0x18, 0, 4, 0x67, 0x42, 0x00, 0x1e, 0, 2, 0x68, 0xce};
    struct rtp_nal_info info;
    cr_assert_eq(rtp_nal_scan(PROBE_CODEC_H264, stap, sizeof(stap), &info), 0);
    cr_assert_not_null(info.sps);
    cr_expect_eq(info.sps, stap + 3);
    cr_expect_eq(info.sps_len, 4);
    cr_expect(info.has_pps);
    cr_expect_eq(info.nal_units, 2);
}

Test(rtp_nal, fragmented_sps_is_seen_but_not_pointed_at)
{
    const uint8_t fu[] = {0x7c, 0x87, 0x42, 0x00};
    struct rtp_nal_info info;
    cr_assert_eq(rtp_nal_scan(PROBE_CODEC_H264, fu, sizeof(fu), &info), 0);
    cr_expect(info.has_sps);
    cr_expect_null(info.sps);
}
