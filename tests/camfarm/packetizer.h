/* RTP packetization of one access unit for camfarm: RFC 6184 (H.264) and
 * RFC 7798 (H.265) single NAL unit packets and fragmentation units, framed
 * for RTSP interleaved TCP (RFC 2326 10.12) or bare for UDP. */
#ifndef CAMFARM_PACKETIZER_H
#define CAMFARM_PACKETIZER_H

#include <stddef.h>
#include <stdint.h>

#include "clip.h"

#define PKT_MTU_PAYLOAD 1400 /* RTP payload bytes per packet, below Ethernet MTU */
#define PKT_RTP_HDR     12
#define PKT_PT          96

struct pkt_stream {
    uint16_t seq;
    uint32_t ssrc;
    int channel; /* interleaved channel, or -1 for bare RTP (UDP) */
};

/* Upper bound on the bytes pkt_au() writes for an access unit of
 * `au_bytes` payload bytes. */
size_t pkt_au_bound(size_t au_bytes);

/* Packetizes access unit `au` of clip `c` with RTP timestamp `ts` into out.
 * Bare RTP packets (channel -1) are each preceded by a 2-byte big-endian
 * length so a UDP sender can split them. Sets the marker bit on the last
 * packet. Returns bytes written, or -ENOSPC. Advances s->seq; *npkts gets
 * the number of packets. */
int pkt_au(const struct clip *c, size_t au, uint32_t ts, struct pkt_stream *s, uint8_t *out,
           size_t cap, unsigned *npkts);

/* Writes one RTP header (12 bytes). */
void pkt_rtp_header(uint8_t *p, int marker, uint16_t seq, uint32_t ts, uint32_t ssrc);

#endif
