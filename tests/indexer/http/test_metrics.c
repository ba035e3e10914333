/* metrics.c: the Prometheus text rendered from an index and the monitor's
 * counters: series per unit and state, a cumulative lag histogram, and a
 * format promtool accepts. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess_seed.h"
#include "http/metrics.h"
#include "runcmd.h"
#include "testutil.h"

static char *tmp;
static struct store *store;

static void setup(void)
{
    tmp = testutil_mkdtemp();
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    cr_assert_eq(store_open(tmp, &o, &store), 0);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    static const char *ids[] = {"cam-1", "cam-2", "cam-3"};
    for (int i = 0; i < 3; i++) {
        struct store_camera c = {.id = ids[i],
                                 .name = "n",
                                 .unit_id = i < 2 ? "u-a" : "u\"b",
                                 .url = "rtsp://admin:secret@127.0.0.1/x",
                                 .address = "",
                                 .tags = ""};
        cr_assert_eq(store_batch_camera_put(b, &c, i < 2 ? "Unit A" : "Unit B"), 0);
    }
    cr_assert_eq(store_batch_commit(store, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
}

static void teardown(void)
{
    store_close(&store);
    testutil_rmdir(tmp);
}

TestSuite(metrics, .init = setup, .fini = teardown);

static struct metrics_opts opts;

static char *render(const struct monitor_stats *st)
{
    struct metrics_out out = {0};
    cr_assert_eq(metrics_render(store, st, 0.5, &opts, &out), 0);
    cr_assert_not_null(out.buf);
    return out.buf;
}

Test(metrics, cameras_per_unit_and_state_with_escaped_labels)
{
    char *m = render(NULL);
    cr_assert_not_null(strstr(m, "camdex_cameras{unit=\"u-a\",state=\"unknown\"} 2\n"), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_cameras{unit=\"u\\\"b\",state=\"unknown\"} 1\n"), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_unit_online_ratio{unit=\"u-a\"} NaN\n"), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_lmdb_map_size_bytes "));
    /* Without monitor counters, no monitor series. */
    cr_assert_null(strstr(m, "camdex_probes_total"));
    cr_assert_null(strstr(m, "secret"));
    free(m);
}

/* cam-1 offline since t, cam-2 online; per-camera series only on request. */
static void set_health(int64_t t)
{
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    struct store_health off = {.state = STORE_OFFLINE, .reason = "connect_refused", .detail = ""};
    struct store_health on = {.state = STORE_ONLINE, .reason = "", .detail = ""};
    cr_assert_eq(store_batch_health_put(b, "cam-1", &off, t), 0);
    cr_assert_eq(store_batch_health_put(b, "cam-2", &on, t), 0);
    cr_assert_eq(store_batch_commit(store, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
}

Test(metrics, longest_outage_per_unit_and_per_camera_series_on_request)
{
    int64_t t = 1795000000000;
    set_health(t);
    opts = (struct metrics_opts){.now_ms = t + 90500};
    char *m = render(NULL);
    cr_assert_not_null(strstr(m, "camdex_unit_offline_longest_seconds{unit=\"u-a\"} 90.500\n"),
                       "%s", m);
    /* A unit with nothing offline has no series. */
    cr_assert_null(strstr(m, "camdex_unit_offline_longest_seconds{unit=\"u\\\"b\"}"));
    cr_assert_null(strstr(m, "camdex_camera_"));
    free(m);
    opts.per_camera = true;
    m = render(NULL);
    cr_assert_not_null(strstr(m, "camdex_camera_offline_seconds{camera=\"cam-1\",unit=\"u-a\","
                                 "reason=\"connect_refused\"} 90.500\n"),
                       "%s", m);
    cr_assert_not_null(strstr(m, "camdex_camera_up{camera=\"cam-1\",unit=\"u-a\"} 0\n"), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_camera_up{camera=\"cam-2\",unit=\"u-a\"} 1\n"));
    /* cam-3 was never probed: unknown says nothing about it. */
    cr_assert_null(strstr(m, "camera=\"cam-3\""));
    free(m);
    opts = (struct metrics_opts){0};
}

/* The assessment's rates per unit (tests/support/assess_seed.h): one
 * series per unit and rate; today nothing was monitored (NaN). */
Test(metrics, assessment_rates_per_unit)
{
    store_close(&store);
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/seeded", tmp);
    assess_seed(dir);
    struct store_options o;
    store_options_default(&o);
    cr_assert_eq(store_open(dir, &o, &store), 0);
    char *text = render(NULL);
    static const char *const want[] = {
        "\ncamdex_unit_clock_ok_ratio{unit=\"" SEED_UNIT_A "\"} 0.5\n",
        "\ncamdex_unit_clock_ok_ratio{unit=\"" SEED_UNIT_B "\"} NaN\n",
        "\ncamdex_unit_gbid_ok_ratio{unit=\"" SEED_UNIT_A "\"} 0.666667\n",
        "\ncamdex_unit_label_ok_ratio{unit=\"" SEED_UNIT_B "\"} 0\n",
        "\ncamdex_unit_intact_ratio{unit=\"" SEED_UNIT_A "\"} NaN\n",
        "\n# TYPE camdex_unit_intact_ratio gauge\n",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        cr_expect(strstr(text, want[i]), "no %s in:\n%s", want[i], text);
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "\ncamdex_unit_intact_ratio{")); p++)
        n++;
    cr_expect_eq(n, 2, "one series per unit");
    free(text);
}

Test(metrics, lag_histogram_is_cumulative)
{
    struct monitor_stats st = {
        .probes = 10, .probes_failed = 3, .lag_count = 6, .lag_sum_ms = 1500, .deep_waiting = 7,
        .diagnoses_waiting = 11};
    st.lag_bucket[0] = 2;
    st.lag_bucket[1] = 1;
    st.lag_bucket[MONITOR_LAG_BUCKETS] = 3; /* beyond the last bound */
    char *m = render(&st);
    char want[128];
    snprintf(want, sizeof(want), "camdex_schedule_lag_seconds_bucket{le=\"%g\"} 3\n",
             monitor_lag_bounds[1] / 1000.0);
    cr_assert_not_null(strstr(m, want), "%s", m);
    snprintf(want, sizeof(want), "camdex_schedule_lag_seconds_bucket{le=\"%g\"} 3\n",
             monitor_lag_bounds[MONITOR_LAG_BUCKETS - 1] / 1000.0);
    cr_assert_not_null(strstr(m, want), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_schedule_lag_seconds_bucket{le=\"+Inf\"} 6\n"));
    cr_assert_not_null(strstr(m, "camdex_schedule_lag_seconds_sum 1.5\n"));
    cr_assert_not_null(strstr(m, "camdex_probes_total{result=\"ok\"} 7\n"));
    cr_assert_not_null(strstr(m, "camdex_probes_total{result=\"failed\"} 3\n"));
    cr_assert_not_null(strstr(m, "camdex_deep_probes_waiting 7\n"), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_diagnoses_waiting 11\n"), "%s", m);
    free(m);
}

static bool have_promtool(void)
{
    char *which[] = {"/bin/sh", "-c", "command -v promtool", NULL};
    struct run w = runv(which);
    bool found = w.rc == 0;
    run_free(&w);
    return found;
}

/* Runs a shell command; fails the test with its output unless it exits 0. */
static void sh_ok(const char *cmd)
{
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    struct run p = runv(argv);
    cr_assert_eq(p.rc, 0, "%s: %s%s", cmd, p.out, p.err);
    run_free(&p);
}

/* Every series present: an offline camera, per-camera series on. */
static char *render_everything(void)
{
    struct monitor_stats st = {0};
    set_health(1795000000000);
    opts = (struct metrics_opts){.per_camera = true, .now_ms = 1795000060000};
    char *m = render(&st);
    opts = (struct metrics_opts){0};
    struct notifier_webhook_stats w = {.name = "ops", .delivered = 1};
    struct metrics_out out = {.buf = m, .len = strlen(m), .cap = strlen(m) + 1};
    metrics_render_webhooks(&w, 1, 1795000060000, &out);
    cr_assert_eq(out.err, 0);
    return out.buf;
}

Test(metrics, verdicts_by_reason_and_phase_histograms)
{
    struct monitor_stats st = {.probes = 3};
    st.verdicts[0][PROBE_OFFLINE][PROBE_R_CONNECT_REFUSED] = 2;
    st.verdicts[1][PROBE_DEGRADED][PROBE_R_BLACK] = 1;
    st.phase_hist[PROBE_PH_CONNECT].bucket[0] = 4; /* <= 250 µs */
    st.phase_hist[PROBE_PH_CONNECT].bucket[MONITOR_US_BUCKETS] = 1;
    st.phase_hist[PROBE_PH_CONNECT].count = 5;
    st.phase_hist[PROBE_PH_CONNECT].sum_us = 6000000;
    st.commit_hist.bucket[2] = 1;
    st.commit_hist.count = 1;
    st.commit_hist.sum_us = 800;
    char *m = render(&st);
    cr_assert_not_null(
        strstr(m, "camdex_probe_verdicts_total{tier=\"rtsp\",state=\"offline\",reason=\""
                  "connect_refused\"} 2\n"),
        "%s", m);
    cr_assert_not_null(
        strstr(m, "camdex_probe_verdicts_total{tier=\"deep\",state=\"degraded\",reason=\"black\"} "
                  "1\n"),
        "%s", m);
    /* Triples that never happened are not exported. */
    cr_assert_null(strstr(m, "reason=\"not_found\""));
    cr_assert_not_null(
        strstr(m, "camdex_probe_phase_seconds_bucket{phase=\"connect\",le=\"0.00025\"} 4\n"), "%s",
        m);
    cr_assert_not_null(strstr(m, "camdex_probe_phase_seconds_bucket{phase=\"connect\",le=\"5\"} 4\n"));
    cr_assert_not_null(
        strstr(m, "camdex_probe_phase_seconds_bucket{phase=\"connect\",le=\"+Inf\"} 5\n"));
    cr_assert_not_null(strstr(m, "camdex_probe_phase_seconds_sum{phase=\"connect\"} 6\n"), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_probe_phase_seconds_count{phase=\"dns\"} 0\n"));
    cr_assert_not_null(strstr(m, "camdex_commit_duration_seconds_bucket{le=\"0.001\"} 1\n"), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_commit_duration_seconds_sum 0.0008\n"), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_commit_duration_seconds_count 1\n"));
    free(m);
}

Test(metrics, clock_looks_by_verdict)
{
    struct monitor_stats st = {.clock_looks = 10, .clock_skewed = 3, .clock_unknown = 2};
    char *m = render(&st);
    cr_expect_not_null(strstr(m, "camdex_clock_looks_total{verdict=\"ok\"} 5\n"), "%s", m);
    cr_expect_not_null(strstr(m, "camdex_clock_looks_total{verdict=\"clock_skew\"} 3\n"));
    cr_expect_not_null(strstr(m, "camdex_clock_looks_total{verdict=\"unknown\"} 2\n"));
    free(m);
}

Test(metrics, promtool_accepts_the_format)
{
    if (!have_promtool())
        cr_skip_test("promtool is not installed (Debian package prometheus)");
    struct monitor_stats st = {.cameras = 3, .probes = 4, .lag_count = 1};
    st.lag_bucket[0] = 1;
    st.verdicts[0][PROBE_ONLINE][PROBE_R_NONE] = 3;
    st.verdicts[0][PROBE_OFFLINE][PROBE_R_RTSP_TIMEOUT] = 1;
    st.phase_hist[PROBE_PH_OPTIONS].bucket[1] = 3;
    st.phase_hist[PROBE_PH_OPTIONS].count = 3;
    set_health(1795000000000);
    opts = (struct metrics_opts){.per_camera = true, .now_ms = 1795000060000};
    char *m = render(&st);
    opts = (struct metrics_opts){0};
    cr_assert_not_null(strstr(m, "camdex_camera_up{"));
    char file[4200];
    snprintf(file, sizeof(file), "%s/m.txt", tmp);
    FILE *f = fopen(file, "w");
    fputs(m, f);
    fclose(f);
    free(m);
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", file);
    sh_ok(cmd);
}

/* The alert rules shipped in deploy/prometheus/ load, and name only
 * metrics that camdex exports. */
Test(metrics, shipped_alert_rules_pass_promtool)
{
    if (!have_promtool())
        cr_skip_test("promtool is not installed (Debian package prometheus)");
    const char *rules = CAMDEX_TEST_DATA "/../../deploy/prometheus/camdex-rules.yml";
    char cmd[4400];
    /* The rules' own unit tests (camdex-rules.test.yml) run too. */
    snprintf(cmd, sizeof(cmd),
             "promtool check rules '%s' && cd \"$(dirname '%s')\" && "
             "promtool test rules camdex-rules.test.yml",
             rules, rules);
    sh_ok(cmd);
    char *m = render_everything();
    FILE *f = fopen(rules, "r");
    cr_assert_not_null(f);
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        for (char *s = strstr(line, "camdex_"); s; s = strstr(s + 1, "camdex_")) {
            char name[128];
            size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz_");
            snprintf(name, sizeof(name), "%.*s", (int)n, s);
            if (strcmp(name, "camdex_") == 0)
                continue;
            /* indexer/cluster exports its own (tests/indexer/cluster checks them). */
            if (strncmp(name, "camdex_cluster_", 15) == 0)
                continue;
            cr_assert_not_null(strstr(m, name), "the rules use %s, which is not exported", name);
        }
    }
    fclose(f);
    free(m);
}

/* Collects the "expr" strings of a Grafana dashboard's panels. */
static void dashboard_exprs(json_t *panels, FILE *rules, int *n, const char *exported)
{
    size_t i;
    json_t *panel;
    json_array_foreach(panels, i, panel)
    {
        size_t k;
        json_t *target;
        json_array_foreach(json_object_get(panel, "targets"), k, target)
        {
            const char *e = json_string_value(json_object_get(target, "expr"));
            cr_assert_not_null(e, "a panel target without expr");
            for (const char *c = strstr(e, "camdex_"); c; c = strstr(c + 1, "camdex_")) {
                char name[128];
                size_t len = strspn(c, "abcdefghijklmnopqrstuvwxyz_");
                snprintf(name, sizeof(name), "%.*s", (int)len, c);
                cr_assert_not_null(strstr(exported, name),
                                   "the dashboard uses %s, which is not exported", name);
            }
            /* As a recording rule, promtool parses the expression. */
            cr_assert_null(strchr(e, '\''), "quote in expr breaks the YAML: %s", e);
            fprintf(rules, "      - record: panel_%d\n        expr: '%s'\n", (*n)++, e);
        }
    }
}

/* The Grafana dashboard in deploy/grafana/ parses, queries only metrics
 * camdex exports, and every query is valid PromQL. */
Test(metrics, shipped_grafana_dashboard_queries_exported_metrics)
{
    if (!have_promtool())
        cr_skip_test("promtool is not installed (Debian package prometheus)");
    json_error_t jerr;
    json_t *d =
        json_load_file(CAMDEX_TEST_DATA "/../../deploy/grafana/camdex-dashboard.json", 0, &jerr);
    cr_assert_not_null(d, "dashboard: line %d: %s", jerr.line, jerr.text);
    char *m = render_everything();
    char file[4200];
    snprintf(file, sizeof(file), "%s/panels.yml", tmp);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fputs("groups:\n  - name: panels\n    rules:\n", f);
    int n = 0;
    dashboard_exprs(json_object_get(d, "panels"), f, &n, m);
    fclose(f);
    free(m);
    json_decref(d);
    cr_assert_gt(n, 10, "only %d queries in the dashboard", n);
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "promtool check rules '%s'", file);
    sh_ok(cmd);
}

Test(metrics, webhook_series_per_webhook_pass_promtool)
{
    struct notifier_webhook_stats w[2] = {{.name = "ops",
                                           .delivered = 5,
                                           .failed_status = 3,
                                           .events = 42,
                                           .last_success_ms = 1795800000000,
                                           .oldest_pending_ms = 1795800000000 - 1500,
                                           .consecutive_failures = 1},
                                          {.name = "a\"b"}};
    struct metrics_out out = {0};
    metrics_render_webhooks(w, 2, 1795800000000, &out);
    cr_assert_eq(out.err, 0);
    char *m = out.buf;
    cr_assert_not_null(
        strstr(m, "camdex_webhook_deliveries_total{webhook=\"ops\",result=\"status\"} 3\n"), "%s",
        m);
    cr_assert_not_null(
        strstr(m, "camdex_webhook_deliveries_total{webhook=\"ops\",result=\"delivered\"} 5\n"));
    cr_assert_not_null(strstr(m, "camdex_webhook_events_delivered_total{webhook=\"ops\"} 42\n"));
    cr_assert_not_null(strstr(m, "camdex_webhook_lag_seconds{webhook=\"ops\"} 1.500\n"), "%s", m);
    cr_assert_not_null(strstr(m, "camdex_webhook_lag_seconds{webhook=\"a\\\"b\"} 0.000\n"), "%s",
                       m);
    cr_assert_not_null(strstr(m, "camdex_webhook_last_success_timestamp_seconds{webhook=\"ops\"} "
                                 "1795800000.000\n"));
    if (have_promtool()) {
        char file[4200];
        snprintf(file, sizeof(file), "%s/w.txt", tmp);
        FILE *f = fopen(file, "w");
        fputs(m, f);
        fclose(f);
        char cmd[4400];
        snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", file);
        sh_ok(cmd);
    }
    free(m);
    /* No webhooks, no series. */
    struct metrics_out none = {0};
    metrics_render_webhooks(NULL, 0, 0, &none);
    cr_assert_eq(none.len, 0);
}
