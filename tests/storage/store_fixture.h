/* The fixture the storage tests share: a fresh index in a scratch
 * directory, opened read-write without fsync (`st`, in `dir`), and closed
 * and removed after each test. Include once per test file, then
 * `TestSuite(NAME, .init = store_fixture_setup, .fini = store_fixture_teardown)`. */
#ifndef CAMDEX_TEST_STORE_FIXTURE_H
#define CAMDEX_TEST_STORE_FIXTURE_H

#include <criterion/criterion.h>

#include "store.h"
#include "testutil.h"

static char *dir;
static struct store *st;

/* (Re)opens `dir` as `st`: also what a test calls after closing it. */
static void open_rw(void)
{
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    int rc = store_open(dir, &o, &st);
    cr_assert_eq(rc, 0, "store_open: %s (%s)", store_strerror(rc), store_last_error(st));
}

static void store_fixture_setup(void)
{
    dir = testutil_mkdtemp();
    open_rw();
}

static void store_fixture_teardown(void)
{
    store_close(&st);
    testutil_rmdir(dir);
}

static inline struct store_batch *batch(void)
{
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    return b;
}

#endif
