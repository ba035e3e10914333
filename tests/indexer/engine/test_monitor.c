/* Tests for the monitor (indexer/engine/monitor.c): a reload reads the
 * index on a worker thread while probing goes on, then the new fleet takes
 * over. The cameras point at a loopback port that is bound but not
 * listening, so every probe is refused at once and nothing waits on a
 * camera; the test waits on the monitor's counters, with a deadline. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "base/config.h"
#include "engine/monitor.h"
#include "store.h"
#include "testutil.h"

#define CAMERAS 40
/* Probes that must end while the reload's index read is held. */
#define PROBES_DURING 30

struct fix {
    uv_loop_t loop;
    struct config cfg;
    struct store *store;
    struct monitor *m;
    uv_check_t check;
    uv_timer_t deadline;
    char *dir;
    int port_fd;
    uint16_t port;
    /* The reload's worker waits in `hold` until the loop lets it go. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool held, released;
    uint64_t probes_at_hold; /* the monitor's probe count when the hold began */
    uint64_t probes_at_release;
    int second_reload; /* monitor_reload while one is under way */
    bool done;
    int status;
    uint32_t cameras_after;
    bool timed_out;
};

/* A port nobody listens on, kept bound so that no one else takes it. */
static void bind_refusing_port(struct fix *f)
{
    f->port_fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(f->port_fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(f->port_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    cr_assert_eq(getsockname(f->port_fd, (struct sockaddr *)&a, &len), 0);
    f->port = ntohs(a.sin_port);
}

static void put_cameras(struct fix *f, int from, int to)
{
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    for (int i = from; i < to; i++) {
        char id[32], url[96];
        snprintf(id, sizeof(id), "cam-%04d", i);
        snprintf(url, sizeof(url), "rtsp://127.0.0.1:%u/ch%d", (unsigned)f->port, i);
        struct store_camera c = {
            .id = id, .name = id, .unit_id = "u-1", .url = url, .address = "", .tags = ""};
        cr_assert_eq(store_batch_camera_put(b, &c, "Unit 1"), 0);
    }
    cr_assert_eq(store_batch_commit(f->store, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
}

static uint64_t probes(const struct fix *f)
{
    struct monitor_stats st;
    monitor_get_stats(f->m, &st);
    return st.probes;
}

/* Worker thread: the reload's first step, held until the loop has seen
 * probes end meanwhile. */
static int hold(void *data)
{
    struct fix *f = data;
    pthread_mutex_lock(&f->mu);
    f->held = true;
    while (!f->released)
        pthread_cond_wait(&f->cv, &f->mu);
    pthread_mutex_unlock(&f->mu);
    return 0;
}

static void on_reloaded(void *data, int status)
{
    struct fix *f = data;
    f->done = true;
    f->status = status;
    struct monitor_stats st;
    monitor_get_stats(f->m, &st);
    f->cameras_after = st.cameras;
    monitor_stop(f->m);
}

/* Each loop turn: release the held reload once enough probes ended. */
static void on_check(uv_check_t *c)
{
    struct fix *f = c->data;
    pthread_mutex_lock(&f->mu);
    bool held = f->held, released = f->released;
    pthread_mutex_unlock(&f->mu);
    if (!held || released)
        return;
    if (!f->probes_at_hold) {
        f->probes_at_hold = probes(f) + 1; /* +1: 0 means not seen yet */
        f->second_reload = monitor_reload(f->m, NULL, NULL, NULL);
        return;
    }
    if (probes(f) + 1 < f->probes_at_hold + PROBES_DURING)
        return;
    f->probes_at_release = probes(f) + 1;
    pthread_mutex_lock(&f->mu);
    f->released = true;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

static void on_deadline(uv_timer_t *t)
{
    struct fix *f = t->data;
    f->timed_out = true;
    pthread_mutex_lock(&f->mu);
    f->released = true; /* let the worker go, so that the loop can end */
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
    monitor_stop(f->m);
}

static void on_stopped(void *data)
{
    struct fix *f = data;
    uv_close((uv_handle_t *)&f->check, NULL);
    uv_close((uv_handle_t *)&f->deadline, NULL);
}

static void fix_start(struct fix *f)
{
    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    bind_refusing_port(f);
    f->dir = testutil_mkdtemp();
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    cr_assert_eq(store_open(f->dir, &o, &f->store), 0);
    put_cameras(f, 0, CAMERAS);
    config_default(&f->cfg);
    f->cfg.interval_ms = 1000;
    f->cfg.recheck_ms = 50;
    f->cfg.deep_workers = 0;
    f->cfg.commit_interval_ms = 50;
    uv_loop_init(&f->loop);
    struct monitor_opts mo = {
        .cfg = &f->cfg, .store = f->store, .on_stopped = on_stopped, .data = f};
    cr_assert_eq(monitor_new(&f->loop, &mo, &f->m), 0);
    cr_assert_eq(monitor_start(f->m), 0);
    uv_check_init(&f->loop, &f->check);
    f->check.data = f;
    uv_check_start(&f->check, on_check);
    uv_timer_init(&f->loop, &f->deadline);
    f->deadline.data = f;
    uv_timer_start(&f->deadline, on_deadline, 30000, 0);
}

static void fix_end(struct fix *f)
{
    monitor_free(&f->m);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_loop_close(&f->loop);
    store_close(&f->store);
    close(f->port_fd);
    testutil_rmdir(f->dir);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
}

Test(monitor_reload, probing_goes_on_while_the_index_is_read_and_the_new_fleet_takes_over)
{
    struct fix f;
    fix_start(&f);
    put_cameras(&f, CAMERAS, CAMERAS + 5); /* what the reload brings */
    cr_assert_eq(monitor_reload(f.m, hold, on_reloaded, &f), 0);
    cr_assert(monitor_reloading(f.m));
    uv_run(&f.loop, UV_RUN_DEFAULT);
    cr_assert_not(f.timed_out, "probing stopped during the reload: %llu probes ended while held",
                  (unsigned long long)(probes(&f) + 1 - f.probes_at_hold));
    cr_assert(f.done);
    cr_assert_eq(f.status, 0);
    /* PROBES_DURING probes ended while the worker held the reload: the loop
     * was never waiting for the index read. */
    cr_assert_geq(f.probes_at_release - f.probes_at_hold, PROBES_DURING);
    cr_assert_eq(f.second_reload, -EBUSY, "a second reload during the first: %d", f.second_reload);
    cr_assert_eq(f.cameras_after, CAMERAS + 5);
    cr_assert_not(monitor_reloading(f.m));
    fix_end(&f);
}

static void on_cancelled(void *data, int status)
{
    struct fix *f = data;
    f->done = true;
    f->status = status;
}

Test(monitor_reload, a_stop_during_the_read_cancels_the_reload_and_still_ends)
{
    struct fix f;
    fix_start(&f);
    cr_assert_eq(monitor_reload(f.m, hold, on_cancelled, &f), 0);
    /* Stop at once; the held worker is let go by the check below. */
    monitor_stop(f.m);
    cr_assert_eq(monitor_reload(f.m, NULL, NULL, NULL), -ECANCELED);
    pthread_mutex_lock(&f.mu);
    f.released = true;
    pthread_cond_signal(&f.cv);
    pthread_mutex_unlock(&f.mu);
    uv_run(&f.loop, UV_RUN_DEFAULT);
    cr_assert(f.done);
    cr_assert_eq(f.status, -ECANCELED);
    fix_end(&f);
}

/* ---- probes in flight across a reload ---- */

#define SILENT 10

struct carry {
    struct fix f;
    int listen_fd;
    bool reloaded;
    uint64_t probes_when_restarted; /* probes recorded when every camera had started twice */
    bool seen;
};

static void on_carry_reloaded(void *data, int status)
{
    struct carry *c = data;
    c->reloaded = status == 0;
}

/* Each loop turn: reload once every camera is in flight; stop once every
 * camera has started a second probe. */
static void on_carry_check(uv_check_t *h)
{
    struct carry *c = h->data;
    struct monitor_stats st;
    monitor_get_stats(c->f.m, &st);
    if (!c->f.done && st.in_flight == SILENT && st.lag_count == SILENT) {
        c->f.done = true; /* reload asked for */
        cr_assert_eq(monitor_reload(c->f.m, NULL, on_carry_reloaded, c), 0);
    }
    if (!c->seen && st.lag_count >= 2 * SILENT) {
        c->seen = true;
        c->probes_when_restarted = st.probes;
        monitor_stop(c->f.m);
    }
}

Test(monitor_reload, results_of_probes_in_flight_across_a_reload_are_kept)
{
    struct carry c;
    memset(&c, 0, sizeof(c));
    struct fix *f = &c.f;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    /* A port that accepts (the kernel's backlog) and never answers: each
     * probe waits for its reply timeout. */
    c.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    cr_assert_eq(bind(c.listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(c.listen_fd, 64), 0);
    socklen_t len = sizeof(a);
    cr_assert_eq(getsockname(c.listen_fd, (struct sockaddr *)&a, &len), 0);
    f->port = ntohs(a.sin_port);
    f->port_fd = dup(c.listen_fd);
    f->dir = testutil_mkdtemp();
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    cr_assert_eq(store_open(f->dir, &o, &f->store), 0);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    for (int i = 0; i < SILENT; i++) { /* one host each: the per-host cap is not in the way */
        char id[32], url[96];
        snprintf(id, sizeof(id), "cam-%04d", i);
        snprintf(url, sizeof(url), "rtsp://127.0.0.%d:%u/ch", i + 2, (unsigned)f->port);
        struct store_camera cam = {
            .id = id, .name = id, .unit_id = "u-1", .url = url, .address = "", .tags = ""};
        cr_assert_eq(store_batch_camera_put(b, &cam, "Unit 1"), 0);
    }
    cr_assert_eq(store_batch_commit(f->store, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    config_default(&f->cfg);
    f->cfg.interval_ms = 1000;
    f->cfg.reply_timeout_ms = 1500; /* longer than the interval: all in flight at once */
    f->cfg.total_timeout_ms = 1500;
    f->cfg.recheck_ms = 0;
    f->cfg.deep_workers = 0;
    f->cfg.commit_interval_ms = 50;
    uv_loop_init(&f->loop);
    struct monitor_opts mo = {
        .cfg = &f->cfg, .store = f->store, .on_stopped = on_stopped, .data = f};
    cr_assert_eq(monitor_new(&f->loop, &mo, &f->m), 0);
    cr_assert_eq(monitor_start(f->m), 0);
    uv_check_init(&f->loop, &f->check);
    f->check.data = &c;
    uv_check_start(&f->check, on_carry_check);
    uv_timer_init(&f->loop, &f->deadline);
    f->deadline.data = f;
    uv_timer_start(&f->deadline, on_deadline, 30000, 0);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    cr_assert_not(f->timed_out);
    cr_assert(c.reloaded);
    /* Each camera's first result was recorded before its second probe
     * started; dropped, the cameras would have started again with none. */
    cr_assert_geq(c.probes_when_restarted, SILENT, "%llu results kept of %d",
                  (unsigned long long)c.probes_when_restarted, SILENT);
    close(c.listen_fd);
    fix_end(f);
}
