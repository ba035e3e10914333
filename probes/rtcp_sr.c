/* RTCP sender report parsing and the clock offset estimator (rtcp_sr.h). */
#include "rtcp_sr.h"

#include <errno.h>

#define RTCP_PT_SR  200
#define RTCP_PT_MIN 192 /* below: not RTCP (RTP payload types 64-95 alias these) */
#define RTCP_PT_MAX 223
#define SR_BODY     24 /* sender SSRC and sender info, after the 4-byte header */

/* Seconds from 1900-01-01 (NTP's era 0) to 1970-01-01. */
#define NTP_UNIX_DELTA 2208988800LL

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int rtcp_find_sr(const uint8_t *buf, size_t len, struct rtcp_sr *out)
{
    if (!buf || len < 4 || len > RTCP_COMPOUND_MAX)
        return -EBADMSG;
    size_t off = 0;
    for (int n = 0; off < len; n++) {
        if (n == RTCP_PACKETS_MAX || len - off < 4)
            return -EBADMSG;
        const uint8_t *p = buf + off;
        if (p[0] >> 6 != 2 || p[1] < RTCP_PT_MIN || p[1] > RTCP_PT_MAX)
            return -EBADMSG;
        /* Length in 32-bit words minus one, header included. */
        size_t plen = ((size_t)(p[2] << 8 | p[3]) + 1) * 4;
        if (plen > len - off)
            return -EBADMSG;
        if (p[1] == RTCP_PT_SR) {
            if (plen < 4 + SR_BODY)
                return -EBADMSG;
            out->ssrc = be32(p + 4);
            out->ntp = (uint64_t)be32(p + 8) << 32 | be32(p + 12);
            out->rtp_ts = be32(p + 16);
            out->packets = be32(p + 20);
            out->octets = be32(p + 24);
            return 0;
        }
        off += plen;
    }
    return -ENOENT;
}

int64_t rtcp_ntp_to_unix_us(uint64_t ntp)
{
    int64_t sec = (int64_t)(ntp >> 32) - NTP_UNIX_DELTA;
    /* Fraction to microseconds, rounded to nearest. */
    int64_t frac = (int64_t)(((ntp & 0xffffffffu) * 1000000u + (1u << 31)) >> 32);
    return sec * 1000000 + frac;
}

void rtcp_clock_init(struct rtcp_clock *k, uint32_t rate)
{
    *k = (struct rtcp_clock){.rate = rate ? rate : 90000};
}

static void take(struct rtcp_clock *k, int64_t sample)
{
    if (!k->samples || sample > k->best_us)
        k->best_us = sample;
    k->samples++;
}

void rtcp_clock_sr(struct rtcp_clock *k, const struct rtcp_sr *sr, int64_t arrival_us)
{
    if (sr->ntp == 0)
        return;
    if (k->have_sr && sr->ssrc != k->ssrc) {
        /* Another source (a camera that restarted its stream): its RTP
         * timestamps have another origin, so the old pair maps nothing. */
        k->samples = 0;
        k->have_sr = false;
    }
    int64_t t = rtcp_ntp_to_unix_us(sr->ntp);
    if (!k->have_sr) {
        k->have_sr = true;
        k->ssrc = sr->ssrc;
        k->sr_unix_us = t;
        k->sr_rtp = sr->rtp_ts;
        k->sr_arrival_us = arrival_us;
    }
    take(k, t - arrival_us);
}

void rtcp_clock_rtp(struct rtcp_clock *k, uint32_t ssrc, uint32_t rtp_ts, int64_t arrival_us)
{
    if (!k->have_sr || ssrc != k->ssrc)
        return;
    /* Signed distance in RTP ticks: timestamps wrap, and a packet may be
     * stamped before the report. */
    int32_t ticks = (int32_t)(rtp_ts - k->sr_rtp);
    int64_t cam = k->sr_unix_us + (int64_t)ticks * 1000000 / (int64_t)k->rate;
    take(k, cam - arrival_us);
}

int rtcp_clock_offset(const struct rtcp_clock *k, int64_t *offset_us)
{
    if (!k->have_sr || !k->samples)
        return -ENOENT;
    *offset_us = k->best_us;
    return 0;
}
