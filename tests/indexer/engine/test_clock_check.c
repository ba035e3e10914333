/* Tests for indexer/engine/clock_check.c: an offset is judged against the
 * tolerance on both sides, and no offset is unknown, never wrong. */
#include <criterion/criterion.h>

#include "engine/clock_check.h"

Test(clock_check, offsets_within_the_tolerance_are_ok_on_both_sides)
{
    cr_expect_eq(clock_judge(true, 0, 10000), CLOCK_OK);
    cr_expect_eq(clock_judge(true, 10000, 10000), CLOCK_OK);
    cr_expect_eq(clock_judge(true, -10000, 10000), CLOCK_OK);
}

Test(clock_check, offsets_beyond_the_tolerance_are_clock_skew)
{
    cr_expect_eq(clock_judge(true, 10001, 10000), CLOCK_SKEW);
    cr_expect_eq(clock_judge(true, -120000, 10000), CLOCK_SKEW);
    /* A camera whose clock was never set reports 1970 or 1900. */
    cr_expect_eq(clock_judge(true, -1796644800000LL, 10000), CLOCK_SKEW);
    cr_expect_str_eq(clock_verdict_name(CLOCK_SKEW), "clock_skew");
}

Test(clock_check, no_offset_is_unknown)
{
    cr_expect_eq(clock_judge(false, 999999, 10000), CLOCK_UNKNOWN);
    cr_expect_str_eq(clock_verdict_name(CLOCK_UNKNOWN), "unknown");
    cr_expect_str_eq(clock_verdict_name(CLOCK_OK), "ok");
}
