/* `camdex serve`: the monitoring service. Probes every camera on schedule
 * until SIGTERM, re-reads the inventory on SIGHUP or when `camdex import`
 * changed the index, and talks to systemd (READY, WATCHDOG, STATUS). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "base/config.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "cli/cli_internal.h"
#include "cluster/cluster.h"
#include "cli/serve_route.h"
#include "engine/monitor.h"
#include "http/http_server.h"
#include "inventory/import.h"
#include "notify/notifier.h"

static const char serve_usage[] =
    "usage: camdex serve [--config FILE] [--interval T] [--depth D] [--inventory FILE]\n"
    "                    [--log-level L] [--set SECTION.KEY=VALUE]...\n\n"
    "Runs the monitoring service in the foreground (systemd: Type=notify).\n"
    "Every camera of the index is probed each interval, start times spread by\n"
    "camera id; state changes are logged (logfmt on stderr) and recorded.\n"
    "SIGHUP re-imports the configured inventory file and reloads; an import by\n"
    "`camdex import` into the same index is picked up within seconds.\n"
    "SIGTERM or SIGINT: in-flight probes are ended (sessions torn down), results\n"
    "committed, exit 0.\n";

struct service {
    uv_loop_t loop;
    struct config cfg;
    struct store *store;
    struct monitor *mon;
    uv_signal_t sigint, sigterm, sighup;
    uv_timer_t status_timer, watchdog_timer, inventory_timer, status_log_timer;
    struct monitor_stats last; /* at the previous status line, for rates */
    uint64_t inventory_rev;
    bool reload_again; /* a SIGHUP came during a reload */
    bool stopping;
    bool failed; /* stopped because a part could not start */
    struct http_server *http; /* HTTP API and metrics, NULL when off */
    struct notifier *notifier; /* webhooks, NULL when none */
    /* [cluster]: a prober's publisher, or the central's zone consumers */
    struct cluster_prober *prober;
    struct cluster_central *central;
    uv_async_t central_async; /* the central committed events: tell the API and webhooks */
    struct serve_route route; /* operations on cameras, central to prober */
};

static uint64_t inventory_rev(struct store *s)
{
    struct store_read *r;
    const void *v;
    size_t n;
    uint64_t rev = 0;
    if (store_read_begin(s, &r) == 0) {
        if (store_meta_get(r, IMPORT_REV_KEY, &v, &n) == 0 && n == 8)
            memcpy(&rev, v, 8);
        store_read_end(&r);
    }
    return rev;
}

static void send_status(struct service *sv)
{
    struct monitor_stats st;
    monitor_get_stats(sv->mon, &st);
    sd_notifyf(0, "STATUS=%u cameras, %u online, %u offline, %u degraded, %u in flight",
               st.cameras, st.count[STORE_ONLINE], st.count[STORE_OFFLINE],
               st.count[STORE_DEGRADED], st.in_flight);
}

static void on_status(uv_timer_t *t)
{
    send_status(t->data);
}

/* p99 of the schedule lag from the histogram: the bucket bound it falls in. */
static uint32_t lag_p99(const struct monitor_stats *now, const struct monitor_stats *then)
{
    uint64_t total = now->lag_count - then->lag_count, seen = 0;
    if (!total)
        return 0;
    for (size_t b = 0; b <= MONITOR_LAG_BUCKETS; b++) {
        seen += now->lag_bucket[b] - then->lag_bucket[b];
        if (seen * 100 >= total * 99)
            return b < MONITOR_LAG_BUCKETS ? monitor_lag_bounds[b] : UINT32_MAX;
    }
    return UINT32_MAX;
}

/* p99 of the commit time over the window, in ms: the bucket bound it falls
 * in (a commit past every bound shows as the largest commit seen). */
static double commit_p99_ms(const struct monitor_stats *now, const struct monitor_stats *then)
{
    uint64_t total = now->commit_hist.count - then->commit_hist.count, seen = 0;
    if (!total)
        return 0;
    for (size_t b = 0; b <= MONITOR_US_BUCKETS; b++) {
        seen += now->commit_hist.bucket[b] - then->commit_hist.bucket[b];
        if (seen * 100 >= total * 99)
            return (b < MONITOR_US_BUCKETS ? monitor_us_bounds[b] : now->commit_us_max) / 1000.0;
    }
    return now->commit_us_max / 1000.0;
}

static void on_status_log(uv_timer_t *t)
{
    struct service *sv = t->data;
    struct monitor_stats st;
    monitor_get_stats(sv->mon, &st);
    double secs = sv->cfg.status_log_ms / 1000.0;
    char cams[16], on[16], off[16], deg[16], maint[16], rate[32], lag[16], commit[32];
    char commit_p99[32], batch[16], deep[32], diag[32], late[16], waiting[16];
    snprintf(cams, sizeof(cams), "%u", st.cameras);
    snprintf(on, sizeof(on), "%u", st.count[STORE_ONLINE]);
    snprintf(off, sizeof(off), "%u", st.count[STORE_OFFLINE]);
    snprintf(deg, sizeof(deg), "%u", st.count[STORE_DEGRADED]);
    snprintf(maint, sizeof(maint), "%u", st.count[STORE_MAINTENANCE]);
    snprintf(rate, sizeof(rate), "%.0f", (st.probes - sv->last.probes) / secs);
    snprintf(lag, sizeof(lag), "%u", lag_p99(&st, &sv->last));
    snprintf(commit, sizeof(commit), "%.1f", st.commit_us_last / 1000.0);
    /* Whether commits keep up (the window's worst and the last batch's
     * size) and whether the deep workers do: all their looks, the picture
     * diagnoses among them, and the diagnoses running late. */
    snprintf(commit_p99, sizeof(commit_p99), "%.1f", commit_p99_ms(&st, &sv->last));
    snprintf(batch, sizeof(batch), "%u", st.commit_batch_last);
    snprintf(deep, sizeof(deep), "%.1f", (st.deep_probes - sv->last.deep_probes) / secs);
    snprintf(diag, sizeof(diag), "%.1f", (st.diagnoses - sv->last.diagnoses) / secs);
    snprintf(late, sizeof(late), "%u", monitor_diagnoses_overdue(sv->mon));
    snprintf(waiting, sizeof(waiting), "%u", st.diagnoses_waiting);
    char gap[24];
    snprintf(gap, sizeof(gap), "%llu", (unsigned long long)monitor_start_gap_take(sv->mon));
    log_kv(LEVEL_INFO, "status", "cameras", cams, "online", on, "offline", off, "degraded", deg,
           "maintenance", maint, "probes_per_s", rate, "lag_p99_ms", lag, "commit_ms", commit,
           "commit_p99_ms", commit_p99, "commit_batch", batch, "deep_per_s", deep,
           "diagnoses_per_s", diag, "diagnoses_late", late, "diagnoses_waiting", waiting,
           "start_gap_max_ms", gap, NULL);
    sv->last = st;
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    /* Sent from the loop: if the loop stalls, systemd notices. */
    sd_notify(0, "WATCHDOG=1");
}

/* A reload under way. Its first part runs on a worker thread (the
 * monitor's), beside probing: the re-import of the inventory file and the
 * index's revision, then the monitor reads the new fleet. */
struct reload_job {
    struct service *sv;
    const char *why;
    bool reimport;
    bool import_failed; /* said so in the log already */
    uint64_t rev;       /* the index's inventory revision the reload reads */
};

/* Worker thread: re-import the configured inventory file (SIGHUP, start). */
static int reload_before(void *data)
{
    struct reload_job *j = data;
    struct service *sv = j->sv;
    if (sv->cfg.inventory[0] && j->reimport) {
        struct inventory inv;
        struct inv_errors *errs = calloc(1, sizeof(*errs));
        if (!errs)
            return -ENOMEM;
        inv_init(&inv);
        int rc = inv_load_file(sv->cfg.inventory, INV_FMT_AUTO, INV_ENC_AUTO, &inv, errs);
        if (rc) {
            log_kv(LEVEL_ERROR, "inventory not reloaded: it has errors; the running inventory "
                                "stays",
                   "file", sv->cfg.inventory, "first_error", errs->count ? errs->msg[0] : "",
                   NULL);
            inv_free(&inv);
            free(errs);
            j->import_failed = true;
            return rc < 0 ? rc : -EINVAL;
        }
        free(errs);
        struct import_result res;
        rc = import_apply(sv->store, &inv, true, false, &res);
        inv_free(&inv);
        if (rc) {
            log_kv(LEVEL_ERROR, "inventory import failed", "error", store_strerror(rc), NULL);
            j->import_failed = true;
            return rc;
        }
        char a[16], c[16], d[16];
        snprintf(a, sizeof(a), "%u", res.added);
        snprintf(c, sizeof(c), "%u", res.changed);
        snprintf(d, sizeof(d), "%u", res.removed);
        log_kv(LEVEL_INFO, "inventory imported", "file", sv->cfg.inventory, "added", a,
               "changed", c, "removed", d, NULL);
    }
    j->rev = inventory_rev(sv->store);
    return 0;
}

static void reload(struct service *sv, const char *why, bool reimport);

/* Loop thread: the new fleet is probing (or the reload failed). */
static void reload_done(void *data, int status)
{
    struct reload_job *j = data;
    struct service *sv = j->sv;
    if (!status)
        sv->inventory_rev = j->rev;
    if (!status)
        log_kv(LEVEL_INFO, "reloaded", "why", j->why, NULL);
    else if (!j->import_failed && status != -ECANCELED)
        log_kv(LEVEL_ERROR, "reload failed", "error", store_strerror(status), NULL);
    free(j);
    /* A SIGHUP that came during the reload asked for the file read again. */
    if (sv->reload_again && !sv->stopping) {
        sv->reload_again = false;
        reload(sv, "SIGHUP", true);
    }
}

/* `reimport`: read the configured inventory file first (SIGHUP, start). */
static void reload(struct service *sv, const char *why, bool reimport)
{
    if (monitor_reloading(sv->mon)) {
        /* The index poll tries again by itself; a SIGHUP is kept. */
        sv->reload_again = sv->reload_again || reimport;
        return;
    }
    struct reload_job *j = calloc(1, sizeof(*j));
    int rc = j ? 0 : -ENOMEM;
    if (j)
        *j = (struct reload_job){.sv = sv, .why = why, .reimport = reimport};
    if (!rc && (rc = monitor_reload(sv->mon, reload_before, reload_done, j)))
        free(j);
    if (rc && rc != -ECANCELED)
        log_kv(LEVEL_ERROR, "reload failed", "error", store_strerror(rc), NULL);
}

static void on_inventory_poll(uv_timer_t *t)
{
    struct service *sv = t->data;
    if (inventory_rev(sv->store) != sv->inventory_rev)
        reload(sv, "index changed", false);
}

static void close_all(struct service *sv)
{
    serve_route_stop(&sv->route);
    http_server_stop(&sv->http); /* HTTP API: waits for answers in progress */
    notifier_stop(&sv->notifier); /* after the API, which shows its counters */
    cluster_prober_stop(&sv->prober);
    cluster_central_stop(&sv->central);
    uv_handle_t *ca = (uv_handle_t *)&sv->central_async;
    if (sv->cfg.cluster_role == CONFIG_ROLE_CENTRAL && !uv_is_closing(ca))
        uv_close(ca, NULL);
    uv_handle_t *hs[] = {(uv_handle_t *)&sv->sigint,         (uv_handle_t *)&sv->sigterm,
                         (uv_handle_t *)&sv->sighup,         (uv_handle_t *)&sv->status_timer,
                         (uv_handle_t *)&sv->watchdog_timer, (uv_handle_t *)&sv->inventory_timer,
                         (uv_handle_t *)&sv->status_log_timer};
    for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
        if (!uv_is_closing(hs[i]))
            uv_close(hs[i], NULL);
}

static void on_stopped(void *data)
{
    struct service *sv = data;
    log_kv(LEVEL_INFO, "stopped: probes ended, results committed", NULL);
    close_all(sv);
}

/* Each committed transition, on the loop: subscribers read it from the
 * index on their own threads. */
static void on_event(void *data, const struct store_event *ev)
{
    (void)ev;
    struct service *sv = data;
    http_server_notify(sv->http);
    notifier_notify(sv->notifier);
    cluster_prober_notify(sv->prober);
}

static void on_central_commit_loop(uv_async_t *a)
{
    on_event(a->data, NULL);
}

/* From a zone's thread of the central. */
static void on_central_commit(void *data)
{
    struct service *sv = data;
    uv_async_send(&sv->central_async);
}

static char *cluster_metrics(void *data)
{
    struct service *sv = data;
    return cluster_metrics_text(sv->prober, sv->cfg.cluster_zone, sv->central);
}

/* [cluster] role: a prober publishes what it commits; a central probes
 * nothing and fills its index from the zones. Not reaching NATS is not
 * fatal: both keep trying. */
static int cluster_start(struct service *sv)
{
    char err[320];
    int rc = 0;
    if (sv->cfg.cluster_role == CONFIG_ROLE_PROBER)
        rc = cluster_prober_start(&sv->cfg, sv->store, &sv->prober, err, sizeof(err));
    if (sv->cfg.cluster_role == CONFIG_ROLE_CENTRAL) {
        uv_async_init(&sv->loop, &sv->central_async, on_central_commit_loop);
        sv->central_async.data = sv;
        rc = cluster_central_start(&sv->cfg, sv->store, on_central_commit, sv, &sv->central, err,
                                   sizeof(err));
    }
    if (rc)
        cli_error("serve: [cluster] %s", err);
    else if (sv->prober || sv->central)
        http_server_set_metrics_extra(sv->http, cluster_metrics, sv);
    if (!rc)
        serve_route_start(&sv->route, &sv->cfg, sv->http);
    return rc;
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct service *sv = h->data;
    if (signum == SIGHUP) {
        if (sv->cfg.cluster_role != CONFIG_ROLE_CENTRAL)
            reload(sv, "SIGHUP", true);
        return;
    }
    if (sv->stopping)
        return;
    sv->stopping = true;
    sd_notify(0, "STOPPING=1");
    log_kv(LEVEL_INFO, "stopping", "signal", signum == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
    uv_timer_stop(&sv->inventory_timer);
    monitor_stop(sv->mon);
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
    static struct service sv;
    memset(&sv, 0, sizeof(sv));
    cli_json_heap();
    int rc = cli_service_options(cli, argc, argv, &sv.cfg, NULL, serve_usage);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    log_set_level(sv.cfg.log_level);
    cli_libav_log_setup();
    struct cli wcli = *cli;
    wcli.db_dir = sv.cfg.db;
    if (cli_open_service(&wcli, &sv.cfg, &sv.store))
        return CLI_FAIL;
    uv_loop_init(&sv.loop);
    struct monitor_opts mo = {.cfg = &sv.cfg, .store = sv.store, .on_stopped = on_stopped,
                              .on_event = on_event, .data = &sv};
    bool central = sv.cfg.cluster_role == CONFIG_ROLE_CENTRAL;
    if (central && sv.cfg.inventory[0]) {
        cli_error("serve: [camdex] inventory is set, but a central's cameras come from its zones' "
                  "probers: import each inventory at the prober of its zone");
        store_close(&sv.store);
        return CLI_FAIL;
    }
    rc = monitor_new(&sv.loop, &mo, &sv.mon);
    if (!rc && !central)
        rc = monitor_start(sv.mon);
    /* With an inventory file configured, start from it, as SIGHUP would. */
    if (!rc && sv.cfg.inventory[0])
        reload(&sv, "start", true);
    if (rc) {
        cli_error("serve: cannot start: %s", store_strerror(rc));
        monitor_free(&sv.mon);
        uv_run(&sv.loop, UV_RUN_DEFAULT);
        uv_loop_close(&sv.loop);
        store_close(&sv.store);
        return CLI_FAIL;
    }
    sv.inventory_rev = inventory_rev(sv.store);
    /* ---- HTTP API and metrics (indexer/http/http_server.c), on their own thread.
     * Not listening is logged, not fatal: probing is the service's job. */
    char http_err[320];
    /* ---- webhooks (indexer/notify/notifier.c), on their own thread. A webhook
     * that cannot start is logged, not fatal, like the API. */
    if (notifier_start(&sv.cfg, sv.store, &sv.notifier, http_err, sizeof(http_err)))
        log_kv(LEVEL_ERROR, "webhooks off", "error", http_err, NULL);
    if (http_server_start(&sv.loop, &sv.cfg, sv.store, sv.mon, sv.notifier, &sv.http, http_err,
                          sizeof(http_err)))
        log_kv(LEVEL_ERROR, "HTTP API off", "error", http_err, NULL);
    else if (sv.http)
        log_kv(LEVEL_INFO, "http listening", "address", http_server_address(sv.http), NULL);
    /* ---- end HTTP API */
    uv_signal_init(&sv.loop, &sv.sigint);
    uv_signal_init(&sv.loop, &sv.sigterm);
    uv_signal_init(&sv.loop, &sv.sighup);
    sv.sigint.data = sv.sigterm.data = sv.sighup.data = &sv;
    uv_signal_start(&sv.sigint, on_signal, SIGINT);
    uv_signal_start(&sv.sigterm, on_signal, SIGTERM);
    uv_signal_start(&sv.sighup, on_signal, SIGHUP);
    uv_timer_init(&sv.loop, &sv.status_timer);
    uv_timer_init(&sv.loop, &sv.watchdog_timer);
    uv_timer_init(&sv.loop, &sv.inventory_timer);
    uv_timer_init(&sv.loop, &sv.status_log_timer);
    sv.status_timer.data = sv.watchdog_timer.data = sv.inventory_timer.data = &sv;
    sv.status_log_timer.data = &sv;
    if (sv.cfg.status_log_ms)
        uv_timer_start(&sv.status_log_timer, on_status_log, sv.cfg.status_log_ms,
                       sv.cfg.status_log_ms);
    uv_timer_start(&sv.status_timer, on_status, 1000, 5000);
    if (!central)
        uv_timer_start(&sv.inventory_timer, on_inventory_poll, 2000, 2000);
    if (cluster_start(&sv)) {
        sv.stopping = sv.failed = true;
        monitor_stop(sv.mon);
    }
    uint64_t wd_usec = 0;
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec >= 2000)
        uv_timer_start(&sv.watchdog_timer, on_watchdog, 0, wd_usec / 2000);
    sd_notify(0, "READY=1");
    log_kv(LEVEL_INFO, "serving", "db", sv.cfg.db, "depth", config_depth_name(sv.cfg.depth),
           NULL);
    uv_run(&sv.loop, UV_RUN_DEFAULT);
    monitor_free(&sv.mon);
    uv_run(&sv.loop, UV_RUN_DEFAULT);
    uv_loop_close(&sv.loop);
    store_close(&sv.store);
    return sv.failed ? CLI_FAIL : CLI_OK;
}
