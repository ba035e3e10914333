/* Tests for store_write: changes a producer makes inside the transaction,
 * replayed when the map grows, all or nothing (storage/write.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "records.h"
#include "store_fixture.h"

TestSuite(write, .init = store_fixture_setup, .fini = store_fixture_teardown);

struct fleet {
    int n;       /* cameras to put */
    int calls;   /* times fill ran */
    int fail_at; /* fill fails with -EIO at this camera; -1 never */
    const char *url;
    char ids[6000][16];
};

static int fill(struct store_tx *tx, void *ctx)
{
    struct fleet *f = ctx;
    f->calls++;
    for (int i = 0; i < f->n; i++) {
        if (i == f->fail_at)
            return -EIO;
        struct store_camera c = {
            .id = f->ids[i],
            .name = "中山路与解放路交叉口东向西",
            .unit_id = i % 2 ? "u1" : "u2",
            .url = f->url,
        };
        int rc = store_tx_camera_put(tx, &c, i % 2 ? "一号单位" : "二号单位");
        if (rc)
            return rc;
    }
    return store_tx_meta_put(tx, "marker", "x", 1);
}

static struct fleet *fleet(int n)
{
    static struct fleet f;
    memset(&f, 0, sizeof(f));
    f.n = n;
    f.fail_at = -1;
    f.url = "rtsp://admin:secret@127.1.0.1:8554/Streaming/Channels/101";
    for (int i = 0; i < n; i++)
        snprintf(f.ids[i], sizeof(f.ids[i]), "cam%05d", i);
    return &f;
}

static uint32_t cameras_in(const char *unit)
{
    struct store_read *r;
    struct store_unit u = {0};
    cr_assert_eq(store_read_begin(st, &r), 0);
    int rc = store_unit_get(r, unit, &u);
    store_read_end(&r);
    return rc ? 0 : u.cameras;
}

Test(write, cameras_written_by_the_producer_are_in_the_index_with_their_units)
{
    struct fleet *f = fleet(10);
    struct store_commit_stats stats;
    cr_assert_eq(store_write(st, fill, f, &stats), 0);
    cr_assert_eq(f->calls, 1);
    cr_assert_eq(stats.cameras_added, 10);
    cr_assert_eq(cameras_in("u1"), 5);
    cr_assert_eq(cameras_in("u2"), 5);
    /* The same changes again change nothing. */
    cr_assert_eq(store_write(st, fill, f, &stats), 0);
    cr_assert_eq(stats.cameras_added, 0);
    cr_assert_eq(stats.cameras_unchanged, 10);
}

Test(write, a_full_map_is_grown_and_the_producer_called_again)
{
    store_close(&st);
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    o.map_size = 256 * 1024;
    cr_assert_eq(store_open(dir, &o, &st), 0);
    struct fleet *f = fleet(6000);
    struct store_commit_stats stats;
    cr_assert_eq(store_write(st, fill, f, &stats), 0);
    cr_assert_gt(f->calls, 1, "the map of 256 KiB had to grow at least once");
    cr_assert_eq(stats.map_grows, (uint32_t)f->calls - 1);
    cr_assert_eq(stats.cameras_added, 6000, "a replay counts each camera once");
    cr_assert_eq(cameras_in("u1") + cameras_in("u2"), 6000);
}

Test(write, a_producer_that_fails_leaves_nothing_written)
{
    struct fleet *f = fleet(10);
    f->fail_at = 7;
    cr_assert_eq(store_write(st, fill, f, NULL), -EIO);
    cr_assert_eq(cameras_in("u1") + cameras_in("u2"), 0);
    struct store_read *r;
    const void *v;
    size_t len;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_meta_get(r, "marker", &v, &len), -ENOENT);
    store_read_end(&r);
}

Test(write, a_text_longer_than_the_store_keeps_is_refused_not_cut)
{
    static char url[STORE_TEXT_MAX + 2];
    memset(url, 'a', sizeof(url) - 1);
    struct fleet *f = fleet(3);
    f->url = url;
    cr_assert_eq(store_write(st, fill, f, NULL), -ENAMETOOLONG);
    cr_assert_eq(cameras_in("u1") + cameras_in("u2"), 0);
}

/* ---- the day zone (store_day_zone_set) ---- */

/* What the daily rows of the cameras (is_unit false) or units hold for
 * two days: per state, summed over every row of each day. */
struct day_sum {
    int32_t day;
    uint64_t ms[STORE_STATE_COUNT];
    int rows;
};

static int day_sum_cb(const struct store_daily *d, void *ctx)
{
    struct day_sum *s = ctx;
    for (int i = 0; i < 2; i++) {
        if (d->day == s[i].day) {
            for (int k = 0; k < STORE_STATE_COUNT; k++)
                s[i].ms[k] += d->ms[k];
            s[i].rows++;
        }
    }
    return 0;
}

static void sum_days(struct fleet *f, bool units, struct day_sum s[2])
{
    struct store_read *r;
    cr_assert_eq(store_read_begin(st, &r), 0);
    if (units) {
        cr_assert_eq(store_daily_scan(r, true, "u1", s[0].day, s[1].day, day_sum_cb, s), 0);
        cr_assert_eq(store_daily_scan(r, true, "u2", s[0].day, s[1].day, day_sum_cb, s), 0);
    } else {
        for (int i = 0; i < f->n; i++)
            cr_assert_eq(store_daily_scan(r, false, f->ids[i], s[0].day, s[1].day, day_sum_cb, s),
                         0);
    }
    store_read_end(&r);
}

static void health_at(struct fleet *f, enum store_state state, int64_t now)
{
    struct store_batch *b = batch();
    for (int i = 0; i < f->n; i++) {
        struct store_health h;
        rec_health_unknown(&h);
        h.state = state;
        h.reason = state == STORE_OFFLINE ? "rtsp_timeout" : "";
        h.detail = "";
        h.last_probe = now;
        cr_assert_eq(store_batch_health_put(b, f->ids[i], &h, now), 0);
    }
    cr_assert_eq(store_batch_commit(st, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
}

/* An index that rolled its days at UTC midnight is told to roll them at
 * China's (+08:00): the zone stays with the index, and time on each side
 * of the new midnight lands on its own day, to the millisecond, for every
 * camera and both units. */
Test(write, a_new_day_zone_stays_in_the_index_and_splits_time_at_its_midnight)
{
    int32_t was;
    cr_assert_eq(store_day_zone_set(st, 0, NULL), 0);
    struct fleet *f = fleet(200);
    cr_assert_eq(store_write(st, fill, f, NULL), 0);
    cr_assert_eq(store_day_zone_set(st, 8 * 3600, &was), 0);
    cr_assert_eq(was, 0);
    store_close(&st);
    open_rw(); /* a later process: the zone comes from the index */
    struct store_info info;
    cr_assert_eq(store_info(st, &info), 0);
    cr_assert_eq(info.day_offset_s, 8 * 3600);

    /* Days from now, so the cameras' creation credits nothing before. */
    int32_t day = store_day_of(st, testutil_now_ms()) + 3;
    int64_t midnight = store_day_start(st, day + 1);
    cr_assert_eq(midnight % 86400000, 16 * 3600000, "+08:00 midnight is 16:00 UTC");
    health_at(f, STORE_ONLINE, midnight - 600000);   /* 23:50 */
    health_at(f, STORE_OFFLINE, midnight + 240000);  /* 00:04: 14 min online */
    health_at(f, STORE_OFFLINE, midnight + 840000);  /* 00:14: 10 min offline */

    for (int units = 0; units < 2; units++) {
        struct day_sum s[2] = {{.day = day}, {.day = day + 1}};
        sum_days(f, units, s);
        cr_assert_eq(s[0].rows, units ? 2 : f->n);
        cr_assert_eq(s[0].ms[STORE_ONLINE], (uint64_t)f->n * 600000, "%s",
                     units ? "units" : "cameras");
        cr_assert_eq(s[0].ms[STORE_OFFLINE], 0);
        cr_assert_eq(s[1].ms[STORE_ONLINE], (uint64_t)f->n * 240000);
        cr_assert_eq(s[1].ms[STORE_OFFLINE], (uint64_t)f->n * 600000);
    }
    /* Setting the zone it has changes nothing. */
    cr_assert_eq(store_day_zone_set(st, 8 * 3600, &was), 0);
    cr_assert_eq(was, 8 * 3600);
}
