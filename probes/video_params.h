/* H.264 and H.265 parameter set parsers: what a probe reports about a
 * stream (profile, level, size after cropping, declared frame rate) read
 * straight from the SPS found in the SDP or in the first RTP packets. */
#ifndef CAMDEX_VIDEO_PARAMS_H
#define CAMDEX_VIDEO_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe_result.h"

/* Parameter sets larger than this are refused; real ones are < 1 KiB. */
#define VIDEO_NAL_MAX 4096

struct video_params {
    enum probe_codec codec;
    int profile_idc;       /* H.264 profile_idc / H.265 general_profile_idc */
    int constraint_flags;  /* H.264 constraint_set0..5 as the SPS byte */
    int level_idc;         /* H.264: 31 = 3.1; H.265: 93 = 3.1 (x30) */
    int tier;              /* H.265 general_tier_flag */
    int chroma_format_idc; /* 0 mono, 1 4:2:0, 2 4:2:2, 3 4:4:4 */
    int bit_depth;         /* luma */
    int max_sub_layers;    /* H.265 */
    int coded_width, coded_height;
    int width, height;  /* after the cropping / conformance window */
    int interlaced;     /* H.264 frame_mbs_only_flag == 0 */
    uint32_t fps_milli; /* VUI timing x1000, 0 when absent */
};

/* Parse an SPS NAL unit (NAL header included, start code optional,
 * emulation prevention bytes still in). 0, -EINVAL when it is not an SPS,
 * -EBADMSG when malformed or out of range, -EMSGSIZE beyond VIDEO_NAL_MAX. */
int h264_parse_sps(const uint8_t *nal, size_t len, struct video_params *out);
int h265_parse_sps(const uint8_t *nal, size_t len, struct video_params *out);

/* H.265 VPS: fills codec, profile_idc, tier, level_idc, max_sub_layers. */
int h265_parse_vps(const uint8_t *nal, size_t len, struct video_params *out);

/* Names as ffprobe prints them ("High", "Constrained Baseline", "Main 10"). */
const char *h264_profile_name(int profile_idc, int constraint_flags);
const char *h265_profile_name(int profile_idc);

/* Copy the parsed values into a probe result's video metadata. */
void video_params_to_probe(const struct video_params *vp, struct probe_video *out);

/* Remove emulation prevention bytes (00 00 03 -> 00 00) from src into dst,
 * which holds at least `len` bytes. Returns the unescaped length. */
size_t video_nal_unescape(const uint8_t *src, size_t len, uint8_t *dst);

/* Find the first SPS of `codec` (H.264 or H.265) in an Annex B byte stream
 * (start-code separated NAL units, as libavformat's RTSP demuxer keeps the
 * SDP's parameter sets and as cameras repeat them before keyframes) and
 * parse it. 0 when one parsed; -ENOENT when there is none; the parser's
 * error when every SPS found was refused; -ENOTSUP for other codecs. */
int video_params_from_annexb(enum probe_codec codec, const uint8_t *buf, size_t len,
                             struct video_params *out);

/* Whether Annex B data holds the start of a random-access picture's slice:
 * an H.264 IDR NAL unit (type 5) or an H.265 IRAP one (16-21). Only NAL
 * units behind a start code count, so data that continues a unit
 * (an RTP fragment) never does. */
bool video_annexb_has_irap(enum probe_codec codec, const uint8_t *buf, size_t len);

/* Step over an Annex B start code (00 00 01 or 00 00 00 01) if present. */
void video_nal_skip_start_code(const uint8_t **nal, size_t *len);

#endif
