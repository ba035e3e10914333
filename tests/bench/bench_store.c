/* Index write benchmark: imports a generated fleet (unless the index has
 * one), then commits one batch of health updates for every camera per
 * round, with fsync, alternating states so every round moves counters,
 * indexes and the outage log. Leaves 10 % offline for the query benchmarks.
 * Prints one line per figure. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <time.h>
#include <unistd.h>

#include "inventory/import.h"
#include "inventory/synth_fleet.h"
#include "store.h"

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ids {
    char (*id)[STORE_ID_MAX + 1];
    size_t n;
};

static int collect(const struct store_camera *c, const struct store_health *h, void *ctx)
{
    struct ids *ids = ctx;
    (void)h;
    snprintf(ids->id[ids->n++], STORE_ID_MAX + 1, "%s", c->id);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int fleet_cb(const struct inv_camera *c, void *ctx)
{
    struct store_camera sc = {.id = c->id, .name = c->name, .unit_id = c->unit_id,
                              .url = c->url, .address = c->address, .tags = c->tags,
                              .lat = c->lat, .lon = c->lon, .has_location = c->has_location,
                              .width = c->width, .height = c->height, .fps = c->fps};
    return store_batch_camera_put(ctx, &sc, c->unit_name);
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    uint32_t cameras = 43000;
    int rounds = 5;
    char tmp[] = "/tmp/camdex-bench-XXXXXX";
    static const struct option opts[] = {{"cameras", required_argument, NULL, 'c'},
                                         {"rounds", required_argument, NULL, 'r'},
                                         {"db", required_argument, NULL, 'd'},
                                         {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c')
            cameras = (uint32_t)atoi(optarg);
        else if (c == 'r')
            rounds = atoi(optarg);
        else if (c == 'd')
            dir = optarg;
        else
            return 2;
    }
    bool own_dir = !dir;
    if (!dir && !(dir = mkdtemp(tmp))) {
        perror("mkdtemp");
        return 1;
    }
    struct store *s;
    int rc = store_open(dir, NULL, &s);
    if (rc) {
        fprintf(stderr, "open %s: %s %s\n", dir, store_strerror(rc), store_last_error(s));
        return 1;
    }
    struct store_batch *b;
    store_batch_new(&b);
    struct ids ids = {.id = calloc(cameras + 1000000, sizeof(*ids.id))};
    struct store_read *r;
    store_read_begin(s, &r);
    store_cameras_scan(r, NULL, collect, &ids);
    store_read_end(&r);
    if (ids.n == 0) {
        struct synth_fleet_opts fo = {.cameras = cameras};
        double t0 = now_s();
        if ((rc = synth_fleet_run(&fo, fleet_cb, b)) || (rc = store_batch_commit(s, b, NULL, NULL,
                                                                               NULL))) {
            fprintf(stderr, "fleet: %s\n", store_strerror(rc));
            return 1;
        }
        printf("load %u cameras: %.1f ms\n", cameras, (now_s() - t0) * 1000);
        store_batch_clear(b);
        store_read_begin(s, &r);
        store_cameras_scan(r, NULL, collect, &ids);
        store_read_end(&r);
    }
    static const char *reasons[] = {"connect_refused", "connect_timeout", "rtsp_timeout",
                                    "auth_failed", "not_found"};
    double *ms = calloc((size_t)rounds, sizeof(*ms));
    int64_t t = wall_ms();
    for (int round = 0; round < rounds; round++) {
        store_batch_clear(b);
        t += 10000;
        for (size_t i = 0; i < ids.n; i++) {
            struct store_health h = {0};
            h.reason = h.detail = "";
            h.media.codec = h.media.profile = h.media.audio = h.media.server = "";
            /* Last round: 10 % offline; before it, a tenth flips each round. */
            bool off = round == rounds - 1 ? i % 10 == 0 : (i + (size_t)round) % 10 == 0;
            h.state = off ? STORE_OFFLINE : STORE_ONLINE;
            if (off) {
                h.reason = reasons[i % 5];
                h.detail = "connection refused by 127.1.0.1:8554";
            }
            h.last_probe = t;
            h.latency_us = 1200;
            store_batch_health_put(b, ids.id[i], &h, t);
        }
        struct store_commit_stats st;
        double t0 = now_s();
        rc = store_batch_commit(s, b, &st, NULL, NULL);
        ms[round] = (now_s() - t0) * 1000;
        if (rc) {
            fprintf(stderr, "commit: %s\n", store_strerror(rc));
            return 1;
        }
        printf("round %d: %u health updates, %u transitions committed in %.1f ms\n", round,
               st.health_updates, st.transitions, ms[round]);
    }
    qsort(ms, (size_t)rounds, sizeof(*ms), cmp_double);
    printf("health commit of %zu cameras (fsync): median %.1f ms, max %.1f ms\n", ids.n,
           ms[rounds / 2], ms[rounds - 1]);
    struct store_info info;
    store_info(s, &info);
    printf("index: map %.1f MiB, used %.1f MiB\n", info.map_size / 1048576.0,
           info.map_used / 1048576.0);
    store_batch_free(&b);
    store_close(&s);
    free(ids.id);
    free(ms);
    if (own_dir)
        nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}
