/* The cluster's figures against a running nats-server (tests/bench/cluster.sh
 * starts one): (1) the central's ingest rate, health records applied per
 * second from a stream filled beforehand; (2) end-to-end latency from a
 * prober's commit to the event being in the central's index, while the
 * prober also sends a health snapshot of every camera each second.
 * Usage: bench_cluster --nats URL [--cameras N] [--snapshots M]
 *                      [--seconds S] [--event-rate R] [--snapshot-ms MS]
 * (a snapshot of 43,000 cameras every 2,600 ms is ~16,500 health records a
 * second: a province's 1,000,000 cameras at a 60 s interval). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "cluster/nats_link.h"
#include "cluster/prober_send.h"

static char dir[256];
static int cameras = 43000, snapshots = 5, seconds = 30, event_rate = 50, snapshot_ms = 2600;
static const char *nats = "nats://127.0.0.1:4222";

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_cluster: %s: %s\n", what, rc ? strerror(-rc) : "failed");
    exit(1);
}

static struct store *open_store(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    mkdir(path, 0700);
    struct store_options o;
    store_options_default(&o);
    /* BENCH_NO_SYNC=1: commits without fsync, to tell the disk's share. */
    o.no_sync = getenv("BENCH_NO_SYNC") != NULL;
    struct store *s;
    int rc = store_open(path, &o, &s);
    if (rc)
        die(path, rc);
    return s;
}

static void fill_zone(struct store *s, const char *zone)
{
    struct store_batch *b;
    store_batch_new(&b);
    for (int i = 0; i < cameras; i++) {
        char id[48], unit[32];
        snprintf(id, sizeof(id), "%s-%06d", zone, i);
        snprintf(unit, sizeof(unit), "%s-u%03d", zone, i % 212);
        struct store_camera c = {.id = id,
                                 .name = id,
                                 .unit_id = unit,
                                 .url = "rtsp://admin:pw@10.1.2.3:554/Streaming/Channels/101"};
        store_batch_camera_put(b, &c, unit);
    }
    int rc = store_batch_commit(s, b, NULL, NULL, NULL);
    store_batch_clear(b);
    for (int i = 0; !rc && i < cameras; i++) {
        char id[48];
        snprintf(id, sizeof(id), "%s-%06d", zone, i);
        struct store_health h = {
            .state = STORE_ONLINE,
            .reason = "",
            .detail = "",
            .last_probe = cluster_now_ms(),
            .rtsp_status = 200,
            .latency_us = 1500,
            .media = {.codec = "h264", .width = 1920, .height = 1080, .fps_milli = 25000}};
        store_batch_health_put(b, id, &h, cluster_now_ms());
    }
    if (!rc)
        rc = store_batch_commit(s, b, NULL, NULL, NULL);
    store_batch_free(&b);
    if (rc)
        die("filling the zone's index", rc);
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void base_config(struct config *c, const char *zone)
{
    config_default(c);
    snprintf(c->cluster_nats, sizeof(c->cluster_nats), "%s", nats);
    c->cluster_role = zone ? CONFIG_ROLE_PROBER : CONFIG_ROLE_CENTRAL;
    if (zone)
        snprintf(c->cluster_zone, sizeof(c->cluster_zone), "%s", zone);
    else
        snprintf(c->cluster_zones, sizeof(c->cluster_zones), "%s", "ingest");
}

/* (1) The stream holds the inventory and M snapshots; the central starts
 * and reads them all. */
static void ingest(void)
{
    struct store *zs = open_store("ingest"), *cs = open_store("central-ingest");
    fill_zone(zs, "ingest");
    struct config zc, cc;
    base_config(&zc, "ingest");
    base_config(&cc, NULL);
    struct prober_send ps;
    char err[256];
    prober_send_init(&ps, &zc, zs);
    int rc = nats_link_open(&zc, "bench", &ps.nc, &ps.js, err, sizeof(err));
    if (!rc)
        rc = nats_link_ensure_stream(ps.js, "ingest", 1, err, sizeof(err));
    if (rc)
        die(err, rc);
    double t = now_s();
    rc = prober_send_inventory(&ps);
    for (int i = 0; !rc && i < snapshots; i++)
        rc = prober_send_health(&ps);
    if (rc)
        die("publishing", rc);
    double pub = now_s() - t;
    size_t per = (size_t)(cameras + PROBER_MSG_ITEMS - 1) / PROBER_MSG_ITEMS;
    uint64_t messages = per * (size_t)(snapshots + 1);
    struct cluster_central *c;
    t = now_s();
    double cpu = cpu_s();
    if ((rc = cluster_central_start(&cc, cs, NULL, NULL, &c, err, sizeof(err))))
        die(err, rc);
    struct cluster_zone_stats zst = {0};
    while (zst.applied < messages && now_s() - t < 900) {
        usleep(2000);
        cluster_central_get_stats(c, &zst, 1);
    }
    double took = now_s() - t;
    cpu = cpu_s() - cpu;
    uint64_t records = (uint64_t)cameras * (uint64_t)snapshots;
    printf("publish: %d inventory + %" PRIu64 " health records in %.2f s (%.0f records/s, "
           "acknowledged)\n",
           cameras, records, pub, (cameras + records) / pub);
    printf("ingest: %" PRIu64 " messages (%d inventory + %" PRIu64
           " health records) applied in %.2f s: %.0f health records/s (inventory included: "
           "%.0f records/s)\n",
           messages, cameras, records, took, records / took, (cameras + records) / took);
    printf("ingest CPU: %.2f s for %" PRIu64 " records: %.1f us a record, %.0f records/s on one "
           "whole core\n",
           cpu, cameras + records, cpu * 1e6 / (double)(cameras + records),
           (double)(cameras + records) / cpu);
    cluster_central_stop(&c);
    nats_link_close(&ps.nc, &ps.js);
    prober_send_free(&ps);
    store_close(&zs);
    store_close(&cs);
}

/* (2) Latency: events committed at the prober at a steady rate while it
 * snapshots every camera each second; each event's delay is taken when
 * the central's commit holding it returns. */
struct lat {
    struct store *cs;
    pthread_mutex_t lock;
    int64_t from_ms;
    uint64_t last_key;
    double *ms;
    size_t n, cap;
};

static int on_central_event(const struct store_event *ev, void *ctx)
{
    struct lat *l = ctx;
    if (ev->key <= l->last_key)
        return 0;
    l->last_key = ev->key;
    if (l->n < l->cap)
        l->ms[l->n++] = (double)(cluster_now_ms() - ev->time_ms);
    return 0;
}

static void on_commit(void *data)
{
    struct lat *l = data;
    pthread_mutex_lock(&l->lock);
    struct store_read *r;
    if (store_read_begin(l->cs, &r) == 0) {
        store_events_scan(r, NULL, NULL, (int64_t)(l->last_key >> 12), INT64_MAX, on_central_event,
                          l);
        store_read_end(&r);
    }
    pthread_mutex_unlock(&l->lock);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void latency(void)
{
    struct store *zs = open_store("lat"), *cs = open_store("central-lat");
    fill_zone(zs, "lat");
    struct config zc, cc;
    base_config(&zc, "lat");
    zc.cluster_snapshot_ms = (uint32_t)snapshot_ms;
    zc.cluster_heartbeat_ms = 1000;
    base_config(&cc, NULL);
    snprintf(cc.cluster_zones, sizeof(cc.cluster_zones), "%s", "lat");
    struct lat l = {.cs = cs, .cap = (size_t)event_rate * (size_t)seconds * 2 + 16};
    l.ms = calloc(l.cap, sizeof(*l.ms));
    pthread_mutex_init(&l.lock, NULL);
    struct cluster_prober *p;
    struct cluster_central *c;
    char err[256];
    int rc = cluster_central_start(&cc, cs, on_commit, &l, &c, err, sizeof(err));
    if (!rc)
        rc = cluster_prober_start(&zc, zs, &p, err, sizeof(err));
    if (rc)
        die(err, rc);
    /* Let the inventory and the first snapshot through, then measure. */
    struct cluster_zone_stats zst = {0};
    double started = now_s();
    while (zst.applied < (uint64_t)(2 * cameras / PROBER_MSG_ITEMS) && now_s() - started < 300) {
        usleep(10000);
        cluster_central_get_stats(c, &zst, 1);
    }
    pthread_mutex_lock(&l.lock);
    l.n = 0;
    pthread_mutex_unlock(&l.lock);
    struct cluster_prober_stats before, after;
    cluster_prober_get_stats(p, &before);
    double t0 = now_s();
    int sent = 0;
    while (now_s() - t0 < seconds) {
        /* Camera after camera, each flipped: every commit is a transition. */
        char id[48];
        bool back = (sent / cameras) % 2;
        snprintf(id, sizeof(id), "lat-%06d", sent % cameras);
        struct store_batch *b;
        store_batch_new(&b);
        struct store_health h = {.state = (uint8_t)(back ? STORE_ONLINE : STORE_OFFLINE),
                                 .reason = back ? "" : "connect_timeout",
                                 .detail = "",
                                 .last_probe = cluster_now_ms()};
        store_batch_health_put(b, id, &h, cluster_now_ms());
        store_batch_commit(zs, b, NULL, NULL, NULL);
        store_batch_free(&b);
        cluster_prober_notify(p);
        sent++;
        usleep((useconds_t)(1000000 / event_rate));
    }
    double span = now_s() - t0;
    cluster_prober_get_stats(p, &after);
    /* The last events arrive; a bounded wait. */
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&l.lock);
        size_t n = l.n;
        pthread_mutex_unlock(&l.lock);
        if (n >= (size_t)sent * 9 / 10 && i > 100)
            break;
        usleep(20000);
    }
    cluster_prober_stop(&p);
    cluster_central_stop(&c);
    qsort(l.ms, l.n, sizeof(*l.ms), cmp_double);
    if (!l.n)
        printf("latency: none of %d events reached the central within 10 s of the end\n", sent);
    else
        printf("latency: %zu events (of %d state changes committed) at %.0f/s with %.0f health "
               "records/s published meanwhile: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
               l.n, sent, sent / span, (after.health_sent - before.health_sent) / span,
               l.ms[l.n / 2], l.ms[(size_t)(l.n * 0.99)], l.ms[l.n - 1]);
    free(l.ms);
    store_close(&zs);
    store_close(&cs);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"nats", required_argument, NULL, 'n'},       {"cameras", required_argument, NULL, 'c'},
        {"snapshots", required_argument, NULL, 'm'},  {"seconds", required_argument, NULL, 's'},
        {"event-rate", required_argument, NULL, 'r'}, {"snapshot-ms", required_argument, NULL, 'p'},
        {0}};
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'n':
            nats = optarg;
            break;
        case 'c':
            cameras = atoi(optarg);
            break;
        case 'm':
            snapshots = atoi(optarg);
            break;
        case 's':
            seconds = atoi(optarg);
            break;
        case 'r':
            event_rate = atoi(optarg);
            break;
        case 'p':
            snapshot_ms = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: bench_cluster --nats URL [--cameras N] [--snapshots M] "
                            "[--seconds S] [--event-rate R] [--snapshot-ms MS]\n");
            return 2;
        }
    }
    if (cameras < 1 || snapshots < 1 || seconds < 1 || event_rate < 1 || snapshot_ms < 100)
        return 2;
    snprintf(dir, sizeof(dir), "%s/bench-cluster-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        die("mkdtemp", -errno);
    ingest();
    latency();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
