/* NAL unit types, Annex B scanning and emulation prevention; see
 * video_nal.h. */
#include "video_nal.h"

int video_nal_type(enum probe_codec codec, uint8_t header)
{
    return codec == PROBE_CODEC_H264 ? header & 0x1f : (header >> 1) & 0x3f;
}

enum video_nal_kind video_nal_kind(enum probe_codec codec, int type)
{
    if (codec == PROBE_CODEC_H264) {
        switch (type) {
        case 5:
            return VIDEO_NAL_IRAP;
        case 7:
            return VIDEO_NAL_SPS;
        case 8:
            return VIDEO_NAL_PPS;
        default:
            return VIDEO_NAL_OTHER;
        }
    }
    if (codec == PROBE_CODEC_H265) {
        if (type >= 16 && type <= 21) /* BLA, IDR, CRA */
            return VIDEO_NAL_IRAP;
        if (type == 22 || type == 23)
            return VIDEO_NAL_IRAP_RESERVED;
        switch (type) {
        case 32:
            return VIDEO_NAL_VPS;
        case 33:
            return VIDEO_NAL_SPS;
        case 34:
            return VIDEO_NAL_PPS;
        default:
            return VIDEO_NAL_OTHER;
        }
    }
    return VIDEO_NAL_OTHER;
}

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

/* Offset of the next 00 00 01 at or after `from`, or len. */
static size_t next_start_code(const uint8_t *b, size_t len, size_t from)
{
    for (size_t i = from; i + 2 < len; i++)
        if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1)
            return i;
    return len;
}

void video_annexb_init(struct video_annexb *it, const uint8_t *buf, size_t len)
{
    it->buf = buf;
    it->len = len;
    it->at = next_start_code(buf, len, 0);
}

bool video_annexb_next(struct video_annexb *it, const uint8_t **nal, size_t *len)
{
    while (it->at < it->len) {
        size_t start = it->at + 3;
        size_t end = next_start_code(it->buf, it->len, start);
        it->at = end;
        while (end > start && it->buf[end - 1] == 0)
            end--;
        if (end <= start)
            continue;
        *nal = it->buf + start;
        *len = end - start;
        return true;
    }
    return false;
}

bool video_annexb_has_irap(enum probe_codec codec, const uint8_t *buf, size_t len)
{
    struct video_annexb it;
    const uint8_t *nal;
    size_t n;
    video_annexb_init(&it, buf, len);
    while (video_annexb_next(&it, &nal, &n))
        if (video_nal_kind(codec, video_nal_type(codec, nal[0])) == VIDEO_NAL_IRAP)
            return true;
    return false;
}
