/* indexer/cluster/central.c and prober.c against a real nats-server:
 * zones' probers publish, the central's index adds them up; a silent zone
 * goes stale and comes back; NATS going away loses nothing; a camera
 * claimed by two zones keeps its first; a bad message is refused and the
 * stream goes on. */
#include <criterion/criterion.h>
#include <nats/nats.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>

#include "cluster_fixture.h"

TestSuite(central, .init = fixture_nats_up, .fini = fixture_nats_down, .timeout = 150);

/* Every camera of the zone shows at the central what it shows at its
 * prober, with the same transitions. */
static bool zone_matches(struct store *zone_store, struct store *central, const char *zone, int n)
{
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "%s-%d", zone, i);
        if (camera_state(zone_store, id, NULL, 0) != camera_state(central, id, NULL, 0))
            return false;
        struct ev_text a, b;
        camera_events(zone_store, id, &a);
        camera_events(central, id, &b);
        if (strcmp(a.buf, b.buf) != 0)
            return false;
    }
    return true;
}

static bool wait_match(struct store *zs, struct store *cs, const char *zone, int n, int ms)
{
    uint64_t deadline = procs_now_ms() + (uint64_t)ms;
    while (procs_now_ms() < deadline) {
        if (zone_matches(zs, cs, zone, n))
            return true;
        poll(NULL, 0, 50);
    }
    return false;
}

static int count_state(struct store *s, const char *zone, int n, int state, const char *reason)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        char id[32], why[64];
        snprintf(id, sizeof(id), "%s-%d", zone, i);
        k += camera_state(s, id, why, sizeof(why)) == state && strcmp(why, reason) == 0;
    }
    return k;
}

Test(central, two_zones_add_up_at_the_central)
{
    struct store *za = fixture_store(scratch, "a"), *zb = fixture_store(scratch, "b"),
                 *cs = fixture_store(scratch, "central");
    fixture_cameras(za, "a", 12);
    fixture_cameras(zb, "b", 9);
    for (int i = 0; i < 12; i++)
        fixture_state(za, "a", i, i % 4 ? STORE_ONLINE : STORE_OFFLINE,
                      i % 4 ? "" : "connect_timeout");
    for (int i = 0; i < 9; i++)
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
    cr_assert_eq(cluster_central_start(&cc, cs, NULL, NULL, &c, err, sizeof(err)), 0, "%s", err);
    cr_expect(wait_match(za, cs, "a", 12, 30000), "zone a differs at the central");
    cr_expect(wait_match(zb, cs, "b", 9, 30000), "zone b differs at the central");
    /* Live: a change at a prober reaches the central. */
    fixture_state(zb, "b", 4, STORE_OFFLINE, "auth_failed");
    cluster_prober_notify(pb);
    cr_expect(wait_match(zb, cs, "b", 9, 30000), "a live transition did not arrive");
    /* The central's units count what the zones count; URLs come redacted
     * and cameras carry their zone. */
    struct store_read *r;
    cr_assert_eq(store_read_begin(cs, &r), 0);
    struct store_read *zr;
    cr_assert_eq(store_read_begin(za, &zr), 0);
    for (int k = 0; k < 3; k++) {
        char unit[16];
        snprintf(unit, sizeof(unit), "a-u%d", k);
        struct store_unit u, zu;
        cr_assert_eq(store_unit_get(r, unit, &u), 0);
        cr_assert_eq(store_unit_get(zr, unit, &zu), 0);
        cr_expect_eq(u.cameras, zu.cameras);
        for (int st = 0; st < STORE_STATE_COUNT; st++)
            cr_expect_eq(u.count[st], zu.count[st], "unit %s, state %d", unit, st);
    }
    store_read_end(&zr);
    struct store_camera cam;
    cr_assert_eq(store_camera_get(r, "a-3", &cam), 0);
    cr_expect(strstr(cam.url, "hunter2") == NULL, "a credential reached the central: %s", cam.url);
    char zone[STORE_ZONE_MAX + 1];
    cr_assert_eq(store_zone_get(r, "b-2", zone), 0);
    cr_expect_str_eq(zone, "b");
    store_read_end(&r);
    char zones[64];
    cr_expect_eq(cluster_central_zones(cs, zones, sizeof(zones)), 0);
    cr_expect_str_eq(zones, "a,b");
    cluster_central_stop(&c);
    cluster_prober_stop(&pa);
    cluster_prober_stop(&pb);
    store_close(&za);
    store_close(&zb);
    store_close(&cs);
}

Test(central, a_silent_zone_goes_stale_and_comes_back)
{
    struct store *za = fixture_store(scratch, "a"), *cs = fixture_store(scratch, "central");
    fixture_cameras(za, "a", 6);
    for (int i = 0; i < 6; i++)
        fixture_state(za, "a", i, STORE_ONLINE, "");
    struct config ca, cc;
    fixture_config(&ca, &nd, "a");
    fixture_central_config(&cc, &nd, "a");
    cc.cluster_stale_after_ms = 1500;
    struct cluster_prober *pa;
    struct cluster_central *c;
    char err[256];
    cr_assert_eq(cluster_prober_start(&ca, za, &pa, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_central_start(&cc, cs, NULL, NULL, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert(wait_match(za, cs, "a", 6, 30000), "zone a differs at the central");
    cluster_prober_stop(&pa);
    uint64_t deadline = procs_now_ms() + cc.cluster_stale_after_ms + 30000;
    while (procs_now_ms() < deadline && count_state(cs, "a", 6, STORE_UNKNOWN, "prober_lost") < 6)
        poll(NULL, 0, 50);
    cr_assert_eq(count_state(cs, "a", 6, STORE_UNKNOWN, "prober_lost"), 6,
                 "the silent zone's cameras are not unknown/prober_lost");
    cr_expect_eq(count_state(cs, "a", 6, STORE_OFFLINE, "connect_timeout"), 0);
    struct cluster_zone_stats zs;
    cr_assert_eq(cluster_central_get_stats(c, &zs, 1), 1);
    cr_expect(zs.stale);
    /* One event per camera says so. */
    struct ev_text t;
    camera_events(cs, "a-2", &t);
    cr_expect_str_eq(t.buf, "online/,unknown/prober_lost");
    /* Meanwhile the zone saw a camera go offline; back, it tells. */
    fixture_state(za, "a", 2, STORE_OFFLINE, "connect_timeout");
    cr_assert_eq(cluster_prober_start(&ca, za, &pa, err, sizeof(err)), 0, "%s", err);
    deadline = procs_now_ms() + 30000;
    do {
        poll(NULL, 0, 50);
        cluster_central_get_stats(c, &zs, 1);
    } while (procs_now_ms() < deadline &&
             (zs.stale || camera_state(cs, "a-2", NULL, 0) != STORE_OFFLINE ||
              count_state(cs, "a", 6, STORE_ONLINE, "") != 5));
    cr_expect_eq(camera_state(cs, "a-2", NULL, 0), STORE_OFFLINE);
    cr_expect_eq(count_state(cs, "a", 6, STORE_ONLINE, ""), 5);
    camera_events(cs, "a-2", &t);
    cr_expect_str_eq(t.buf, "online/,unknown/prober_lost,offline/connect_timeout");
    cluster_central_get_stats(c, &zs, 1);
    cr_expect(!zs.stale);
    /* The series deploy/prometheus/camdex-rules.yml alerts on. */
    char *m = cluster_metrics_text(NULL, NULL, c);
    cr_assert_not_null(m);
    cr_expect(strstr(m, "camdex_cluster_zone_stale{zone=\"a\"} 0\n"), "%s", m);
    cr_expect(strstr(m, "camdex_cluster_zone_refused_total{zone=\"a\"} "), "%s", m);
    free(m);
    cluster_central_stop(&c);
    cluster_prober_stop(&pa);
    store_close(&za);
    store_close(&cs);
}

Test(central, nats_down_loses_nothing_and_keeps_the_order)
{
    struct store *za = fixture_store(scratch, "a"), *cs = fixture_store(scratch, "central");
    fixture_cameras(za, "a", 5);
    for (int i = 0; i < 5; i++)
        fixture_state(za, "a", i, STORE_ONLINE, "");
    struct config ca, cc;
    fixture_config(&ca, &nd, "a");
    fixture_central_config(&cc, &nd, "a");
    struct cluster_prober *pa;
    struct cluster_central *c;
    char err[256];
    cr_assert_eq(cluster_prober_start(&ca, za, &pa, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_central_start(&cc, cs, NULL, NULL, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert(wait_match(za, cs, "a", 5, 30000), "zone a differs at the central");
    cr_assert_eq(proc_stop(&nd.p, SIGKILL, 5000), 128 + SIGKILL);
    /* Probing goes on while NATS is away: states change, several times. */
    static const int seq[] = {STORE_OFFLINE, STORE_ONLINE, STORE_DEGRADED, STORE_OFFLINE};
    static const char *const why[] = {"connect_refused", "", "low_fps", "rtsp_timeout"};
    for (int round = 0; round < 4; round++)
        for (int i = 0; i < 5; i += 2)
            fixture_state(za, "a", i, seq[round], why[round]);
    cluster_prober_notify(pa);
    natsd_start(&nd);
    cr_expect(wait_match(za, cs, "a", 5, 60000),
              "transitions committed while NATS was down did not all arrive, in order");
    struct ev_text t;
    camera_events(cs, "a-2", &t);
    cr_expect_str_eq(t.buf, "online/,offline/connect_refused,online/,degraded/low_fps,"
                            "offline/rtsp_timeout");
    struct cluster_prober_stats ps;
    cluster_prober_get_stats(pa, &ps);
    cr_expect(ps.connected);
    cluster_central_stop(&c);
    cluster_prober_stop(&pa);
    store_close(&za);
    store_close(&cs);
}

Test(central, a_camera_claimed_by_two_zones_keeps_its_first)
{
    struct store *za = fixture_store(scratch, "a"), *zb = fixture_store(scratch, "b"),
                 *cs = fixture_store(scratch, "central");
    fixture_cameras(za, "a", 2);
    fixture_cameras(zb, "b", 2);
    /* Zone b's inventory also lists a-1. */
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    struct store_camera dup = {
        .id = "a-1", .name = "impostor", .unit_id = "b-u0", .url = "rtsp://10.9.9.9/"};
    cr_assert_eq(store_batch_camera_put(b, &dup, "b-u0"), 0);
    cr_assert_eq(store_batch_commit(zb, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    fixture_state(za, "a", 1, STORE_ONLINE, "");
    fixture_state(zb, "a", 1, STORE_OFFLINE, "not_found");
    struct config ca, cb, cc;
    fixture_config(&ca, &nd, "a");
    fixture_config(&cb, &nd, "b");
    fixture_central_config(&cc, &nd, "a,b");
    struct cluster_prober *pa, *pb;
    struct cluster_central *c;
    char err[256];
    cr_assert_eq(cluster_prober_start(&ca, za, &pa, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_central_start(&cc, cs, NULL, NULL, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert(wait_match(za, cs, "a", 2, 30000));
    cr_assert_eq(cluster_prober_start(&cb, zb, &pb, err, sizeof(err)), 0, "%s", err);
    struct cluster_zone_stats zs[2];
    uint64_t deadline = procs_now_ms() + 30000;
    do {
        poll(NULL, 0, 50);
        cluster_central_get_stats(c, zs, 2);
    } while (procs_now_ms() < deadline && (zs[1].claims_refused == 0 || zs[1].refused == 0));
    cr_expect_geq(zs[1].claims_refused, 1, "zone b's claim was not refused");
    cr_expect_geq(zs[1].refused, 1, "zone b's records about a-1 were not refused");
    struct store_read *r;
    cr_assert_eq(store_read_begin(cs, &r), 0);
    char zone[STORE_ZONE_MAX + 1];
    cr_assert_eq(store_zone_get(r, "a-1", zone), 0);
    cr_expect_str_eq(zone, "a");
    struct store_camera cam;
    cr_assert_eq(store_camera_get(r, "a-1", &cam), 0);
    cr_expect_str_eq(cam.name, "a-1");
    store_read_end(&r);
    cr_expect_eq(camera_state(cs, "a-1", NULL, 0), STORE_ONLINE);
    cluster_central_stop(&c);
    cluster_prober_stop(&pa);
    cluster_prober_stop(&pb);
    store_close(&za);
    store_close(&zb);
    store_close(&cs);
}

Test(central, a_bad_message_is_refused_and_the_stream_goes_on)
{
    struct store *za = fixture_store(scratch, "a"), *cs = fixture_store(scratch, "central");
    fixture_cameras(za, "a", 3);
    fixture_state(za, "a", 0, STORE_ONLINE, "");
    struct config ca, cc;
    fixture_config(&ca, &nd, "a");
    fixture_central_config(&cc, &nd, "a");
    struct cluster_prober *pa;
    struct cluster_central *c;
    char err[256];
    cr_assert_eq(cluster_prober_start(&ca, za, &pa, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_central_start(&cc, cs, NULL, NULL, &c, err, sizeof(err)), 0, "%s", err);
    cr_assert(wait_match(za, cs, "a", 3, 30000));
    /* Garbage, another version, and another zone's name on a's subject. */
    natsConnection *nc;
    char url[64];
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", nd.port);
    cr_assert_eq(natsConnection_ConnectTo(&nc, url), NATS_OK);
    jsCtx *js;
    cr_assert_eq(natsConnection_JetStream(&js, nc, NULL), NATS_OK);
    const char *bad[] = {"{{{", "{\"v\":9,\"kind\":\"hb\",\"zone\":\"a\",\"sent\":1796000000000}",
                         "{\"v\":1,\"kind\":\"hb\",\"zone\":\"b\",\"sent\":1796000000000,"
                         "\"hb\":{\"last_key\":1,\"cameras\":1,\"started\":1796000000000}}"};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(js_Publish(NULL, js, "camdex.a.ev", bad[i], (int)strlen(bad[i]), NULL, NULL),
                     NATS_OK);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    fixture_state(za, "a", 1, STORE_OFFLINE, "dns_failed");
    cluster_prober_notify(pa);
    cr_expect(wait_match(za, cs, "a", 3, 30000), "the stream stopped after a bad message");
    struct cluster_zone_stats zs;
    cluster_central_get_stats(c, &zs, 1);
    cr_expect_geq(zs.refused, 3);
    cluster_central_stop(&c);
    cluster_prober_stop(&pa);
    store_close(&za);
    store_close(&cs);
}
