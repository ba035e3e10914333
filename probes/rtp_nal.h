/* RTP packet header parsing (RFC 3550) and a scan of H.264 (RFC 6184) and
 * H.265 (RFC 7798) payloads for keyframes and in-band parameter sets.
 * No I/O, no allocation: results point into the caller's buffer. */
#ifndef CAMDEX_RTP_NAL_H
#define CAMDEX_RTP_NAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe_result.h"

struct rtp_packet {
    uint8_t payload_type;
    bool marker;
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    const uint8_t *payload;
    size_t payload_len;
};

/* -EBADMSG when it is not an RTP version 2 packet or lengths do not add up. */
int rtp_parse_packet(const uint8_t *buf, size_t len, struct rtp_packet *out);

/* What one RTP payload carries. A keyframe is an H.264 IDR slice or an
 * H.265 IRAP picture (BLA/IDR/CRA) starting in this packet, whether sent as
 * a single NAL unit, inside an aggregation packet (STAP-A / AP) or as the
 * first fragment of a FU-A / FU. */
struct rtp_nal_info {
    bool keyframe;
    bool has_vps, has_sps, has_pps;
    const uint8_t *sps; /* a complete SPS in this packet, or NULL */
    size_t sps_len;
    unsigned nal_units; /* NAL units (or first fragments) seen */
};

/* Scan a payload of the given codec (H.264 or H.265). -EBADMSG when the
 * packetisation is malformed (truncated aggregation, forbidden bit set),
 * -ENOTSUP for other codecs. */
int rtp_nal_scan(enum probe_codec codec, const uint8_t *payload, size_t len,
                 struct rtp_nal_info *out);

#endif
