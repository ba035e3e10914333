/* The clock check's verdict (clock_check.h). */
#include "engine/clock_check.h"

enum clock_verdict clock_judge(bool measured, int64_t offset_ms, uint32_t tolerance_ms)
{
    if (!measured)
        return CLOCK_UNKNOWN;
    int64_t mag = offset_ms < 0 ? -offset_ms : offset_ms;
    return mag > (int64_t)tolerance_ms ? CLOCK_SKEW : CLOCK_OK;
}

enum clock_verdict clock_record_verdict(const struct store_clock *k)
{
    return k ? clock_judge(k->measured, k->offset_ms, k->tolerance_ms) : CLOCK_UNKNOWN;
}

const char *clock_verdict_name(enum clock_verdict v)
{
    switch (v) {
    case CLOCK_OK:
        return "ok";
    case CLOCK_SKEW:
        return "clock_skew";
    default:
        return "unknown";
    }
}
