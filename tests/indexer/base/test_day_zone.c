/* Tests for day zones: offsets, tz database names, zones with daylight
 * saving refused (indexer/base/day_zone.c), and the [camdex] day_zone key. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/day_zone.h"
#include "testutil.h"

static int32_t offset_of(const char *zone)
{
    int32_t off = 12345;
    char err[256] = "";
    int rc = day_zone_offset(zone, &off, err, sizeof(err));
    cr_assert_eq(rc, 0, "%s: %s", zone, err);
    return off;
}

static void refused(const char *zone, const char *says)
{
    int32_t off = 12345;
    char err[256] = "";
    cr_assert_eq(day_zone_offset(zone, &off, err, sizeof(err)), -EINVAL, "%s taken", zone);
    cr_assert_eq(off, 12345, "%s: offset untouched", zone);
    cr_assert(strstr(err, says), "%s: \"%s\" lacks \"%s\"", zone, err, says);
}

Test(day_zone, offsets_and_utc_are_read_as_written)
{
    cr_assert_eq(offset_of("UTC"), 0);
    cr_assert_eq(offset_of("Z"), 0);
    cr_assert_eq(offset_of("+08:00"), 8 * 3600);
    cr_assert_eq(offset_of("+8"), 8 * 3600);
    cr_assert_eq(offset_of("+0800"), 8 * 3600);
    cr_assert_eq(offset_of("-05:30"), -(5 * 3600 + 1800));
    cr_assert_eq(offset_of("+14:00"), 14 * 3600);
    refused("+15:00", "outside -12:00 to +14:00");
    refused("+08:61", "not an offset");
    refused("+08:", "not an offset");
    refused("8", "not a zone");
    refused("", "not a zone");
}

Test(day_zone, a_tz_database_name_gives_its_fixed_offset)
{
    /* tzdata is part of every Debian system (deploy/setup.sh lists it). */
    cr_assert_eq(offset_of("Asia/Shanghai"), 8 * 3600);
    cr_assert_eq(offset_of("Asia/Urumqi"), 6 * 3600);
    cr_assert_eq(offset_of("Asia/Kolkata"), 5 * 3600 + 1800);
    cr_assert_eq(offset_of("Etc/UTC"), 0);
}

Test(day_zone, a_zone_with_daylight_saving_is_refused_with_its_standard_offset)
{
    refused("Europe/Berlin", "daylight saving");
    refused("Europe/Berlin", "+01:00");
    refused("America/New_York", "-05:00");
}

Test(day_zone, names_that_could_leave_the_zone_directory_or_do_not_exist_are_refused)
{
    refused("../../etc/passwd", "not a zone");
    refused("/etc/localtime", "not a zone");
    refused("Asia/Atlantis", "not a zone of the tz database");
    refused("Asia", "tz database file"); /* a directory */
}

Test(day_zone, posix_rules_are_read_with_their_sign_turned)
{
    int32_t off;
    cr_assert_eq(day_zone_posix("CST-8", 5, &off), 0);
    cr_assert_eq(off, 8 * 3600);
    cr_assert_eq(day_zone_posix("<+0530>-5:30", 12, &off), 0);
    cr_assert_eq(off, 5 * 3600 + 1800);
    cr_assert_eq(day_zone_posix("EST5", 4, &off), 0);
    cr_assert_eq(off, -5 * 3600);
    cr_assert_eq(day_zone_posix("CET-1CEST,M3.5.0,M10.5.0/3", 26, &off), -EDOM);
    cr_assert_eq(off, 3600, "the standard time of a zone with daylight saving");
    cr_assert_eq(day_zone_posix("C-8", 3, &off), -EINVAL);
    cr_assert_eq(day_zone_posix("<+05", 4, &off), -EINVAL);
    cr_assert_eq(day_zone_posix("CST", 3, &off), -EINVAL);
}

Test(day_zone, formatted_as_an_rfc3339_offset)
{
    char buf[16];
    day_zone_format(8 * 3600, buf, sizeof(buf));
    cr_assert_str_eq(buf, "+08:00");
    day_zone_format(-(9 * 3600 + 1800), buf, sizeof(buf));
    cr_assert_str_eq(buf, "-09:30");
    day_zone_format(0, buf, sizeof(buf));
    cr_assert_str_eq(buf, "+00:00");
}

Test(day_zone, the_config_key_keeps_the_zone_and_its_offset_and_names_a_bad_line)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    cr_assert_str_eq(c.day_zone, "", "unset: the index's own zone");
    cr_assert_eq(config_parse("[camdex]\nday_zone = Asia/Shanghai\n", "camdex.ini", &c, &e), 0,
                 "%s", e.msg[0]);
    cr_assert_str_eq(c.day_zone, "Asia/Shanghai");
    cr_assert_eq(c.day_zone_s, 8 * 3600);
    config_default(&c);
    cr_assert_neq(config_parse("[camdex]\n\nday_zone = Europe/Paris\n", "camdex.ini", &c, &e), 0);
    cr_assert(strstr(e.msg[0], "camdex.ini:3:") && strstr(e.msg[0], "daylight saving"), "%s",
              e.msg[0]);
}
