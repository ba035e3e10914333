/* `camdex sweep`: one pass over the whole inventory — every camera probed
 * (with quick re-checks before it is called offline), the index written,
 * then the per-unit summary and the offline cameras with reasons. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "cli/cli_internal.h"
#include "engine/monitor.h"

static const char sweep_usage[] =
    "usage: camdex sweep [--config FILE] [--depth options|describe|play] [--deep]\n"
    "                    [--connect-timeout T] [--reply-timeout T] [--total-timeout T]\n"
    "                    [--fail-threshold N]\n"
    "                    [--recheck-delay T] [--max-in-flight N] [--max-per-host N]\n"
    "                    [--set SECTION.KEY=VALUE]...\n\n"
    "Probes every camera of the index once and records the results. A camera is\n"
    "called offline only after fail_threshold failures in a row (the re-checks\n"
    "run within the sweep, recheck_delay apart). Shows progress on a terminal,\n"
    "then the per-unit summary (worst first) and the offline cameras by reason.\n"
    "Defaults differ from serve's, for a pass that ends soon: fail_threshold 2,\n"
    "recheck_delay 300ms, connect_timeout 1s, reply_timeout 3s, max_in_flight 4096,\n"
    "deep workers 8,"
    " log_level error.\n"
    "--deep: every RTSP camera found up also gets a deep look (the picture,\n"
    "size and frame rate against the inventory; about a second on a deep worker\n"
    "each: more workers with --set deep.workers=N), so degraded cameras show.\n"
    "For cron: exit 0 when the sweep ran, whatever the cameras said.\n";

/* Takes "--deep" out of argv (the shared service options do not know it);
 * returns whether it was there. */
static bool take_deep_flag(int *argc, char **argv)
{
    bool found = false;
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        /* After "--" everything is an argument; "--set" and the like take
         * the next word as their value, so a value spelt "--deep" stays. */
        bool value = i > 0 && argv[i - 1][0] == '-' && argv[i - 1][1] == '-' &&
                     argv[i - 1][2] && !strchr(argv[i - 1], '=') &&
                     strcmp(argv[i - 1], "--deep") != 0 && strcmp(argv[i - 1], "--help") != 0;
        if (strcmp(argv[i], "--deep") == 0 && !value) {
            found = true;
            continue;
        }
        argv[out++] = argv[i];
    }
    argv[out] = NULL;
    *argc = out;
    return found;
}

struct sweep {
    uv_loop_t loop;
    struct monitor *mon;
    uv_timer_t progress;
    uv_signal_t sigint, sigterm;
    bool tty;
    int64_t t0;
    uint32_t interrupted;
};

static void show_progress(struct sweep *s, bool final)
{
    struct monitor_stats st;
    monitor_get_stats(s->mon, &st);
    uint32_t total = st.cameras - st.skipped, done = st.decided;
    int width = 30, filled = total ? (int)((uint64_t)done * width / total) : width;
    double secs = (timefmt_now_ms() - s->t0) / 1000.0;
    fprintf(stderr, "\r[%.*s%*s] %u/%u  online %u  offline %u  in flight %u  %.1f s%s",
            filled * 3,
            "=============================================================================="
            "============",
            width - filled, "", done, total, st.count[STORE_ONLINE] + st.count[STORE_DEGRADED],
            st.count[STORE_OFFLINE], st.in_flight, secs, final ? "\n" : "");
    fflush(stderr);
}

static void on_progress(uv_timer_t *t)
{
    show_progress(t->data, false);
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void on_stopped(void *data)
{
    struct sweep *s = data;
    if (s->tty)
        show_progress(s, true);
    close_handle((uv_handle_t *)&s->progress);
    close_handle((uv_handle_t *)&s->sigint);
    close_handle((uv_handle_t *)&s->sigterm);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct sweep *s = h->data;
    s->interrupted = (uint32_t)signum;
    monitor_stop(s->mon);
}

struct reason_count {
    char reason[STORE_REASON_MAX + 1];
    uint32_t n;
};

struct summary {
    struct reason_count reasons[64];
    size_t nreasons;
};

static int count_reason(const struct store_camera *c, const struct store_health *h, void *ctx)
{
    (void)c;
    struct summary *sm = ctx;
    for (size_t i = 0; i < sm->nreasons; i++)
        if (strcmp(sm->reasons[i].reason, h->reason) == 0) {
            sm->reasons[i].n++;
            return 0;
        }
    if (sm->nreasons < 64) {
        snprintf(sm->reasons[sm->nreasons].reason, sizeof(sm->reasons[0].reason), "%s",
                 h->reason);
        sm->reasons[sm->nreasons++].n = 1;
    }
    return 0;
}

static int by_count(const void *a, const void *b)
{
    const struct reason_count *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

/* The per-unit table and the offline cameras, read back from the index. */
static int print_summary(struct cli *cli)
{
    char *units_argv[] = {"units", "--sort", "rate", NULL};
    optind = 0;
    int rc = cmd_units(cli, 3, units_argv);
    if (rc)
        return rc;
    struct store *s;
    if (cli_open(cli, false, &s))
        return CLI_FAIL;
    struct store_read *r;
    struct summary sm = {0}, dg = {0};
    struct store_filter f = {.state = STORE_OFFLINE}, fd = {.state = STORE_DEGRADED};
    if (store_read_begin(s, &r) == 0) {
        store_cameras_scan(r, &f, count_reason, &sm);
        store_cameras_scan(r, &fd, count_reason, &dg);
        store_read_end(&r);
    }
    store_close(&s);
    qsort(sm.reasons, sm.nreasons, sizeof(sm.reasons[0]), by_count);
    qsort(dg.reasons, dg.nreasons, sizeof(dg.reasons[0]), by_count);
    if (dg.nreasons) {
        /* Only a deep look judges the picture: a sweep --deep finds these. */
        printf("\ndegraded cameras by reason (all: camdex --db %s list --state degraded):\n",
               cli->db_dir);
        for (size_t i = 0; i < dg.nreasons; i++)
            printf("  %-20s %u\n", dg.reasons[i].reason, dg.reasons[i].n);
    }
    if (sm.nreasons) {
        printf("\n%s\n", msg_text("sweep.by_reason", cli->lang));
        for (size_t i = 0; i < sm.nreasons; i++) {
            /* English shows the code (what `list --reason` takes). */
            const char *reason = cli->lang == MSG_EN
                                     ? sm.reasons[i].reason
                                     : msg_reason_text(sm.reasons[i].reason, cli->lang);
            int pad = 20 - out_display_width(reason);
            printf("  ");
            out_put_text(stdout, reason);
            printf("%*s %u\n", pad > 0 ? pad : 0, "", sm.reasons[i].n);
        }
        putchar('\n');
        cli_say(cli->lang, "sweep.first_offline", cli->db_dir);
        putchar('\n');
        char *list_argv[] = {"list", "--state", "offline", "--limit", "15", NULL};
        optind = 0;
        rc = cmd_list(cli, 5, list_argv);
    }
    return rc;
}

int cmd_sweep(struct cli *cli, int argc, char **argv)
{
    /* A sweep waits for its own re-checks, so they come quickly; and it
     * reports at the end, so state changes are not logged one by one. */
    struct config cfg, defaults;
    config_default(&defaults);
    defaults.recheck_ms = 300;
    defaults.fail_threshold = 2;
    defaults.connect_timeout_ms = 1000;
    /* Not 2 s: a camera that takes about that long to answer each
     * request was then a coin toss per request, and a sweep moved tens of
     * such cameras between online and offline each time (and re-checked
     * them, ending the pass seconds later). serve waits 5 s. */
    defaults.reply_timeout_ms = 3000;
    /* A camera that does not answer holds its slot for the whole reply
     * timeout: with 7 % of them at 1,024 in flight, a third of the slots
     * waited while the healthy majority queued. Still far below the
     * descriptor limit the cap is held under. */
    defaults.max_in_flight = 4096;
    /* Deep probes mostly wait on the network: more of them at once. */
    defaults.deep_workers = 8;
    defaults.log_level = LEVEL_ERROR;
    bool deep = take_deep_flag(&argc, argv);
    int rc = cli_service_options(cli, argc, argv, &cfg, &defaults, sweep_usage);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    log_set_level(cfg.log_level);
    cli_libav_log_setup();
    struct cli wcli = *cli;
    wcli.db_dir = cfg.db;
    struct store *store;
    if (cli_open_service(&wcli, &cfg, &store))
        return CLI_FAIL;

    struct sweep s = {.tty = isatty(2), .t0 = timefmt_now_ms()};
    uv_loop_init(&s.loop);
    struct monitor_opts mo = {.cfg = &cfg, .store = store, .sweep = true, .sweep_deep = deep,
                              .on_stopped = on_stopped, .data = &s};
    rc = monitor_new(&s.loop, &mo, &s.mon);
    if (!rc)
        rc = monitor_start(s.mon);
    if (rc) {
        cli_error("sweep: cannot start: %s", store_strerror(rc));
        monitor_free(&s.mon);
        uv_run(&s.loop, UV_RUN_DEFAULT);
        uv_loop_close(&s.loop);
        store_close(&store);
        return CLI_FAIL;
    }
    uv_timer_init(&s.loop, &s.progress);
    s.progress.data = &s;
    if (s.tty)
        uv_timer_start(&s.progress, on_progress, 100, 100);
    uv_signal_init(&s.loop, &s.sigint);
    uv_signal_init(&s.loop, &s.sigterm);
    s.sigint.data = s.sigterm.data = &s;
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    uv_run(&s.loop, UV_RUN_DEFAULT);

    struct monitor_stats st;
    monitor_get_stats(s.mon, &st);
    monitor_free(&s.mon);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    uv_loop_close(&s.loop);
    /* The summary opens the index read-only: LMDB wants one handle per
     * process, so the writer's goes first. */
    store_close(&store);
    double secs = (timefmt_now_ms() - s.t0) / 1000.0;
    cli_say(cli->lang, "sweep.swept", st.decided, secs, secs > 0 ? st.probes / secs : 0.0,
            (unsigned long long)st.probes, (unsigned long long)st.rechecks,
            (unsigned long long)st.transitions,
            s.interrupted ? msg_text("sweep.interrupted", cli->lang) : "");
    printf("\n\n");
    if (deep && st.deep_probes) {
        cli_say(cli->lang, "sweep.deep_looks", (unsigned long long)st.deep_probes);
        printf("\n\n");
    }
    if (st.skipped) {
        cli_say(cli->lang, "sweep.skipped", st.skipped);
        printf("\n\n");
    }
    if (st.last_commit_error) {
        cli_error("sweep: writing the index failed: %s", store_strerror((int)st.last_commit_error));
        return CLI_FAIL;
    }
    rc = print_summary(&wcli);
    return s.interrupted ? CLI_FAIL : rc;
}
