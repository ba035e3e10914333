/* H.265 video and sequence parameter sets (ITU-T H.265 7.3.2.1, 7.3.2.2,
 * 7.3.3, 7.3.7, E.2.1): profile, size after the conformance window and VUI
 * timing. */
#ifndef CAMDEX_H265_SPS_H
#define CAMDEX_H265_SPS_H

#include <stddef.h>
#include <stdint.h>

#include "video_params.h"

/* Parse an SPS NAL unit, as h264_parse_sps does (same return values). */
int h265_parse_sps(const uint8_t *nal, size_t len, struct video_params *out);

/* VPS: fills codec, profile_idc, tier, level_idc, max_sub_layers. */
int h265_parse_vps(const uint8_t *nal, size_t len, struct video_params *out);

/* The name ffprobe prints ("Main", "Main 10"). */
const char *h265_profile_name(int profile_idc);

#endif
