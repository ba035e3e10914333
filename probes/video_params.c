/* Which parser for which codec, and the SPS in an Annex B stream. */
#include "video_params.h"

#include <errno.h>
#include <stdio.h>

#include "h264_sps.h"
#include "h265_sps.h"
#include "video_nal.h"

int video_parse_sps(enum probe_codec codec, const uint8_t *nal, size_t len,
                    struct video_params *out)
{
    switch (codec) {
    case PROBE_CODEC_H264:
        return h264_parse_sps(nal, len, out);
    case PROBE_CODEC_H265:
        return h265_parse_sps(nal, len, out);
    default:
        return -ENOTSUP;
    }
}

int video_params_from_annexb(enum probe_codec codec, const uint8_t *buf, size_t len,
                             struct video_params *out)
{
    if (codec != PROBE_CODEC_H264 && codec != PROBE_CODEC_H265)
        return -ENOTSUP;
    int rc = -ENOENT;
    struct video_annexb it;
    const uint8_t *nal;
    size_t n;
    video_annexb_init(&it, buf, len);
    while (video_annexb_next(&it, &nal, &n)) {
        if (video_nal_kind(codec, video_nal_type(codec, nal[0])) != VIDEO_NAL_SPS)
            continue;
        rc = video_parse_sps(codec, nal, n, out);
        if (rc == 0)
            return 0;
    }
    return rc;
}

void video_params_to_probe(const struct video_params *vp, struct probe_video *out)
{
    out->codec = vp->codec;
    const char *name = vp->codec == PROBE_CODEC_H264
                           ? h264_profile_name(vp->profile_idc, vp->constraint_flags)
                       : vp->codec == PROBE_CODEC_H265 ? h265_profile_name(vp->profile_idc)
                                                       : "";
    snprintf(out->profile, sizeof(out->profile), "%s", name);
    out->level = (uint16_t)vp->level_idc;
    out->width = (uint16_t)vp->width;
    out->height = (uint16_t)vp->height;
    if (vp->fps_milli)
        out->fps_milli = vp->fps_milli;
}
