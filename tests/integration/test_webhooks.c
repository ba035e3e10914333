/* Webhooks of `camdex serve` end to end: camfarm's cameras change state,
 * and a receiver inside this test (a thread with a listening socket)
 * checks every POST's signature, answers as each test scripts it (500s,
 * then 200; or not listening at all) and records what it acknowledged. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>

#include "farm.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS 12
#define SECRET  "wh-secret-81f3"

static char *tmp;
static char db[4200], fleet[4200];
static int rtsp_port, control_port;
static struct proc farm, serve;

/* ---- the receiver ---- */

#define RECV_MAX_EVENTS 4096

struct acked {
    uint64_t key;
    char camera[64], to[16];
};

static struct receiver {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int port, lfd;
    bool quit, listening;
    int script[16]; /* statuses to answer, in order (0: no answer at all); then 200 */
    size_t nscript, next;
    /* What came in. */
    size_t posts, bad_signatures, bad_requests;
    struct acked acked[RECV_MAX_EVENTS]; /* events of 2xx-answered POSTs, in order */
    size_t nacked;
    uint64_t failed_first[64]; /* first key of each POST answered 5xx */
    size_t nfailed;
} rx;

static int rx_listen(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16)) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool read_request(int fd, char *buf, size_t cap, size_t *len, char **body, size_t *blen)
{
    size_t n = 0;
    uint64_t deadline = procs_now_ms() + 5000;
    char *end = NULL;
    size_t want = 0;
    while (procs_now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0)
            return false;
        n += (size_t)r;
        buf[n] = 0;
        if (!end && (end = strstr(buf, "\r\n\r\n"))) {
            const char *cl = strcasestr(buf, "\r\ncontent-length:");
            if (!cl)
                return false;
            want = (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
        }
        if (end && n >= want) {
            *len = n;
            *body = end + 4;
            *blen = want - (size_t)(end + 4 - buf);
            return true;
        }
        if (n == cap - 1)
            return false;
    }
    return false;
}

static const char *header_value(const char *head, const char *name, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\r\n%s:", name);
    const char *h = strcasestr(head, pat);
    if (!h)
        return NULL;
    h += strlen(pat);
    h += strspn(h, " ");
    snprintf(out, cap, "%.*s", (int)strcspn(h, "\r\n"), h);
    return out;
}

static const char *str_or_empty(json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static void rx_handle(int fd)
{
    static char buf[1 << 20];
    size_t len;
    char *body;
    size_t blen;
    if (!read_request(fd, buf, sizeof(buf), &len, &body, &blen))
        return;
    char sig[128] = "", delivery[64] = "", ctype[64] = "";
    header_value(buf, "x-camdex-signature", sig, sizeof(sig));
    header_value(buf, "x-camdex-delivery", delivery, sizeof(delivery));
    header_value(buf, "content-type", ctype, sizeof(ctype));
    unsigned char mac[32];
    unsigned maclen = 0;
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (unsigned char *)body, blen, mac, &maclen);
    char want[80] = "sha256=";
    for (int i = 0; i < 32; i++)
        snprintf(want + 7 + 2 * i, 3, "%02x", mac[i]);
    json_t *j = json_loadb(body, blen, 0, NULL);
    json_t *evs = json_object_get(j, "events");
    pthread_mutex_lock(&rx.mu);
    rx.posts++;
    int status = rx.next < rx.nscript ? rx.script[rx.next++] : 200;
    if (strcmp(sig, want) != 0)
        rx.bad_signatures++;
    uint64_t first = 0, last = 0;
    char expect_delivery[64] = "";
    if (json_array_size(evs)) {
        first = (uint64_t)json_integer_value(json_object_get(json_array_get(evs, 0), "key"));
        last = (uint64_t)json_integer_value(
            json_object_get(json_array_get(evs, json_array_size(evs) - 1), "key"));
        snprintf(expect_delivery, sizeof(expect_delivery), "%" PRIu64 "-%" PRIu64, first, last);
    }
    if (!j || !json_array_size(evs) || strcmp(ctype, "application/json") != 0 ||
        strcmp(delivery, expect_delivery) != 0 ||
        strcmp(str_or_empty(json_object_get(j, "webhook")), "hook") != 0)
        rx.bad_requests++;
    if (status / 100 == 2) {
        size_t i;
        json_t *ev;
        json_array_foreach(evs, i, ev)
        {
            if (rx.nacked == RECV_MAX_EVENTS)
                break;
            struct acked *a = &rx.acked[rx.nacked++];
            a->key = (uint64_t)json_integer_value(json_object_get(ev, "key"));
            snprintf(a->camera, sizeof(a->camera), "%s",
                     str_or_empty(json_object_get(ev, "camera")));
            snprintf(a->to, sizeof(a->to), "%s", str_or_empty(json_object_get(ev, "to")));
        }
    } else if (rx.nfailed < 64) {
        rx.failed_first[rx.nfailed++] = first;
    }
    pthread_cond_broadcast(&rx.cv);
    pthread_mutex_unlock(&rx.mu);
    json_decref(j);
    if (!status) {
        /* A receiver that hangs until the webhook gives up and closes:
         * its timeout, not a guess at how long it takes, ends this. */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        char c;
        uint64_t end = procs_now_ms() + 60000;
        while (procs_now_ms() < end && poll(&p, 1, 1000) >= 0) {
            ssize_t r = p.revents ? recv(fd, &c, 1, MSG_DONTWAIT) : -1;
            if (r == 0 || (r < 0 && p.revents && errno != EAGAIN))
                break;
        }
        return;
    }
    char resp[128];
    int n = snprintf(resp, sizeof(resp),
                     "HTTP/1.1 %d X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
    send(fd, resp, (size_t)n, MSG_NOSIGNAL);
}

static void *rx_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&rx.mu);
        bool quit = rx.quit;
        int lfd = rx.lfd;
        pthread_mutex_unlock(&rx.mu);
        if (quit)
            return NULL;
        if (lfd < 0) {
            usleep(20 * 1000); /* down: nothing to wait on but the test's say-so */
            continue;
        }
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            continue;
        rx_handle(fd);
        close(fd);
    }
}

static void rx_start(const int *script, size_t n)
{
    pthread_mutex_init(&rx.mu, NULL);
    pthread_cond_init(&rx.cv, NULL);
    rx.port = procs_free_port();
    rx.lfd = rx_listen(rx.port);
    cr_assert_geq(rx.lfd, 0);
    if (n)
        memcpy(rx.script, script, n * sizeof(*script));
    rx.nscript = n;
    pthread_create(&rx.thread, NULL, rx_main, NULL);
}

/* Down: the port refuses connections. Up: it listens again. */
static void rx_set_up(bool up)
{
    pthread_mutex_lock(&rx.mu);
    if (!up && rx.lfd >= 0) {
        close(rx.lfd);
        rx.lfd = -1;
    } else if (up && rx.lfd < 0) {
        rx.lfd = rx_listen(rx.port);
        cr_assert_geq(rx.lfd, 0, "cannot listen on %d again", rx.port);
    }
    pthread_mutex_unlock(&rx.mu);
}

static void rx_stop(void)
{
    pthread_mutex_lock(&rx.mu);
    rx.quit = true;
    pthread_mutex_unlock(&rx.mu);
    pthread_join(rx.thread, NULL);
    if (rx.lfd >= 0)
        close(rx.lfd);
}

/* Waits until an acknowledged POST held `camera` going `to` in an event
 * after key `after`; returns that event's key. */
static uint64_t rx_wait_acked(const char *camera, const char *to, uint64_t after, int ms)
{
    uint64_t deadline = procs_now_ms() + (uint64_t)ms;
    pthread_mutex_lock(&rx.mu);
    for (;;) {
        for (size_t i = 0; i < rx.nacked; i++)
            if (rx.acked[i].key > after && strcmp(rx.acked[i].camera, camera) == 0 &&
                strcmp(rx.acked[i].to, to) == 0) {
                uint64_t k = rx.acked[i].key;
                pthread_mutex_unlock(&rx.mu);
                return k;
            }
        if (procs_now_ms() >= deadline)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&rx.cv, &rx.mu, &ts);
    }
    pthread_mutex_unlock(&rx.mu);
    cr_assert_fail("the receiver never acknowledged %s going %s", camera, to);
    return 0;
}

/* ---- the service ---- */

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    rtsp_port = procs_free_port();
    control_port = procs_free_port();
    farm_generate(fleet, CAMERAS, 11, rtsp_port);
    struct run r = CAMDEX("import", fleet);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    farm_start(&farm, fleet, rtsp_port, control_port, NULL);
}

static void teardown(void)
{
    if (serve.pid > 0)
        proc_stop(&serve, SIGKILL, 5000);
    proc_stop(&farm, SIGTERM, 10000);
    rx_stop();
    testutil_rmdir(tmp);
}

TestSuite(webhooks, .init = setup, .fini = teardown, .timeout = 240);

static char ready_line[4096]; /* the notifier's "webhook ready" line */

static void start_serve(void)
{
    static char url[128];
    snprintf(url, sizeof(url), "webhook.hook.url=http://127.0.0.1:%d/camdex", rx.port);
    char *argv[] = {CAMDEX_BIN,
                    "--db",
                    db,
                    "serve",
                    "--interval",
                    "2s",
                    "--depth",
                    "describe",
                    "--recheck-delay",
                    "300ms",
                    "--fail-threshold",
                    "2",
                    "--recover-threshold",
                    "1",
                    "--connect-timeout",
                    "500ms",
                    "--reply-timeout",
                    "500ms",
                    "--set",
                    "http.listen=127.0.0.1:0",
                    "--set",
                    url,
                    "--set",
                    "webhook.hook.secret=" SECRET,
                    "--set",
                    "webhook.hook.batch_max=5",
                    "--set",
                    "webhook.hook.timeout=2s",
                    "--log-level",
                    "debug",
                    NULL};
    proc_start(&serve, 2, argv);
    cr_assert(proc_wait_line(&serve, 10000, "msg=\"webhook ready\"", "webhook=hook", NULL),
              "no webhook: %s", serve.last);
    snprintf(ready_line, sizeof(ready_line), "%s", serve.last);
    cr_assert(proc_wait_line(&serve, 10000, "msg=serving", NULL), "serve did not start: %s",
              serve.last);
}

static void stop_serve(void)
{
    int rc = proc_stop(&serve, SIGTERM, 15000);
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

/* The first camera with an RTSP URL after `skip` of them. */
static void rtsp_camera(char *id, size_t n, int skip)
{
    farm_rtsp_camera(db, skip, id, n);
}

static void farm_do(const char *verb, const char *id)
{
    char cmd[128], reply[256];
    snprintf(cmd, sizeof(cmd), "%s %s", verb, id);
    farm_control(control_port, cmd, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok", "%s: %s", cmd, reply);
}

/* Keys of every event in the index after `after`, from `camdex history`. */
static size_t index_keys_after(uint64_t after, uint64_t *keys, size_t cap)
{
    struct run r = CAMDEX("history", "--since", "1h", "--format", "json");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    json_t *evs = json_loads(r.out, 0, NULL);
    cr_assert(json_is_array(evs), "%s", r.out);
    size_t n = 0, i;
    json_t *ev;
    json_array_foreach(evs, i, ev)
    {
        uint64_t k = (uint64_t)json_integer_value(json_object_get(ev, "key"));
        if (k > after && n < cap)
            keys[n++] = k;
    }
    json_decref(evs);
    run_free(&r);
    return n;
}

/* Every event the index has after `after` (up to `upto`) was acknowledged
 * at least once, and acknowledged batches came in key order. */
static void assert_nothing_lost(uint64_t after, uint64_t upto)
{
    static uint64_t keys[RECV_MAX_EVENTS];
    size_t n = index_keys_after(after, keys, RECV_MAX_EVENTS);
    cr_assert_gt(n, 0);
    pthread_mutex_lock(&rx.mu);
    for (size_t i = 0; i < n; i++) {
        if (keys[i] > upto)
            break;
        bool found = false;
        for (size_t k = 0; k < rx.nacked && !found; k++)
            found = rx.acked[k].key == keys[i];
        cr_assert(found, "event %" PRIu64 " was never delivered", keys[i]);
    }
    pthread_mutex_unlock(&rx.mu);
}

Test(webhooks, signed_batches_are_retried_through_500s_and_nothing_is_lost)
{
    static const int script[] = {500, 0, 503};
    rx_start(script, 3);
    start_serve();
    /* A new webhook starts after the newest event: here, none yet. */
    cr_assert(strstr(ready_line, "after=0 ") && strstr(ready_line, "new=yes"), "%s", ready_line);
    /* Every camera's first probe is an event (unknown -> online); the first
     * POSTs fail, and say so in the log. */
    cr_assert(proc_wait_line(&serve, 20000, "webhook delivery failed", "status=500", NULL), "%s",
              serve.last);
    char url[80];
    snprintf(url, sizeof(url), "url=http://127.0.0.1:%d/camdex", rx.port);
    cr_assert(strstr(serve.last, url), "%s", serve.last);
    /* The hanging receiver: cut off at the webhook's 2 s timeout. */
    cr_assert(proc_wait_line(&serve, 20000, "webhook delivery failed", "status=none", NULL), "%s",
              serve.last);
    cr_assert(strstr(serve.last, "timed out"), "%s", serve.last);
    cr_assert(proc_wait_line(&serve, 20000, "webhook delivery failed", "status=503", NULL), "%s",
              serve.last);
    cr_assert(proc_wait_line(&serve, 20000, "webhook delivering again", NULL), "%s", serve.last);
    char id[64];
    rtsp_camera(id, sizeof(id), 0);
    uint64_t online = rx_wait_acked(id, "online", 0, 30000);
    farm_do("kill", id);
    uint64_t offline = rx_wait_acked(id, "offline", online, 30000);
    farm_do("revive", id);
    uint64_t back = rx_wait_acked(id, "online", offline, 30000);
    stop_serve();
    cr_assert_null(strstr(serve.buf, SECRET), "the secret was logged");

    pthread_mutex_lock(&rx.mu);
    cr_assert_eq(rx.bad_signatures, 0, "%zu POSTs with a wrong signature", rx.bad_signatures);
    cr_assert_eq(rx.bad_requests, 0, "%zu POSTs without the right headers or body",
                 rx.bad_requests);
    cr_assert_eq(rx.nfailed, 3);
    /* The failed batch was sent again from the same first event. */
    cr_assert_eq(rx.failed_first[1], rx.failed_first[0]);
    cr_assert_eq(rx.failed_first[2], rx.failed_first[0]);
    cr_assert_eq(rx.acked[0].key, rx.failed_first[0], "the retried batch starts where it did");
    for (size_t i = 1; i < rx.nacked; i++)
        cr_assert_gt(rx.acked[i].key, rx.acked[i - 1].key,
                     "acknowledged events out of order or repeated");
    pthread_mutex_unlock(&rx.mu);
    assert_nothing_lost(0, back);
}

Test(webhooks, a_restart_while_the_receiver_is_down_loses_nothing_and_resends_no_acked_batch)
{
    rx_start(NULL, 0);
    start_serve();
    char id[64];
    rtsp_camera(id, sizeof(id), 0);
    uint64_t online = rx_wait_acked(id, "online", 0, 30000);

    /* The receiver goes away; a camera fails meanwhile. */
    rx_set_up(false);
    farm_do("kill", id);
    char cam[96];
    snprintf(cam, sizeof(cam), "camera=%s", id);
    cr_assert(proc_wait_line(&serve, 20000, "state change", cam, "to=offline", NULL), "%s",
              serve.last);
    cr_assert(proc_wait_line(&serve, 20000, "webhook delivery failed", "status=none", NULL), "%s",
              serve.last);
    stop_serve();
    pthread_mutex_lock(&rx.mu);
    size_t acked_before = rx.nacked;
    uint64_t last_acked = rx.acked[rx.nacked - 1].key;
    pthread_mutex_unlock(&rx.mu);

    /* Restarted, it resumes after exactly what was acknowledged. */
    start_serve();
    char after[64];
    snprintf(after, sizeof(after), "after=%" PRIu64 " ", last_acked);
    cr_assert(strstr(ready_line, after) && strstr(ready_line, "new=no"),
              "expected to resume %s: %s", after, ready_line);
    farm_do("revive", id);
    cr_assert(proc_wait_line(&serve, 20000, "state change", cam, "to=online", NULL), "%s",
              serve.last);
    rx_set_up(true);
    uint64_t offline = rx_wait_acked(id, "offline", online, 60000);
    uint64_t back = rx_wait_acked(id, "online", offline, 60000);
    stop_serve();

    pthread_mutex_lock(&rx.mu);
    cr_assert_eq(rx.bad_signatures, 0);
    cr_assert_eq(rx.bad_requests, 0);
    cr_assert_gt(rx.nacked, acked_before);
    for (size_t i = acked_before; i < rx.nacked; i++)
        cr_assert_gt(rx.acked[i].key, last_acked,
                     "event %" PRIu64 " was acknowledged before the restart and sent again",
                     rx.acked[i].key);
    pthread_mutex_unlock(&rx.mu);
    assert_nothing_lost(0, back);
}
