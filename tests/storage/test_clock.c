/* Tests for the clock check's records (storage/clock.c): kept per camera,
 * replaced by the next look, gone with the camera, and read as never
 * looked at from an index written before the table existed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "records.h"
#include "store.h"
#include "store_fixture.h"
#include "testutil.h"

TestSuite(clock, .init = store_fixture_setup, .fini = store_fixture_teardown);

static void commit(struct store_batch **b)
{
    int rc = store_batch_commit(st, *b, NULL, NULL, NULL);
    cr_assert_eq(rc, 0, "commit: %s (%s)", store_strerror(rc), store_last_error(st));
    store_batch_free(b);
}

static void put_camera(const char *id)
{
    struct store_camera c = {.id = id, .name = id, .unit_id = "u1", .url = "rtsp://127.1.0.1/a"};
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_camera_put(b, &c, "单位1"), 0);
    commit(&b);
}

static void put_clock(const char *id, bool measured, int64_t offset_ms, int64_t at)
{
    struct store_clock k = {.measured = measured, .offset_ms = offset_ms, .checked_at = at};
    snprintf(k.source, sizeof(k.source), "rtcp");
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_clock_put(b, id, &k), 0);
    commit(&b);
}

static int get_clock(struct store *s, const char *id, struct store_clock *k)
{
    struct store_read *r;
    cr_assert_eq(store_read_begin(s, &r), 0);
    int rc = store_clock_get(r, id, k);
    store_read_end(&r);
    return rc;
}

Test(clock, last_look_is_kept_and_replaced_by_the_next)
{
    put_camera("cam1");
    struct store_clock k;
    cr_expect_eq(get_clock(st, "cam1", &k), -ENOENT, "never looked at");
    put_clock("cam1", true, 120013, 1796644800000);
    cr_assert_eq(get_clock(st, "cam1", &k), 0);
    cr_expect(k.measured);
    cr_expect_eq(k.offset_ms, 120013);
    cr_expect_eq(k.checked_at, 1796644800000);
    cr_expect_str_eq(k.source, "rtcp");
    put_clock("cam1", false, 0, 1796731200000); /* next day: no sender report */
    cr_assert_eq(get_clock(st, "cam1", &k), 0);
    cr_expect(!k.measured);
    cr_expect_eq(k.checked_at, 1796731200000);
    put_clock("cam1", true, -3000, 1796731300000);
    cr_assert_eq(get_clock(st, "cam1", &k), 0);
    cr_expect_eq(k.offset_ms, -3000);
}

Test(clock, goes_with_its_camera_and_is_not_kept_for_strangers)
{
    put_camera("cam1");
    put_clock("cam1", true, 5, 1);
    put_clock("nobody", true, 5, 1);
    struct store_clock k;
    cr_expect_eq(get_clock(st, "nobody", &k), -ENOENT);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_camera_del(b, "cam1"), 0);
    commit(&b);
    cr_expect_eq(get_clock(st, "cam1", &k), -ENOENT);
}

Test(clock, record_round_trips_and_refuses_what_it_never_writes)
{
    struct store_clock in = {
        .measured = true, .offset_ms = -1796644800000, .checked_at = 42, .tolerance_ms = 10000};
    snprintf(in.source, sizeof(in.source), "rtcp");
    struct enc e;
    enc_init(&e);
    rec_clock_encode(&e, &in);
    struct store_clock out;
    cr_assert_eq(rec_clock_decode(e.buf, e.len, &out), 0);
    cr_expect_eq(out.offset_ms, in.offset_ms);
    cr_expect_eq(out.checked_at, 42);
    cr_expect_eq(out.tolerance_ms, 10000);
    cr_expect_str_eq(out.source, "rtcp");
    for (size_t cut = 0; cut < e.len; cut++)
        cr_expect_neq(rec_clock_decode(e.buf, cut, &out), 0, "cut at %zu", cut);
    enc_free(&e);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_expect_eq(store_batch_clock_put(b, "cam1", NULL), -EINVAL);
    cr_expect_eq(store_batch_clock_put(b, "", &in), -EINVAL);
    store_batch_free(&b);
}

Test(clock, an_index_from_before_the_table_reads_as_never_looked_at)
{
    put_camera("cam1");
    put_clock("cam1", true, 7, 1);
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
    cr_assert_eq(mdb_drop(txn, st->dbi[DB_CLOCK], 1), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    store_close(&st);

    struct store *ro;
    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    int rc = store_open(dir, &o, &ro);
    cr_assert_eq(rc, 0, "read-only open: %s (%s)", store_strerror(rc), store_last_error(ro));
    struct store_clock k;
    cr_expect_eq(get_clock(ro, "cam1", &k), -ENOENT);
    store_close(&ro);

    /* A writer creates it again. */
    open_rw();
    put_clock("cam1", true, 8, 2);
    cr_assert_eq(get_clock(st, "cam1", &k), 0);
    cr_expect_eq(k.offset_ms, 8);
}
