/* Shared by the cluster tests: a real nats-server with JetStream on a free
 * loopback port (its store in a scratch directory), zone indexes written
 * the way a prober's writer writes them, and waits with deadlines. */
#ifndef CAMDEX_CLUSTER_FIXTURE_H
#define CAMDEX_CLUSTER_FIXTURE_H

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/config.h"
#include "cluster/cluster.h"
#include "procs.h"
#include "store.h"
#include "testutil.h"

#define NATS_SERVER "/usr/sbin/nats-server"

struct natsd {
    struct proc p;
    int port;
    char dir[4096];
};

/* Starts (or restarts, same port and store) the server; waits until it
 * says it is ready. */
static inline void natsd_start(struct natsd *n)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", n->port);
    char *argv[] = {NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", port, "-sd", n->dir, NULL};
    proc_start(&n->p, 2, argv);
    cr_assert(proc_wait_line(&n->p, 20000, "Server is ready", NULL),
              "nats-server did not start: %s", n->p.last);
}

static inline void natsd_init(struct natsd *n, const char *scratch)
{
    memset(n, 0, sizeof(*n));
    n->port = procs_free_port();
    snprintf(n->dir, sizeof(n->dir), "%s/nats", scratch);
    natsd_start(n);
}

/* A suite's scratch directory and nats-server, a fresh pair per test:
 * TestSuite(NAME, .init = fixture_nats_up, .fini = fixture_nats_down).
 * A suite without a server uses `scratch` alone. */
static char *scratch __attribute__((unused));
static struct natsd nd __attribute__((unused));

static inline void fixture_nats_up(void)
{
    scratch = testutil_mkdtemp();
    natsd_init(&nd, scratch);
}

static inline void fixture_nats_down(void)
{
    proc_stop(&nd.p, SIGTERM, 10000);
    testutil_rmdir(scratch);
    scratch = NULL;
}

static inline struct store *fixture_store(const char *root, const char *name)
{
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/%s", root, name);
    cr_assert_eq(mkdir(dir, 0700), 0);
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    o.map_size = 16u << 20;
    struct store *s;
    cr_assert_eq(store_open(dir, &o, &s), 0, "%s", store_last_error(s));
    return s;
}

static inline void fixture_config(struct config *c, const struct natsd *n, const char *zone)
{
    config_default(c);
    snprintf(c->cluster_nats, sizeof(c->cluster_nats), "nats://127.0.0.1:%d", n->port);
    c->cluster_role = zone ? CONFIG_ROLE_PROBER : CONFIG_ROLE_CENTRAL;
    if (zone)
        snprintf(c->cluster_zone, sizeof(c->cluster_zone), "%s", zone);
    c->cluster_heartbeat_ms = 200;
    c->cluster_stale_after_ms = 60000;
}

/* A central's configuration, watching the comma-separated `zones`. */
static inline void fixture_central_config(struct config *c, const struct natsd *n,
                                          const char *zones)
{
    fixture_config(c, n, NULL);
    snprintf(c->cluster_zones, sizeof(c->cluster_zones), "%s", zones);
}

/* Cameras ZONE-0 .. ZONE-(n-1) in units of the zone, with credentials in
 * their URLs, as an import leaves them. */
static inline void fixture_cameras(struct store *s, const char *zone, int n)
{
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    for (int i = 0; i < n; i++) {
        char id[32], unit[32];
        snprintf(id, sizeof(id), "%s-%d", zone, i);
        snprintf(unit, sizeof(unit), "%s-u%d", zone, i % 3);
        struct store_camera c = {
            .id = id, .name = id, .unit_id = unit, .url = "rtsp://admin:hunter2@10.0.0.1/ch1"};
        cr_assert_eq(store_batch_camera_put(b, &c, unit), 0);
    }
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
}

/* Camera `i` of the zone takes `state`, as the writer commits a verdict. */
static inline void fixture_state(struct store *s, const char *zone, int i, int state,
                                 const char *reason)
{
    char id[32];
    snprintf(id, sizeof(id), "%s-%d", zone, i);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    struct store_health h = {
        .state = (uint8_t)state, .reason = reason, .detail = "", .last_probe = testutil_now_ms()};
    cr_assert_eq(store_batch_health_put(b, id, &h, testutil_now_ms()), 0);
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
}

/* A camera's transitions as text, "online,offline,..." (the `to` states),
 * leaving out the central's own prober_lost ones when asked. */
struct ev_text {
    char buf[4096];
};

static inline int ev_text_cb(const struct store_event *ev, void *ctx)
{
    struct ev_text *t = ctx;
    size_t len = strlen(t->buf);
    snprintf(t->buf + len, sizeof(t->buf) - len, "%s%s/%s", len ? "," : "",
             store_state_name(ev->to), ev->reason);
    return 0;
}

static inline void camera_events(struct store *s, const char *id, struct ev_text *t)
{
    struct store_read *r;
    t->buf[0] = 0;
    cr_assert_eq(store_read_begin(s, &r), 0);
    cr_assert_eq(store_events_scan(r, id, NULL, 0, INT64_MAX, ev_text_cb, t), 0);
    store_read_end(&r);
}

static inline bool has_camera(struct store *s, const char *id)
{
    struct store_read *r;
    struct store_camera c;
    cr_assert_eq(store_read_begin(s, &r), 0);
    bool there = store_camera_get(r, id, &c) == 0;
    store_read_end(&r);
    return there;
}

static inline int camera_state(struct store *s, const char *id, char *reason, size_t len)
{
    struct store_read *r;
    struct store_health h;
    cr_assert_eq(store_read_begin(s, &r), 0);
    int rc = store_health_get(r, id, &h);
    if (!rc && reason)
        snprintf(reason, len, "%s", h.reason);
    store_read_end(&r);
    return rc ? -1 : h.state;
}

#endif
