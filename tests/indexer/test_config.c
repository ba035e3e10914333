/* Tests for the configuration reader (indexer/config.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "config.h"

Test(config, every_key_has_a_default)
{
    struct config c;
    config_default(&c);
    cr_assert_eq(c.interval_ms, 60000);
    cr_assert_eq(c.fail_threshold, 3);
    cr_assert_eq(c.depth, CONFIG_DEPTH_DESCRIBE);
    cr_assert_str_eq(c.listen, "127.0.0.1:8470");
}

Test(config, file_sets_keys_with_units)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    const char *text = "; comment\n[camdex]\ndb = /srv/camdex\n[probe]\ninterval = 10s\n"
                       "connect_timeout = 750ms\ndepth = play\nfail_threshold = 2\n"
                       "[deep]\ninterval = 6h\n";
    cr_assert_eq(config_parse(text, "camdex.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_str_eq(c.db, "/srv/camdex");
    cr_assert_eq(c.interval_ms, 10000);
    cr_assert_eq(c.connect_timeout_ms, 750);
    cr_assert_eq(c.depth, CONFIG_DEPTH_PLAY);
    cr_assert_eq(c.fail_threshold, 2);
    cr_assert_eq(c.deep_interval_ms, 6 * 3600000);
}

Test(config, every_bad_line_is_reported_with_its_number)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    const char *text = "[probe]\ninterval = soon\n\nfail_threshold = -1\n[probe]\nbogus = 1\n"
                       "[nowhere]\nx = 1\nthis line has no equals sign\n";
    cr_assert_eq(config_parse(text, "c.ini", &c, &e), -EINVAL);
    cr_assert_geq(e.count, 4, "only %zu errors", e.count);
    cr_assert(strstr(e.msg[0], "c.ini:2: [probe] interval") && strstr(e.msg[0], "duration"),
              "%s", e.msg[0]);
    cr_assert(strstr(e.msg[1], "c.ini:4:"), "%s", e.msg[1]);
    cr_assert(strstr(e.msg[2], "c.ini:6:") && strstr(e.msg[2], "unknown key"), "%s", e.msg[2]);
    cr_assert(strstr(e.msg[3], "c.ini:8:") && strstr(e.msg[3], "unknown section"), "%s",
              e.msg[3]);
    cr_assert_eq(c.interval_ms, 60000, "a bad value leaves the default");
}

Test(config, out_of_range_values_name_the_range)
{
    struct config c;
    char err[256];
    config_default(&c);
    cr_assert_eq(config_set(&c, "probe", "interval", "100ms", err, sizeof(err)), -EINVAL);
    cr_assert(strstr(err, "out of range"), "%s", err);
    cr_assert_eq(config_set(&c, "probe", "fail_threshold", "0", err, sizeof(err)), -EINVAL);
}

Test(config, durations_parse_all_units)
{
    uint32_t ms;
    cr_assert_eq(config_parse_duration("250ms", &ms), 0);
    cr_assert_eq(ms, 250);
    cr_assert_eq(config_parse_duration("1.5s", &ms), 0);
    cr_assert_eq(ms, 1500);
    cr_assert_eq(config_parse_duration("2m", &ms), 0);
    cr_assert_eq(ms, 120000);
    cr_assert_eq(config_parse_duration("7", &ms), 0);
    cr_assert_eq(ms, 7000);
    cr_assert_eq(config_parse_duration("1y", &ms), -EINVAL);
    cr_assert_eq(config_parse_duration("100d", &ms), -ERANGE);
}

Test(config, total_timeout_and_skip_options)
{
    struct config c;
    struct config_errors e = {0};
    config_default(&c);
    cr_assert_eq(c.total_timeout_ms, 10000);
    cr_assert_eq(c.skip_options, 0);
    const char *text = "[probe]\ntotal_timeout = 4s\nskip_options = yes\n";
    cr_assert_eq(config_parse(text, "camdex.ini", &c, &e), 0, "%s", e.msg[0]);
    cr_assert_eq(c.total_timeout_ms, 4000);
    cr_assert_eq(c.skip_options, 1);
    cr_assert_eq(config_parse("[probe]\nskip_options = false\n", "camdex.ini", &c, &e), 0);
    cr_assert_eq(c.skip_options, 0);
    cr_assert_neq(config_parse("[probe]\nskip_options = maybe\n", "camdex.ini", &c, &e), 0);
    cr_assert(strstr(e.msg[0], "\"maybe\" is not true or false"), "%s", e.msg[0]);
}
