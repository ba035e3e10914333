/* Shared helpers of the H.264/H.265 parameter set parsers. */
#include "video_params.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

size_t video_nal_unescape(const uint8_t *src, size_t len, uint8_t *dst)
{
    size_t n = 0, zeros = 0;
    for (size_t i = 0; i < len; i++) {
        if (zeros >= 2 && src[i] == 3) {
            zeros = 0;
            continue;
        }
        zeros = src[i] == 0 ? zeros + 1 : 0;
        dst[n++] = src[i];
    }
    return n;
}

void video_nal_skip_start_code(const uint8_t **nal, size_t *len)
{
    if (*len >= 4 && (*nal)[0] == 0 && (*nal)[1] == 0 && (*nal)[2] == 0 && (*nal)[3] == 1) {
        *nal += 4;
        *len -= 4;
    } else if (*len >= 3 && (*nal)[0] == 0 && (*nal)[1] == 0 && (*nal)[2] == 1) {
        *nal += 3;
        *len -= 3;
    }
}

const char *h264_profile_name(int profile_idc, int constraint_flags)
{
    bool set1 = constraint_flags & 0x40, set3 = constraint_flags & 0x10;
    switch (profile_idc) {
    case 66:
        return set1 ? "Constrained Baseline" : "Baseline";
    case 77:
        return "Main";
    case 88:
        return "Extended";
    case 100:
        return "High";
    case 110:
        return set3 ? "High 10 Intra" : "High 10";
    case 122:
        return set3 ? "High 4:2:2 Intra" : "High 4:2:2";
    case 244:
        return set3 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
    case 44:
        return "CAVLC 4:4:4";
    default:
        return "unknown";
    }
}

const char *h265_profile_name(int profile_idc)
{
    switch (profile_idc) {
    case 1:
        return "Main";
    case 2:
        return "Main 10";
    case 3:
        return "Main Still Picture";
    case 4:
        return "Rext";
    case 9:
        return "SCC";
    default:
        return "unknown";
    }
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

/* The NAL unit type in a unit's first header byte. */
static int nal_type(enum probe_codec codec, uint8_t h)
{
    return codec == PROBE_CODEC_H264 ? h & 0x1f : (h >> 1) & 0x3f;
}

/* Offset of the next 00 00 01 at or after `from`, or len. */
static size_t next_start_code(const uint8_t *b, size_t len, size_t from)
{
    for (size_t i = from; i + 2 < len; i++)
        if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1)
            return i;
    return len;
}

int video_params_from_annexb(enum probe_codec codec, const uint8_t *buf, size_t len,
                             struct video_params *out)
{
    if (codec != PROBE_CODEC_H264 && codec != PROBE_CODEC_H265)
        return -ENOTSUP;
    int rc = -ENOENT;
    size_t at = next_start_code(buf, len, 0);
    while (at < len) {
        size_t start = at + 3;
        size_t end = next_start_code(buf, len, start);
        at = end;
        /* The zero before a four-byte start code belongs to it, not to the
         * NAL unit (trailing_zero_8bits). */
        while (end > start && buf[end - 1] == 0)
            end--;
        if (end <= start)
            continue;
        if (nal_type(codec, buf[start]) != (codec == PROBE_CODEC_H264 ? 7 : 33))
            continue;
        rc = codec == PROBE_CODEC_H264 ? h264_parse_sps(buf + start, end - start, out)
                                       : h265_parse_sps(buf + start, end - start, out);
        if (rc == 0)
            return 0;
    }
    return rc;
}

bool video_annexb_has_irap(enum probe_codec codec, const uint8_t *buf, size_t len)
{
    if (codec != PROBE_CODEC_H264 && codec != PROBE_CODEC_H265)
        return false;
    for (size_t at = next_start_code(buf, len, 0); at + 3 < len;
         at = next_start_code(buf, len, at + 3)) {
        int type = nal_type(codec, buf[at + 3]);
        if (codec == PROBE_CODEC_H264 ? type == 5 : type >= 16 && type <= 21)
            return true;
    }
    return false;
}
