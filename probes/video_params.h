/* What a probe reports about an H.264 or H.265 stream (profile, level, size
 * after cropping, declared frame rate), read straight from the SPS found in
 * the SDP or in the first RTP packets: the one place that picks the parser
 * for a codec (h264_sps.h, h265_sps.h). */
#ifndef CAMDEX_VIDEO_PARAMS_H
#define CAMDEX_VIDEO_PARAMS_H

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

/* Parse an SPS NAL unit of `codec` with its parser (see h264_parse_sps for
 * the unit and the return values); -ENOTSUP for codecs other than H.264
 * and H.265. */
int video_parse_sps(enum probe_codec codec, const uint8_t *nal, size_t len,
                    struct video_params *out);

/* Find the first SPS of `codec` (H.264 or H.265) in an Annex B byte stream
 * and parse it. 0 when one parsed; -ENOENT when there is none; the parser's
 * error when every SPS found was refused; -ENOTSUP for other codecs. */
int video_params_from_annexb(enum probe_codec codec, const uint8_t *buf, size_t len,
                             struct video_params *out);

/* Copy the parsed values into a probe result's video metadata. */
void video_params_to_probe(const struct video_params *vp, struct probe_video *out);

#endif
