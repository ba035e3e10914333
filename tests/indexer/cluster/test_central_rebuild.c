/* indexer/cluster/ with a real nats-server: a camera removed at a zone's
 * prober leaves the central; a central whose index is deleted rebuilds it
 * from the zones' streams and gives the same answers (states, counts per
 * unit, each camera's transitions) as before. */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>

#include "cluster_fixture.h"
#include "inventory/import.h"

TestSuite(central_rebuild, .init = fixture_nats_up, .fini = fixture_nats_down, .timeout = 150);

/* What a person reads of an index about a zone's cameras: existence,
 * state and reason, transitions; and each unit's counts. */
static void answers(struct store *s, const char *zone, int n, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        char id[32], why[64] = "";
        snprintf(id, sizeof(id), "%s-%d", zone, i);
        if (!has_camera(s, id)) {
            len += (size_t)snprintf(out + len, cap - len, "%s gone\n", id);
            continue;
        }
        int st = camera_state(s, id, why, sizeof(why));
        struct ev_text t;
        camera_events(s, id, &t);
        len += (size_t)snprintf(out + len, cap - len, "%s %d %s [%s]\n", id, st, why, t.buf);
    }
    struct store_read *r;
    cr_assert_eq(store_read_begin(s, &r), 0);
    for (int k = 0; k < 3; k++) {
        char unit[16];
        snprintf(unit, sizeof(unit), "%s-u%d", zone, k);
        struct store_unit u;
        if (store_unit_get(r, unit, &u) == 0) {
            len += (size_t)snprintf(out + len, cap - len, "%s %u", unit, u.cameras);
            for (int st = 0; st < STORE_STATE_COUNT; st++)
                len += (size_t)snprintf(out + len, cap - len, " %u", u.count[st]);
            len += (size_t)snprintf(out + len, cap - len, "\n");
        }
    }
    store_read_end(&r);
}

static bool wait_same(struct store *a, struct store *b, const char *zone, int n, int ms)
{
    static char x[16384], y[16384];
    uint64_t deadline = procs_now_ms() + (uint64_t)ms;
    while (procs_now_ms() < deadline) {
        answers(a, zone, n, x, sizeof(x));
        answers(b, zone, n, y, sizeof(y));
        if (strcmp(x, y) == 0)
            return true;
        poll(NULL, 0, 50);
    }
    cr_log_error("expected:\n%s\ngot:\n%s", x, y);
    return false;
}

/* The prober's import removed camera `i`: gone from its index, with the
 * inventory revision moved as an import moves it. */
static void remove_camera(struct store *s, const char *zone, int i)
{
    char id[32];
    snprintf(id, sizeof(id), "%s-%d", zone, i);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_camera_del(b, id), 0);
    uint64_t rev = (uint64_t)testutil_now_ms();
    cr_assert_eq(store_batch_meta_put(b, IMPORT_REV_KEY, &rev, sizeof(rev)), 0);
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
}

Test(central_rebuild, a_removed_camera_leaves_and_a_deleted_index_comes_back_the_same)
{
    struct store *za = fixture_store(scratch, "a"), *zb = fixture_store(scratch, "b"),
                 *c1 = fixture_store(scratch, "central-1");
    fixture_cameras(za, "a", 10);
    fixture_cameras(zb, "b", 8);
    for (int i = 0; i < 10; i++)
        fixture_state(za, "a", i, i % 3 ? STORE_ONLINE : STORE_OFFLINE,
                      i % 3 ? "" : "connect_timeout");
    for (int i = 0; i < 8; i++)
        fixture_state(zb, "b", i, STORE_ONLINE, "");
    struct config ca, cb, cc;
    fixture_config(&ca, &nd, "a");
    fixture_config(&cb, &nd, "b");
    fixture_central_config(&cc, &nd, "a,b");
    struct cluster_prober *pa, *pb;
    struct cluster_central *c;
    char err[256];
    cr_assert_eq(cluster_prober_start(&ca, za, &pa, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_prober_start(&cb, zb, &pb, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_central_start(&cc, c1, NULL, NULL, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert(wait_same(za, c1, "a", 10, 30000), "zone a differs at the central");
    cr_assert(wait_same(zb, c1, "b", 8, 30000), "zone b differs at the central");
    /* Transitions, and a camera removed at zone a's prober. */
    fixture_state(zb, "b", 2, STORE_OFFLINE, "auth_failed");
    fixture_state(zb, "b", 2, STORE_ONLINE, "");
    fixture_state(za, "a", 0, STORE_ONLINE, "");
    remove_camera(za, "a", 4);
    cluster_prober_notify(pa);
    cluster_prober_notify(pb);
    cr_assert(wait_same(za, c1, "a", 10, 30000), "the removal did not reach the central");
    cr_assert(wait_same(zb, c1, "b", 8, 30000), "zone b's transitions did not arrive");
    cr_expect(!has_camera(c1, "a-4"));
    cluster_central_stop(&c);

    /* The central's index is lost: a new one, from the streams alone. */
    struct store *c2 = fixture_store(scratch, "central-2");
    cr_assert_eq(cluster_central_start(&cc, c2, NULL, NULL, &c, err, sizeof(err)), 0, "%s", err);
    cr_expect(wait_same(c1, c2, "a", 10, 30000), "zone a came back different");
    cr_expect(wait_same(c1, c2, "b", 8, 30000), "zone b came back different");
    cluster_central_stop(&c);
    cluster_prober_stop(&pa);
    cluster_prober_stop(&pb);
    store_close(&za);
    store_close(&zb);
    store_close(&c1);
    store_close(&c2);
}

static bool central_has_looks(struct store *cs, const char *id)
{
    struct store_read *r;
    struct store_diagnosis g;
    struct store_clock c;
    struct store_osd o;
    cr_assert_eq(store_read_begin(cs, &r), 0);
    bool all = store_diagnosis_get(r, id, &g) == 0 && store_clock_get(r, id, &c) == 0 &&
               store_osd_get(r, id, &o) == 0;
    store_read_end(&r);
    return all;
}

Test(central_rebuild, picture_clock_and_osd_looks_reach_the_central_as_the_zone_keeps_them)
{
    struct store *za = fixture_store(scratch, "a"), *cs = fixture_store(scratch, "central");
    fixture_cameras(za, "a", 3);
    struct store_diagnosis g = {.time_ms = testutil_now_ms() - 5000, .judged = true, .n = 1};
    g.f[0] = (struct store_finding){.reason = "picture_black", .value = 0.97f, .limit = 0.9f};
    struct store_clock c = {.measured = true,
                            .offset_ms = 95000,
                            .checked_at = testutil_now_ms() - 4000,
                            .source = "rtcp",
                            .tolerance_ms = 30000};
    struct store_osd o = {.checked_at = testutil_now_ms() - 3000,
                          .time_check = STORE_OSD_WRONG,
                          .label_check = STORE_OSD_RIGHT,
                          .offset_s = 95,
                          .similarity = 0.9f,
                          .tolerance_s = 60,
                          .time_read = "2026-12-07 10:00:00",
                          .text = "2026-12-07 10:00:00\na-1"};
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_diagnosis_put(b, "a-1", &g), 0);
    cr_assert_eq(store_batch_clock_put(b, "a-1", &c), 0);
    cr_assert_eq(store_batch_osd_put(b, "a-1", &o), 0);
    cr_assert_eq(store_batch_commit(za, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    struct config ca, cc;
    fixture_config(&ca, &nd, "a");
    fixture_central_config(&cc, &nd, "a");
    struct cluster_prober *pa;
    struct cluster_central *cen;
    char err[256];
    cr_assert_eq(cluster_prober_start(&ca, za, &pa, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_central_start(&cc, cs, NULL, NULL, &cen, err, sizeof(err)), 0, "%s", err);
    uint64_t deadline = procs_now_ms() + 30000;
    while (!central_has_looks(cs, "a-1") && procs_now_ms() < deadline)
        poll(NULL, 0, 50);
    cr_assert(central_has_looks(cs, "a-1"), "the looks did not reach the central");
    struct store_read *r;
    struct store_diagnosis g2;
    struct store_clock c2;
    struct store_osd o2;
    cr_assert_eq(store_read_begin(cs, &r), 0);
    cr_assert_eq(store_diagnosis_get(r, "a-1", &g2), 0);
    cr_assert_eq(store_clock_get(r, "a-1", &c2), 0);
    cr_assert_eq(store_osd_get(r, "a-1", &o2), 0);
    cr_expect_eq(g2.time_ms, g.time_ms);
    cr_expect(g2.judged);
    cr_assert_eq(g2.n, 1);
    cr_expect_str_eq(g2.f[0].reason, "picture_black");
    cr_expect_eq(g2.f[0].value, 0.97f);
    cr_expect_eq(c2.offset_ms, 95000);
    cr_expect(c2.measured);
    cr_expect_eq(c2.checked_at, c.checked_at);
    cr_expect_eq(o2.time_check, STORE_OSD_WRONG);
    cr_expect_eq(o2.label_check, STORE_OSD_RIGHT);
    cr_expect_str_eq(o2.text, o.text);
    struct store_diagnosis none;
    cr_expect_eq(store_diagnosis_get(r, "a-2", &none), -ENOENT, "a camera never looked at");
    store_read_end(&r);
    cluster_central_stop(&cen);
    cluster_prober_stop(&pa);
    store_close(&za);
    store_close(&cs);
}
