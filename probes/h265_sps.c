/* H.265 VPS and SPS parsers (ITU-T H.265 7.3.2.1, 7.3.2.2, 7.3.3, 7.3.7,
 * E.2.1), as far as profile, size after the conformance window and VUI
 * timing. Every field before those is walked, including the short-term
 * reference picture sets whose length depends on earlier sets. */
#include "h265_sps.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bitreader.h"
#include "video_nal.h"

#define MAX_SUB_LAYERS 7
#define MAX_ST_RPS     64
#define MAX_DELTA_POCS 16

struct st_rps {
    int num_negative, num_positive;
    int32_t delta_poc[2 * MAX_DELTA_POCS + 1]; /* negatives (closest first), then positives */
};

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

static int prepare(const uint8_t *nal, size_t len, enum video_nal_kind want, uint8_t *rbsp,
                   size_t *n)
{
    video_nal_skip_start_code(&nal, &len);
    if (len < 4)
        return -EBADMSG;
    if (len > VIDEO_NAL_MAX)
        return -EMSGSIZE;
    int type = video_nal_type(PROBE_CODEC_H265, nal[0]);
    if ((nal[0] & 0x80) || video_nal_kind(PROBE_CODEC_H265, type) != want)
        return -EINVAL;
    *n = video_nal_unescape(nal + 2, len - 2, rbsp);
    return 0;
}

static void parse_ptl(struct bitreader *br, int max_sub_layers_minus1, struct video_params *out)
{
    br_skip(br, 2); /* general_profile_space */
    out->tier = (int)br_bit(br);
    out->profile_idc = (int)br_bits(br, 5);
    uint32_t compat = br_bits(br, 32);
    br_skip(br, 4 + 43 + 1); /* source flags, reserved bits */
    out->level_idc = (int)br_bits(br, 8);
    /* Old encoders leave profile_idc 0 and only set a compatibility flag. */
    if (out->profile_idc == 0)
        for (int j = 1; j < 32; j++)
            if (compat & (1u << (31 - j))) {
                out->profile_idc = j;
                break;
            }
    int prof[MAX_SUB_LAYERS] = {0}, lvl[MAX_SUB_LAYERS] = {0};
    for (int i = 0; i < max_sub_layers_minus1; i++) {
        prof[i] = (int)br_bit(br);
        lvl[i] = (int)br_bit(br);
    }
    if (max_sub_layers_minus1 > 0)
        for (int i = max_sub_layers_minus1; i < 8; i++)
            br_skip(br, 2);
    for (int i = 0; i < max_sub_layers_minus1; i++) {
        if (prof[i])
            br_skip(br, 88);
        if (lvl[i])
            br_skip(br, 8);
    }
}

int h265_parse_vps(const uint8_t *nal, size_t len, struct video_params *out)
{
    uint8_t rbsp[VIDEO_NAL_MAX];
    size_t n;
    memset(out, 0, sizeof(*out));
    int rc = prepare(nal, len, VIDEO_NAL_VPS, rbsp, &n);
    if (rc)
        return rc;
    struct bitreader br;
    br_init(&br, rbsp, n);
    br_skip(&br, 4 + 1 + 1 + 6); /* vps id, base layer flags, max_layers_minus1 */
    int sub = (int)br_bits(&br, 3);
    if (sub >= MAX_SUB_LAYERS)
        return -EBADMSG;
    br_skip(&br, 1 + 16); /* temporal_id_nesting, reserved 0xffff */
    out->codec = PROBE_CODEC_H265;
    out->max_sub_layers = sub + 1;
    parse_ptl(&br, sub, out);
    return br.overrun ? -EBADMSG : 0;
}

static void skip_scaling_list_data(struct bitreader *br)
{
    for (int size_id = 0; size_id < 4; size_id++) {
        for (int matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
            if (!br_bit(br)) { /* scaling_list_pred_mode_flag */
                br_ue(br);
                continue;
            }
            int coefs = 1 << (4 + (size_id << 1));
            if (coefs > 64)
                coefs = 64;
            if (size_id > 1)
                br_se(br);
            for (int i = 0; i < coefs && !br->overrun; i++)
                br_se(br);
        }
    }
}

static int cmp_desc(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x < y) - (x > y);
}

static int cmp_asc(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* st_ref_pic_set(idx) inside an SPS (7.3.7, derivation 7-61/7-62). */
static int parse_st_rps(struct bitreader *br, int idx, struct st_rps *sets)
{
    struct st_rps *rps = &sets[idx];
    memset(rps, 0, sizeof(*rps));
    if (idx != 0 && br_bit(br)) { /* inter_ref_pic_set_prediction_flag */
        const struct st_rps *ref = &sets[idx - 1];
        int sign = (int)br_bit(br);
        uint32_t abs_minus1 = br_ue(br);
        if (abs_minus1 > 32767)
            return -EBADMSG;
        int32_t delta_rps = (1 - 2 * sign) * (int32_t)(abs_minus1 + 1);
        int ref_total = ref->num_negative + ref->num_positive;
        int32_t neg[2 * MAX_DELTA_POCS + 1], pos[2 * MAX_DELTA_POCS + 1];
        int nn = 0, np = 0;
        for (int j = 0; j <= ref_total; j++) {
            int used = (int)br_bit(br);
            int use_delta = used ? 1 : (int)br_bit(br);
            if (!use_delta)
                continue;
            int32_t d = (j < ref_total ? ref->delta_poc[j] : 0) + delta_rps;
            if (d < 0)
                neg[nn++] = d;
            else if (d > 0)
                pos[np++] = d;
        }
        if (nn > MAX_DELTA_POCS || np > MAX_DELTA_POCS)
            return -EBADMSG;
        qsort(neg, (size_t)nn, sizeof(neg[0]), cmp_desc);
        qsort(pos, (size_t)np, sizeof(pos[0]), cmp_asc);
        rps->num_negative = nn;
        rps->num_positive = np;
        memcpy(rps->delta_poc, neg, (size_t)nn * sizeof(neg[0]));
        memcpy(rps->delta_poc + nn, pos, (size_t)np * sizeof(pos[0]));
        return 0;
    }
    uint32_t nn = br_ue(br), np = br_ue(br);
    if (nn > MAX_DELTA_POCS || np > MAX_DELTA_POCS)
        return -EBADMSG;
    int32_t poc = 0;
    for (uint32_t i = 0; i < nn; i++) {
        uint32_t d = br_ue(br);
        if (d > 32767)
            return -EBADMSG;
        poc -= (int32_t)d + 1;
        rps->delta_poc[i] = poc;
        br_skip(br, 1);
    }
    poc = 0;
    for (uint32_t i = 0; i < np; i++) {
        uint32_t d = br_ue(br);
        if (d > 32767)
            return -EBADMSG;
        poc += (int32_t)d + 1;
        rps->delta_poc[nn + i] = poc;
        br_skip(br, 1);
    }
    rps->num_negative = (int)nn;
    rps->num_positive = (int)np;
    return 0;
}

static void parse_vui(struct bitreader *br, struct video_params *out)
{
    if (br_bit(br)) { /* aspect_ratio_info_present_flag */
        if (br_bits(br, 8) == 255)
            br_skip(br, 32);
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
    br_skip(br, 3); /* neutral_chroma, field_seq, frame_field_info_present */
    if (br_bit(br)) /* default_display_window_flag */
        for (int i = 0; i < 4; i++)
            br_ue(br);
    if (br_bit(br)) { /* vui_timing_info_present_flag */
        uint32_t units = br_bits(br, 32), scale = br_bits(br, 32);
        if (!br->overrun && units)
            out->fps_milli = (uint32_t)((uint64_t)scale * 1000 / units);
        if (out->fps_milli > 1000000)
            out->fps_milli = 0;
    }
    br->overrun = false;
}

int h265_parse_sps(const uint8_t *nal, size_t len, struct video_params *out)
{
    uint8_t rbsp[VIDEO_NAL_MAX];
    size_t n;
    memset(out, 0, sizeof(*out));
    int rc = prepare(nal, len, VIDEO_NAL_SPS, rbsp, &n);
    if (rc)
        return rc;
    struct bitreader br;
    br_init(&br, rbsp, n);
    br_skip(&br, 4); /* sps_video_parameter_set_id */
    int sub = (int)br_bits(&br, 3);
    if (sub >= MAX_SUB_LAYERS)
        return -EBADMSG;
    br_skip(&br, 1);
    out->codec = PROBE_CODEC_H265;
    out->max_sub_layers = sub + 1;
    parse_ptl(&br, sub, out);
    if (br_ue(&br) > 15) /* sps_seq_parameter_set_id */
        return -EBADMSG;
    uint32_t cf = br_ue(&br);
    if (cf > 3)
        return -EBADMSG;
    out->chroma_format_idc = (int)cf;
    int separate_planes = cf == 3 ? (int)br_bit(&br) : 0;
    uint32_t w = br_ue(&br), h = br_ue(&br);
    if (w == 0 || h == 0 || w > 16888 || h > 16888)
        return -EBADMSG;
    uint32_t win[4] = {0, 0, 0, 0};
    if (br_bit(&br)) /* conformance_window_flag */
        for (int i = 0; i < 4; i++)
            win[i] = br_ue(&br);
    uint32_t bdl = br_ue(&br), bdc = br_ue(&br);
    if (bdl > 8 || bdc > 8)
        return -EBADMSG;
    out->bit_depth = 8 + (int)bdl;
    uint32_t log2_poc_lsb = br_ue(&br) + 4;
    if (log2_poc_lsb > 16)
        return -EBADMSG;
    int ordering_all = (int)br_bit(&br);
    for (int i = ordering_all ? 0 : sub; i <= sub; i++) {
        br_ue(&br); /* max_dec_pic_buffering_minus1 */
        br_ue(&br); /* max_num_reorder_pics */
        br_ue(&br); /* max_latency_increase_plus1 */
    }
    for (int i = 0; i < 6; i++) /* coding/transform block sizes and depths */
        br_ue(&br);
    if (br_bit(&br) && br_bit(&br)) /* scaling_list_enabled, sps_scaling_list_data_present */
        skip_scaling_list_data(&br);
    br_skip(&br, 2);   /* amp, sample_adaptive_offset */
    if (br_bit(&br)) { /* pcm_enabled_flag */
        br_skip(&br, 8);
        br_ue(&br);
        br_ue(&br);
        br_skip(&br, 1);
    }
    if (br.overrun)
        return -EBADMSG;

    /* Size is known now; the rest only matters for VUI timing. */
    int sub_w = (cf == 1 || cf == 2) && !separate_planes ? 2 : 1;
    int sub_h = cf == 1 && !separate_planes ? 2 : 1;
    uint64_t cw = (uint64_t)sub_w * ((uint64_t)win[0] + win[1]);
    uint64_t ch = (uint64_t)sub_h * ((uint64_t)win[2] + win[3]);
    if (cw >= w || ch >= h)
        return -EBADMSG;
    out->coded_width = (int)w;
    out->coded_height = (int)h;
    out->width = (int)(w - cw);
    out->height = (int)(h - ch);

    uint32_t nsets = br_ue(&br);
    if (nsets > MAX_ST_RPS)
        return -EBADMSG;
    struct st_rps sets[MAX_ST_RPS];
    for (uint32_t i = 0; i < nsets; i++)
        if (parse_st_rps(&br, (int)i, sets) != 0 || br.overrun)
            return 0;  /* size and profile stand; only timing is lost */
    if (br_bit(&br)) { /* long_term_ref_pics_present_flag */
        uint32_t nlt = br_ue(&br);
        if (nlt > 32)
            return 0;
        for (uint32_t i = 0; i < nlt; i++)
            br_skip(&br, log2_poc_lsb + 1);
    }
    br_skip(&br, 2); /* temporal_mvp, strong_intra_smoothing */
    if (br.overrun)
        return 0;
    if (br_bit(&br)) /* vui_parameters_present_flag */
        parse_vui(&br, out);
    return 0;
}
