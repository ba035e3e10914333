/* indexer/cluster/ops_*.c with a real nats-server: an operation the
 * central routes reaches the prober of the camera's zone, which passes it
 * to its own HTTP API (here a stand-in that records what it is asked and
 * answers what the test says) and sends the answer back byte for byte;
 * what no prober answers says so, naming nothing it should not; the
 * prober refuses what is not an operation; NATS permissions
 * (deploy/cluster/nats-accounts.conf) let only a zone's own prober answer
 * its zone. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cluster/ops.h"
#include "cluster/ops_wire.h"
#include "cluster_fixture.h"

/* ---- a stand-in for the prober's HTTP API ---- */

struct fake_api {
    int fd, port;
    pthread_t thread;
    bool silent;        /* read requests, answer none */
    char request[8192]; /* the last request as received */
    int requests;
    const char *reply; /* the whole HTTP answer */
    size_t reply_len;
    int stop_pipe[2];
    int held[8]; /* connections of silent answers, open until stop */
    int nheld;
};

static void fake_serve_one(struct fake_api *f, int c)
{
    size_t n = 0;
    char *buf = f->request;
    size_t body_at = 0, want = 0;
    while (n < sizeof(f->request) - 1) {
        struct pollfd p[2] = {{c, POLLIN, 0}, {f->stop_pipe[0], POLLIN, 0}};
        if (poll(p, 2, 10000) <= 0 || p[1].revents)
            break;
        ssize_t k = read(c, buf + n, sizeof(f->request) - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        buf[n] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (end && !body_at) {
            body_at = (size_t)(end + 4 - buf);
            char *cl = strcasestr(buf, "Content-Length:");
            want = cl && cl < end ? (size_t)atol(cl + 15) : 0;
        }
        if (body_at && n >= body_at + want)
            break;
    }
    __atomic_add_fetch(&f->requests, 1, __ATOMIC_SEQ_CST);
    if (f->silent && f->nheld < 8) {
        f->held[f->nheld++] = c;
        return;
    }
    ssize_t w = write(c, f->reply, f->reply_len);
    (void)w;
    close(c);
}

static void *fake_main(void *arg)
{
    struct fake_api *f = arg;
    for (;;) {
        struct pollfd p[2] = {{f->fd, POLLIN, 0}, {f->stop_pipe[0], POLLIN, 0}};
        if (poll(p, 2, 60000) <= 0 || p[1].revents)
            return NULL;
        int c = accept(f->fd, NULL, NULL);
        if (c >= 0)
            fake_serve_one(f, c);
    }
}

static void fake_start(struct fake_api *f, const char *reply, size_t len)
{
    memset(f, 0, sizeof(*f));
    f->reply = reply;
    f->reply_len = len;
    cr_assert_eq(pipe(f->stop_pipe), 0);
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(f->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t al = sizeof(a);
    getsockname(f->fd, (struct sockaddr *)&a, &al);
    f->port = ntohs(a.sin_port);
    cr_assert_eq(listen(f->fd, 8), 0);
    pthread_create(&f->thread, NULL, fake_main, f);
}

static void fake_stop(struct fake_api *f)
{
    ssize_t w = write(f->stop_pipe[1], "x", 1);
    (void)w;
    pthread_join(f->thread, NULL);
    for (int i = 0; i < f->nheld; i++)
        close(f->held[i]);
    close(f->fd);
    close(f->stop_pipe[0]);
    close(f->stop_pipe[1]);
}

/* ---- the test's world ---- */

TestSuite(cluster_ops, .init = fixture_nats_up, .fini = fixture_nats_down, .timeout = 120);

static struct cluster_ops_answer *answerer(const char *zone, const char *address,
                                           const struct natsd *n)
{
    struct config cfg;
    fixture_config(&cfg, n, zone);
    snprintf(cfg.token_rw, sizeof(cfg.token_rw), "%s", "rw-token-of-the-prober");
    struct cluster_ops_answer *a;
    char err[256];
    cr_assert_eq(cluster_ops_answer_start(&cfg, address, &a, err, sizeof(err)), 0, "%s", err);
    return a;
}

static struct cluster_router *router(const struct natsd *n)
{
    struct config cfg;
    fixture_config(&cfg, n, NULL);
    struct cluster_router *r;
    char err[256];
    cr_assert_eq(cluster_router_start(&cfg, &r, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_router_wait_connected(r, 10000), 0);
    return r;
}

/* The prober's subscription is made in the background: ask until someone
 * listens (no responders until then), within a deadline. */
static void call_until_heard(struct cluster_router *r, const struct cluster_op *op,
                             struct cluster_op_reply *rep)
{
    uint64_t deadline = procs_now_ms() + 10000;
    do {
        cluster_router_call(r, op, rep);
    } while (rep->rc == -EHOSTUNREACH && procs_now_ms() < deadline);
}

static const char jpeg_reply[] =
    "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n"
    "Content-Length: 6\r\nConnection: close\r\n\r\n\xff\xd8\x00\x01\xff\xd9";

Test(cluster_ops, an_operation_reaches_the_zones_api_and_its_answer_comes_back_as_it_was)
{
    struct fake_api f;
    fake_start(&f, jpeg_reply, sizeof(jpeg_reply) - 1);
    char address[64];
    snprintf(address, sizeof(address), "127.0.0.1:%d", f.port);
    struct cluster_ops_answer *a = answerer("a", address, &nd);
    struct cluster_router *r = router(&nd);
    static const char body[] = "{\"on\":true,\"note\":\"lens\"}";
    struct cluster_op op = {.zone = "a",
                            .method = "PUT",
                            .target = "/api/v1/cameras/a-1/maintenance?lang=zh",
                            .accept_language = "zh-CN",
                            .content_type = "application/json",
                            .body = body,
                            .body_len = strlen(body),
                            .timeout_ms = 5000};
    struct cluster_op_reply rep;
    call_until_heard(r, &op, &rep);
    cr_assert_eq(rep.rc, 0, "%s", strerror(-rep.rc));
    cr_expect_eq(rep.status, 200);
    cr_expect_str_eq(rep.content_type, "image/jpeg");
    cr_assert_eq(rep.body_len, 6);
    cr_expect_eq(memcmp(rep.body, "\xff\xd8\x00\x01\xff\xd9", 6), 0, "the bytes changed");
    free(rep.body);
    /* What the prober's API was asked: the same request, with the prober's
     * own read-write token. */
    static const char line[] = "PUT /api/v1/cameras/a-1/maintenance?lang=zh HTTP/1.1\r\n";
    cr_expect(strncmp(f.request, line, sizeof(line) - 1) == 0, "%s", f.request);
    cr_expect(strstr(f.request, "Authorization: Bearer rw-token-of-the-prober\r\n"), "%s",
              f.request);
    cr_expect(strstr(f.request, "Accept-Language: zh-CN\r\n"), "%s", f.request);
    cr_expect(strstr(f.request, "Content-Type: application/json\r\n"), "%s", f.request);
    cr_expect(strstr(f.request, "\r\n\r\n{\"on\":true,\"note\":\"lens\"}"), "%s", f.request);
    uint64_t answered, refused;
    cluster_ops_answer_counts(a, &answered, &refused);
    cr_expect_eq(answered, 1);
    cr_expect_eq(refused, 0);

    /* Not an operation: refused by the prober, its API never asked. */
    int before = f.requests;
    struct cluster_op bad = {
        .zone = "a", .method = "POST", .target = "/api/v1/inventory", .timeout_ms = 5000};
    cluster_router_call(r, &bad, &rep);
    cr_assert_eq(rep.rc, 0);
    cr_expect_eq(rep.status, 400);
    cr_expect(strstr(rep.body, "\"bad_operation\""), "%s", (char *)rep.body);
    free(rep.body);
    cr_expect_eq(f.requests, before);
    cluster_ops_answer_counts(a, &answered, &refused);
    cr_expect_eq(refused, 1);

    /* Zone b has no prober: said at once, not after the timeout. */
    op.zone = "b";
    op.timeout_ms = 60000;
    uint64_t t0 = procs_now_ms();
    cluster_router_call(r, &op, &rep);
    cr_expect_eq(rep.rc, -EHOSTUNREACH);
    cr_expect_lt(procs_now_ms() - t0, 30000);
    cluster_router_stop(&r);
    cluster_ops_answer_stop(&a);
    fake_stop(&f);
}

Test(cluster_ops, a_prober_without_an_api_says_so_naming_its_zone)
{
    struct cluster_ops_answer *a = answerer("east", "", &nd);
    struct cluster_router *r = router(&nd);
    struct cluster_op op = {.zone = "east",
                            .method = "POST",
                            .target = "/api/v1/cameras/e-1/probe",
                            .timeout_ms = 5000};
    struct cluster_op_reply rep;
    call_until_heard(r, &op, &rep);
    cr_assert_eq(rep.rc, 0);
    cr_expect_eq(rep.status, 503);
    cr_expect(strstr(rep.body, "\"prober_no_api\"") && strstr(rep.body, "zone east") &&
                  strstr(rep.body, "[http] listen"),
              "%s", (char *)rep.body);
    free(rep.body);
    cluster_router_stop(&r);
    cluster_ops_answer_stop(&a);
}

struct done_box {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int calls, rc;
};

static void on_done(void *data, const struct cluster_op_reply *rep)
{
    struct done_box *d = data;
    pthread_mutex_lock(&d->lock);
    d->calls++;
    d->rc = rep->rc;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

Test(cluster_ops, a_prober_that_does_not_answer_times_out_and_stopping_ends_every_wait)
{
    struct fake_api f;
    fake_start(&f, jpeg_reply, sizeof(jpeg_reply) - 1);
    f.silent = true;
    char address[64];
    snprintf(address, sizeof(address), "127.0.0.1:%d", f.port);
    struct cluster_ops_answer *a = answerer("a", address, &nd);
    struct cluster_router *r = router(&nd);
    struct cluster_op op = {
        .zone = "a", .method = "GET", .target = "/api/v1/cameras/a-1/thumbnail", .timeout_ms = 300};
    struct cluster_op_reply rep;
    call_until_heard(r, &op, &rep);
    cr_expect_eq(rep.rc, -ETIMEDOUT, "%d", rep.rc);
    /* One waiting for a long time: stopping the router ends it at once. */
    struct done_box d = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    op.timeout_ms = 60000;
    cr_assert_eq(cluster_router_send(r, &op, on_done, &d), 0);
    uint64_t deadline = procs_now_ms() + 10000;
    while (__atomic_load_n(&f.requests, __ATOMIC_SEQ_CST) < 2 && procs_now_ms() < deadline)
        ;
    cr_assert_geq(f.requests, 2, "the second request did not reach the prober's API");
    uint64_t t0 = procs_now_ms();
    cluster_router_stop(&r);
    cr_expect_lt(procs_now_ms() - t0, 10000, "stopping waited for the request's timeout");
    cr_expect_eq(d.calls, 1);
    cr_expect_eq(d.rc, -ECANCELED);
    /* The prober stops too, its worker's request to the API cut. */
    fake_stop(&f);
    cluster_ops_answer_stop(&a);
}

Test(cluster_ops, targets_a_prober_passes_on)
{
    static const struct {
        const char *method, *target;
        bool ok;
    } cases[] = {
        {"PUT", "/api/v1/cameras/a-1/maintenance", true},
        {"POST", "/api/v1/cameras/a-1/maintenance", true},
        {"POST", "/api/v1/cameras/a-1/probe?depth=deep&thumbnail=true", true},
        {"GET", "/api/v1/cameras/a-1/reference", true},
        {"DELETE", "/api/v1/cameras/a%2F1/reference", true},
        {"GET", "/api/v1/cameras/a-1/reference.png", true},
        {"GET", "/api/v1/cameras/a-1/thumbnail", true},
        {"GET", "/api/v1/cameras/a-1/probe", false},
        {"DELETE", "/api/v1/cameras/a-1/maintenance", false},
        {"GET", "/api/v1/cameras/a-1", false},
        {"GET", "/api/v1/cameras/a-1/events", false},
        {"POST", "/api/v1/inventory", false},
        {"GET", "/api/v1/cameras//thumbnail", false},
        {"GET", "/api/v1/cameras/../thumbnail", false},
        {"GET", "/api/v1/cameras/a/b/thumbnail", false},
        {"GET", "/api/v1/cameras/a-1/thumbnail#x", false},
        {"GET", "/api/v1/cameras/a 1/thumbnail", false},
        {"GET", "/api/v1/cameras/a-1/thumbnail\r\nX: y", false},
        {"get", "/api/v1/cameras/a-1/thumbnail", false},
        {"GETX", "/api/v1/cameras/a-1/thumbnail", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        cr_expect_eq(ops_target_ok(cases[i].method, cases[i].target, strlen(cases[i].target)),
                     cases[i].ok, "%s %s", cases[i].method, cases[i].target);
}

/* deploy/cluster/nats-accounts.conf on one node: zone west's prober cannot
 * listen for zone east's operations; east's own can, and may answer. */
static void accounts_config(struct config *cfg, int port, const char *user, const char *password,
                            const char *zone)
{
    config_default(cfg);
    snprintf(cfg->cluster_nats, sizeof(cfg->cluster_nats), "nats://127.0.0.1:%d", port);
    cfg->cluster_role = zone ? CONFIG_ROLE_PROBER : CONFIG_ROLE_CENTRAL;
    if (zone)
        snprintf(cfg->cluster_zone, sizeof(cfg->cluster_zone), "%s", zone);
    snprintf(cfg->cluster_user, sizeof(cfg->cluster_user), "%s", user);
    snprintf(cfg->cluster_password, sizeof(cfg->cluster_password), "%s", password);
}

Test(cluster_ops, only_a_zones_own_prober_may_answer_its_operations)
{
    setenv("CAMDEX_NATS_EAST_PASSWORD", "east-secret", 1);
    setenv("CAMDEX_NATS_WEST_PASSWORD", "west-secret", 1);
    setenv("CAMDEX_NATS_CENTRAL_PASSWORD", "central-secret", 1);
    char conf[4200], accounts[4200], cmd[9000];
    snprintf(accounts, sizeof(accounts), "%s/nats-accounts.conf", scratch);
    snprintf(cmd, sizeof(cmd), "cp '%s/../../deploy/cluster/nats-accounts.conf' '%s'",
             CAMDEX_TEST_DATA, accounts);
    cr_assert_eq(system(cmd), 0);
    int port = procs_free_port();
    snprintf(conf, sizeof(conf), "%s/node.conf", scratch);
    FILE *f = fopen(conf, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "listen: 127.0.0.1:%d\njetstream: {store_dir: \"%s/js-acc\"}\n"
            "include ./nats-accounts.conf\n",
            port, scratch);
    fclose(f);
    struct proc node = {0};
    char *argv[] = {NATS_SERVER, "-c", conf, NULL};
    proc_start(&node, 2, argv);
    cr_assert(proc_wait_line(&node, 20000, "Server is ready", NULL), "%s", node.last);

    struct config cc, wc, ec;
    accounts_config(&cc, port, "central", "central-secret", NULL);
    accounts_config(&wc, port, "prober-west", "west-secret", "east"); /* west, posing as east */
    accounts_config(&ec, port, "prober-east", "east-secret", "east");
    char err[256];
    struct cluster_router *r;
    cr_assert_eq(cluster_router_start(&cc, &r, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(cluster_router_wait_connected(r, 10000), 0);
    struct cluster_ops_answer *impostor;
    cr_assert_eq(cluster_ops_answer_start(&wc, "", &impostor, err, sizeof(err)), 0, "%s", err);
    struct cluster_op op = {.zone = "east",
                            .method = "GET",
                            .target = "/api/v1/cameras/e-1/thumbnail",
                            .timeout_ms = 3000};
    struct cluster_op_reply rep;
    /* The impostor's subscription is refused by the server: nobody hears. */
    uint64_t deadline = procs_now_ms() + 3000;
    do {
        cluster_router_call(r, &op, &rep);
        cr_assert_eq(rep.rc, -EHOSTUNREACH, "zone west's prober answered for zone east (%d)",
                     rep.rc);
        free(rep.body);
    } while (procs_now_ms() < deadline);
    uint64_t answered, refused;
    cluster_ops_answer_counts(impostor, &answered, &refused);
    cr_expect_eq(answered + refused, 0);
    cluster_ops_answer_stop(&impostor);

    struct cluster_ops_answer *own;
    cr_assert_eq(cluster_ops_answer_start(&ec, "", &own, err, sizeof(err)), 0, "%s", err);
    call_until_heard(r, &op, &rep);
    cr_assert_eq(rep.rc, 0, "zone east's own prober could not answer (%d)", rep.rc);
    cr_expect_eq(rep.status, 503); /* it has no API: but it answered */
    free(rep.body);
    cluster_ops_answer_stop(&own);
    cluster_router_stop(&r);
    proc_stop(&node, SIGTERM, 10000);
}
