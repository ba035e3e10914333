/* indexer/cluster/ on a three-node NATS JetStream cluster configured with
 * deploy/cluster/nats-accounts.conf (its users and permissions): two
 * zones' probers and the central, one node killed while cameras change
 * state: nothing lost, nothing doubled, in order per camera; and a zone's
 * prober may not speak for another zone. */
#include <criterion/criterion.h>
#include <nats/nats.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cluster/nats_link.h"
#include "cluster_fixture.h"

#define NODES 3
#define CAMS  20

static struct proc node[NODES];
static int client_port[NODES], route_port[NODES];
static char urls[256];

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "r"), *out = fopen(to, "w");
    cr_assert(in && out, "cannot copy %s", from);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
}

static void write_node_conf(int i, char *path, size_t len)
{
    snprintf(path, len, "%s/nats-%d.conf", scratch, i);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "server_name: n%d\nlisten: 127.0.0.1:%d\n", i, client_port[i]);
    fprintf(f, "jetstream: {store_dir: \"%s/js-%d\"}\n", scratch, i);
    fprintf(f, "cluster: {name: camdex, listen: 127.0.0.1:%d, routes: [", route_port[i]);
    for (int j = 0; j < NODES; j++)
        fprintf(f, "%snats-route://127.0.0.1:%d", j ? ", " : "", route_port[j]);
    fprintf(f, "]}\ninclude ./nats-accounts.conf\n");
    fclose(f);
}

static void start_node(int i)
{
    char conf[4200];
    write_node_conf(i, conf, sizeof(conf));
    char *argv[] = {NATS_SERVER, "-c", conf, NULL};
    proc_start(&node[i], 2, argv);
    cr_assert(proc_wait_line(&node[i], 20000, "Server is ready", NULL), "node %d: %s", i,
              node[i].last);
}

static void setup(void)
{
    scratch = testutil_mkdtemp();
    setenv("CAMDEX_NATS_EAST_PASSWORD", "east-secret", 1);
    setenv("CAMDEX_NATS_WEST_PASSWORD", "west-secret", 1);
    setenv("CAMDEX_NATS_CENTRAL_PASSWORD", "central-secret", 1);
    char accounts[4200];
    snprintf(accounts, sizeof(accounts), "%s/nats-accounts.conf", scratch);
    copy_file(CAMDEX_TEST_DATA "/../../deploy/cluster/nats-accounts.conf", accounts);
    size_t len = 0;
    for (int i = 0; i < NODES; i++) {
        client_port[i] = procs_free_port();
        route_port[i] = procs_free_port();
        len += (size_t)snprintf(urls + len, sizeof(urls) - len, "%snats://127.0.0.1:%d",
                                i ? "," : "", client_port[i]);
    }
    for (int i = 0; i < NODES; i++)
        start_node(i);
}

static void teardown(void)
{
    for (int i = 0; i < NODES; i++)
        proc_stop(&node[i], SIGTERM, 10000);
    testutil_rmdir(scratch);
}

TestSuite(nats_cluster, .init = setup, .fini = teardown, .timeout = 240);

static void cluster_config(struct config *c, const char *zone, const char *user,
                           const char *password)
{
    struct natsd none = {0};
    fixture_config(c, &none, zone);
    snprintf(c->cluster_nats, sizeof(c->cluster_nats), "%s", urls);
    snprintf(c->cluster_user, sizeof(c->cluster_user), "%s", user);
    snprintf(c->cluster_password, sizeof(c->cluster_password), "%s", password);
    c->cluster_replicas = NODES;
}

static bool zone_matches(struct store *zs, struct store *cs, const char *zone)
{
    for (int i = 0; i < CAMS; i++) {
        char id[32];
        snprintf(id, sizeof(id), "%s-%d", zone, i);
        struct ev_text a, b;
        camera_events(zs, id, &a);
        camera_events(cs, id, &b);
        if (strcmp(a.buf, b.buf) != 0 ||
            camera_state(zs, id, NULL, 0) != camera_state(cs, id, NULL, 0))
            return false;
    }
    return true;
}

/* Cameras flip between online and offline, round after round. */
static void flip(struct store *s, const char *zone, int round)
{
    for (int i = round % 2; i < CAMS; i += 2)
        fixture_state(s, zone, i, round % 4 < 2 ? STORE_OFFLINE : STORE_ONLINE,
                      round % 4 < 2 ? "connect_refused" : "");
}

Test(nats_cluster, a_node_killed_during_load_loses_nothing_and_doubles_nothing)
{
    struct store *ze = fixture_store(scratch, "east"), *zw = fixture_store(scratch, "west"),
                 *cs = fixture_store(scratch, "central");
    fixture_cameras(ze, "east", CAMS);
    fixture_cameras(zw, "west", CAMS);
    struct config ce, cw, cc;
    cluster_config(&ce, "east", "prober-east", "east-secret");
    cluster_config(&cw, "west", "prober-west", "west-secret");
    cluster_config(&cc, NULL, "central", "central-secret");
    snprintf(cc.cluster_zones, sizeof(cc.cluster_zones), "east,west");
    struct cluster_prober *pe, *pw;
    struct cluster_central *c;
    char err[256];
    cr_assert_eq(cluster_prober_start(&ce, ze, &pe, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_prober_start(&cw, zw, &pw, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_central_start(&cc, cs, NULL, NULL, &c, err, sizeof(err)), 0, "%s", err);
    /* The cluster elects its leaders, the streams exist, the inventories
     * are in: then the load, and a node dies in the middle of it. */
    uint64_t ready = procs_now_ms() + 60000;
    while (procs_now_ms() < ready &&
           !(zone_matches(ze, cs, "east") && zone_matches(zw, cs, "west")))
        poll(NULL, 0, 100);
    cr_assert(zone_matches(ze, cs, "east") && zone_matches(zw, cs, "west"),
              "the zones never reached the central");
    for (int round = 0; round < 12; round++) {
        if (round == 5)
            cr_assert_eq(proc_stop(&node[0], SIGKILL, 5000), 128 + SIGKILL);
        flip(ze, "east", round);
        flip(zw, "west", round);
        cluster_prober_notify(pe);
        cluster_prober_notify(pw);
        poll(NULL, 0, 100); /* pacing the load, not waiting for a result */
    }
    uint64_t deadline = procs_now_ms() + 90000;
    bool same = false;
    while (!same && procs_now_ms() < deadline) {
        same = zone_matches(ze, cs, "east") && zone_matches(zw, cs, "west");
        if (!same)
            poll(NULL, 0, 100);
    }
    cr_expect(same, "the central differs from the zones after a node was killed");
    struct ev_text t;
    camera_events(cs, "east-0", &t);
    cr_expect_str_eq(t.buf, "offline/connect_refused,online/,offline/connect_refused,online/,"
                            "offline/connect_refused,online/");
    struct cluster_zone_stats zs[2];
    cluster_central_get_stats(c, zs, 2);
    cr_expect_eq(zs[0].refused + zs[1].refused, 0);
    cluster_central_stop(&c);
    cluster_prober_stop(&pe);
    cluster_prober_stop(&pw);
    store_close(&ze);
    store_close(&zw);
    store_close(&cs);
}

Test(nats_cluster, a_zone_may_not_speak_for_another)
{
    natsOptions *o;
    natsConnection *nc;
    jsCtx *js;
    cr_assert_eq(natsOptions_Create(&o), NATS_OK);
    char url[64];
    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", client_port[0]);
    natsOptions_SetURL(o, url);
    natsOptions_SetUserInfo(o, "prober-east", "east-secret");
    cr_assert_eq(natsConnection_Connect(&nc, o), NATS_OK);
    natsOptions_Destroy(o);
    cr_assert_eq(natsConnection_JetStream(&js, nc, NULL), NATS_OK);
    /* Its own stream it may create; another zone's subjects it may not use. */
    jsErrCode je = 0;
    uint64_t deadline = procs_now_ms() + 30000;
    char err_buf[256];
    int rc = -1;
    while (rc && procs_now_ms() < deadline) { /* until the cluster has a meta leader */
        rc = nats_link_ensure_stream(js, "east", NODES, err_buf, sizeof(err_buf));
        if (rc)
            poll(NULL, 0, 200);
    }
    cr_assert_eq(rc, 0, "%s", err_buf);
    cr_expect_eq(nats_link_ensure_stream(js, "west", NODES, err_buf, sizeof(err_buf)) != 0, 1,
                 "prober-east created zone west's stream");
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 2000;
    natsStatus s = js_Publish(NULL, js, "camdex.west.ev", "{}", 2, &po, &je);
    cr_expect_neq(s, NATS_OK, "prober-east published on zone west's subject");
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
}
