/* RTP header parsing and H.264/H.265 payload scanning; see rtp_nal.h. */
#include "rtp_nal.h"

#include <errno.h>
#include <string.h>

#include "video_nal.h"

int rtp_parse_packet(const uint8_t *buf, size_t len, struct rtp_packet *out)
{
    if (len < 12 || (buf[0] >> 6) != 2)
        return -EBADMSG;
    size_t off = 12 + 4u * (buf[0] & 0x0f); /* CSRC list */
    if (off > len)
        return -EBADMSG;
    if (buf[0] & 0x10) { /* header extension */
        if (off + 4 > len)
            return -EBADMSG;
        off += 4 + 4u * (((size_t)buf[off + 2] << 8) | buf[off + 3]);
        if (off > len)
            return -EBADMSG;
    }
    size_t end = len;
    if (buf[0] & 0x20) { /* padding, count in the last byte */
        uint8_t pad = buf[len - 1];
        if (pad == 0 || pad > end - off)
            return -EBADMSG;
        end -= pad;
    }
    out->marker = buf[1] & 0x80;
    out->payload_type = buf[1] & 0x7f;
    out->seq = (uint16_t)((buf[2] << 8) | buf[3]);
    out->timestamp =
        (uint32_t)buf[4] << 24 | (uint32_t)buf[5] << 16 | (uint32_t)buf[6] << 8 | buf[7];
    out->ssrc = (uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 | buf[11];
    out->payload = buf + off;
    out->payload_len = end - off;
    return 0;
}

/* Record one whole NAL unit of type `type` (or the first fragment of one,
 * complete=false). */
static void note(enum probe_codec codec, int type, const uint8_t *nal, size_t len, bool complete,
                 struct rtp_nal_info *out)
{
    out->nal_units++;
    switch (video_nal_kind(codec, type)) {
    case VIDEO_NAL_IRAP:
    case VIDEO_NAL_IRAP_RESERVED:
        /* Tier 1 reports that a keyframe began and takes the standard's
         * whole IRAP range; the deep probe decodes the picture and takes
         * only what a decoder does (video_annexb_has_irap). */
        out->keyframe = true;
        break;
    case VIDEO_NAL_VPS:
        out->has_vps = true;
        break;
    case VIDEO_NAL_SPS:
        out->has_sps = true;
        if (complete && !out->sps) {
            out->sps = nal;
            out->sps_len = len;
        }
        break;
    case VIDEO_NAL_PPS:
        out->has_pps = true;
        break;
    case VIDEO_NAL_OTHER:
        break;
    }
}

/* Aggregation units: 16-bit size, then that many bytes, repeated. */
static int scan_aggregate(enum probe_codec codec, const uint8_t *p, size_t len,
                          struct rtp_nal_info *out)
{
    size_t hdr = codec == PROBE_CODEC_H264 ? 1 : 2;
    while (len > 0) {
        if (len < 2)
            return -EBADMSG;
        size_t n = ((size_t)p[0] << 8) | p[1];
        p += 2;
        len -= 2;
        if (n < hdr || n > len)
            return -EBADMSG;
        note(codec, video_nal_type(codec, p[0]), p, n, true, out);
        p += n;
        len -= n;
    }
    return 0;
}

int rtp_nal_scan(enum probe_codec codec, const uint8_t *p, size_t len, struct rtp_nal_info *out)
{
    memset(out, 0, sizeof(*out));
    if (codec == PROBE_CODEC_H264) {
        if (len < 1 || (p[0] & 0x80))
            return -EBADMSG;
        int type = video_nal_type(codec, p[0]);
        if (type >= 1 && type <= 23) {
            note(codec, type, p, len, true, out);
            return 0;
        }
        if (type == 24) /* STAP-A */
            return scan_aggregate(codec, p + 1, len - 1, out);
        if (type == 28) { /* FU-A: indicator, header (S E R type) */
            if (len < 2)
                return -EBADMSG;
            if (p[1] & 0x80)
                note(codec, p[1] & 0x1f, NULL, 0, false, out);
            return 0;
        }
        return 0; /* STAP-B, MTAP, FU-B: not used by cameras in practice */
    }
    if (codec == PROBE_CODEC_H265) {
        if (len < 2 || (p[0] & 0x80))
            return -EBADMSG;
        int type = video_nal_type(codec, p[0]);
        if (type < 48) {
            note(codec, type, p, len, true, out);
            return 0;
        }
        if (type == 48) /* AP */
            return scan_aggregate(codec, p + 2, len - 2, out);
        if (type == 49) { /* FU: header (S E type) */
            if (len < 3)
                return -EBADMSG;
            if (p[2] & 0x80)
                note(codec, p[2] & 0x3f, NULL, 0, false, out);
            return 0;
        }
        return 0; /* PACI and reserved types */
    }
    return -ENOTSUP;
}
