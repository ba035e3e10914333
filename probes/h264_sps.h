/* H.264 sequence parameter sets (ITU-T H.264 7.3.2.1.1 and E.1.1): size,
 * profile, level and VUI timing. */
#ifndef CAMDEX_H264_SPS_H
#define CAMDEX_H264_SPS_H

#include <stddef.h>
#include <stdint.h>

#include "video_params.h"

/* Parse an SPS NAL unit (NAL header included, start code optional,
 * emulation prevention bytes still in). 0, -EINVAL when it is not an SPS,
 * -EBADMSG when malformed or out of range, -EMSGSIZE beyond VIDEO_NAL_MAX. */
int h264_parse_sps(const uint8_t *nal, size_t len, struct video_params *out);

/* The name ffprobe prints ("High", "Constrained Baseline"). */
const char *h264_profile_name(int profile_idc, int constraint_flags);

#endif
