/* RTP packetizer: access unit in, interleaved or length-prefixed RTP out. */
#include "packetizer.h"

#include <errno.h>
#include <string.h>

size_t pkt_au_bound(size_t au_bytes)
{
    /* Per packet: 4 framing + 12 RTP + 3 FU header bytes at most. */
    size_t packets = au_bytes / (PKT_MTU_PAYLOAD - 3) + 16;
    return au_bytes + packets * (4 + PKT_RTP_HDR + 3) + 64;
}

void pkt_rtp_header(uint8_t *p, int marker, uint16_t seq, uint32_t ts, uint32_t ssrc)
{
    p[0] = 0x80; /* version 2, no padding, no extension, no CSRC */
    p[1] = (uint8_t)((marker ? 0x80 : 0) | PKT_PT);
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    p[4] = (uint8_t)(ts >> 24);
    p[5] = (uint8_t)(ts >> 16);
    p[6] = (uint8_t)(ts >> 8);
    p[7] = (uint8_t)ts;
    p[8] = (uint8_t)(ssrc >> 24);
    p[9] = (uint8_t)(ssrc >> 16);
    p[10] = (uint8_t)(ssrc >> 8);
    p[11] = (uint8_t)ssrc;
}

/* Starts a packet: framing, RTP header; returns a pointer to the payload. */
static uint8_t *begin(struct pkt_stream *s, uint8_t *p, size_t payload, int marker, uint32_t ts)
{
    size_t rtp_len = PKT_RTP_HDR + payload;
    if (s->channel >= 0) {
        *p++ = '$';
        *p++ = (uint8_t)s->channel;
    }
    *p++ = (uint8_t)(rtp_len >> 8);
    *p++ = (uint8_t)rtp_len;
    pkt_rtp_header(p, marker, s->seq++, ts, s->ssrc);
    return p + PKT_RTP_HDR;
}

int pkt_au(const struct clip *c, size_t au, uint32_t ts, struct pkt_stream *s, uint8_t *out,
           size_t cap, unsigned *npkts)
{
    const struct clip_au *a = &c->aus[au];
    size_t frame = s->channel >= 0 ? 4 : 2;
    size_t hdr = c->codec == CLIP_H264 ? 1 : 2;    /* NAL header bytes */
    size_t fu_hdr = c->codec == CLIP_H264 ? 2 : 3; /* FU indicator/payload hdr + FU hdr */
    uint8_t *p = out, *end = out + cap;
    unsigned n = 0;

    for (uint32_t k = 0; k < a->n_nal; k++) {
        const struct clip_nal *nal = &c->nals[a->first_nal + k];
        const uint8_t *d = c->data + nal->off;
        int last_nal = k + 1 == a->n_nal;
        if (nal->len <= hdr)
            continue;
        if (nal->len <= PKT_MTU_PAYLOAD) {
            if ((size_t)(end - p) < frame + PKT_RTP_HDR + nal->len)
                return -ENOSPC;
            p = begin(s, p, nal->len, last_nal, ts);
            memcpy(p, d, nal->len);
            p += nal->len;
            n++;
            continue;
        }
        /* Fragmentation unit: the NAL header is rebuilt from FU fields. */
        size_t off = hdr, chunk_max = PKT_MTU_PAYLOAD - fu_hdr;
        while (off < nal->len) {
            size_t chunk = nal->len - off < chunk_max ? nal->len - off : chunk_max;
            int first = off == hdr, last = off + chunk == nal->len;
            if ((size_t)(end - p) < frame + PKT_RTP_HDR + fu_hdr + chunk)
                return -ENOSPC;
            p = begin(s, p, fu_hdr + chunk, last && last_nal, ts);
            uint8_t se = (uint8_t)((first ? 0x80 : 0) | (last ? 0x40 : 0));
            if (c->codec == CLIP_H264) {
                *p++ = (uint8_t)((d[0] & 0xe0) | 28); /* FU-A indicator: F, NRI */
                *p++ = (uint8_t)(se | (d[0] & 0x1f));
            } else {
                *p++ = (uint8_t)((d[0] & 0x81) | (49 << 1)); /* F, type 49, layer msb */
                *p++ = d[1];                                 /* layer lsbs, TID */
                *p++ = (uint8_t)(se | ((d[0] >> 1) & 0x3f));
            }
            memcpy(p, d + off, chunk);
            p += chunk;
            off += chunk;
            n++;
        }
    }
    if (npkts)
        *npkts = n;
    return (int)(p - out);
}
