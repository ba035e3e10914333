/* H.264 and H.265 NAL units as cameras send them: unit types, Annex B byte
 * streams (start-code separated units, as libavformat keeps the SDP's
 * parameter sets and as cameras repeat them before keyframes) and
 * emulation prevention. What a unit holds is for its parser (h264_sps.h,
 * h265_sps.h). No I/O, no allocation. */
#ifndef CAMDEX_VIDEO_NAL_H
#define CAMDEX_VIDEO_NAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe_result.h"

/* The NAL unit types probes look for. */
enum video_nal_kind {
    VIDEO_NAL_OTHER = 0,
    VIDEO_NAL_IRAP,          /* a slice to start decoding at: H.264 IDR (5), H.265 BLA/IDR/CRA
                                (16-21) */
    VIDEO_NAL_IRAP_RESERVED, /* H.265 22-23: in the standard's IRAP range, but reserved types
                                that decoders drop */
    VIDEO_NAL_VPS,           /* H.265 32 */
    VIDEO_NAL_SPS,           /* H.264 7, H.265 33 */
    VIDEO_NAL_PPS,           /* H.264 8, H.265 34 */
};

/* The unit type in a NAL unit's first header byte (H.264 or H.265). */
int video_nal_type(enum probe_codec codec, uint8_t header);

/* What a unit type of `codec` is; VIDEO_NAL_OTHER for other codecs. */
enum video_nal_kind video_nal_kind(enum probe_codec codec, int type);

/* Remove emulation prevention bytes (00 00 03 -> 00 00) from src into dst,
 * which holds at least `len` bytes. Returns the unescaped length. */
size_t video_nal_unescape(const uint8_t *src, size_t len, uint8_t *dst);

/* Step over an Annex B start code (00 00 01 or 00 00 00 01) if present. */
void video_nal_skip_start_code(const uint8_t **nal, size_t *len);

/* The NAL units of an Annex B byte stream, one after the other. */
struct video_annexb {
    const uint8_t *buf;
    size_t len;
    size_t at; /* the next start code, len at the end */
};

void video_annexb_init(struct video_annexb *it, const uint8_t *buf, size_t len);

/* The next unit behind a start code, header first, without the zero bytes
 * before the next start code (they belong to it: trailing_zero_8bits).
 * Empty units are stepped over. False at the end. Bytes before the first
 * start code (the rest of a unit that started elsewhere) never count. */
bool video_annexb_next(struct video_annexb *it, const uint8_t **nal, size_t *len);

/* Whether Annex B data holds the start of a random-access picture's slice
 * (VIDEO_NAL_IRAP). Only NAL units behind a start code count, so data that
 * continues a unit (an RTP fragment) never does. */
bool video_annexb_has_irap(enum probe_codec codec, const uint8_t *buf, size_t len);

#endif
