/* H.264 sequence parameter set parser (ITU-T H.264 7.3.2.1.1 and E.1.1),
 * as far as size, profile, level and VUI timing. */
#include "h264_sps.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "bitreader.h"
#include "video_nal.h"

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

static bool has_chroma_info(int profile_idc)
{
    switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
        return true;
    default:
        return false;
    }
}

/* The values are discarded, but the list must be walked to find what
 * follows it. */
static void skip_scaling_list(struct bitreader *br, int size)
{
    int last = 8, next = 8;
    for (int j = 0; j < size; j++) {
        if (next != 0) {
            int32_t delta = br_se(br);
            if (delta < -128 || delta > 127) {
                br->overrun = true;
                return;
            }
            next = (last + delta + 256) % 256;
        }
        last = next == 0 ? last : next;
    }
}

static void parse_vui(struct bitreader *br, struct video_params *out)
{
    if (br_bit(br)) { /* aspect_ratio_info_present_flag */
        if (br_bits(br, 8) == 255)
            br_skip(br, 32); /* sar_width, sar_height */
    }
    if (br_bit(br)) /* overscan_info_present_flag */
        br_skip(br, 1);
    if (br_bit(br)) { /* video_signal_type_present_flag */
        br_skip(br, 4);
        if (br_bit(br))
            br_skip(br, 24);
    }
    if (br_bit(br)) { /* chroma_loc_info_present_flag */
        br_ue(br);
        br_ue(br);
    }
    if (br_bit(br)) { /* timing_info_present_flag */
        uint32_t units = br_bits(br, 32), scale = br_bits(br, 32);
        /* A frame is two fields, hence the factor 2 (E.2.1). */
        if (!br->overrun && units)
            out->fps_milli = (uint32_t)((uint64_t)scale * 1000 / (2ull * units));
        if (out->fps_milli > 1000000)
            out->fps_milli = 0; /* nonsense; better unknown than wrong */
    }
    /* Later VUI fields are not needed; a truncated tail is harmless. */
    br->overrun = false;
}

int h264_parse_sps(const uint8_t *nal, size_t len, struct video_params *out)
{
    uint8_t rbsp[VIDEO_NAL_MAX];
    memset(out, 0, sizeof(*out));
    video_nal_skip_start_code(&nal, &len);
    if (len < 4)
        return -EBADMSG;
    if (len > VIDEO_NAL_MAX)
        return -EMSGSIZE;
    int type = video_nal_type(PROBE_CODEC_H264, nal[0]);
    if ((nal[0] & 0x80) || video_nal_kind(PROBE_CODEC_H264, type) != VIDEO_NAL_SPS)
        return -EINVAL;
    size_t n = video_nal_unescape(nal + 1, len - 1, rbsp);
    struct bitreader br;
    br_init(&br, rbsp, n);

    out->codec = PROBE_CODEC_H264;
    out->profile_idc = (int)br_bits(&br, 8);
    out->constraint_flags = (int)br_bits(&br, 8);
    out->level_idc = (int)br_bits(&br, 8);
    if (br_ue(&br) > 31) /* seq_parameter_set_id */
        return -EBADMSG;
    out->chroma_format_idc = 1;
    out->bit_depth = 8;
    int separate_planes = 0;
    if (has_chroma_info(out->profile_idc)) {
        uint32_t cf = br_ue(&br);
        if (cf > 3)
            return -EBADMSG;
        out->chroma_format_idc = (int)cf;
        if (cf == 3)
            separate_planes = (int)br_bit(&br);
        uint32_t bdl = br_ue(&br), bdc = br_ue(&br);
        if (bdl > 6 || bdc > 6)
            return -EBADMSG;
        out->bit_depth = 8 + (int)bdl;
        br_skip(&br, 1);   /* qpprime_y_zero_transform_bypass_flag */
        if (br_bit(&br)) { /* seq_scaling_matrix_present_flag */
            int lists = cf != 3 ? 8 : 12;
            for (int i = 0; i < lists && !br.overrun; i++)
                if (br_bit(&br))
                    skip_scaling_list(&br, i < 6 ? 16 : 64);
        }
    }
    if (br_ue(&br) > 12) /* log2_max_frame_num_minus4 */
        return -EBADMSG;
    uint32_t poc_type = br_ue(&br);
    if (poc_type == 0) {
        if (br_ue(&br) > 12)
            return -EBADMSG;
    } else if (poc_type == 1) {
        br_skip(&br, 1);
        br_se(&br);
        br_se(&br);
        uint32_t cycle = br_ue(&br);
        if (cycle > 255)
            return -EBADMSG;
        for (uint32_t i = 0; i < cycle && !br.overrun; i++)
            br_se(&br);
    } else if (poc_type != 2) {
        return -EBADMSG;
    }
    br_ue(&br);      /* max_num_ref_frames */
    br_skip(&br, 1); /* gaps_in_frame_num_value_allowed_flag */
    uint32_t w_mbs = br_ue(&br) + 1, h_units = br_ue(&br) + 1;
    int frame_mbs_only = (int)br_bit(&br);
    if (!frame_mbs_only)
        br_skip(&br, 1); /* mb_adaptive_frame_field_flag */
    br_skip(&br, 1);     /* direct_8x8_inference_flag */
    uint32_t crop[4] = {0, 0, 0, 0};
    if (br_bit(&br))
        for (int i = 0; i < 4; i++)
            crop[i] = br_ue(&br);
    if (br.overrun)
        return -EBADMSG;
    /* 1024 macroblocks is 16384 pixels: beyond any camera, and it keeps the
     * arithmetic below far from overflow. */
    if (w_mbs > 1024 || h_units > 1024)
        return -EBADMSG;
    out->interlaced = !frame_mbs_only;
    out->coded_width = (int)w_mbs * 16;
    out->coded_height = (int)h_units * 16 * (2 - frame_mbs_only);
    int chroma_array_type = separate_planes ? 0 : out->chroma_format_idc;
    int crop_x = 1, crop_y = 2 - frame_mbs_only;
    if (chroma_array_type != 0) {
        crop_x = chroma_array_type == 3 ? 1 : 2;
        crop_y *= chroma_array_type == 1 ? 2 : 1;
    }
    uint64_t cw = (uint64_t)crop_x * ((uint64_t)crop[0] + crop[1]);
    uint64_t ch = (uint64_t)crop_y * ((uint64_t)crop[2] + crop[3]);
    if (cw >= (uint64_t)out->coded_width || ch >= (uint64_t)out->coded_height)
        return -EBADMSG;
    out->width = out->coded_width - (int)cw;
    out->height = out->coded_height - (int)ch;
    if (br_bit(&br)) /* vui_parameters_present_flag */
        parse_vui(&br, out);
    return 0;
}
