/* metrics.c: the Prometheus text rendered from an index and the monitor's
 * counters: series per unit and state, a cumulative lag histogram, and a
 * format promtool accepts. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
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

static char *render(const struct monitor_stats *st)
{
    struct metrics_out out = {0};
    cr_assert_eq(metrics_render(store, st, 0.5, &out), 0);
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

Test(metrics, lag_histogram_is_cumulative)
{
    struct monitor_stats st = {
        .probes = 10, .probes_failed = 3, .lag_count = 6, .lag_sum_ms = 1500};
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
    free(m);
}

Test(metrics, promtool_accepts_the_format)
{
    char *which[] = {"/bin/sh", "-c", "command -v promtool", NULL};
    struct run w = runv(which);
    int found = w.rc == 0;
    run_free(&w);
    if (!found)
        cr_skip_test("promtool is not installed (Debian package prometheus)");
    struct monitor_stats st = {.cameras = 3, .probes = 4, .lag_count = 1};
    st.lag_bucket[0] = 1;
    char *m = render(&st);
    char file[4200];
    snprintf(file, sizeof(file), "%s/m.txt", tmp);
    FILE *f = fopen(file, "w");
    fputs(m, f);
    fclose(f);
    free(m);
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", file);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    struct run p = runv(argv);
    cr_assert_eq(p.rc, 0, "%s%s", p.out, p.err);
    run_free(&p);
}

/* The alert rules shipped in deploy/prometheus/ load, and name only
 * metrics that camdex exports. */
Test(metrics, shipped_alert_rules_pass_promtool)
{
    char *which[] = {"/bin/sh", "-c", "command -v promtool", NULL};
    struct run w = runv(which);
    int found = w.rc == 0;
    run_free(&w);
    if (!found)
        cr_skip_test("promtool is not installed (Debian package prometheus)");
    const char *rules = CAMDEX_TEST_DATA "/../../deploy/prometheus/camdex-rules.yml";
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "promtool check rules '%s'", rules);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    struct run p = runv(argv);
    cr_assert_eq(p.rc, 0, "%s%s", p.out, p.err);
    run_free(&p);
    struct monitor_stats st = {0};
    char *m = render(&st);
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
            cr_assert_not_null(strstr(m, name), "the rules use %s, which is not exported", name);
        }
    }
    fclose(f);
    free(m);
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
    char *which[] = {"/bin/sh", "-c", "command -v promtool", NULL};
    struct run wr = runv(which);
    int found = wr.rc == 0;
    run_free(&wr);
    if (found) {
        char file[4200];
        snprintf(file, sizeof(file), "%s/w.txt", tmp);
        FILE *f = fopen(file, "w");
        fputs(m, f);
        fclose(f);
        char cmd[4400];
        snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", file);
        char *argv[] = {"/bin/sh", "-c", cmd, NULL};
        struct run p = runv(argv);
        cr_assert_eq(p.rc, 0, "%s%s", p.out, p.err);
        run_free(&p);
    }
    free(m);
    /* No webhooks, no series. */
    struct metrics_out none = {0};
    metrics_render_webhooks(NULL, 0, 0, &none);
    cr_assert_eq(none.len, 0);
}
