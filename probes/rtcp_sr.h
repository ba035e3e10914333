/* RTCP sender reports (RFC 3550 6.4.1) and the camera clock offset they
 * give: a pure parser of one compound RTCP packet, and an estimator fed
 * with the report and the RTP packets around it, each with the wall-clock
 * time it arrived. No I/O, no clock of its own. */
#ifndef CAMDEX_RTCP_SR_H
#define CAMDEX_RTCP_SR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A compound packet longer than this is refused: interleaved frames carry
 * at most 64 KiB, and a sender report with its report blocks is < 1 KiB. */
#define RTCP_COMPOUND_MAX 65535
/* Packets walked in one compound before giving up (SR, SDES, BYE, APP...). */
#define RTCP_PACKETS_MAX 16

struct rtcp_sr {
    uint32_t ssrc;
    uint64_t ntp;    /* NTP timestamp: seconds since 1900 << 32 | fraction */
    uint32_t rtp_ts; /* the RTP timestamp of the same instant */
    uint32_t packets, octets;
};

/* Find the sender report in a compound RTCP packet. Returns 0 and fills
 * *out, -ENOENT for well-formed RTCP without one (a receiver report, a
 * BYE), -EBADMSG when it is not RTCP version 2 or its lengths do not add
 * up. */
int rtcp_find_sr(const uint8_t *buf, size_t len, struct rtcp_sr *out);

/* An NTP timestamp as microseconds since the Unix epoch (negative before
 * 1970: cameras whose clock was never set report 1900 or 1970). */
int64_t rtcp_ntp_to_unix_us(uint64_t ntp);

/* The estimator. A sample is "the camera's clock at an instant it stamped,
 * minus our wall clock when the packet carrying that stamp arrived": the
 * sender report's own NTP time, and each RTP packet's timestamp carried to
 * NTP time through the report's (NTP, RTP) pair. Every packet travels for
 * some time after its stamp (encoding, sending, the network, our read), so
 * every sample is at most the true offset; the largest is the closest. */
struct rtcp_clock {
    uint32_t rate; /* RTP clock rate of the stream (90000 for video) */
    bool have_sr;
    uint32_t ssrc;
    int64_t sr_unix_us; /* the report's NTP time, Unix microseconds */
    uint32_t sr_rtp;
    int64_t sr_arrival_us;
    int64_t best_us; /* the largest sample so far */
    uint32_t samples;
};

/* rate 0 is taken as 90000. */
void rtcp_clock_init(struct rtcp_clock *k, uint32_t rate);

/* A sender report that arrived at `arrival_us` (Unix microseconds, our
 * wall clock). A report with NTP time 0 (RFC 3550: a sender without a
 * wall clock) is ignored. The first report's pair maps later RTP packets;
 * a later report of another source starts again. */
void rtcp_clock_sr(struct rtcp_clock *k, const struct rtcp_sr *sr, int64_t arrival_us);

/* An RTP packet of the reported stream. Ignored before the first report
 * and for another SSRC. */
void rtcp_clock_rtp(struct rtcp_clock *k, uint32_t ssrc, uint32_t rtp_ts, int64_t arrival_us);

/* The offset in microseconds (camera minus ours; positive: the camera is
 * ahead). 0, or -ENOENT before any sender report. */
int rtcp_clock_offset(const struct rtcp_clock *k, int64_t *offset_us);

#endif
