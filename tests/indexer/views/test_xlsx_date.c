/* indexer/views/xlsx_date.c: the days and RFC 3339 times camdex prints are
 * read back into calendar fields, the wall time kept; anything else is
 * refused (and written as text). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "views/xlsx_date.h"

static int parse(const char *s, struct xlsx_date *d)
{
    return xlsx_date_parse(s, strlen(s), d);
}

Test(xlsx_date, a_time_keeps_its_wall_clock_and_drops_the_offset)
{
    struct xlsx_date d;
    cr_assert_eq(parse("2026-11-27T16:16:08+08:00", &d), 0);
    cr_assert(d.has_time);
    cr_assert_eq(d.year, 2026);
    cr_assert_eq(d.month, 11);
    cr_assert_eq(d.day, 27);
    cr_assert_eq(d.hour, 16);
    cr_assert_eq(d.min, 16);
    cr_assert_float_eq(d.sec, 8.0, 1e-9);
    cr_assert_eq(parse("2026-11-27T16:16:08.25Z", &d), 0);
    cr_assert_float_eq(d.sec, 8.25, 1e-9);
    cr_assert_eq(parse("2026-11-27 00:00:00-05:30", &d), 0);
    cr_assert_eq(d.hour, 0);
}

Test(xlsx_date, a_day_is_a_date_without_time)
{
    struct xlsx_date d;
    cr_assert_eq(parse("2024-02-29", &d), 0);
    cr_assert_not(d.has_time);
    cr_assert_eq(d.day, 29);
}

Test(xlsx_date, anything_else_is_refused)
{
    static const char *const bad[] = {
        "",
        "2026-11-2",
        "2026/11/27",
        "2026-13-01",
        "2026-02-29",
        "2026-04-31",
        "1899-12-31",
        "2026-11-27T24:00:00Z",
        "2026-11-27T16:60:00Z",
        "2026-11-27T16:16:60Z",
        "2026-11-27T16:16:08",
        "2026-11-27T16:16:08+8:00",
        "2026-11-27T16:16:08+08:00x",
        "2026-11-27T16:16:08.Z",
        "2026-11-27X16:16:08Z",
        "２０２６-11-27",
        "2026-11-27T16:16Z",
        "2026-11-27T16:16:08.000000000000000000000000000000Z",
    };
    struct xlsx_date d;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(parse(bad[i], &d), -EINVAL, "accepted \"%s\"", bad[i]);
    cr_assert_eq(xlsx_date_parse("2026-11-27", 9, &d), -EINVAL, "reads past len");
}

/* Found by fuzz_xlsx_date: a run of nines after 59 summed to 60.0. The
 * fraction is cut at nanoseconds, never rounded into a second that does
 * not exist. */
Test(xlsx_date, a_fraction_of_nines_stays_inside_its_second)
{
    struct xlsx_date d;
    cr_assert_eq(parse("2024-02-29 23:59:59.9999999999999999Z", &d), 0);
    cr_expect_lt(d.sec, 60.0, "%.17g", d.sec);
    cr_expect_geq(d.sec, 59.999999999, "%.17g", d.sec);
    cr_assert_eq(parse("2026-11-27T16:16:08.25Z", &d), 0);
    cr_expect_float_eq(d.sec, 8.25, 1e-9);
}
