/* indexer/notify/notifier.c: a batch that cannot be built is a failed
 * delivery (counted, with the lag of its first event), not silence, and the
 * events go out once it can be built again. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "notify/notifier.h"
#include "testutil.h"

/* jansson's allocator, failing while `starve` is set: the notifier's
 * thread then cannot build a batch, as when memory runs out. */
static atomic_bool starve;
static void *starving_malloc(size_t n)
{
    return atomic_load(&starve) ? NULL : malloc(n);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A listening socket nobody accepts on: connections wait in its backlog,
 * so whether a POST was attempted shows as a readable socket. */
static int listen_loopback(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(listen(fd, 16), 0);
    socklen_t len = sizeof(a);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static struct notifier_webhook_stats stats_now(struct notifier *n)
{
    struct notifier_webhook_stats st;
    cr_assert_eq(notifier_get_stats(n, &st, 1), 1);
    return st;
}

Test(notifier, a_batch_that_cannot_be_built_is_a_failed_delivery_with_its_lag)
{
    char *tmp = testutil_mkdtemp();
    struct store_options o;
    store_options_default(&o);
    o.no_sync = true;
    struct store *s;
    cr_assert_eq(store_open(tmp, &o, &s), 0);
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    struct store_camera c = {.id = "cam-1",
                             .name = "n",
                             .unit_id = "u-a",
                             .url = "rtsp://10.0.0.1/x",
                             .address = "",
                             .tags = ""};
    cr_assert_eq(store_batch_camera_put(b, &c, "Unit"), 0);
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_clear(b);

    uint16_t port;
    int lfd = listen_loopback(&port);
    struct config cfg;
    config_default(&cfg);
    struct config_webhook *w = &cfg.webhooks[cfg.nwebhooks++];
    snprintf(w->name, sizeof(w->name), "ops");
    snprintf(w->url, sizeof(w->url), "http://127.0.0.1:%u/hook", (unsigned)port);
    snprintf(w->secret, sizeof(w->secret), "s3cret");
    w->batch_max = 100;
    w->timeout_ms = 60000;

    char err[256];
    struct notifier *n = NULL;
    cr_assert_eq(notifier_start(&cfg, s, &n, err, sizeof(err)), 0, "%s", err);
    cr_assert_not_null(n);

    /* One new event, committed while jansson cannot allocate. */
    json_set_alloc_funcs(starving_malloc, free);
    atomic_store(&starve, true);
    const int64_t event_ms = 1700000000000;
    cr_assert_eq(store_batch_maintenance(b, "cam-1", true, "lens cleaning", event_ms), 0);
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    notifier_notify(n);

    /* Waits on the counters the metrics read, bounded by a deadline far
     * beyond any machine's speed. */
    struct notifier_webhook_stats st;
    int64_t deadline = now_ms() + 60000;
    do {
        st = stats_now(n);
        if (st.failed_network + st.failed_status > 0)
            break;
        usleep(5000);
    } while (now_ms() < deadline);
    atomic_store(&starve, false);

    cr_assert_gt(st.failed_network + st.failed_status, 0, "the failed batch was not counted");
    cr_expect_eq(st.delivered, 0);
    cr_expect_eq(st.oldest_pending_ms, event_ms,
                 "the lag must start at the event that could not be sent (%lld)",
                 (long long)st.oldest_pending_ms);
    cr_expect_geq(st.consecutive_failures, 1);
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    cr_expect_eq(poll(&p, 1, 0), 0, "a POST was attempted without a batch");

    /* Memory back: the same event is sent at the next retry. */
    int cfd = accept(lfd, NULL, NULL);
    cr_assert_geq(cfd, 0);
    char req[8192] = "";
    size_t got = 0;
    while (got < sizeof(req) - 1 && !strstr(req, "cam-1")) {
        ssize_t k = read(cfd, req + got, sizeof(req) - 1 - got);
        cr_assert_gt(k, 0, "the receiver got no batch");
        got += (size_t)k;
        req[got] = '\0';
    }
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    cr_assert_eq(write(cfd, ok, sizeof(ok) - 1), (ssize_t)sizeof(ok) - 1);
    /* The delivery is counted first and the lag cleared by the next read
     * after the cursor: wait for both. */
    deadline = now_ms() + 60000;
    do {
        st = stats_now(n);
        if (st.delivered && !st.oldest_pending_ms)
            break;
        usleep(5000);
    } while (now_ms() < deadline);
    cr_expect_eq(st.delivered, 1);
    cr_expect_eq(st.events, 1);
    cr_expect_eq(st.oldest_pending_ms, 0);
    close(cfd);

    notifier_stop(&n);
    json_set_alloc_funcs(malloc, free);
    close(lfd);
    store_batch_free(&b);
    store_close(&s);
    testutil_rmdir(tmp);
}
