/* Tests for the index: records, counters, secondary indexes, events, daily
 * rollups, map growth and fsck (storage/). */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "records.h"
#include "store.h"
#include "testutil.h"

static char *dir;
static struct store *st;

/* Day zone of the index under test: China Standard Time. */
#define CST (8 * 3600)

static void open_store(uint64_t map_size)
{
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    o.day_offset_s = CST;
    o.map_size = map_size;
    int rc = store_open(dir, &o, &st);
    cr_assert_eq(rc, 0, "store_open: %s (%s)", store_strerror(rc), store_last_error(st));
}

static void setup(void)
{
    dir = testutil_mkdtemp();
    open_store(0);
}

static void teardown(void)
{
    store_close(&st);
    testutil_rmdir(dir);
}

TestSuite(store, .init = setup, .fini = teardown);

static struct store_camera camera(const char *id, const char *unit)
{
    struct store_camera c = {
        .id = id,
        .name = "中山路与解放路交叉口东向西",
        .unit_id = unit,
        .url = "rtsp://admin:secret@127.1.0.1:8554/Streaming/Channels/101",
        .address = "中山路1号",
        .tags = "road,traffic",
        .lat = 32.0603,
        .lon = 118.7969,
        .has_location = true,
        .width = 1920,
        .height = 1080,
        .fps = 25,
    };
    return c;
}

static void commit(struct store_batch *b, struct store_commit_stats *stats)
{
    int rc = store_batch_commit(st, b, stats, NULL, NULL);
    cr_assert_eq(rc, 0, "commit: %s (%s)", store_strerror(rc), store_last_error(st));
    store_batch_clear(b);
}

static void add_cameras(int n, int units)
{
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    for (int i = 0; i < n; i++) {
        char id[32], unit[32], uname[64];
        snprintf(id, sizeof(id), "cam%05d", i);
        snprintf(unit, sizeof(unit), "u%02d", i % units);
        snprintf(uname, sizeof(uname), "单位%02d", i % units);
        struct store_camera c = camera(id, unit);
        cr_assert_eq(store_batch_camera_put(b, &c, uname), 0);
    }
    commit(b, NULL);
    store_batch_free(&b);
}

static void set_health(const char *id, enum store_state s, const char *reason, int64_t now)
{
    struct store_batch *b;
    struct store_health h;
    rec_health_unknown(&h);
    h.state = s;
    h.reason = reason;
    h.detail = reason[0] ? "connection refused by 127.1.0.1:8554" : "";
    h.last_probe = now;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_health_put(b, id, &h, now), 0);
    commit(b, NULL);
    store_batch_free(&b);
}

static struct store_unit get_unit(const char *id)
{
    struct store_read *r;
    struct store_unit u;
    cr_assert_eq(store_read_begin(st, &r), 0);
    int rc = store_unit_get(r, id, &u);
    cr_assert_eq(rc, 0, "unit %s: %s", id, store_strerror(rc));
    static char name[256];
    snprintf(name, sizeof(name), "%s", u.name);
    u.name = name;
    u.id = NULL;
    store_read_end(&r);
    return u;
}

static int count_cb(const struct store_camera *c, const struct store_health *h, void *ctx)
{
    (void)c;
    (void)h;
    (*(int *)ctx)++;
    return 0;
}

static int count_matching(const char *unit, int state, const char *reason)
{
    struct store_read *r;
    struct store_filter f = {.unit_id = unit, .state = state, .reason = reason};
    int n = 0;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_cameras_scan(r, &f, count_cb, &n), 0);
    store_read_end(&r);
    return n;
}

static uint32_t fsck_problems(bool repair)
{
    struct store_fsck_report rep;
    cr_assert_eq(store_fsck(st, repair, &rep, NULL, NULL), 0);
    return rep.problems;
}

Test(store, new_camera_round_trips_and_starts_unknown_in_its_unit)
{
    add_cameras(1, 1);
    struct store_read *r;
    struct store_camera c;
    struct store_health h;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_camera_get(r, "cam00000", &c), 0);
    cr_assert_str_eq(c.name, "中山路与解放路交叉口东向西");
    cr_assert_str_eq(c.unit_id, "u00");
    cr_assert_str_eq(c.url, "rtsp://admin:secret@127.1.0.1:8554/Streaming/Channels/101");
    cr_assert(c.has_location);
    cr_assert_float_eq(c.lat, 32.0603, 1e-9);
    cr_assert_eq(c.width, 1920);
    cr_assert_eq(c.fps, 25);
    cr_assert_eq(store_health_get(r, "cam00000", &h), 0);
    cr_assert_eq(h.state, STORE_UNKNOWN);
    cr_assert_eq(store_camera_get(r, "nope", &c), -ENOENT);
    store_read_end(&r);

    struct store_unit u = get_unit("u00");
    cr_assert_str_eq(u.name, "单位00");
    cr_assert_eq(u.cameras, 1);
    cr_assert_eq(u.count[STORE_UNKNOWN], 1);
    cr_assert_eq(fsck_problems(false), 0);
}

Test(store, reimport_counts_unchanged_and_changed_cameras)
{
    add_cameras(3, 1);
    struct store_batch *b;
    struct store_commit_stats stats;
    cr_assert_eq(store_batch_new(&b), 0);
    struct store_camera c0 = camera("cam00000", "u00"), c1 = camera("cam00001", "u00");
    c1.name = "北门入口";
    store_batch_camera_put(b, &c0, "单位00");
    store_batch_camera_put(b, &c1, "单位00");
    commit(b, &stats);
    cr_assert_eq(stats.cameras_unchanged, 1);
    cr_assert_eq(stats.cameras_changed, 1);
    cr_assert_eq(stats.cameras_added, 0);
    store_batch_free(&b);
}

Test(store, transition_moves_counters_indexes_and_logs_one_event)
{
    add_cameras(10, 2);
    int64_t t0 = testutil_now_ms();
    set_health("cam00002", STORE_OFFLINE, "connect_refused", t0);

    struct store_unit u = get_unit("u00");
    cr_assert_eq(u.count[STORE_OFFLINE], 1);
    cr_assert_eq(u.count[STORE_UNKNOWN], 4);
    cr_assert_eq(count_matching(NULL, STORE_OFFLINE, NULL), 1);
    cr_assert_eq(count_matching("u00", STORE_OFFLINE, NULL), 1);
    cr_assert_eq(count_matching("u01", STORE_OFFLINE, NULL), 0);
    cr_assert_eq(count_matching(NULL, -1, "connect_refused"), 1);
    cr_assert_eq(count_matching("u00", -1, "connect_refused"), 1);
    cr_assert_eq(count_matching(NULL, STORE_UNKNOWN, NULL), 9);

    /* Same state, new reason: no event, reason index follows. */
    set_health("cam00002", STORE_OFFLINE, "connect_timeout", t0 + 1000);
    cr_assert_eq(count_matching(NULL, -1, "connect_refused"), 0);
    cr_assert_eq(count_matching(NULL, -1, "connect_timeout"), 1);

    struct store_read *r;
    struct store_health h;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_health_get(r, "cam00002", &h), 0);
    cr_assert_eq(h.since, t0, "since must stay at the state change");
    cr_assert_str_eq(h.reason, "connect_timeout");
    store_read_end(&r);
    cr_assert_eq(fsck_problems(false), 0);
}

struct ev_list {
    int n;
    struct {
        char cam[32];
        uint8_t from, to;
        char reason[32];
        int64_t t;
    } ev[16];
};

static int ev_cb(const struct store_event *ev, void *ctx)
{
    struct ev_list *l = ctx;
    if (l->n < 16) {
        snprintf(l->ev[l->n].cam, 32, "%s", ev->camera_id);
        snprintf(l->ev[l->n].reason, 32, "%s", ev->reason);
        l->ev[l->n].from = ev->from;
        l->ev[l->n].to = ev->to;
        l->ev[l->n].t = ev->time_ms;
    }
    l->n++;
    return 0;
}

Test(store, events_are_found_by_camera_unit_and_time_range)
{
    add_cameras(4, 2);
    int64_t t0 = 1764000000000;
    set_health("cam00000", STORE_ONLINE, "", t0);
    set_health("cam00001", STORE_OFFLINE, "auth_failed", t0 + 10);
    set_health("cam00000", STORE_OFFLINE, "rtsp_timeout", t0 + 20);
    set_health("cam00000", STORE_ONLINE, "", t0 + 30);

    struct store_read *r;
    struct ev_list l = {0};
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_events_scan(r, "cam00000", NULL, 0, INT64_MAX, ev_cb, &l), 0);
    cr_assert_eq(l.n, 3);
    cr_assert_eq(l.ev[0].to, STORE_ONLINE);
    cr_assert_eq(l.ev[1].to, STORE_OFFLINE);
    cr_assert_str_eq(l.ev[1].reason, "rtsp_timeout");
    cr_assert_eq(l.ev[1].t, t0 + 20);

    memset(&l, 0, sizeof(l));
    cr_assert_eq(store_events_scan(r, NULL, "u01", 0, INT64_MAX, ev_cb, &l), 0);
    cr_assert_eq(l.n, 1);
    cr_assert_str_eq(l.ev[0].cam, "cam00001");

    memset(&l, 0, sizeof(l));
    cr_assert_eq(store_events_scan(r, NULL, NULL, t0 + 10, t0 + 30, ev_cb, &l), 0);
    cr_assert_eq(l.n, 2, "range is [from, to)");
    cr_assert_str_eq(l.ev[0].cam, "cam00001");
    store_read_end(&r);
}

Test(store, committed_transitions_are_handed_to_the_caller)
{
    add_cameras(2, 1);
    struct store_batch *b;
    struct store_health h;
    rec_health_unknown(&h);
    h.state = STORE_DEGRADED;
    h.reason = "black";
    cr_assert_eq(store_batch_new(&b), 0);
    store_batch_health_put(b, "cam00000", &h, 1764000000000);
    store_batch_health_put(b, "cam00001", &h, 1764000000001);
    struct ev_list l = {0};
    cr_assert_eq(store_batch_commit(st, b, NULL, ev_cb, &l), 0);
    cr_assert_eq(l.n, 2);
    cr_assert_eq(l.ev[1].to, STORE_DEGRADED);
    store_batch_free(&b);
}

Test(store, camera_moved_to_another_unit_keeps_its_health)
{
    add_cameras(2, 1);
    set_health("cam00001", STORE_OFFLINE, "not_found", testutil_now_ms());
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    struct store_camera c = camera("cam00001", "u99");
    store_batch_camera_put(b, &c, "新单位");
    commit(b, NULL);
    store_batch_free(&b);

    struct store_unit old = get_unit("u00"), moved = get_unit("u99");
    cr_assert_eq(old.cameras, 1);
    cr_assert_eq(old.count[STORE_OFFLINE], 0);
    cr_assert_eq(moved.cameras, 1);
    cr_assert_eq(moved.count[STORE_OFFLINE], 1);
    cr_assert_str_eq(moved.name, "新单位");
    cr_assert_eq(count_matching("u99", -1, "not_found"), 1);
    cr_assert_eq(fsck_problems(false), 0);
}

Test(store, removed_camera_leaves_indexes_but_keeps_its_events)
{
    add_cameras(2, 2);
    set_health("cam00001", STORE_OFFLINE, "not_found", testutil_now_ms());
    struct store_batch *b;
    struct store_commit_stats stats;
    cr_assert_eq(store_batch_new(&b), 0);
    store_batch_camera_del(b, "cam00001");
    store_batch_camera_del(b, "never-existed");
    commit(b, &stats);
    store_batch_free(&b);
    cr_assert_eq(stats.cameras_removed, 1);

    struct store_read *r;
    struct store_unit u;
    struct ev_list l = {0};
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_unit_get(r, "u01", &u), -ENOENT, "empty unit is dropped");
    cr_assert_eq(store_events_scan(r, "cam00001", NULL, 0, INT64_MAX, ev_cb, &l), 0);
    cr_assert_eq(l.n, 1);
    store_read_end(&r);
    cr_assert_eq(count_matching(NULL, STORE_OFFLINE, NULL), 0);
    cr_assert_eq(fsck_problems(false), 0);
}

Test(store, health_of_a_removed_camera_is_skipped_not_an_error)
{
    add_cameras(1, 1);
    struct store_batch *b;
    struct store_health h;
    struct store_commit_stats stats;
    rec_health_unknown(&h);
    h.state = STORE_ONLINE;
    cr_assert_eq(store_batch_new(&b), 0);
    store_batch_health_put(b, "gone", &h, testutil_now_ms());
    store_batch_health_put(b, "cam00000", &h, testutil_now_ms());
    commit(b, &stats);
    store_batch_free(&b);
    cr_assert_eq(stats.health_skipped, 1);
    cr_assert_eq(stats.health_updates, 1);
}

struct daily_list {
    int n;
    int32_t day[8];
    uint64_t online[8], offline[8];
};

static int daily_cb(const struct store_daily *d, void *ctx)
{
    struct daily_list *l = ctx;
    if (l->n < 8) {
        l->day[l->n] = d->day;
        l->online[l->n] = d->ms[STORE_ONLINE];
        l->offline[l->n] = d->ms[STORE_OFFLINE];
    }
    l->n++;
    return 0;
}

Test(store, time_is_credited_to_the_previous_state_split_at_local_midnight)
{
    add_cameras(1, 1);
    /* Later than the camera's creation, which starts its accounting. */
    int32_t day = store_day_of(st, testutil_now_ms()) + 2;
    int64_t midnight = store_day_start(st, day + 1);
    cr_assert_eq(store_day_of(st, midnight), day + 1);
    cr_assert_eq(store_day_of(st, midnight - 1), day);
    cr_assert_eq((midnight + CST * 1000) % 86400000, 0, "midnight is local midnight");

    set_health("cam00000", STORE_ONLINE, "", midnight - 60000);     /* 23:59 */
    set_health("cam00000", STORE_OFFLINE, "rtsp_timeout", midnight + 120000); /* 00:02 */
    set_health("cam00000", STORE_OFFLINE, "rtsp_timeout", midnight + 180000); /* 00:03 */

    struct store_read *r;
    struct daily_list cam = {0}, unit = {0};
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_daily_scan(r, false, "cam00000", day, day + 1, daily_cb, &cam), 0);
    cr_assert_eq(store_daily_scan(r, true, "u00", day - 5, day + 5, daily_cb, &unit), 0);
    store_read_end(&r);
    cr_assert_eq(cam.n, 2);
    cr_assert_eq(cam.day[0], day);
    cr_assert_eq(cam.online[0], 60000);
    cr_assert_eq(cam.online[1], 120000);
    cr_assert_eq(cam.offline[1], 60000);
    cr_assert_eq(unit.n, 2);
    cr_assert_eq(unit.online[1], 120000);

    struct store_daily d = {.ms = {[STORE_ONLINE] = 3, [STORE_DEGRADED] = 1,
                                   [STORE_OFFLINE] = 4, [STORE_MAINTENANCE] = 100},
                            .picture_ms = 1};
    cr_assert_float_eq(store_daily_online_rate(&d), 0.5, 1e-12);
    cr_assert_float_eq(store_daily_intact_rate(&d), 0.375, 1e-12);
    d.picture_ms = 0; /* degraded, but the picture was usable */
    cr_assert_float_eq(store_daily_intact_rate(&d), 0.5, 1e-12);
    struct store_daily none = {0};
    cr_assert(isnan(store_daily_online_rate(&none)));
}

static int daily_one_cb(const struct store_daily *d, void *ctx)
{
    *(struct store_daily *)ctx = *d;
    return 0;
}

/* One hour each: online, degraded for a low frame rate, degraded blurred,
 * offline; the camera's row (still in its health record) and its unit's. */
Test(store, degraded_time_with_a_picture_fault_is_not_intact)
{
    add_cameras(1, 1);
    int32_t day = store_day_of(st, testutil_now_ms()) + 2;
    int64_t t = store_day_start(st, day) + 3600000;
    const int64_t hour = 3600000;
    static const struct {
        enum store_state state;
        const char *reason;
    } hours[] = {{STORE_ONLINE, ""},
                 {STORE_DEGRADED, "low_fps"},
                 {STORE_DEGRADED, "blurred"},
                 {STORE_OFFLINE, "rtsp_timeout"}};
    for (int h = 0; h < 4; h++) /* a probe every 10 minutes */
        for (int i = 0; i < 6; i++)
            set_health("cam00000", hours[h].state, hours[h].reason, t + h * hour + i * 600000);
    set_health("cam00000", STORE_ONLINE, "", t + 4 * hour);

    struct store_read *r;
    struct store_daily cam = {0}, unit = {0};
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_daily_scan(r, false, "cam00000", day, day, daily_one_cb, &cam), 0);
    cr_assert_eq(store_daily_scan(r, true, "u00", day, day, daily_one_cb, &unit), 0);
    store_read_end(&r);
    struct store_daily *both[] = {&cam, &unit};
    for (int i = 0; i < 2; i++) {
        struct store_daily *d = both[i];
        cr_assert_eq(d->day, day);
        cr_expect_eq(d->ms[STORE_ONLINE], (uint64_t)hour);
        cr_expect_eq(d->ms[STORE_DEGRADED], (uint64_t)(2 * hour));
        cr_expect_eq(d->picture_ms, (uint64_t)hour, "only the blurred hour: %llu",
                     (unsigned long long)d->picture_ms);
        cr_expect_float_eq(store_daily_online_rate(d), 0.75, 1e-12);
        cr_expect_float_eq(store_daily_intact_rate(d), 0.5, 1e-12);
    }
    cr_expect(store_reason_is_picture_fault("shaking"));
    cr_expect(!store_reason_is_picture_fault("clock_skew"));
    cr_expect(!store_reason_is_picture_fault(""));
}

/* A daily row and a health record as schema 2 wrote them (no picture-fault
 * time) read with all their degraded time as picture-fault time, the
 * intact rate they had; a row of schema 3 keeps its own. */
Test(store, a_daily_row_from_before_schema_3_keeps_its_intact_rate)
{
    struct enc e;
    enc_init(&e);
    enc_u8(&e, 1);
    enc_uvar(&e, STORE_STATE_COUNT);
    const uint64_t ms[STORE_STATE_COUNT] = {0, 3000, 1000, 4000, 0};
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        enc_uvar(&e, ms[i]);
    struct store_daily d;
    cr_assert_eq(rec_daily_decode(e.buf, e.len, &d), 0);
    cr_expect_eq(d.picture_ms, 1000);
    cr_expect_float_eq(store_daily_intact_rate(&d), 0.375, 1e-12);
    enc_uvar(&e, 400); /* schema 3: 400 ms of the degraded time were a picture fault */
    cr_assert_eq(rec_daily_decode(e.buf, e.len, &d), 0);
    cr_expect_eq(d.picture_ms, 400);
    enc_reset(&e);
    enc_u8(&e, 1);
    enc_uvar(&e, STORE_STATE_COUNT);
    for (int i = 0; i < STORE_STATE_COUNT; i++)
        enc_uvar(&e, ms[i]);
    enc_uvar(&e, 1001); /* more than the degraded time: not a row we write */
    cr_expect_eq(rec_daily_decode(e.buf, e.len, &d), -EBADMSG);

    struct store_health h;
    rec_health_unknown(&h);
    h.acc_ms[STORE_DEGRADED] = 700;
    h.acc_picture_ms = 300;
    enc_reset(&e);
    rec_health_encode(&e, &h);
    struct store_health back;
    cr_assert_eq(rec_health_decode(e.buf, e.len, &back), 0);
    cr_expect_eq(back.acc_picture_ms, 300);
    /* Schema 2's record ends where schema 3 appends the picture time (one
     * byte: 300 is two varint bytes, so drop those). */
    cr_assert_eq(rec_health_decode(e.buf, e.len - 2, &back), 0);
    cr_expect_eq(back.acc_picture_ms, 700);
    enc_free(&e);
}

/* A schema-2 index: a reader reads it as it is, a writer migrates it to
 * schema 3 without rewriting a row (old rows decode as above). */
Test(store, a_schema_2_index_is_read_as_it_is_and_migrated_by_a_writer)
{
    add_cameras(1, 1);
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
    uint8_t v[4];
    be32_put(v, 2);
    MDB_val k = {6, "schema"}, val = {4, v};
    cr_assert_eq(mdb_put(txn, st->dbi[DB_META], &k, &val, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);
    store_close(&st);

    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    struct store *ro;
    int rc = store_open(dir, &o, &ro);
    cr_assert_eq(rc, 0, "read-only open: %s", store_strerror(rc));
    struct store_info info;
    cr_assert_eq(store_info(ro, &info), 0);
    cr_expect_eq(info.schema, 2, "a reader does not migrate");
    store_close(&ro);
    store_options_default(&o);
    o.no_sync = true;
    cr_assert_eq(store_open(dir, &o, &st), 0);
    cr_assert_eq(store_info(st, &info), 0);
    cr_expect_eq(info.schema, STORE_SCHEMA_VERSION);
}

Test(store, gap_longer_than_the_limit_is_credited_to_nobody)
{
    add_cameras(1, 1);
    int64_t t = store_day_start(st, store_day_of(st, testutil_now_ms()) + 2);
    set_health("cam00000", STORE_ONLINE, "", t);
    set_health("cam00000", STORE_ONLINE, "", t + 600 * 1000);      /* watched 10 minutes */
    set_health("cam00000", STORE_ONLINE, "", t + 4200 * 1000);     /* then down an hour */
    struct store_read *r;
    struct daily_list l = {0};
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_daily_scan(r, false, "cam00000", 0, INT32_MAX, daily_cb, &l), 0);
    store_read_end(&r);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.online[0], 600 * 1000);
}

Test(store, full_map_grows_and_the_batch_is_replayed)
{
    store_close(&st);
    testutil_rmdir(dir);
    dir = testutil_mkdtemp();
    open_store(256 * 1024);
    add_cameras(5000, 20);
    struct store_info info;
    cr_assert_eq(store_info(st, &info), 0);
    cr_assert_gt(info.map_size, 256 * 1024);
    cr_assert_eq(count_matching(NULL, STORE_UNKNOWN, NULL), 5000);
    cr_assert_eq(fsck_problems(false), 0);
}

Test(store, fsck_finds_tampered_derived_data_and_repair_rebuilds_it)
{
    add_cameras(50, 5);
    set_health("cam00003", STORE_OFFLINE, "auth_failed", testutil_now_ms());
    cr_assert_eq(fsck_problems(false), 0);

    /* Damage derived data behind the store's back. */
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
    uint8_t key[KEY_MAX];
    MDB_val k = mval(key, key_by_state(key, STORE_OFFLINE, "u03")), v = mstr("cam00003");
    cr_assert_eq(mdb_del(txn, st->dbi[DB_BY_STATE], &k, &v), 0);
    k = mval(key, key_by_state(key, STORE_ONLINE, "u04"));
    v = mstr("cam00004");
    cr_assert_eq(mdb_put(txn, st->dbi[DB_BY_STATE], &k, &v, 0), 0);
    struct enc e;
    enc_init(&e);
    struct store_unit u = {.id = "u01", .name = "单位01", .cameras = 7};
    rec_unit_encode(&e, &u);
    k = mstr("u01");
    v = mval(e.buf, e.len);
    cr_assert_eq(mdb_put(txn, st->dbi[DB_UNITS], &k, &v, 0), 0);
    enc_free(&e);
    cr_assert_eq(mdb_txn_commit(txn), 0);

    uint32_t found = fsck_problems(true);
    cr_assert_geq(found, 3, "found only %u problems", found);
    cr_assert_eq(fsck_problems(false), 0, "repair left problems");
    cr_assert_eq(count_matching(NULL, STORE_OFFLINE, NULL), 1);
    cr_assert_eq(get_unit("u01").cameras, 10);
}

Test(store, reader_in_read_only_mode_sees_committed_data)
{
    add_cameras(3, 1);
    struct store *ro;
    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    cr_assert_eq(store_open(dir, &o, &ro), 0);
    struct store_read *r;
    cr_assert_eq(store_read_begin(ro, &r), 0);
    int n = 0;
    cr_assert_eq(store_cameras_scan(r, NULL, count_cb, &n), 0);
    cr_assert_eq(n, 3);
    store_read_end(&r);
    struct store_batch *b;
    store_batch_new(&b);
    cr_assert_eq(store_batch_commit(ro, b, NULL, NULL, NULL), -EROFS);
    store_batch_free(&b);
    store_close(&ro);
}

Test(store, opening_a_missing_index_read_only_says_so)
{
    struct store *ro;
    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    char path[4200];
    snprintf(path, sizeof(path), "%s/absent", dir);
    int rc = store_open(path, &o, &ro);
    cr_assert_eq(rc, -ENOENT);
    cr_assert(strstr(store_last_error(ro), "no index") != NULL);
    store_close(&ro);
}

Test(store, invalid_arguments_are_refused_before_any_write)
{
    struct store_batch *b;
    store_batch_new(&b);
    char long_id[STORE_ID_MAX + 2];
    memset(long_id, 'x', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = 0;
    struct store_camera c = camera(long_id, "u00");
    cr_assert_eq(store_batch_camera_put(b, &c, "n"), -EINVAL);
    struct store_health h;
    rec_health_unknown(&h);
    h.state = STORE_STATE_COUNT;
    cr_assert_eq(store_batch_health_put(b, "cam", &h, 1), -EINVAL);
    h.state = STORE_ONLINE;
    h.reason = "this_reason_is_far_too_long_for_an_index_key";
    cr_assert_eq(store_batch_health_put(b, "cam", &h, 1), -EINVAL);
    cr_assert_eq(store_batch_size(b), 0);
    store_batch_free(&b);
    cr_assert_eq(store_state_parse("offline"), STORE_OFFLINE);
    cr_assert_eq(store_state_parse("sideways"), -EINVAL);
}

Test(store, null_detail_keeps_the_stored_one_and_media_fields_merge)
{
    add_cameras(1, 1);
    int64_t t = testutil_now_ms();
    struct store_batch *b;
    struct store_health h;
    rec_health_unknown(&h);
    h.state = STORE_DEGRADED;
    h.reason = "black";
    h.detail = "mean luma 3/255";
    h.media.codec = "h264";
    h.media.width = 1920;
    h.media.height = 1080;
    h.media.bitrate_kbps = 2048;
    cr_assert_eq(store_batch_new(&b), 0);
    store_batch_health_put(b, "cam00000", &h, t);
    commit(b, NULL);
    /* A handshake: knows codec and size, not the bitrate, nothing of the picture. */
    h.detail = NULL;
    h.media.bitrate_kbps = 0;
    h.media.width = 1280;
    h.media.height = 720;
    store_batch_health_put(b, "cam00000", &h, t + 1000);
    commit(b, NULL);
    store_batch_free(&b);

    struct store_read *r;
    struct store_health got;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_health_get(r, "cam00000", &got), 0);
    cr_assert_str_eq(got.detail, "mean luma 3/255");
    cr_assert_eq(got.media.bitrate_kbps, 2048);
    cr_assert_eq(got.media.width, 1280);
    cr_assert_str_eq(got.media.codec, "h264");
    store_read_end(&r);
}

Test(store, only_an_operator_moves_a_camera_in_or_out_of_maintenance)
{
    add_cameras(2, 1);
    int64_t t = testutil_now_ms();
    set_health("cam00000", STORE_ONLINE, "", t);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_maintenance(b, "cam00000", true, "镜头更换", t + 10), 0);
    commit(b, NULL);
    /* A service that has not noticed yet reports the camera offline. */
    set_health("cam00000", STORE_OFFLINE, "connect_refused", t + 20);
    struct store_unit u = get_unit("u00");
    cr_assert_eq(u.count[STORE_MAINTENANCE], 1);
    cr_assert_eq(u.count[STORE_OFFLINE], 0);
    struct store_read *r;
    struct store_health h;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_health_get(r, "cam00000", &h), 0);
    cr_assert_str_eq(h.detail, "镜头更换");
    cr_assert_eq(h.last_probe, t + 20, "the probe itself is still recorded");
    store_read_end(&r);

    cr_assert_eq(store_batch_maintenance(b, "cam00000", false, "", t + 30), 0);
    commit(b, NULL);
    store_batch_free(&b);
    u = get_unit("u00");
    cr_assert_eq(u.count[STORE_MAINTENANCE], 0);
    cr_assert_eq(u.count[STORE_UNKNOWN], 2);
    cr_assert_eq(fsck_problems(false), 0);
}

/* ---- scans that resume after a position ---- */

#define PAGE_FLEET 3000

/* Entries of a scan, in order, as "unit NUL id". */
struct seq {
    char (*e)[2 * STORE_ID_MAX + 2];
    size_t n, cap, stop_at;
};

static int seq_cb(const struct store_camera *c, const struct store_health *h, void *ctx)
{
    (void)h;
    struct seq *s = ctx;
    cr_assert_lt(s->n, s->cap);
    memset(s->e[s->n], 0, sizeof(s->e[0]));
    memcpy(s->e[s->n], c->unit_id, strlen(c->unit_id));
    memcpy(s->e[s->n] + strlen(c->unit_id) + 1, c->id, strlen(c->id));
    s->n++;
    return s->stop_at && s->n == s->stop_at ? 1 : 0;
}

static const char *seq_unit(const struct seq *s, size_t i)
{
    return s->e[i];
}

static const char *seq_id(const struct seq *s, size_t i)
{
    return s->e[i] + strlen(s->e[i]) + 1;
}

/* Appends to `s` up to `limit` cameras after (after_unit, after_id). */
static void scan_after(struct store_filter f, const char *after_unit, const char *after_id,
                       size_t limit, struct seq *s)
{
    struct store_read *r;
    f.after_unit = after_unit;
    f.after_id = after_id;
    s->stop_at = limit ? s->n + limit : 0;
    cr_assert_eq(store_read_begin(st, &r), 0);
    int rc = store_cameras_scan(r, &f, seq_cb, s);
    cr_assert_eq(rc, 0, "scan: %s", store_strerror(rc));
    store_read_end(&r);
    s->stop_at = 0;
}

/* Cameras spread over units whose ids prefix one another ("u1", "u10"),
 * ids not in unit order, one single-camera unit, and several states and
 * reasons, so every index key shape is paged through. */
static void add_paging_fleet(void)
{
    static const char *const units[] = {"u1", "u10", "u2", "u3", "u30", "u4"};
    static const char *const reasons[] = {"connect_timeout", "not_found", "black"};
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    for (int i = 0; i < PAGE_FLEET; i++) {
        char id[32];
        snprintf(id, sizeof(id), "c%05d", (i * 7919) % PAGE_FLEET);
        struct store_camera c = camera(id, units[(i * 31 + i / 7) % 6]);
        cr_assert_eq(store_batch_camera_put(b, &c, "单位"), 0);
    }
    struct store_camera lone = camera("c99999", "z1");
    cr_assert_eq(store_batch_camera_put(b, &lone, "单位"), 0);
    commit(b, NULL);
    for (int i = 0; i <= PAGE_FLEET; i++) {
        char id[32];
        snprintf(id, sizeof(id), "c%05d", i == PAGE_FLEET ? 99999 : i);
        struct store_health h;
        rec_health_unknown(&h);
        int k = i % 7;
        h.state = k < 3    ? STORE_OFFLINE
                  : k < 5  ? STORE_ONLINE
                  : k == 5 ? STORE_DEGRADED
                           : STORE_UNKNOWN;
        h.reason = h.state == STORE_OFFLINE    ? reasons[i % 2]
                   : h.state == STORE_DEGRADED ? reasons[2]
                                               : "";
        h.detail = h.reason;
        h.last_probe = testutil_now_ms();
        cr_assert_eq(store_batch_health_put(b, id, &h, h.last_probe), 0);
    }
    commit(b, NULL);
    store_batch_free(&b);
}

static void seq_init(struct seq *s)
{
    s->cap = PAGE_FLEET + 8;
    s->n = s->stop_at = 0;
    s->e = calloc(s->cap, sizeof(s->e[0]));
    cr_assert_not_null(s->e);
}

static void delete_camera(const char *id)
{
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_camera_del(b, id), 0);
    commit(b, NULL);
    store_batch_free(&b);
}

/* Pages of `page` through the scan `f` equal one full scan; with `remove`,
 * each page's last camera is deleted before the next page starts after it. */
static void check_paging(struct store_filter f, size_t page, bool remove, const char *what)
{
    struct seq full, paged;
    seq_init(&full);
    seq_init(&paged);
    scan_after(f, NULL, NULL, 0, &full);
    cr_assert_gt(full.n, 2 * page, "%s: %zu cameras is too few to page", what, full.n);
    char unit[STORE_ID_MAX + 1] = "", id[STORE_ID_MAX + 1] = "";
    for (size_t pages = 0;; pages++) {
        size_t before = paged.n;
        scan_after(f, pages ? unit : NULL, pages ? id : NULL, page, &paged);
        if (paged.n == before)
            break;
        snprintf(unit, sizeof(unit), "%s", seq_unit(&paged, paged.n - 1));
        snprintf(id, sizeof(id), "%s", seq_id(&paged, paged.n - 1));
        if (remove)
            delete_camera(id);
        cr_assert_leq(pages, full.n / page + 1, "%s: paging does not end", what);
    }
    cr_assert_eq(paged.n, full.n, "%s: %zu paged, %zu in one scan", what, paged.n, full.n);
    for (size_t i = 0; i < full.n; i++)
        cr_assert_eq(memcmp(paged.e[i], full.e[i], sizeof(full.e[i])), 0,
                     "%s: entry %zu is %s/%s, one scan has %s/%s", what, i, seq_unit(&paged, i),
                     seq_id(&paged, i), seq_unit(&full, i), seq_id(&full, i));
    free(full.e);
    free(paged.e);
}

static const struct {
    const char *what;
    struct store_filter f;
} paging_filters[] = {
    {"no filter", {.state = -1}},
    {"unit", {.unit_id = "u1", .state = -1}},
    {"state", {.state = STORE_OFFLINE}},
    {"state+unit", {.unit_id = "u10", .state = STORE_ONLINE}},
    {"reason", {.state = -1, .reason = "not_found"}},
    {"reason+unit", {.unit_id = "u3", .state = -1, .reason = "connect_timeout"}},
    {"lone unit", {.unit_id = "z1", .state = -1}},
};

Test(store, scan_pages_after_a_position_equal_one_full_scan_for_every_filter)
{
    add_paging_fleet();
    for (size_t i = 0; i < sizeof(paging_filters) / sizeof(paging_filters[0]); i++) {
        if (strcmp(paging_filters[i].what, "lone unit") == 0)
            continue; /* one camera: nothing to page */
        check_paging(paging_filters[i].f, 37, false, paging_filters[i].what);
        check_paging(paging_filters[i].f, 1, false, paging_filters[i].what);
    }
}

Test(store, scan_resumes_after_a_camera_that_no_longer_exists)
{
    add_paging_fleet();
    for (size_t i = 0; i < sizeof(paging_filters) / sizeof(paging_filters[0]); i++)
        if (strcmp(paging_filters[i].what, "lone unit") != 0)
            check_paging(paging_filters[i].f, 23, true, paging_filters[i].what);
}

/* A start after every id of its unit (or in a unit with no cameras left)
 * goes on at the next unit; one past everything gives nothing. */
Test(store, scan_after_the_end_of_a_unit_goes_on_at_the_next_unit)
{
    add_paging_fleet();
    for (size_t i = 0; i < sizeof(paging_filters) / sizeof(paging_filters[0]); i++) {
        struct store_filter f = paging_filters[i].f;
        const char *what = paging_filters[i].what;
        struct seq full, rest;
        seq_init(&full);
        seq_init(&rest);
        scan_after(f, NULL, NULL, 0, &full);
        for (size_t j = 0; j < full.n; j++) {
            bool last_of_unit =
                j + 1 == full.n || strcmp(seq_unit(&full, j), seq_unit(&full, j + 1)) != 0;
            bool by_id = f.state < 0 && !f.reason && !f.unit_id;
            if (by_id ? j + 1 != full.n : !last_of_unit)
                continue;
            char past[STORE_ID_MAX + 2];
            snprintf(past, sizeof(past), "%s~", seq_id(&full, j));
            rest.n = 0;
            scan_after(f, seq_unit(&full, j), past, 0, &rest);
            cr_assert_eq(rest.n, full.n - j - 1, "%s: after %s/%s", what, seq_unit(&full, j), past);
            if (rest.n)
                cr_assert_eq(memcmp(rest.e[0], full.e[j + 1], sizeof(full.e[0])), 0, "%s", what);
            /* A unit between two real ones, which has no key at all. */
            char gap[STORE_ID_MAX + 2];
            snprintf(gap, sizeof(gap), "%s\x01", seq_unit(&full, j));
            rest.n = 0;
            scan_after(f, gap, "c", 0, &rest);
            if (!f.unit_id && !by_id)
                cr_assert_eq(rest.n, full.n - j - 1, "%s: after unit %s", what, gap);
        }
        /* Before the first unit: everything; a filtered unit later than the
         * start unit starts at its beginning. */
        rest.n = 0;
        scan_after(f, "", "c", 0, &rest);
        cr_assert_eq(rest.n, full.n, "%s: from before everything", what);
        free(full.e);
        free(rest.e);
    }
}

Test(store, filtered_scan_with_a_start_id_needs_its_unit)
{
    add_cameras(3, 1);
    struct store_read *r;
    struct seq s;
    seq_init(&s);
    struct store_filter f = {.state = STORE_UNKNOWN, .after_id = "cam00000"};
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_cameras_scan(r, &f, seq_cb, &s), -EINVAL);
    f.after_id = "";
    f.after_unit = "u00";
    cr_assert_eq(store_cameras_scan(r, &f, seq_cb, &s), -EINVAL);
    store_read_end(&r);
    free(s.e);
}

static int offline_ids_cb(const struct store_camera *c, const struct store_health *h, void *ctx)
{
    char *out = ctx;
    if (h->state == STORE_OFFLINE)
        snprintf(out + strlen(out), 256 - strlen(out), "%s;", c->id);
    return 0;
}

Test(store, a_full_scan_pairs_each_camera_with_its_own_health_around_an_orphan)
{
    add_cameras(10, 2);
    set_health("cam00003", STORE_OFFLINE, "auth_failed", testutil_now_ms());
    set_health("cam00006", STORE_OFFLINE, "rtsp_timeout", testutil_now_ms());
    /* A health record without its camera, an offline one between cam00004
     * and cam00005: the walk beside the cameras table must step over it,
     * not hand it to cam00005. */
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(st->env, NULL, 0, &txn), 0);
    MDB_val k = mstr("cam00004x"), v;
    cr_assert_eq(mdb_get(txn, st->dbi[DB_HEALTH], &(MDB_val){8, "cam00003"}, &v), 0);
    cr_assert_eq(mdb_put(txn, st->dbi[DB_HEALTH], &k, &v, 0), 0);
    cr_assert_eq(mdb_txn_commit(txn), 0);

    char ids[256] = "";
    struct store_read *r;
    cr_assert_eq(store_read_begin(st, &r), 0);
    cr_assert_eq(store_cameras_scan(r, NULL, offline_ids_cb, ids), 0);
    store_read_end(&r);
    cr_assert_str_eq(ids, "cam00003;cam00006;");
}

static long rss_file_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "RssFile: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* A scan maps the index's pages into the process; store_forget_pages gives
 * them back (its RSS falls) and the index reads the same afterwards. */
Test(store, forgotten_pages_read_back_the_same)
{
    add_cameras(20000, 20);
    cr_assert_eq(count_matching(NULL, -1, NULL), 20000);
    long before = rss_file_kb();
    cr_assert_eq(store_forget_pages(st), 0);
    long after = rss_file_kb();
    cr_assert_lt(after, before, "RssFile %ld kB before, %ld kB after", before, after);
    cr_assert_eq(count_matching(NULL, -1, NULL), 20000);
    cr_assert_eq(count_matching("u03", -1, NULL), 1000);
}
