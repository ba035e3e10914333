/* indexer/cli/cli_service.c end to end: the options serve and sweep share,
 * here [camdex] day_zone, which sweep and serve keep in the index so that
 * every later command reads its times and days in that zone. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "runcmd.h"
#include "testutil.h"

static char *tmp;
static char db[4200];

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
}

static void teardown(void)
{
    testutil_rmdir(tmp);
}

TestSuite(cli_service, .init = setup, .fini = teardown, .timeout = 120);

/* Three generated cameras at 127.1.x.y, where nothing listens: a sweep
 * gives each a state change, whose time `history` prints. */
Test(cli_service, a_sweep_keeps_the_day_zone_in_the_index_for_every_later_command)
{
    char path[4300];
    snprintf(path, sizeof(path), "%s/fleet.csv", tmp);
    char *gen[] = {CAMDEX_BIN, "generate", "--cameras", "3", "--seed", "3", NULL};
    run_to_file(gen, path);
    struct run r = CAMDEX("import", path);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);

    r = CAMDEX("sweep", "--set", "camdex.day_zone=-05:30", "--set", "camdex.log_level=warn");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.err, "day zone changed") && strstr(r.err, "-05:30"), "%s", r.err);
    run_free(&r);
    r = CAMDEX("history", "--format", "json");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "-05:30\""), "times in the index's new zone: %s", r.out);
    run_free(&r);

    /* A sweep without the key keeps the index's zone, and says nothing. */
    r = CAMDEX("sweep", "--set", "camdex.log_level=warn");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert_null(strstr(r.err, "day zone"), "%s", r.err);
    run_free(&r);
    r = CAMDEX("history", "--format", "json");
    cr_assert(strstr(r.out, "-05:30\""), "%s", r.out);
    cr_assert_null(strstr(r.out, "+00:00\""), "%s", r.out);
    run_free(&r);

    /* A zone with daylight saving is refused before anything starts. */
    r = CAMDEX("sweep", "--set", "camdex.day_zone=Europe/Paris");
    cr_assert_neq(r.rc, 0);
    cr_assert(strstr(r.err, "daylight saving"), "%s", r.err);
    run_free(&r);
}
