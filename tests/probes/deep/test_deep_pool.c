/* Tests for probes/deep/deep_pool.c: results come back on the loop thread, the
 * queue is bounded, queued requests can be cancelled, and closing the pool
 * with probes in flight returns promptly. The probes run against in-test
 * sockets (refused ports, a listener that never answers). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <libavutil/log.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "deep_pool.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listener that never answers: connections sit in its backlog. */
static int silent_listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(fd, 64), 0);
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Wait until `n` probes have connected to the silent listener: accepting
 * them is the event that proves the workers are inside libav. */
static void wait_connections(int lfd, int n, int *conns, int timeout_ms)
{
    int64_t end = mono_ms() + timeout_ms;
    for (int got = 0; got < n;) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        int left = (int)(end - mono_ms());
        cr_assert(left > 0 && poll(&p, 1, left) == 1, "only %d of %d probes connected", got, n);
        conns[got++] = accept(lfd, NULL, NULL);
    }
}

static uint16_t refused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

/* ---- one test's loop and its bookkeeping ---- */

struct fixture {
    uv_loop_t loop;
    uv_timer_t guard;
    struct deep_pool *pool;
    pthread_t loop_thread;
    int done, cancelled, wrong_thread;
    bool guard_fired;
};

static struct fixture fx;

struct job {
    struct deep_request req;
    int status;
    bool called;
    int calls;
    enum probe_reason reason;
};

static void on_done(struct deep_request *req, int status)
{
    struct job *j = req->data;
    j->called = true;
    j->calls++;
    j->status = status;
    j->reason = req->result.base.reason;
    fx.done++;
    if (status == -ECANCELED)
        fx.cancelled++;
    if (!pthread_equal(pthread_self(), fx.loop_thread))
        fx.wrong_thread++;
    deep_result_clear(&req->result);
}

static void on_guard(uv_timer_t *t)
{
    fx.guard_fired = true;
}

static void setup(void)
{
    av_log_set_level(AV_LOG_QUIET);
    memset(&fx, 0, sizeof(fx));
    cr_assert_eq(uv_loop_init(&fx.loop), 0);
    fx.loop_thread = pthread_self();
    uv_timer_init(&fx.loop, &fx.guard);
    uv_unref((uv_handle_t *)&fx.guard);
}

static void teardown(void)
{
    if (fx.pool)
        deep_pool_close(&fx.pool);
    uv_close((uv_handle_t *)&fx.guard, NULL);
    uv_run(&fx.loop, UV_RUN_DEFAULT); /* runs the pool's close callback */
    cr_expect_eq(uv_loop_close(&fx.loop), 0, "every handle was closed");
}

/* Run the loop until `n` callbacks have come, failing after timeout_ms. */
static void run_until_done(int n, int timeout_ms)
{
    fx.guard_fired = false;
    uv_timer_start(&fx.guard, on_guard, (uint64_t)timeout_ms, 0);
    uv_ref((uv_handle_t *)&fx.guard);
    while (fx.done < n && !fx.guard_fired)
        uv_run(&fx.loop, UV_RUN_ONCE);
    uv_timer_stop(&fx.guard);
    uv_unref((uv_handle_t *)&fx.guard);
    cr_assert_geq(fx.done, n, "only %d of %d callbacks within %d ms", fx.done, n, timeout_ms);
}

static struct job *new_jobs(int n)
{
    struct job *j = calloc((size_t)n, sizeof(*j));
    cr_assert_not_null(j);
    for (int i = 0; i < n; i++)
        j[i].req.data = &j[i];
    return j;
}

static int submit(struct job *j, uint16_t port, uint32_t deadline_ms)
{
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%u/x", port);
    struct deep_opts o;
    deep_opts_default(&o);
    o.deadline_ms = deadline_ms;
    return deep_pool_submit(fx.pool, &j->req, url, NULL, &o, on_done);
}

TestSuite(deep_pool, .init = setup, .fini = teardown);

Test(deep_pool, results_come_back_on_the_loop_thread_once_each)
{
    cr_assert_eq(deep_pool_new(&fx.loop, 3, 16, &fx.pool), 0);
    struct job *j = new_jobs(8);
    uint16_t port = refused_port();
    for (int i = 0; i < 8; i++)
        cr_assert_eq(submit(&j[i], port, 2000), 0);
    run_until_done(8, 10000);
    cr_expect_eq(fx.wrong_thread, 0, "callbacks ran on a worker thread");
    for (int i = 0; i < 8; i++) {
        cr_expect_eq(j[i].calls, 1, "job %d: %d callbacks", i, j[i].calls);
        cr_expect_eq(j[i].status, 0);
        cr_expect_eq(j[i].reason, PROBE_R_CONNECT_REFUSED, "job %d: %s", i,
                     probe_reason_name(j[i].reason));
    }
    struct deep_pool_stats st;
    deep_pool_stats(fx.pool, &st);
    cr_expect_eq(st.submitted, 8);
    cr_expect_eq(st.completed, 8);
    cr_expect_eq(st.queued + st.running + st.done_waiting, 0);
    deep_pool_close(&fx.pool);
    cr_expect_null(fx.pool);
    uv_run(&fx.loop, UV_RUN_DEFAULT);
    free(j);
}

/* The nice value of each thread named `name`, into nices[]; returns how
 * many there are. */
static int thread_nices(const char *name, int *nices, int cap)
{
    char path[320], comm[64], stat[1024];
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f || !fgets(comm, sizeof(comm), f) || strncmp(comm, name, strlen(name)) != 0) {
            if (f)
                fclose(f);
            continue;
        }
        fclose(f);
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
        f = fopen(path, "r");
        cr_assert_not_null(f);
        cr_assert_not_null(fgets(stat, sizeof(stat), f));
        fclose(f);
        /* After "(comm)": state, then fields 4..19; nice is field 19. */
        const char *t = strrchr(stat, ')');
        cr_assert_not_null(t);
        int field = 2;
        for (t++; *t && field < 19; t++)
            if (*t == ' ')
                field++;
        nices[n++] = atoi(t);
    }
    closedir(d);
    return n;
}

Test(deep_pool, workers_run_nicer_than_the_loop)
{
    errno = 0;
    int base = getpriority(PRIO_PROCESS, 0);
    cr_assert(!(base == -1 && errno));
    if (base > 19 - 10)
        cr_skip_test("the test runs at nice %d: a worker cannot be 10 nicer than that", base);
    cr_assert_eq(deep_pool_new(&fx.loop, 2, 4, &fx.pool), 0);
    /* A worker takes its nice value before its name: both named, both set. */
    int nices[8], n = 0;
    int64_t end = mono_ms() + 30000;
    while ((n = thread_nices("camdex-deep", nices, 8)) < 2 && mono_ms() < end)
        poll(NULL, 0, 10);
    cr_assert_eq(n, 2, "%d workers named", n);
    for (int i = 0; i < n; i++)
        cr_expect_eq(nices[i], base + 10, "worker %d at nice %d, the loop at %d", i, nices[i], base);
    cr_expect_eq(getpriority(PRIO_PROCESS, 0), base, "the loop thread kept its own");
}

Test(deep_pool, a_numeric_host_goes_with_the_request)
{
    cr_assert_eq(deep_pool_new(&fx.loop, 1, 4, &fx.pool), 0);
    struct job *j = new_jobs(1);
    char url[64];
    snprintf(url, sizeof(url), "rtsp://camera.invalid:%u/x", refused_port());
    cr_assert_eq(deep_pool_submit(fx.pool, &j->req, url, "127.0.0.1", NULL, on_done), 0);
    run_until_done(1, 10000);
    cr_expect_eq(j->reason, PROBE_R_CONNECT_REFUSED, "%s", probe_reason_name(j->reason));
    free(j);
}

Test(deep_pool, full_queue_refuses_with_eagain_and_never_calls_back)
{
    uint16_t port;
    int lfd = silent_listener(&port);
    cr_assert_eq(deep_pool_new(&fx.loop, 1, 2, &fx.pool), 0);
    struct job *j = new_jobs(4);
    /* One worker and two queue slots: at most one request has left the
     * queue, so the fourth cannot fit whatever the worker did. */
    int rc[4];
    for (int i = 0; i < 4; i++)
        rc[i] = submit(&j[i], port, 500);
    cr_expect_eq(rc[0], 0);
    cr_expect_eq(rc[1], 0);
    cr_expect(rc[2] == 0 || rc[2] == -EAGAIN, "%d", rc[2]);
    cr_expect_eq(rc[3], -EAGAIN);
    int accepted = 0;
    for (int i = 0; i < 4; i++)
        accepted += rc[i] == 0;
    run_until_done(accepted, 10000);
    cr_expect_not(j[3].called, "a refused request gets no callback");
    struct deep_pool_stats st;
    deep_pool_stats(fx.pool, &st);
    cr_expect_eq(st.rejected, (uint64_t)(4 - accepted));
    close(lfd);
    free(j);
}

Test(deep_pool, queued_request_is_cancelled_running_one_is_busy)
{
    uint16_t port;
    int lfd = silent_listener(&port);
    cr_assert_eq(deep_pool_new(&fx.loop, 1, 4, &fx.pool), 0);
    struct job *j = new_jobs(2);
    cr_assert_eq(submit(&j[0], port, 800), 0);
    cr_assert_eq(submit(&j[1], port, 800), 0);
    int conn;
    wait_connections(lfd, 1, &conn, 5000); /* the worker has job 0 */
    cr_expect_eq(deep_pool_cancel(fx.pool, &j[0].req), -EBUSY);
    cr_expect_eq(deep_pool_cancel(fx.pool, &j[1].req), 0);
    cr_expect_eq(deep_pool_cancel(fx.pool, &j[1].req), -EBUSY, "cancelled, callback pending");
    run_until_done(2, 10000);
    cr_expect_eq(j[1].status, -ECANCELED);
    cr_expect_eq(j[0].status, 0);
    cr_expect_eq(j[0].reason, PROBE_R_RTSP_TIMEOUT, "%s", probe_reason_name(j[0].reason));
    cr_expect_eq(j[0].calls + j[1].calls, 2);
    cr_expect_eq(deep_pool_cancel(fx.pool, &j[1].req), -ENOENT, "back with its owner");
    close(conn);
    close(lfd);
    free(j);
}

Test(deep_pool, request_can_be_resubmitted_from_its_callback_state)
{
    cr_assert_eq(deep_pool_new(&fx.loop, 1, 4, &fx.pool), 0);
    struct job *j = new_jobs(1);
    uint16_t port = refused_port();
    cr_assert_eq(submit(j, port, 1000), 0);
    cr_expect_eq(submit(j, port, 1000), -EBUSY, "in flight");
    run_until_done(1, 10000);
    cr_assert_eq(submit(j, port, 1000), 0, "idle again after its callback");
    run_until_done(2, 10000);
    cr_expect_eq(j->calls, 2);
    free(j);
}

Test(deep_pool, close_with_probes_in_flight_returns_promptly_and_calls_everyone_back)
{
    uint16_t port;
    int lfd = silent_listener(&port);
    cr_assert_eq(deep_pool_new(&fx.loop, 2, 8, &fx.pool), 0);
    struct job *j = new_jobs(5);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(submit(&j[i], port, 20000), 0);
    int conns[2];
    wait_connections(lfd, 2, conns, 5000); /* both workers are blocked in libav */
    int64_t t0 = mono_ms();
    deep_pool_close(&fx.pool);
    int64_t took = mono_ms() - t0;
    /* Well under the probes' 20 s deadlines, which are what close would
     * otherwise wait for; the margin is for a loaded machine. */
    cr_expect_lt(took, 10000, "close took %lld ms with 20 s deadlines in flight", (long long)took);
    cr_expect_null(fx.pool);
    cr_expect_eq(fx.done, 5, "every callback ran inside close");
    cr_expect_eq(fx.cancelled, 5, "queued and interrupted requests are all cancelled");
    cr_expect_eq(fx.wrong_thread, 0);
    for (int i = 0; i < 5; i++)
        cr_expect_eq(j[i].calls, 1);
    uv_run(&fx.loop, UV_RUN_DEFAULT);
    close(conns[0]);
    close(conns[1]);
    close(lfd);
    free(j);
}

Test(deep_pool, bad_arguments_are_refused)
{
    struct deep_pool *p = NULL;
    cr_expect_eq(deep_pool_new(&fx.loop, 0, 4, &p), -EINVAL);
    cr_expect_eq(deep_pool_new(&fx.loop, 2, 0, &p), -EINVAL);
    cr_expect_eq(deep_pool_new(NULL, 2, 4, &p), -EINVAL);
    cr_assert_eq(deep_pool_new(&fx.loop, 1, 4, &fx.pool), 0);
    struct job *j = new_jobs(1);
    cr_expect_eq(deep_pool_submit(fx.pool, &j->req, "rtsp://127.0.0.1/", NULL, NULL, NULL),
                 -EINVAL);
    char long_url[PROBE_URL_MAX + 10];
    memset(long_url, 'a', sizeof(long_url) - 1);
    long_url[sizeof(long_url) - 1] = '\0';
    cr_expect_eq(deep_pool_submit(fx.pool, &j->req, long_url, NULL, NULL, on_done), -ENAMETOOLONG);
    cr_expect_eq(deep_pool_cancel(fx.pool, &j->req), -ENOENT);
    free(j);
}
