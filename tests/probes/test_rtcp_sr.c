/* Tests for probes/rtcp_sr.c: sender reports found in compound RTCP, bad
 * lengths refused, NTP time converted, and the clock offset estimator. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "rtcp_sr.h"

/* A sender report with no report blocks, as a camera sends it. */
static size_t put_sr(uint8_t *p, uint32_t ssrc, uint64_t ntp, uint32_t rtp)
{
    const uint32_t w[7] = {0x80c80006u, ssrc,  (uint32_t)(ntp >> 32), (uint32_t)ntp, rtp,
                           1000,        200000};
    for (int i = 0; i < 7; i++) {
        p[4 * i] = (uint8_t)(w[i] >> 24);
        p[4 * i + 1] = (uint8_t)(w[i] >> 16);
        p[4 * i + 2] = (uint8_t)(w[i] >> 8);
        p[4 * i + 3] = (uint8_t)w[i];
    }
    return 28;
}

/* 2026-12-07 12:00:00 UTC in NTP seconds, and the same in Unix seconds. */
#define NTP_SEC  4005633600ULL
#define UNIX_SEC 1796644800LL

Test(rtcp_sr, lone_sender_report_gives_every_field)
{
    uint8_t b[64];
    size_t n = put_sr(b, 0x11223344, NTP_SEC << 32 | 0x80000000u, 0xabcdef01);
    struct rtcp_sr sr;
    cr_assert_eq(rtcp_find_sr(b, n, &sr), 0);
    cr_expect_eq(sr.ssrc, 0x11223344);
    cr_expect_eq(sr.ntp, NTP_SEC << 32 | 0x80000000u);
    cr_expect_eq(sr.rtp_ts, 0xabcdef01);
    cr_expect_eq(sr.packets, 1000);
    cr_expect_eq(sr.octets, 200000);
}

Test(rtcp_sr, report_after_a_receiver_report_in_a_compound_is_found)
{
    /* RR with one report block (8 words), then the SR, then SDES. */
    uint8_t b[128] = {0x81, 0xc9, 0x00, 0x07};
    size_t n = 32;
    n += put_sr(b + n, 7, NTP_SEC << 32, 90000);
    const uint8_t sdes[] = {0x81, 0xca, 0x00, 0x01, 0, 0, 0, 7};
    memcpy(b + n, sdes, sizeof(sdes));
    n += sizeof(sdes);
    struct rtcp_sr sr;
    cr_assert_eq(rtcp_find_sr(b, n, &sr), 0);
    cr_expect_eq(sr.ssrc, 7);
    cr_expect_eq(sr.rtp_ts, 90000);
}

Test(rtcp_sr, rtcp_without_a_sender_report_is_enoent)
{
    const uint8_t bye[] = {0x81, 0xcb, 0x00, 0x01, 0, 0, 0, 9};
    struct rtcp_sr sr;
    cr_expect_eq(rtcp_find_sr(bye, sizeof(bye), &sr), -ENOENT);
}

Test(rtcp_sr, bad_versions_types_and_lengths_are_refused)
{
    uint8_t b[64];
    size_t n = put_sr(b, 1, NTP_SEC << 32, 0);
    struct rtcp_sr sr;
    for (size_t cut = 0; cut < n; cut++)
        cr_expect_eq(rtcp_find_sr(b, cut, &sr), -EBADMSG, "cut at %zu", cut);
    b[0] = 0x40; /* version 1 */
    cr_expect_eq(rtcp_find_sr(b, n, &sr), -EBADMSG);
    b[0] = 0x80;
    b[1] = 96; /* an RTP packet on the RTCP channel */
    cr_expect_eq(rtcp_find_sr(b, n, &sr), -EBADMSG);
    b[1] = 200;
    b[3] = 1; /* an SR too short for its sender info */
    cr_expect_eq(rtcp_find_sr(b, 8, &sr), -EBADMSG);
    cr_expect_eq(rtcp_find_sr(NULL, 8, &sr), -EBADMSG);
}

Test(rtcp_sr, endless_compound_of_empty_packets_stops_at_the_limit)
{
    uint8_t b[4 * (RTCP_PACKETS_MAX + 1)];
    for (size_t i = 0; i < sizeof(b); i += 4) {
        b[i] = 0x80;
        b[i + 1] = 0xc9; /* RR, no blocks, one word */
        b[i + 2] = 0;
        b[i + 3] = 0;
    }
    struct rtcp_sr sr;
    cr_expect_eq(rtcp_find_sr(b, sizeof(b), &sr), -EBADMSG);
    cr_expect_eq(rtcp_find_sr(b, 4 * RTCP_PACKETS_MAX, &sr), -ENOENT);
}

Test(rtcp_sr, ntp_time_converts_to_unix_microseconds)
{
    cr_expect_eq(rtcp_ntp_to_unix_us(NTP_SEC << 32), UNIX_SEC * 1000000);
    cr_expect_eq(rtcp_ntp_to_unix_us(NTP_SEC << 32 | 0x80000000u), UNIX_SEC * 1000000 + 500000);
    cr_expect_eq(rtcp_ntp_to_unix_us(NTP_SEC << 32 | 0x0010624eu), UNIX_SEC * 1000000 + 250);
    /* A camera whose clock was never set: 1900. */
    cr_expect_eq(rtcp_ntp_to_unix_us(0x100000000ULL), (1LL - 2208988800LL) * 1000000);
}

static struct rtcp_sr sr_at(uint32_t ssrc, int64_t unix_us, uint32_t rtp)
{
    uint64_t sec = (uint64_t)(unix_us / 1000000 + 2208988800LL);
    uint64_t frac = (uint64_t)(unix_us % 1000000) * (1ULL << 32) / 1000000;
    return (struct rtcp_sr){.ssrc = ssrc, .ntp = sec << 32 | frac, .rtp_ts = rtp};
}

Test(rtcp_sr, offset_is_the_sample_with_the_least_delay)
{
    struct rtcp_clock k;
    rtcp_clock_init(&k, 90000);
    int64_t off;
    cr_expect_eq(rtcp_clock_offset(&k, &off), -ENOENT);
    int64_t now = UNIX_SEC * 1000000;
    /* The camera is 120 s ahead; its report took 30 ms to arrive. */
    struct rtcp_sr sr = sr_at(5, now + 120000000, 1000);
    rtcp_clock_rtp(&k, 5, 1000, now); /* before any report: no sample */
    rtcp_clock_sr(&k, &sr, now + 30000);
    cr_assert_eq(rtcp_clock_offset(&k, &off), 0);
    cr_expect_eq(off, 120000000 - 30000);
    /* A frame stamped 40 ms later arrives 2 ms after its stamp. */
    rtcp_clock_rtp(&k, 5, 1000 + 3600, now + 42000);
    cr_assert_eq(rtcp_clock_offset(&k, &off), 0);
    cr_expect_eq(off, 120000000 - 2000);
    /* A slower one changes nothing; another source is not ours. */
    rtcp_clock_rtp(&k, 5, 1000 + 7200, now + 180000);
    rtcp_clock_rtp(&k, 6, 1000 + 7200, now);
    cr_assert_eq(rtcp_clock_offset(&k, &off), 0);
    cr_expect_eq(off, 120000000 - 2000);
    cr_expect_eq(k.samples, 3);
}

Test(rtcp_sr, timestamps_wrap_and_clocks_behind_give_negative_offsets)
{
    struct rtcp_clock k;
    rtcp_clock_init(&k, 0); /* 90 kHz */
    int64_t now = UNIX_SEC * 1000000;
    struct rtcp_sr sr = sr_at(1, now - 300000000, 0xffffff00u);
    rtcp_clock_sr(&k, &sr, now + 50000);
    /* 0x100 ticks after the wrap: 512 ticks after the report, 5.69 ms. */
    rtcp_clock_rtp(&k, 1, 0x100, now + 5689);
    int64_t off;
    cr_assert_eq(rtcp_clock_offset(&k, &off), 0);
    cr_expect(off <= -300000000 + 1 && off >= -300000000 - 1, "offset %lld", (long long)off);
}

Test(rtcp_sr, report_without_a_wall_clock_is_ignored_and_a_new_source_restarts)
{
    struct rtcp_clock k;
    rtcp_clock_init(&k, 90000);
    int64_t now = UNIX_SEC * 1000000, off;
    struct rtcp_sr zero = {.ssrc = 1, .ntp = 0, .rtp_ts = 5};
    rtcp_clock_sr(&k, &zero, now);
    cr_expect_eq(rtcp_clock_offset(&k, &off), -ENOENT);
    struct rtcp_sr a = sr_at(1, now + 10000000, 0);
    rtcp_clock_sr(&k, &a, now);
    struct rtcp_sr b = sr_at(2, now - 10000000, 0);
    rtcp_clock_sr(&k, &b, now);
    cr_assert_eq(rtcp_clock_offset(&k, &off), 0);
    cr_expect_eq(off, -10000000, "the old source's samples are dropped");
}
