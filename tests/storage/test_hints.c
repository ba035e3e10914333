/* Tests for authentication hints (storage/hints.c): kept per camera, gone
 * with the camera or its URL, found by fsck when orphaned, and read as
 * empty from an index written before the table existed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "store.h"
#include "store_fixture.h"
#include "testutil.h"

TestSuite(hints, .init = store_fixture_setup, .fini = store_fixture_teardown);


static void commit(struct store_batch **b)
{
    int rc = store_batch_commit(st, *b, NULL, NULL, NULL);
    cr_assert_eq(rc, 0, "commit: %s (%s)", store_strerror(rc), store_last_error(st));
    store_batch_free(b);
}

static void put_camera(const char *id, const char *url)
{
    struct store_camera c = {.id = id, .name = id, .unit_id = "u1", .url = url};
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_camera_put(b, &c, "单位1"), 0);
    commit(&b);
}

static void put_hint(const char *id, const char *hint)
{
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_auth_hint_put(b, id, hint, strlen(hint)), 0);
    commit(&b);
}

struct seen {
    int n;
    char ids[8][32];
    char hints[8][64];
};

static int seen_cb(const char *id, const void *hint, size_t len, void *ctx)
{
    struct seen *s = ctx;
    cr_assert_lt(s->n, 8);
    snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", id);
    snprintf(s->hints[s->n], sizeof(s->hints[0]), "%.*s", (int)len, (const char *)hint);
    s->n++;
    return 0;
}

static struct seen scan(struct store *s)
{
    struct seen seen = {0};
    struct store_read *r;
    cr_assert_eq(store_read_begin(s, &r), 0);
    int rc = store_auth_hints_scan(r, seen_cb, &seen);
    store_read_end(&r);
    cr_assert_eq(rc, 0, "scan: %s", store_strerror(rc));
    return seen;
}

static uint32_t fsck_problems(bool repair)
{
    struct store_fsck_report rep;
    cr_assert_eq(store_fsck(st, repair, &rep, NULL, NULL), 0);
    return rep.problems;
}

Test(hints, kept_replaced_and_forgotten_per_camera)
{
    put_camera("cam1", "rtsp://admin:pw@127.1.0.1/a");
    put_camera("cam2", "rtsp://admin:pw@127.1.0.2/a");
    put_hint("cam1", "realm-1/nonce-1");
    put_hint("cam2", "realm-2/nonce-2");
    put_hint("cam1", "realm-1/nonce-3");
    struct seen s = scan(st);
    cr_assert_eq(s.n, 2);
    cr_expect_str_eq(s.ids[0], "cam1");
    cr_expect_str_eq(s.hints[0], "realm-1/nonce-3");
    cr_expect_str_eq(s.hints[1], "realm-2/nonce-2");

    struct store_batch *b = batch();
    cr_assert_eq(store_batch_auth_hint_put(b, "cam2", NULL, 0), 0);
    cr_assert_eq(store_batch_auth_hint_put(b, "cam2", NULL, 0), 0); /* twice: still fine */
    commit(&b);
    s = scan(st);
    cr_assert_eq(s.n, 1);
    cr_expect_str_eq(s.ids[0], "cam1");
    cr_expect_eq(fsck_problems(false), 0);
}

Test(hints, go_with_their_camera_and_with_a_changed_url_only)
{
    put_camera("cam1", "rtsp://admin:pw@127.1.0.1/a");
    put_camera("cam2", "rtsp://admin:pw@127.1.0.2/a");
    put_camera("cam3", "rtsp://admin:pw@127.1.0.3/a");
    put_hint("cam1", "h1");
    put_hint("cam2", "h2");
    put_hint("cam3", "h3");

    /* cam1 renamed only: the hint stays. cam2 on another address: gone.
     * cam3 removed: gone. */
    struct store_camera c1 = {.id = "cam1", .name = "新名字", .unit_id = "u1",
                              .url = "rtsp://admin:pw@127.1.0.1/a"};
    struct store_camera c2 = {.id = "cam2", .name = "cam2", .unit_id = "u1",
                              .url = "rtsp://admin:pw@127.1.9.9/a"};
    struct store_batch *b = batch();
    cr_assert_eq(store_batch_camera_put(b, &c1, "单位1"), 0);
    cr_assert_eq(store_batch_camera_put(b, &c2, "单位1"), 0);
    cr_assert_eq(store_batch_camera_del(b, "cam3"), 0);
    commit(&b);
    struct seen s = scan(st);
    cr_assert_eq(s.n, 1);
    cr_expect_str_eq(s.ids[0], "cam1");
    cr_expect_str_eq(s.hints[0], "h1");

    /* A hint for a camera no longer (or never) in the index is dropped. */
    put_hint("cam3", "late");
    put_hint("nobody", "x");
    cr_expect_eq(scan(st).n, 1);
    cr_expect_eq(fsck_problems(false), 0);
}

Test(hints, bad_arguments_are_refused)
{
    char big[STORE_HINT_MAX + 1];
    memset(big, 'x', sizeof(big));
    struct store_batch *b = batch();
    cr_expect_eq(store_batch_auth_hint_put(b, "cam1", big, sizeof(big)), -EINVAL);
    cr_expect_eq(store_batch_auth_hint_put(b, "", "x", 1), -EINVAL);
    cr_expect_eq(store_batch_auth_hint_put(b, "cam1", NULL, 3), -EINVAL);
    cr_expect_eq(store_batch_auth_hint_put(b, "cam1", big, STORE_HINT_MAX), 0);
    store_batch_free(&b);
}

Test(hints, fsck_reports_an_orphan_and_repair_drops_it)
{
    put_camera("cam1", "rtsp://127.1.0.1/a");
    put_hint("cam1", "h1");
    /* An orphan written behind the store's back. */
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
    MDB_val k = mstr("gone"), v = mval("\1h", 2);
    cr_assert_eq(mdb_put(txn, st->dbi[DB_AUTH_HINTS], &k, &v, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    cr_assert_eq(scan(st).n, 2);

    cr_expect_eq(fsck_problems(true), 1);
    cr_expect_eq(fsck_problems(false), 0);
    struct seen s = scan(st);
    cr_assert_eq(s.n, 1);
    cr_expect_str_eq(s.ids[0], "cam1");
}

Test(hints, an_index_from_before_the_table_reads_as_having_none)
{
    put_camera("cam1", "rtsp://127.1.0.1/a");
    put_hint("cam1", "h1");
    /* Drop the table as an index written before it existed lacks it. */
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_drop(txn, st->dbi[DB_AUTH_HINTS], 1), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    store_close(&st);

    struct store *ro;
    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    int rc = store_open(dir, &o, &ro);
    cr_assert_eq(rc, 0, "read-only open: %s (%s)", store_strerror(rc), store_last_error(ro));
    cr_expect_eq(scan(ro).n, 0);
    struct store_fsck_report rep;
    cr_expect_eq(store_fsck(ro, false, &rep, NULL, NULL), 0);
    cr_expect_eq(rep.problems, 0);
    store_close(&ro);

    /* A writer creates it again. */
    open_rw();
    put_hint("cam1", "h2");
    cr_expect_eq(scan(st).n, 1);
}
