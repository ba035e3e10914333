/* libFuzzer target for probes/rtcp_sr.c: the input is one compound RTCP
 * packet; a report found is fed to the estimator with fixed arrival times. */
#include <stddef.h>
#include <stdint.h>

#include "rtcp_sr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rtcp_sr sr;
    if (rtcp_find_sr(data, size, &sr) != 0)
        return 0;
    struct rtcp_clock k;
    rtcp_clock_init(&k, sr.octets);
    rtcp_clock_sr(&k, &sr, 1765108800000000LL);
    rtcp_clock_rtp(&k, sr.ssrc, sr.packets, 1765108800000000LL);
    int64_t off;
    if (sr.ntp && rtcp_clock_offset(&k, &off) != 0)
        __builtin_trap();
    return 0;
}
