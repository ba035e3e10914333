/* Prometheus metrics: rendering the text format from the index and the
 * monitor's counters, and the /metrics handler. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/timefmt.h"
#include "http/api_internal.h"
#include "http/http_conns.h"
#include "http/metrics.h"
#include "views/assess_view.h"

static void put(struct metrics_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct metrics_out *o, const char *fmt, ...)
{
    if (o->err)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->err = -EINVAL;
            return;
        }
        if (o->buf && o->len + (size_t)n < o->cap) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap ? o->cap * 2 : 16384;
        while (cap < o->len + (size_t)n + 1)
            cap *= 2;
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->err = -ENOMEM;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
}

static void head(struct metrics_out *o, const char *name, const char *type, const char *help)
{
    put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Label values escape backslash, double quote and line feed. Ids are
 * printable ASCII already, but the index is not ours to trust. */
static void label(struct metrics_out *o, const char *v)
{
    char tmp[2 * STORE_ID_MAX + 8];
    size_t n = 0;
    for (; *v && n + 2 < sizeof(tmp); v++) {
        if (*v == '\\' || *v == '"')
            tmp[n++] = '\\', tmp[n++] = *v;
        else if (*v == '\n')
            tmp[n++] = '\\', tmp[n++] = 'n';
        else
            tmp[n++] = *v;
    }
    tmp[n] = 0;
    put(o, "%s", tmp);
}

struct units_pass {
    struct metrics_out *o;
    int which; /* 0: cameras per state, 1: online ratio */
};

static int unit_cb(const struct store_unit *u, void *ctx)
{
    struct units_pass *p = ctx;
    if (p->which == 0) {
        for (int s = 0; s < STORE_STATE_COUNT; s++) {
            put(p->o, "camdex_cameras{unit=\"");
            label(p->o, u->id);
            put(p->o, "\",state=\"%s\"} %u\n", store_state_name(s), u->count[s]);
        }
    } else {
        double r = store_unit_online_rate(u);
        put(p->o, "camdex_unit_online_ratio{unit=\"");
        label(p->o, u->id);
        if (isnan(r))
            put(p->o, "\"} NaN\n");
        else
            put(p->o, "\"} %.6g\n", r);
    }
    return p->o->err;
}

/* Offline cameras, in (unit, camera) order from the state index: the
 * longest outage per unit, and with per-camera series each one's duration. */
struct offline_pass {
    struct metrics_out *o;
    const struct metrics_opts *opts;
    bool cameras;     /* this pass writes per-camera series */
    char unit[STORE_ID_MAX + 1];
    int64_t longest;  /* ms, of `unit` so far; -1 = none yet */
};

static void offline_unit_done(struct offline_pass *p)
{
    if (p->longest < 0)
        return;
    put(p->o, "camdex_unit_offline_longest_seconds{unit=\"");
    label(p->o, p->unit);
    put(p->o, "\"} %.3f\n", p->longest / 1000.0);
}

static int offline_cb(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    struct offline_pass *p = ctx;
    int64_t ms = h->since && p->opts->now_ms > h->since ? p->opts->now_ms - h->since : 0;
    if (p->cameras) {
        put(p->o, "camdex_camera_offline_seconds{camera=\"");
        label(p->o, cam->id);
        put(p->o, "\",unit=\"");
        label(p->o, cam->unit_id);
        put(p->o, "\",reason=\"");
        label(p->o, h->reason);
        put(p->o, "\"} %.3f\n", ms / 1000.0);
        return p->o->err;
    }
    if (strcmp(p->unit, cam->unit_id) != 0) {
        offline_unit_done(p);
        snprintf(p->unit, sizeof(p->unit), "%s", cam->unit_id);
        p->longest = -1;
    }
    if (ms > p->longest)
        p->longest = ms;
    return p->o->err;
}

static int camera_up_cb(const struct store_camera *cam, const struct store_health *h, void *ctx)
{
    struct offline_pass *p = ctx;
    if (h->state != STORE_ONLINE && h->state != STORE_DEGRADED && h->state != STORE_OFFLINE)
        return 0; /* unknown and maintenance say nothing about the camera */
    put(p->o, "camdex_camera_up{camera=\"");
    label(p->o, cam->id);
    put(p->o, "\",unit=\"");
    label(p->o, cam->unit_id);
    put(p->o, "\"} %d\n", h->state == STORE_OFFLINE ? 0 : 1);
    return p->o->err;
}

static int offline_metrics(struct store_read *r, const struct metrics_opts *opts,
                           struct metrics_out *o)
{
    struct store_filter f = {.state = STORE_OFFLINE};
    struct offline_pass p = {.o = o, .opts = opts, .longest = -1};
    head(o, "camdex_unit_offline_longest_seconds", "gauge",
         "How long the unit's longest-offline camera has been offline (units with an offline "
         "camera only).");
    int rc = store_cameras_scan(r, &f, offline_cb, &p);
    if (rc < 0)
        return rc;
    offline_unit_done(&p);
    if (!opts->per_camera)
        return o->err;
    p.cameras = true;
    head(o, "camdex_camera_offline_seconds", "gauge",
         "Time since each offline camera went offline, with its reason.");
    if ((rc = store_cameras_scan(r, &f, offline_cb, &p)) < 0)
        return rc;
    head(o, "camdex_camera_up", "gauge",
         "1 when the camera is online or degraded, 0 when offline (monitored cameras only).");
    struct store_filter all = {.state = -1};
    if ((rc = store_cameras_scan(r, &all, camera_up_cb, &p)) < 0)
        return rc;
    return o->err;
}

/* The assessment's rates per unit for today so far (views/assess_view.h):
 * one series per unit and rate, NaN when there is nothing to rate. A walk
 * of every camera's clock and diagnosis records (~0.1 s of CPU at 43,000
 * cameras), so its text is kept for ASSESS_METRICS_TTL_MS and shared by
 * the scrapes in between: clock, label and id figures change daily at most,
 * the day's rates by a fraction of a percent a minute. */
#define ASSESS_METRICS_TTL_MS 60000

static struct {
    pthread_mutex_t lock;
    const struct store *store; /* the index the text is of */
    int64_t at_ms;
    char *text;
} assess_cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int assess_render(struct store *store, struct store_read *r, struct metrics_out *o)
{
    static const struct {
        const char *name, *key, *help;
    } rates[] = {
        {"camdex_unit_intact_ratio", "intact_rate",
         "Intact rate today per unit: time with a usable picture / monitored time."},
        {"camdex_unit_online_time_ratio", "online_rate",
         "Time-weighted online rate today per unit."},
        {"camdex_unit_clock_ok_ratio", "clock_rate",
         "Clock accuracy per unit: cameras whose clock is within tolerance / cameras checked."},
        {"camdex_unit_label_ok_ratio", "label_rate",
         "Label correctness per unit: cameras whose on-screen name is right / cameras checked."},
        {"camdex_unit_gbid_ok_ratio", "gbid_rate",
         "GB/T 28181 id conformance per unit: conformant camera ids / cameras."},
    };
    int32_t today = store_day_of(store, timefmt_now_ms());
    struct assess_params p = {.from = today, .to = today};
    json_t *a;
    int rc = assess_build(r, &p, &a);
    if (rc)
        return rc;
    json_t *units = json_object_get(a, "units");
    for (size_t k = 0; k < sizeof(rates) / sizeof(rates[0]); k++) {
        head(o, rates[k].name, "gauge", rates[k].help);
        size_t i;
        json_t *row;
        json_array_foreach(units, i, row)
        {
            json_t *v = json_object_get(row, rates[k].key);
            put(o, "%s{unit=\"", rates[k].name);
            label(o, json_string_value(json_object_get(row, "unit")));
            if (json_is_number(v))
                put(o, "\"} %.6g\n", json_number_value(v));
            else
                put(o, "\"} NaN\n");
        }
    }
    json_decref(a);
    return o->err;
}

static int assess_metrics(struct store *store, struct store_read *r, struct metrics_out *o)
{
    int64_t now = timefmt_now_ms();
    pthread_mutex_lock(&assess_cache.lock);
    if (!assess_cache.text || assess_cache.store != store ||
        now - assess_cache.at_ms >= ASSESS_METRICS_TTL_MS || now < assess_cache.at_ms ||
        store_day_of(store, now) != store_day_of(store, assess_cache.at_ms)) {
        struct metrics_out fresh = {0};
        int rc = assess_render(store, r, &fresh);
        if (rc) {
            free(fresh.buf);
            pthread_mutex_unlock(&assess_cache.lock);
            return rc;
        }
        free(assess_cache.text);
        assess_cache.text = fresh.buf;
        assess_cache.store = store;
        assess_cache.at_ms = now;
    }
    if (assess_cache.text)
        put(o, "%s", assess_cache.text);
    pthread_mutex_unlock(&assess_cache.lock);
    return o->err;
}

static int index_metrics(struct store *store, const struct metrics_opts *opts,
                         struct metrics_out *o)
{
    struct store_read *r;
    int rc = store_read_begin(store, &r);
    if (rc)
        return rc;
    struct units_pass p = {.o = o, .which = 0};
    head(o, "camdex_cameras", "gauge", "Cameras per unit and health state, as the index has them.");
    rc = store_units_scan(r, unit_cb, &p);
    if (!rc) {
        p.which = 1;
        head(o, "camdex_unit_online_ratio", "gauge",
             "Online rate now per unit: (online + degraded) / (online + degraded + offline); "
             "NaN when nothing is monitored.");
        rc = store_units_scan(r, unit_cb, &p);
    }
    if (!rc)
        rc = offline_metrics(r, opts, o);
    if (!rc)
        rc = assess_metrics(store, r, o);
    store_read_end(&r);
    if (rc)
        return rc;
    struct store_info info;
    if ((rc = store_info(store, &info)))
        return rc;
    head(o, "camdex_lmdb_map_size_bytes", "gauge", "Size of the LMDB map.");
    put(o, "camdex_lmdb_map_size_bytes %llu\n", (unsigned long long)info.map_size);
    head(o, "camdex_lmdb_map_used_bytes", "gauge", "Bytes of the LMDB map in use.");
    put(o, "camdex_lmdb_map_used_bytes %llu\n", (unsigned long long)info.map_used);
    head(o, "camdex_lmdb_readers", "gauge", "LMDB reader slots in use.");
    put(o, "camdex_lmdb_readers %u\n", info.readers_used);
    head(o, "camdex_lmdb_readers_max", "gauge", "LMDB reader slots available.");
    put(o, "camdex_lmdb_readers_max %u\n", info.readers_max);
    return 0;
}

/* One histogram's series in seconds; `lbl` is "" or `key="value",`. */
static void hist(struct metrics_out *o, const char *name, const char *lbl,
                 const struct monitor_hist *h)
{
    uint64_t cum = 0;
    for (size_t b = 0; b < MONITOR_US_BUCKETS; b++) {
        cum += h->bucket[b];
        put(o, "%s_bucket{%sle=\"%g\"} %llu\n", name, lbl, monitor_us_bounds[b] / 1e6,
            (unsigned long long)cum);
    }
    put(o, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, lbl, (unsigned long long)h->count);
    size_t n = strlen(lbl);
    /* Without labels the braces go too; with them the trailing comma does. */
    put(o, "%s_sum%s%.*s%s %g\n", name, n ? "{" : "", n ? (int)n - 1 : 0, lbl, n ? "}" : "",
        h->sum_us / 1e6);
    put(o, "%s_count%s%.*s%s %llu\n", name, n ? "{" : "", n ? (int)n - 1 : 0, lbl, n ? "}" : "",
        (unsigned long long)h->count);
}

/* Only the (tier, state, reason) triples that occurred: 2 x 3 x 26 mostly
 * empty series would be noise in every scrape. */
static void verdict_metrics(const struct monitor_stats *st, struct metrics_out *o)
{
    static const char *const tiers[2] = {"rtsp", "deep"};
    head(o, "camdex_probe_verdicts_total", "counter",
         "Probe verdicts by tier (rtsp handshake or deep libav probe), state and reason.");
    for (int t = 0; t < 2; t++)
        for (int s = 0; s < 3; s++)
            for (int r = 0; r < PROBE_R_COUNT; r++)
                if (st->verdicts[t][s][r])
                    put(o,
                        "camdex_probe_verdicts_total{tier=\"%s\",state=\"%s\",reason=\"%s\"} "
                        "%llu\n",
                        tiers[t], probe_state_name(s), probe_reason_name(r),
                        (unsigned long long)st->verdicts[t][s][r]);
    head(o, "camdex_probe_phase_seconds", "histogram",
         "Duration of each phase of RTSP probes (dns, connect, options, describe, setup, play, "
         "first_rtp, first_keyframe), when it ran.");
    for (int ph = 0; ph < PROBE_PH_COUNT; ph++) {
        char lbl[48];
        snprintf(lbl, sizeof(lbl), "phase=\"%s\",", probe_phase_name(ph));
        hist(o, "camdex_probe_phase_seconds", lbl, &st->phase_hist[ph]);
    }
}

static void monitor_metrics(const struct monitor_stats *st, double age, struct metrics_out *o)
{
    head(o, "camdex_monitored_cameras", "gauge", "Cameras the monitor schedules.");
    put(o, "camdex_monitored_cameras %u\n", st->cameras);
    head(o, "camdex_probes_total", "counter", "Tier-1 and tier-2 probes finished, by result.");
    put(o, "camdex_probes_total{result=\"ok\"} %llu\n",
        (unsigned long long)(st->probes - st->probes_failed));
    put(o, "camdex_probes_total{result=\"failed\"} %llu\n", (unsigned long long)st->probes_failed);
    verdict_metrics(st, o);
    head(o, "camdex_probes_in_flight", "gauge", "Probes in progress.");
    put(o, "camdex_probes_in_flight %u\n", st->in_flight);
    head(o, "camdex_probes_in_flight_limit", "gauge", "Cap on probes in progress.");
    put(o, "camdex_probes_in_flight_limit %u\n", st->max_in_flight);
    head(o, "camdex_probes_queued", "gauge", "Cameras due and waiting for a probe slot.");
    put(o, "camdex_probes_queued %u\n", st->queued);
    head(o, "camdex_deep_probes_in_flight", "gauge", "Deep (libav) probes in progress.");
    put(o, "camdex_deep_probes_in_flight %u\n", st->deep_in_flight);
    head(o, "camdex_deep_probes_waiting", "gauge",
         "HLS, HTTP-FLV, RTMP and RTSPS cameras due and waiting for a deep worker.");
    put(o, "camdex_deep_probes_waiting %u\n", st->deep_waiting);
    head(o, "camdex_diagnoses_waiting", "gauge",
         "RTSP cameras due for a picture diagnosis and waiting for a deep worker.");
    put(o, "camdex_diagnoses_waiting %u\n", st->diagnoses_waiting);
    head(o, "camdex_deep_probes_total", "counter", "Deep (libav) probes finished.");
    put(o, "camdex_deep_probes_total %llu\n", (unsigned long long)st->deep_probes);
    head(o, "camdex_transitions_total", "counter", "Health state changes.");
    put(o, "camdex_transitions_total %llu\n", (unsigned long long)st->transitions);
    head(o, "camdex_rechecks_total", "counter", "Quick re-checks after a first failure.");
    put(o, "camdex_rechecks_total %llu\n", (unsigned long long)st->rechecks);
    head(o, "camdex_clock_looks_total", "counter",
         "Cameras' clocks looked at (RTCP sender reports), by verdict.");
    uint64_t unknown = st->clock_unknown, skew = st->clock_skewed;
    uint64_t ok = st->clock_looks >= unknown + skew ? st->clock_looks - unknown - skew : 0;
    put(o, "camdex_clock_looks_total{verdict=\"ok\"} %llu\n", (unsigned long long)ok);
    put(o, "camdex_clock_looks_total{verdict=\"clock_skew\"} %llu\n", (unsigned long long)skew);
    put(o, "camdex_clock_looks_total{verdict=\"unknown\"} %llu\n", (unsigned long long)unknown);
    head(o, "camdex_schedule_lag_seconds", "histogram",
         "How late probes start after their due time.");
    uint64_t cum = 0;
    for (size_t b = 0; b < MONITOR_LAG_BUCKETS; b++) {
        cum += st->lag_bucket[b];
        put(o, "camdex_schedule_lag_seconds_bucket{le=\"%g\"} %llu\n",
            monitor_lag_bounds[b] / 1000.0, (unsigned long long)cum);
    }
    put(o, "camdex_schedule_lag_seconds_bucket{le=\"+Inf\"} %llu\n",
        (unsigned long long)st->lag_count);
    put(o, "camdex_schedule_lag_seconds_sum %g\n", st->lag_sum_ms / 1000.0);
    put(o, "camdex_schedule_lag_seconds_count %llu\n", (unsigned long long)st->lag_count);
    head(o, "camdex_commits_total", "counter", "Batches committed to the index.");
    put(o, "camdex_commits_total %llu\n", (unsigned long long)st->commits);
    head(o, "camdex_commit_duration_seconds", "histogram",
         "Time of each index commit (one write transaction with fsync).");
    hist(o, "camdex_commit_duration_seconds", "", &st->commit_hist);
    head(o, "camdex_commit_last_duration_seconds", "gauge", "Time of the last commit.");
    put(o, "camdex_commit_last_duration_seconds %g\n", st->commit_us_last / 1e6);
    head(o, "camdex_commit_max_duration_seconds", "gauge", "Longest commit since start.");
    put(o, "camdex_commit_max_duration_seconds %g\n", st->commit_us_max / 1e6);
    head(o, "camdex_commit_failing", "gauge", "1 when the last commit failed.");
    put(o, "camdex_commit_failing %d\n", st->last_commit_error ? 1 : 0);
    head(o, "camdex_stats_age_seconds", "gauge",
         "Age of the monitor counters above (published once a second).");
    put(o, "camdex_stats_age_seconds %g\n", age);
}

int metrics_render(struct store *store, const struct monitor_stats *st, double stats_age_s,
                   const struct metrics_opts *opts, struct metrics_out *out)
{
    struct metrics_opts dflt = {.now_ms = timefmt_now_ms()};
    int rc = index_metrics(store, opts ? opts : &dflt, out);
    if (!rc && st)
        monitor_metrics(st, stats_age_s, out);
    return rc ? rc : out->err;
}

void metrics_render_webhooks(const struct notifier_webhook_stats *w, size_t n, int64_t now_ms,
                             struct metrics_out *o)
{
    if (!n)
        return;
    head(o, "camdex_webhook_deliveries_total", "counter",
         "Webhook POSTs by result: delivered (2xx), status (another answer), network (none).");
    for (size_t i = 0; i < n; i++) {
        static const char *const results[] = {"delivered", "status", "network"};
        uint64_t v[] = {w[i].delivered, w[i].failed_status, w[i].failed_network};
        for (size_t r = 0; r < 3; r++) {
            put(o, "camdex_webhook_deliveries_total{webhook=\"");
            label(o, w[i].name);
            put(o, "\",result=\"%s\"} %llu\n", results[r], (unsigned long long)v[r]);
        }
    }
    head(o, "camdex_webhook_events_delivered_total", "counter",
         "Events acknowledged by the webhook's receiver.");
    for (size_t i = 0; i < n; i++) {
        put(o, "camdex_webhook_events_delivered_total{webhook=\"");
        label(o, w[i].name);
        put(o, "\"} %llu\n", (unsigned long long)w[i].events);
    }
    head(o, "camdex_webhook_last_success_timestamp_seconds", "gauge",
         "Unix time of the last acknowledged POST (0: none since start).");
    for (size_t i = 0; i < n; i++) {
        put(o, "camdex_webhook_last_success_timestamp_seconds{webhook=\"");
        label(o, w[i].name);
        put(o, "\"} %.3f\n", w[i].last_success_ms / 1000.0);
    }
    head(o, "camdex_webhook_lag_seconds", "gauge",
         "Age of the oldest event the receiver has not acknowledged (0: caught up).");
    for (size_t i = 0; i < n; i++) {
        int64_t lag = w[i].oldest_pending_ms ? now_ms - w[i].oldest_pending_ms : 0;
        put(o, "camdex_webhook_lag_seconds{webhook=\"");
        label(o, w[i].name);
        put(o, "\"} %.3f\n", lag > 0 ? lag / 1000.0 : 0.0);
    }
    head(o, "camdex_webhook_consecutive_failures", "gauge",
         "Failed POSTs since the last acknowledged one.");
    for (size_t i = 0; i < n; i++) {
        put(o, "camdex_webhook_consecutive_failures{webhook=\"");
        label(o, w[i].name);
        put(o, "\"} %u\n", w[i].consecutive_failures);
    }
}

/* The connection gate in front of the API: how many are open and why
 * connections were cut, so a flood of stalled or oversized clients shows
 * on a graph before anyone files a ticket. */
static void gate_metrics(const struct http_conns *cs, struct metrics_out *o)
{
    struct http_conns_stats st;
    http_conns_get_stats(cs, &st);
    head(o, "camdex_http_connections", "gauge", "Open HTTP connections.");
    put(o, "camdex_http_connections %zu\n", http_conns_open(cs));
    head(o, "camdex_http_connections_cut_total", "counter",
         "HTTP connections refused or cut by the gate, by why: evicted (a cap was reached), "
         "head_late (no request head before [http] header_timeout), over_budget (request "
         "bodies over [http] body_budget), refused (no token, or a malformed head).");
    static const char *const why[] = {"evicted", "head_late", "over_budget", "refused"};
    uint64_t v[] = {st.evicted, st.head_late, st.over_budget, st.refused};
    for (size_t i = 0; i < 4; i++)
        put(o, "camdex_http_connections_cut_total{why=\"%s\"} %llu\n", why[i],
            (unsigned long long)v[i]);
}

int api_metrics(struct api_req *a)
{
    static const char *const none[] = {NULL};
    if (api_check_params(a, none))
        return 0;
    struct api_env *env = a->env;
    pthread_mutex_lock(&env->stats_lock);
    struct monitor_stats st = env->stats;
    bool have = env->have_stats;
    int64_t at = env->stats_at_ms;
    char *extra = env->metrics_extra ? env->metrics_extra(env->metrics_extra_ctx) : NULL;
    pthread_mutex_unlock(&env->stats_lock);
    struct metrics_out out = {0};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double age = ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - at) / 1000.0;
    struct metrics_opts opts = {.per_camera = env->cfg->metrics_per_camera,
                                .now_ms = timefmt_now_ms()};
    int rc = metrics_render(env->store, have ? &st : NULL, age < 0 ? 0 : age, &opts, &out);
    if (!rc) {
        if (env->conns)
            gate_metrics(env->conns, &out);
        head(&out, "camdex_event_streams", "gauge", "Open GET /api/v1/events/stream streams.");
        put(&out, "camdex_event_streams %zu\n", api_streams_count(env->streams));
        struct api_body_stats bs;
        api_body_stats_get(&bs);
        head(&out, "camdex_http_bodies_open", "gauge",
             "Listings being written as they are read (limit=all, pages).");
        put(&out, "camdex_http_bodies_open %zu\n", bs.open);
        head(&out, "camdex_http_bodies_cut_total", "counter",
             "Listings whose client went away before the end.");
        put(&out, "camdex_http_bodies_cut_total %llu\n", (unsigned long long)bs.cut);
        head(&out, "camdex_http_body_piece_peak_bytes", "gauge",
             "The largest piece of a listing held at once.");
        put(&out, "camdex_http_body_piece_peak_bytes %zu\n", bs.peak_piece);
        struct notifier_webhook_stats ws[CONFIG_WEBHOOKS_MAX];
        size_t nw = notifier_get_stats(env->notifier, ws, CONFIG_WEBHOOKS_MAX);
        metrics_render_webhooks(ws, nw, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &out);
        if (extra)
            put(&out, "%s", extra);
        rc = out.err;
    }
    free(extra);
    if (rc) {
        free(out.buf);
        return api_store_error(a, rc, "metrics");
    }
    char *body = api_strdup(a, out.buf, out.len);
    size_t len = out.len;
    free(out.buf);
    return api_send(a, 200, "text/plain; version=0.0.4; charset=utf-8", body, len);
}
