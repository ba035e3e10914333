/* `camdex serve`'s HTTP server against hostile clients: stalled heads, a
 * thousand connections, held and unauthenticated bodies, foreign Host
 * values, HTTP/2. The hostile client connects from 127.0.0.2, the normal
 * one from 127.0.0.1, and every test asserts that the normal client is
 * still answered within a deadline. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/resource.h>

#include "api_serve.h"

#define NORMAL_DEADLINE_MS 3000 /* a normal request's whole answer */
#define MANY               1000

/* Starts the service with the tokens (unless `open`) and up to four more
 * settings. */
static void start(bool open, const char *s1, const char *s2, const char *s3, const char *s4)
{
    const char *args[API_SERVE_ARGS_MAX] = {"--interval", "60s", "--log-level", "info"};
    size_t n = 4;
    static const char *const tokens[] = {API_TOKENS};
    for (size_t i = 0; !open && i < sizeof(tokens) / sizeof(tokens[0]); i++)
        args[n++] = tokens[i];
    const char *extra[] = {s1, s2, s3, s4};
    for (int i = 0; i < 4; i++)
        if (extra[i]) {
            args[n++] = "--set";
            args[n++] = extra[i];
        }
    api_serve_argv(args, n);
}

static void setup(void)
{
    /* A thousand client sockets, and the server's as many: raise this
     * process's soft limit (the hard one is far above). */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    api_index(50, 3);
}

TestSuite(hostile, .init = setup, .fini = api_teardown, .timeout = 180);

/* ---- the two clients ---- */

/* A connection from 127.0.0.2: another address than the normal client's. */
static int connect_hostile(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
    struct sockaddr_in me = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000002)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0, "bind: %s", strerror(errno));
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)http_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "connect: %s",
                 strerror(errno));
    return fd;
}

/* True once the server has closed fd (end of input or a reset), false if
 * it is still open at the deadline. Reads and drops what comes. */
static bool closed_by_server(int fd, int ms)
{
    uint64_t end = procs_now_ms() + (uint64_t)ms;
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return true;
        if (n > 0)
            continue;
        uint64_t now = procs_now_ms();
        if (now >= end)
            return false;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        poll(&p, 1, (int)(end - now));
    }
}

/* Normal requests from 127.0.0.1, one after the other: each must be
 * answered (200) within NORMAL_DEADLINE_MS. Returns the slowest, in ms. */
static uint64_t normal_requests(int n, const char *token)
{
    int saved = http_wait_ms;
    http_wait_ms = NORMAL_DEADLINE_MS;
    uint64_t worst = 0;
    for (int i = 0; i < n; i++) {
        uint64_t t0 = procs_now_ms();
        struct resp r = request("GET", "/api/v1/summary", token, NULL);
        uint64_t took = procs_now_ms() - t0;
        cr_assert_eq(r.status, 200, "normal request %d: %d %s", i, r.status, r.body);
        resp_free(&r);
        worst = took > worst ? took : worst;
    }
    http_wait_ms = saved;
    return worst;
}

static long rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    long kib = -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/* ---- connections ---- */

Test(hostile, a_thousand_stalled_heads_leave_the_api_to_others)
{
    start(false, "http.header_timeout=30s", NULL, NULL, NULL);
    static int fds[MANY];
    static const char half[] = "GET /api/v1/summary HTTP/1.1\r\nHost: localhost\r\nAuthor";
    for (int i = 0; i < MANY; i++) {
        fds[i] = connect_hostile();
        send_all(fds[i], half, sizeof(half) - 1);
    }
    uint64_t worst = normal_requests(20, API_RO);
    cr_log_info("20 requests with %d stalled connections open: slowest %llu ms", MANY,
                (unsigned long long)worst);
    /* None was cut: the default caps leave room for all of them. */
    int open = 0;
    for (int i = 0; i < MANY; i++)
        open += !closed_by_server(fds[i], 0);
    cr_expect_eq(open, MANY, "%d of %d stalled connections are still open", open, MANY);
    for (int i = 0; i < MANY; i++)
        close(fds[i]);
}

Test(hostile, at_the_global_cap_the_busiest_address_loses_its_oldest)
{
    start(false, "http.max_conns=64", "http.max_conns_per_address=1000",
          "http.header_timeout=60s", NULL);
    static int fds[200];
    for (int i = 0; i < 200; i++) {
        fds[i] = connect_hostile();
        send_all(fds[i], "GET / HTTP/1.1\r\n", 16);
    }
    normal_requests(10, API_RO);
    /* The oldest were cut to make room: at most 64 of the hostile
     * connections can be open, and the newest is one of them. */
    cr_assert(!closed_by_server(fds[199], 0), "the newest connection was cut");
    int cut = 0;
    for (int i = 0; i < 200; i++)
        cut += closed_by_server(fds[i], i < 136 ? 5000 : 0);
    cr_assert_geq(cut, 136, "only %d of 200 were cut with a cap of 64", cut);
    for (int i = 0; i < 200; i++)
        close(fds[i]);
}

Test(hostile, an_address_past_its_cap_loses_its_oldest_not_its_newest)
{
    /* A reverse proxy's idle keep-alive connections must not lock it out. */
    start(false, "http.max_conns_per_address=8", "http.header_timeout=60s", NULL, NULL);
    int idle[20];
    for (int i = 0; i < 20; i++)
        idle[i] = connect_api();
    normal_requests(3, API_RO);
    cr_assert(closed_by_server(idle[0], 5000), "the oldest connection was not cut");
    for (int i = 0; i < 20; i++)
        close(idle[i]);
}

Test(hostile, a_head_not_sent_within_header_timeout_is_cut)
{
    start(false, "http.header_timeout=500ms", "http.timeout=60s", NULL, NULL);
    int fd = connect_hostile();
    send_all(fd, "GET / HTTP/1.1\r\nHost: local", 27);
    cr_assert(closed_by_server(fd, 10000), "a stalled head was not cut");
    close(fd);
    /* A connection that sends nothing at all is cut too. */
    fd = connect_hostile();
    cr_assert(closed_by_server(fd, 10000), "a silent connection was not cut");
    close(fd);
    normal_requests(3, API_RO);
    /* Operators see the cuts on a graph. */
    struct resp m = request("GET", "/metrics", API_RO, NULL);
    cr_assert_eq(m.status, 200, "%d %s", m.status, m.body);
    const char *line = strstr(m.body, "camdex_http_connections_cut_total{why=\"head_late\"} ");
    cr_assert_not_null(line, "no head_late counter in /metrics");
    cr_expect_geq(strtoull(strchr(line, '}') + 2, NULL, 10), 2, "%.80s", line);
    cr_expect_not_null(strstr(m.body, "\ncamdex_http_connections "));
    resp_free(&m);
}

/* ---- bodies ---- */

/* Sends `head` and then `sent` bytes of body on a new hostile connection,
 * as far as the socket takes them without waiting. */
static int hold_body(const char *head, size_t sent)
{
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof(chunk));
    int fd = connect_hostile();
    fcntl(fd, F_SETFL, O_NONBLOCK);
    send_all(fd, head, strlen(head));
    send_all(fd, chunk, sent < sizeof(chunk) ? sent : sizeof(chunk));
    return fd;
}

Test(hostile, unauthenticated_bodies_are_refused_unread)
{
    start(false, "http.max_body=1048576", "http.header_timeout=60s", "http.timeout=60s", NULL);
    long before = rss_kib(api.serve.pid);
    /* 200 clients declare a 1 MB body without a token, send most of it
     * and hold the rest. */
    enum { N = 200 };
    static int fds[N];
    static const char head[] = "POST /api/v1/inventory HTTP/1.1\r\nHost: localhost\r\n"
                               "Content-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n";
    for (int i = 0; i < N; i++)
        fds[i] = hold_body(head, 900000);
    normal_requests(10, API_RO);
    /* Each was told 401 from its head alone and its connection ended. */
    for (int i = 0; i < N; i++) {
        size_t n = 0;
        char *all = read_all(fds[i], 10000, &n);
        cr_assert_not_null(all, "held body %d: no answer", i);
        cr_assert(strncmp(all, "HTTP/1.1 401", 12) == 0, "held body %d: %.200s", i, all);
        free(all);
        close(fds[i]);
    }
    long after = rss_kib(api.serve.pid);
    cr_log_info("RSS %ld KiB before, %ld KiB after 200 unauthenticated 1 MB bodies", before,
                after);
    /* Unread, the bodies cost nothing: 200 MB would have been read before. */
    cr_expect_lt(after - before, 32 * 1024, "RSS grew from %ld to %ld KiB", before, after);
    normal_requests(3, API_RO);
}

Test(hostile, authenticated_bodies_are_held_to_the_budget)
{
    start(false, "http.max_body=1048576", "http.body_budget=4194304", "http.header_timeout=60s",
          "http.timeout=60s");
    /* 40 clients with the token declare 1 MB each and hold half of it:
     * four fit the 4 MiB budget, the others get 503 from their head. */
    enum { N = 40 };
    static int fds[N];
    static const char head[] = "POST /api/v1/inventory HTTP/1.1\r\nHost: localhost\r\n"
                               "Authorization: Bearer " API_RW "\r\nContent-Type: text/csv\r\n"
                               "Content-Length: 1000000\r\n\r\n";
    for (int i = 0; i < N; i++)
        fds[i] = hold_body(head, 500000);
    normal_requests(10, API_RO);
    int refused = 0;
    for (int i = 0; i < N; i++) {
        size_t n = 0;
        char *all = read_all(fds[i], i < 4 ? 0 : 10000, &n);
        if (all && strncmp(all, "HTTP/1.1 503", 12) == 0) {
            cr_assert(strstr(all, "Retry-After: 1"), "%.300s", all);
            cr_assert(strstr(all, "body_budget"), "%.300s", all);
            refused++;
        }
        free(all);
        close(fds[i]);
    }
    cr_assert_eq(refused, N - 4, "%d of %d held bodies refused with a budget for 4", refused, N);
    normal_requests(3, API_RO);
}

Test(hostile, a_body_on_a_kept_alive_connection_is_held_to_the_budget)
{
    start(false, "http.max_body=4194304", "http.body_budget=1048576", "http.header_timeout=60s",
          "http.timeout=60s");
    /* The gate sees only a connection's first request: a token holder's
     * next request is held to the budget by the sweep instead. */
    int fd = connect_hostile();
    static const char first[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
                                "Authorization: Bearer " API_RO "\r\n\r\n";
    send_all(fd, first, sizeof(first) - 1);
    char got[4096];
    size_t n = 0;
    uint64_t end = procs_now_ms() + 10000;
    while (!memmem(got, n, "\"ok\"", 4) && procs_now_ms() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            ssize_t r = recv(fd, got + n, sizeof(got) - n, 0);
            cr_assert_gt(r, 0, "the first request's answer did not come");
            n += (size_t)r;
        }
    }
    cr_assert(memmem(got, n, "\"ok\"", 4), "%.*s", (int)n, got);
    static const char head[] = "POST /api/v1/inventory HTTP/1.1\r\nHost: localhost\r\n"
                               "Authorization: Bearer " API_RW "\r\nContent-Type: text/csv\r\n"
                               "Content-Length: 4000000\r\n\r\n";
    send_all(fd, head, sizeof(head) - 1);
    char *part = malloc(2000000);
    memset(part, 'x', 2000000);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    send_all(fd, part, 2000000);
    free(part);
    char *all = read_all(fd, 10000, &n);
    cr_assert_not_null(all, "no answer to a body over the budget");
    cr_assert(strstr(all, "HTTP/1.1 503"), "%.300s", all);
    cr_assert(strstr(all, "Retry-After: 1"), "%.300s", all);
    cr_assert(strstr(all, "body_budget"), "%.300s", all);
    free(all);
    close(fd);
    normal_requests(3, API_RO);
}

Test(hostile, a_declared_body_over_max_body_is_refused_unread)
{
    start(false, NULL, NULL, NULL, NULL);
    /* 10 MB declared against the default 64 KiB: 413 before any of it. */
    static const char raw[] = "POST /api/v1/inventory HTTP/1.1\r\nHost: localhost\r\n"
                              "Authorization: Bearer " API_RW "\r\n"
                              "Content-Length: 10000000\r\nConnection: close\r\n\r\n";
    struct resp r = raw_request(raw, sizeof(raw) - 1);
    cr_assert_eq(r.status, 413, "%s", r.head);
    resp_free(&r);
    normal_requests(2, API_RO);
}

/* ---- Host ---- */

static int status_for_host(const char *host)
{
    char raw[512];
    int n = snprintf(raw, sizeof(raw),
                     "GET /api/v1/summary HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host);
    struct resp r = raw_request(raw, (size_t)n);
    int st = r.status;
    if (st == 421)
        assert_error(&r, 421, "unknown_host", "allowed_hosts");
    resp_free(&r);
    return st;
}

Test(hostile, without_tokens_only_known_hosts_are_answered)
{
    start(true, "http.allowed_hosts=camdex.example.org, ops.example.org:8443", NULL, NULL, NULL);
    char self[64];
    snprintf(self, sizeof(self), "127.0.0.1:%d", http_port);
    cr_assert_eq(status_for_host(self), 200);
    cr_assert_eq(status_for_host("127.0.0.1"), 200);
    cr_assert_eq(status_for_host("localhost"), 200);
    cr_assert_eq(status_for_host("LocalHost:8470"), 200);
    cr_assert_eq(status_for_host("[::1]:8470"), 200);
    cr_assert_eq(status_for_host("camdex.example.org"), 200);
    cr_assert_eq(status_for_host("ops.example.org:8443"), 200);
    /* A name rebound to this machine by a web page. */
    cr_assert_eq(status_for_host("attacker.example"), 421);
    cr_assert_eq(status_for_host("attacker.example:8470"), 421);
    cr_assert_eq(status_for_host("localhost.attacker.example"), 421);
    cr_assert_eq(status_for_host("127.0.0.1.attacker.example"), 421);
    cr_assert_eq(status_for_host("camdex.example.org.evil"), 421);
    /* With no Host at all (HTTP/1.0) nothing was rebound. */
    static const char raw[] = "GET /api/v1/summary HTTP/1.0\r\n\r\n";
    struct resp r = raw_request(raw, sizeof(raw) - 1);
    cr_assert_eq(r.status, 200, "%s", r.head);
    resp_free(&r);
}

Test(hostile, with_tokens_any_host_is_answered)
{
    start(false, NULL, NULL, NULL, NULL);
    static const char raw[] = "GET /api/v1/summary HTTP/1.1\r\nHost: camdex.internal\r\n"
                              "Authorization: Bearer " API_RO "\r\nConnection: close\r\n\r\n";
    struct resp r = raw_request(raw, sizeof(raw) - 1);
    cr_assert_eq(r.status, 200, "%s", r.head);
    resp_free(&r);
}

/* ---- HTTP/2 ---- */

Test(hostile, http2_is_not_spoken)
{
    start(false, NULL, NULL, NULL, NULL);
    /* Prior knowledge: the connection preface, then a SETTINGS frame. An
     * HTTP/2 server would answer with its own SETTINGS (type 4); h2o's
     * HTTP/1 parser refuses the preface and closes. */
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                  "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    int fd = connect_hostile();
    send_all(fd, preface, sizeof(preface) - 1);
    size_t n = 0;
    char *all = read_all(fd, 10000, &n);
    close(fd);
    cr_assert_not_null(all, "the preface was neither answered nor refused");
    cr_assert(n < 9 || all[3] != 0x04, "the server answered with HTTP/2 SETTINGS");
    free(all);
    /* Upgrade: answered in HTTP/1.1, not switched (101). The client ends
     * its side after the request so that the server closes after the
     * answer. */
    static const char up[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
                             "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                             "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";
    fd = connect_api();
    send_all(fd, up, sizeof(up) - 1);
    shutdown(fd, SHUT_WR);
    all = read_all(fd, 10000, &n);
    close(fd);
    cr_assert_not_null(all, "no answer to an h2c upgrade");
    cr_assert(strncmp(all, "HTTP/1.1 200", 12) == 0, "%.200s", all);
    free(all);
    normal_requests(2, API_RO);
}
