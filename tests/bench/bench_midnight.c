/* The day's roll-over under the service's load: on an index that already
 * holds a fleet (bench_store --db DIR), every camera gets a health update
 * once an interval, committed in batches the size the writer commits
 * (commit_interval's worth of probes, fsync), across midnight of the
 * index's day zone. At midnight each camera's day moves from its health
 * record to the daily table at its first update of the new day, so the
 * first interval after midnight carries one more write per camera. Times
 * come through the store's now_ms seam, not the clock: no waiting for
 * midnight. Prints the commits of each interval (median, worst), then
 * checks that the daily rows of both days, per camera and per unit, hold
 * exactly the time the updates covered. */
#include <getopt.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

struct fleet {
    char (*id)[STORE_ID_MAX + 1];
    size_t n, cap;
    char (*unit)[STORE_ID_MAX + 1];
    size_t units, units_cap;
};

static int collect(const struct store_camera *c, const struct store_health *h, void *ctx)
{
    struct fleet *f = ctx;
    (void)h;
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 65536;
        f->id = realloc(f->id, f->cap * sizeof(*f->id));
        if (!f->id)
            return -1;
    }
    snprintf(f->id[f->n++], STORE_ID_MAX + 1, "%s", c->id);
    return 0;
}

static int collect_unit(const struct store_unit *u, void *ctx)
{
    struct fleet *f = ctx;
    if (f->units == f->units_cap) {
        f->units_cap = f->units_cap ? f->units_cap * 2 : 1024;
        f->unit = realloc(f->unit, f->units_cap * sizeof(*f->unit));
        if (!f->unit)
            return -1;
    }
    snprintf(f->unit[f->units++], STORE_ID_MAX + 1, "%s", u->id);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct day_total {
    int32_t day;
    uint64_t ms[2];
};

static int add_day(const struct store_daily *d, void *ctx)
{
    struct day_total *t = ctx;
    for (int k = 0; k < STORE_STATE_COUNT; k++)
        t->ms[d->day - t->day] += d->ms[k];
    return 0;
}

/* The sums of every camera's and every unit's rows for `day` and the day
 * after. */
static int sum_rows(struct store *s, const struct fleet *f, int32_t day, uint64_t cams[2],
                    uint64_t units[2])
{
    struct store_read *r;
    int rc = store_read_begin(s, &r);
    struct day_total ct = {.day = day}, ut = {.day = day};
    for (size_t i = 0; !rc && i < f->n; i++)
        rc = store_daily_scan(r, false, f->id[i], day, day + 1, add_day, &ct);
    for (size_t i = 0; !rc && i < f->units; i++)
        rc = store_daily_scan(r, true, f->unit[i], day, day + 1, add_day, &ut);
    if (r)
        store_read_end(&r);
    memcpy(cams, ct.ms, sizeof(ct.ms));
    memcpy(units, ut.ms, sizeof(ut.ms));
    return rc;
}

/* The updates of schedule places [i, end) in interval k, which starts at
 * `from`: camera j * stride (mod n) at its place's time. */
static int fill_batch(struct store_batch *b, const struct fleet *f, size_t i, size_t end,
                      size_t stride, uint32_t k, int64_t from, int64_t iv)
{
    int rc = 0;
    for (size_t j = i; j < end && !rc; j++) {
        size_t cam = j * stride % f->n;
        int64_t t = from + (int64_t)j * iv / (int64_t)f->n;
        struct store_health h = {0};
        h.reason = h.detail = "";
        h.media.codec = h.media.profile = h.media.audio = h.media.server = "";
        /* A camera in a hundred is offline each interval, a different one
         * the next: transitions and events too. */
        h.state = (cam + k) % 100 == 0 ? STORE_OFFLINE : STORE_ONLINE;
        if (h.state == STORE_OFFLINE)
            h.reason = "rtsp_timeout";
        h.last_probe = t;
        rc = store_batch_health_put(b, f->id[cam], &h, t);
    }
    return rc;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* each interval's line as it ends */
    const char *dir = NULL;
    uint32_t interval_s = 60, batch = 0, before = 3, after = 2;
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},    {"interval", required_argument, NULL, 'i'},
        {"batch", required_argument, NULL, 'b'}, {"before", required_argument, NULL, 'B'},
        {"after", required_argument, NULL, 'A'}, {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        uint32_t v = (uint32_t)strtoul(optarg ? optarg : "0", NULL, 10);
        if (c == 'd')
            dir = optarg;
        else if (c == 'i' && v)
            interval_s = v;
        else if (c == 'b')
            batch = v;
        else if (c == 'B' && v >= 2)
            before = v;
        else if (c == 'A' && v)
            after = v;
        else
            c = '?';
        if (c == '?') {
            fprintf(stderr, "usage: bench_midnight --db DIR [--interval S] [--batch N] "
                            "[--before N>=2] [--after N]\n");
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "bench_midnight: --db DIR (an index with a fleet, e.g. from "
                        "bench_store --db DIR) is required\n");
        return 2;
    }
    struct store *s;
    int rc = store_open(dir, NULL, &s);
    if (rc) {
        fprintf(stderr, "open %s: %s %s\n", dir, store_strerror(rc), store_last_error(s));
        return 1;
    }
    struct fleet f = {0};
    struct store_read *r;
    rc = store_read_begin(s, &r);
    if (!rc) {
        rc = store_cameras_scan(r, NULL, collect, &f);
        if (!rc)
            rc = store_units_scan(r, collect_unit, &f);
        store_read_end(&r);
    }
    if (rc || f.n == 0) {
        fprintf(stderr, "bench_midnight: no cameras in %s (%s)\n", dir, store_strerror(rc));
        return 1;
    }
    /* The writer commits every 500 ms: half a second of the fleet's probes. */
    if (!batch)
        batch = (uint32_t)(f.n / (2 * interval_s)) + 1;
    /* Probes spread over the interval, consecutive ones far apart in id
     * order, as the service's schedule spreads them. */
    size_t stride = 7919;
    while (f.n % stride == 0)
        stride += 2;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int32_t day = store_day_of(s, (int64_t)ts.tv_sec * 1000) + 2;
    int64_t midnight = store_day_start(s, day + 1);
    int64_t iv = (int64_t)interval_s * 1000, start = midnight - (int64_t)before * iv;
    uint32_t intervals = before + after;
    size_t per_iv = (f.n + batch - 1) / batch;
    double *ms = calloc(per_iv, sizeof(*ms));
    struct store_batch *b;
    store_batch_new(&b);
    struct store_info info;
    store_info(s, &info);
    uint64_t used0 = info.map_used;
    printf("%zu cameras, %zu units, interval %u s, %u updates a commit (fsync), midnight "
           "of day %" PRId32 " at %" PRId64 " ms\n",
           f.n, f.units, interval_s, batch, day, midnight);
    for (uint32_t k = 0; k < intervals && !rc; k++) {
        size_t commits = 0, rows = 0, transitions = 0;
        for (size_t i = 0; i < f.n && !rc; i += batch) {
            store_batch_clear(b);
            size_t end = i + batch < f.n ? i + batch : f.n;
            rc = fill_batch(b, &f, i, end, stride, k, start + (int64_t)k * iv, iv);
            struct store_commit_stats st;
            double t0 = now_s();
            if (!rc)
                rc = store_batch_commit(s, b, &st, NULL, NULL);
            ms[commits++] = (now_s() - t0) * 1000;
            rows += st.health_updates;
            transitions += st.transitions;
        }
        double sum = 0;
        for (size_t i = 0; i < commits; i++)
            sum += ms[i];
        qsort(ms, commits, sizeof(*ms), cmp_double);
        const char *what = k < 2 ? "warm-up (each camera's earlier day moves to the daily table)"
                           : k < before  ? "before midnight"
                           : k == before ? "first after midnight (every camera's day rolls over)"
                                         : "after midnight";
        printf("interval %u, %s: %zu commits of %zu updates (%zu transitions in all), median "
               "%.1f ms, p99 %.1f ms, worst %.1f ms, %.1f s in all\n",
               k, what, commits, rows / (commits ? commits : 1), transitions, ms[commits / 2],
               ms[(commits * 99) / 100 < commits ? (commits * 99) / 100 : commits - 1],
               ms[commits - 1], sum / 1000);
    }
    if (rc) {
        fprintf(stderr, "commit: %s\n", store_strerror(rc));
        return 1;
    }
    /* Each camera was credited from its first update (which only opened
     * the span: the fleet's last update came days before) to its last; j
     * is its place in the schedule. */
    uint64_t want[2] = {0, 0};
    for (size_t j = 0; j < f.n; j++) {
        int64_t first = start + (int64_t)j * iv / (int64_t)f.n;
        int64_t last = start + (int64_t)(intervals - 1) * iv + (int64_t)j * iv / (int64_t)f.n;
        want[0] += (uint64_t)(midnight - first);
        want[1] += (uint64_t)(last - midnight);
    }
    uint64_t cams[2], units[2];
    double t0 = now_s();
    rc = sum_rows(s, &f, day, cams, units);
    bool exact = !rc && cams[0] == want[0] && units[0] == want[0] && cams[1] == want[1] &&
                 units[1] == want[1];
    printf("rows read back in %.1f s: day %" PRId32 " cameras %" PRIu64 " ms, units %" PRIu64
           " ms, expected %" PRIu64 "; day %" PRId32 " cameras %" PRIu64 " ms, units %" PRIu64
           " ms, expected %" PRIu64 ": %s\n",
           now_s() - t0, day, cams[0], units[0], want[0], day + 1, cams[1], units[1], want[1],
           exact ? "exact" : "NOT EXACT");
    store_info(s, &info);
    printf("index pages in use: %.1f MiB before, %.1f MiB after\n", used0 / 1048576.0,
           info.map_used / 1048576.0);
    store_batch_free(&b);
    store_close(&s);
    free(f.id);
    free(f.unit);
    free(ms);
    return exact ? 0 : 1;
}
