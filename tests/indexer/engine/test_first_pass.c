/* Tests for the first pass of a fresh index (indexer/engine/first_pass.c):
 * first looks are told apart, counted per state and reason, and the pass
 * ends exactly once, at its last camera. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/first_pass.h"

static struct store_event ev(uint8_t from, uint8_t to, const char *reason)
{
    return (struct store_event){
        .camera_id = "c", .unit_id = "u", .from = from, .to = to, .reason = reason, .detail = ""};
}

Test(first_pass, first_looks_are_counted_and_the_last_one_ends_the_pass)
{
    struct first_pass fp;
    first_pass_begin(&fp, 4);
    bool done;
    struct store_event e[] = {ev(STORE_UNKNOWN, STORE_ONLINE, ""),
                              ev(STORE_UNKNOWN, STORE_OFFLINE, "connect_refused"),
                              ev(STORE_ONLINE, STORE_OFFLINE, "connect_reset"),
                              ev(STORE_UNKNOWN, STORE_OFFLINE, "connect_refused"),
                              ev(STORE_UNKNOWN, STORE_DEGRADED, "black")};
    bool want_first[] = {true, true, false, true, true};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(first_pass_note(&fp, &e[i], &done), want_first[i], "event %zu", i);
        cr_assert_eq(done, i == 4, "done after event %zu", i);
    }
    cr_assert_eq(fp.seen, 4);
    cr_assert_eq(fp.states[STORE_ONLINE], 1);
    cr_assert_eq(fp.states[STORE_OFFLINE], 2);
    cr_assert_eq(fp.states[STORE_DEGRADED], 1);
    char reasons[128];
    cr_assert_eq(first_pass_reasons(&fp, reasons, sizeof(reasons)), 0);
    cr_assert_str_eq(reasons, "connect_refused:2,none:1,black:1");
    /* A camera added later is still a first look, but no second summary. */
    struct store_event later = ev(STORE_UNKNOWN, STORE_ONLINE, "");
    cr_assert(first_pass_note(&fp, &later, &done));
    cr_assert_not(done);
    cr_assert_eq(fp.seen, 4);
}

Test(first_pass, an_index_with_nothing_unknown_has_no_pass)
{
    struct first_pass fp;
    first_pass_begin(&fp, 0);
    bool done;
    struct store_event e = ev(STORE_UNKNOWN, STORE_ONLINE, "");
    cr_assert(first_pass_note(&fp, &e, &done));
    cr_assert_not(done);
}

Test(first_pass, reasons_that_do_not_fit_say_so)
{
    struct first_pass fp;
    first_pass_begin(&fp, 100);
    bool done;
    char name[32];
    for (int i = 0; i < FIRST_PASS_REASONS + 2; i++) {
        snprintf(name, sizeof(name), "r%d", i);
        struct store_event e = ev(STORE_UNKNOWN, STORE_OFFLINE, name);
        first_pass_note(&fp, &e, &done);
    }
    cr_assert_eq(fp.other, 2);
    char small[16];
    cr_assert_eq(first_pass_reasons(&fp, small, sizeof(small)), -ENOSPC);
    char big[2048];
    cr_assert_eq(first_pass_reasons(&fp, big, sizeof(big)), 0);
    cr_assert(strstr(big, ",other:2"), "%s", big);
}
