/* indexer/cluster/central_apply.c: a message applied twice changes
 * nothing, events sent again are skipped by key, records about another
 * zone's or unknown cameras are skipped and counted, maintenance goes in
 * and out the index's way, stale and back. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/stat.h>

#include "cluster/central_apply.h"
#include "cluster_fixture.h"

static struct store *cs;

static void setup(void)
{
    scratch = testutil_mkdtemp();
    cs = fixture_store(scratch, "central");
}

static void teardown(void)
{
    store_close(&cs);
    testutil_rmdir(scratch);
}

TestSuite(central_apply, .init = setup, .fini = teardown);

static int64_t t0;

static void decode(const char *text, struct wire_msg *m)
{
    char err[256];
    cr_assert_eq(wire_decode(text, strlen(text), m, err, sizeof(err)), 0, "%s", err);
}

static void apply_text(struct zone_state *z, struct zone_counts *cnt, uint64_t seq, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
static void apply_text(struct zone_state *z, struct zone_counts *cnt, uint64_t seq, const char *fmt,
                       ...)
{
    char text[4096], err[256] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    struct wire_msg m;
    decode(text, &m);
    cr_assert_eq(central_apply(cs, z, &m, seq, testutil_now_ms(), cnt, err, sizeof(err)), 0, "%s",
                 err);
    wire_msg_free(&m);
}

static void inventory(struct zone_state *z, struct zone_counts *cnt, uint64_t seq)
{
    apply_text(z, cnt, seq,
               "{\"v\":1,\"kind\":\"inv\",\"zone\":\"%s\",\"sent\":%lld,\"items\":["
               "{\"cam\":\"c1\",\"unit\":\"u1\",\"unit_name\":\"U\",\"url\":\"rtsp://***@h/\"},"
               "{\"cam\":\"c2\",\"unit\":\"u1\",\"unit_name\":\"U\",\"url\":\"rtsp://h/2\"}]}",
               z->zone, (long long)t0);
}

static void event(struct zone_state *z, struct zone_counts *cnt, uint64_t seq, uint64_t key,
                  const char *cam, const char *from, const char *to, const char *reason)
{
    apply_text(z, cnt, seq,
               "{\"v\":1,\"kind\":\"ev\",\"zone\":\"%s\",\"sent\":%lld,\"items\":[{\"key\":%llu,"
               "\"t\":%lld,\"cam\":\"%s\",\"unit\":\"u1\",\"from\":\"%s\",\"to\":\"%s\","
               "\"reason\":\"%s\",\"detail\":\"\"}]}",
               z->zone, (long long)t0, (unsigned long long)key, (long long)t0 + (long long)key, cam,
               from, to, reason);
}

Test(central_apply, a_message_applied_twice_changes_nothing)
{
    t0 = testutil_now_ms() - 60000;
    struct zone_state z;
    struct zone_counts cnt = {0};
    cr_assert_eq(zone_state_load(cs, "a", &z), 0);
    inventory(&z, &cnt, 1);
    event(&z, &cnt, 2, 10, "c1", "unknown", "offline", "connect_timeout");
    struct ev_text before, after;
    camera_events(cs, "c1", &before);
    cr_expect_str_eq(before.buf, "offline/connect_timeout");
    /* Redelivered: the same stream sequence. */
    event(&z, &cnt, 2, 10, "c1", "unknown", "offline", "connect_timeout");
    /* Published again after a lost acknowledgement: a new sequence, an old key. */
    event(&z, &cnt, 3, 10, "c1", "unknown", "offline", "connect_timeout");
    camera_events(cs, "c1", &after);
    cr_expect_str_eq(after.buf, before.buf);
    cr_expect_eq(cnt.duplicates, 2);
    /* The zone's position survives a restart of the central. */
    struct zone_state again;
    cr_assert_eq(zone_state_load(cs, "a", &again), 0);
    cr_expect_eq(again.last_seq, 3);
    cr_expect_eq(again.last_key, 10);
}

Test(central_apply, records_about_cameras_not_of_the_zone_are_skipped_and_counted)
{
    t0 = testutil_now_ms() - 60000;
    struct zone_state a, b;
    struct zone_counts ca = {0}, cb = {0};
    zone_state_load(cs, "a", &a);
    zone_state_load(cs, "b", &b);
    inventory(&a, &ca, 1);
    inventory(&b, &cb, 1); /* b claims a's cameras */
    cr_expect_eq(cb.claims_refused, 2);
    event(&b, &cb, 2, 5, "c1", "unknown", "offline", "not_found");
    event(&b, &cb, 3, 6, "nope", "unknown", "offline", "not_found");
    cr_expect_eq(cb.refused, 2);
    cr_expect_eq(camera_state(cs, "c1", NULL, 0), STORE_UNKNOWN);
    /* A message naming another zone than its subject's is refused whole. */
    struct wire_msg m;
    char err[256];
    decode("{\"v\":1,\"kind\":\"hb\",\"zone\":\"b\",\"sent\":1796000000000,\"hb\":{\"last_key\":"
           "1,\"cameras\":1,\"started\":1796000000000}}",
           &m);
    cr_expect_eq(central_apply(cs, &a, &m, 9, testutil_now_ms(), &ca, err, sizeof(err)), -EBADMSG);
    cr_expect(strstr(err, "zone") != NULL, "%s", err);
    wire_msg_free(&m);
}

Test(central_apply, maintenance_goes_in_and_out_and_stale_comes_back)
{
    t0 = testutil_now_ms() - 60000;
    struct zone_state z;
    struct zone_counts cnt = {0};
    zone_state_load(cs, "a", &z);
    inventory(&z, &cnt, 1);
    event(&z, &cnt, 2, 10, "c1", "unknown", "online", "");
    event(&z, &cnt, 3, 11, "c1", "online", "maintenance", "maintenance");
    cr_expect_eq(camera_state(cs, "c1", NULL, 0), STORE_MAINTENANCE);
    event(&z, &cnt, 4, 12, "c2", "unknown", "online", "");
    cr_assert_eq(central_set_stale(cs, &z, true, testutil_now_ms(), &cnt), 0);
    char why[64];
    cr_expect_eq(camera_state(cs, "c2", why, sizeof(why)), STORE_UNKNOWN);
    cr_expect_str_eq(why, "prober_lost");
    cr_expect_eq(camera_state(cs, "c1", NULL, 0), STORE_MAINTENANCE, "operations' word stands");
    cr_assert_eq(central_set_stale(cs, &z, false, testutil_now_ms(), &cnt), 0);
    event(&z, &cnt, 5, 13, "c1", "maintenance", "unknown", "");
    cr_expect_eq(camera_state(cs, "c1", NULL, 0), STORE_UNKNOWN);
    struct ev_text t;
    camera_events(cs, "c1", &t);
    cr_expect_str_eq(t.buf, "online/,maintenance/maintenance,unknown/");
    struct zone_state again;
    zone_state_load(cs, "a", &again);
    cr_expect(!again.stale);
}

/* One inventory message of a walk, through a batch as the zone's thread
 * applies it: `ids` comma-separated, `total` < 0 for a walk's middle. */
static void walk_msg(struct central_batch *cb, uint64_t seq, long long walk, const char *ids,
                     int total)
{
    char text[4096], items[3000] = "", copy[256];
    snprintf(copy, sizeof(copy), "%s", ids);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t len = strlen(items);
        snprintf(items + len, sizeof(items) - len,
                 "%s{\"cam\":\"%s\",\"unit\":\"u1\",\"unit_name\":\"U\",\"url\":\"rtsp://h/%s\"}",
                 len ? "," : "", t, t);
    }
    char end[64] = "";
    if (total >= 0)
        snprintf(end, sizeof(end), ",\"end\":true,\"total\":%d", total);
    snprintf(text, sizeof(text),
             "{\"v\":1,\"kind\":\"inv\",\"zone\":\"a\",\"sent\":%lld,\"walk\":%lld%s,"
             "\"items\":[%s]}",
             (long long)t0, walk, end, items);
    struct wire_msg m;
    char err[256] = "";
    decode(text, &m);
    cr_assert_eq(central_batch_add(cb, &m, seq, testutil_now_ms(), err, sizeof(err)), 0, "%s",
                 err);
    wire_msg_free(&m);
    cr_assert_eq(central_batch_commit(cb), 0);
}

Test(central_apply, a_camera_removed_at_the_prober_leaves_the_central_once_a_whole_walk_says_so)
{
    t0 = testutil_now_ms() - 60000;
    struct zone_state z;
    struct zone_counts cnt = {0};
    cr_assert_eq(zone_state_load(cs, "a", &z), 0);
    struct central_batch cb;
    cr_assert_eq(central_batch_init(&cb, cs, &z, &cnt), 0);
    /* A walk of three in two messages. */
    walk_msg(&cb, 1, t0, "c1,c2", -1);
    walk_msg(&cb, 2, t0, "c3", 3);
    cr_assert(has_camera(cs, "c1") && has_camera(cs, "c2") && has_camera(cs, "c3"));
    cr_expect_eq(cnt.cameras_dropped, 0);
    /* The next walk no longer names c2: it goes. */
    walk_msg(&cb, 3, t0 + 1, "c1,c3", 2);
    cr_expect(!has_camera(cs, "c2"), "c2 is still at the central");
    cr_expect(has_camera(cs, "c1") && has_camera(cs, "c3"));
    cr_expect_eq(cnt.cameras_dropped, 1);
    /* A walk received in part (its first message missed) drops nothing. */
    walk_msg(&cb, 4, t0 + 2, "c3", 2);
    cr_expect(has_camera(cs, "c1"), "a partial walk dropped a camera");
    /* An older prober's inventory (no walk) drops nothing either. */
    apply_text(&z, &cnt, 5,
               "{\"v\":1,\"kind\":\"inv\",\"zone\":\"a\",\"sent\":%lld,\"items\":["
               "{\"cam\":\"c3\",\"unit\":\"u1\",\"unit_name\":\"U\",\"url\":\"rtsp://h/3\"}]}",
               (long long)t0);
    cr_expect(has_camera(cs, "c1"));
    cb.pending = z;
    /* An empty zone: the end of a walk naming nobody. */
    walk_msg(&cb, 6, t0 + 3, "", 0);
    cr_expect(!has_camera(cs, "c1") && !has_camera(cs, "c3"), "the zone's cameras stayed");
    cr_expect_eq(cnt.cameras_dropped, 3);
    central_batch_free(&cb);
}
