/* camfarm's network model (netmodel.c and its use in server.c, streams.c):
 * the options' parsing, the draws' ranges and shares, and on a live farm a
 * reply that never leaves before its round trips and think time, and lost
 * connections that get nothing, as many as the seeded draw says. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "farmclient.h"
#include "netmodel.h"

/* ---- pure parts ---- */

Test(netmodel, latency_think_and_loss_parse_with_limits)
{
    struct net_model m = {0};
    cr_assert_eq(net_model_parse_latency(&m, "40"), 0);
    cr_expect(m.latency_ms == 40 && m.jitter_ms == 0);
    cr_assert_eq(net_model_parse_latency(&m, "40:10"), 0);
    cr_expect(m.latency_ms == 40 && m.jitter_ms == 10);
    const char *bad_latency[] = {"", "-5", "40:", "40x", ":10", "10:20", "600001", "4e1"};
    for (size_t i = 0; i < sizeof(bad_latency) / sizeof(bad_latency[0]); i++)
        cr_expect_eq(net_model_parse_latency(&m, bad_latency[i]), -EINVAL, "\"%s\"",
                     bad_latency[i]);
    cr_expect(m.latency_ms == 40 && m.jitter_ms == 10, "a refused value changes nothing");

    cr_assert_eq(net_model_parse_think(&m, "50:300"), 0);
    cr_expect(m.think_min_ms == 50 && m.think_max_ms == 300);
    cr_assert_eq(net_model_parse_think(&m, "80"), 0);
    cr_expect(m.think_min_ms == 80 && m.think_max_ms == 80);
    cr_expect_eq(net_model_parse_think(&m, "300:50"), -EINVAL);
    cr_expect_eq(net_model_parse_think(&m, "50:"), -EINVAL);

    cr_assert_eq(net_model_parse_loss(&m, "0.005"), 0);
    cr_expect_eq(m.loss_ppm, 5000);
    cr_assert_eq(net_model_parse_loss(&m, "0.5%"), 0);
    cr_expect_eq(m.loss_ppm, 5000);
    cr_assert_eq(net_model_parse_loss(&m, "1"), 0);
    cr_expect_eq(m.loss_ppm, 1000000);
    const char *bad_loss[] = {"", "2", "-0.1", "abc", "0.5%%", "101%", "0.1x"};
    for (size_t i = 0; i < sizeof(bad_loss) / sizeof(bad_loss[0]); i++)
        cr_expect_eq(net_model_parse_loss(&m, bad_loss[i]), -EINVAL, "\"%s\"", bad_loss[i]);

    struct net_model off = {0};
    cr_expect_not(net_model_active(&off));
    cr_expect(net_model_active(&m));
}

Test(netmodel, draws_stay_in_range_and_average_the_latency)
{
    struct net_model m = {0};
    cr_assert_eq(net_model_parse_latency(&m, "40:10"), 0);
    cr_assert_eq(net_model_parse_think(&m, "50:300"), 0);
    uint64_t rng = 7, sum = 0, think_sum = 0;
    uint32_t lo = UINT32_MAX, hi = 0, tlo = UINT32_MAX, thi = 0;
    const uint64_t n = 100000;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t r = net_model_rtt_ms(&m, &rng), t = net_model_think_ms(&m, &rng);
        lo = r < lo ? r : lo;
        hi = r > hi ? r : hi;
        tlo = t < tlo ? t : tlo;
        thi = t > thi ? t : thi;
        sum += r;
        think_sum += t;
    }
    cr_expect(lo == 30 && hi == 50, "round trips from %u to %u ms", lo, hi);
    cr_expect(tlo == 50 && thi == 300, "think times from %u to %u ms", tlo, thi);
    /* Uniform: the means' standard errors are 5.8/sqrt(n) = 0.02 ms and
     * 72/sqrt(n) = 0.23 ms. */
    cr_expect(sum * 10 > 399 * n && sum * 10 < 401 * n, "mean round trip %.3f ms",
              (double)sum / (double)n);
    cr_expect(think_sum > 174 * n && think_sum < 176 * n, "mean think %.2f ms",
              (double)think_sum / (double)n);
    struct net_model flat = {.latency_ms = 25};
    cr_expect_eq(net_model_rtt_ms(&flat, &rng), 25, "no jitter, no spread");
}

Test(netmodel, loss_share_is_within_the_binomial_bound_and_fixed_by_the_seed)
{
    struct net_model m = {.seed = 1}, other = {.seed = 2};
    cr_assert_eq(net_model_parse_loss(&m, "0.5%"), 0);
    other.loss_ppm = m.loss_ppm;
    const int n = 200000;
    int lost = 0, differ = 0;
    for (int i = 0; i < n; i++) {
        bool l = net_model_lost(&m, (uint64_t)i);
        lost += l;
        differ += l != net_model_lost(&other, (uint64_t)i);
        if (i < 1000)
            cr_assert_eq(l, net_model_lost(&m, (uint64_t)i), "the same seed, the same draw");
    }
    /* Binomial(200,000, 0.005): mean 1,000, standard deviation 31.5; five of
     * them either side. */
    cr_expect(lost > 842 && lost < 1158, "%d of %d lost", lost, n);
    cr_expect_gt(differ, 1000, "another seed loses other connections");
    struct net_model none = {.seed = 1};
    for (int i = 0; i < 1000; i++)
        cr_assert_not(net_model_lost(&none, (uint64_t)i));
}

/* ---- a live farm ---- */

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static long stat_field(const struct fc_farm *f, const char *name)
{
    char out[4096], key[64];
    cr_assert_eq(fc_control(f, "stats", out, sizeof(out)), 0);
    snprintf(key, sizeof(key), "\"%s\":", name);
    const char *p = strstr(out, key);
    cr_assert_not_null(p, "stats without %s: %s", name, out);
    return strtol(p + strlen(key), NULL, 10);
}

/* The client's clock starts before connect() and before each send, so what
 * it measures is at least what camfarm held the reply. */
Test(netmodel, a_reply_never_leaves_before_its_round_trips_and_think_time, .timeout = 30)
{
    struct fc_farm farm = {0};
    const char *args[] = {"--latency", "150", "--think", "50", NULL};
    cr_assert_eq(fc_start(&farm, FC_FLEET, args), 0);
    static struct fc_reply rep;
    char u[256];
    fc_url(&farm, 1, u, sizeof(u));
    uint64_t t0 = now_ns();
    int fd = fc_connect(fc_ip(1), farm.rtsp_port, 5000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(fc_request(fd, "OPTIONS", u, 1, NULL, NULL, NULL, NULL), 0);
    cr_assert_eq(fc_read_reply(fd, &rep, 10000), 0);
    uint64_t first_ms = (now_ns() - t0) / 1000000;
    cr_expect_eq(rep.status, 200);
    /* The connection's round trip, the request's, the think time. */
    cr_expect_geq(first_ms, 150 + 150 + 50, "first reply after %llu ms",
                  (unsigned long long)first_ms);
    for (int i = 2; i <= 3; i++) {
        uint64_t t1 = now_ns();
        cr_assert_eq(fc_request(fd, "OPTIONS", u, i, NULL, NULL, NULL, NULL), 0);
        cr_assert_eq(fc_read_reply(fd, &rep, 10000), 0);
        uint64_t ms = (now_ns() - t1) / 1000000;
        cr_expect_eq(rep.cseq, i);
        cr_expect_geq(ms, 150 + 50, "reply %d after %llu ms", i, (unsigned long long)ms);
    }
    fc_close(fd);
    /* A "slow" camera holds its replies on top of the network's. */
    fc_url(&farm, 8, u, sizeof(u));
    fd = fc_connect(fc_ip(8), farm.rtsp_port, 5000);
    cr_assert_geq(fd, 0);
    t0 = now_ns();
    cr_assert_eq(fc_request(fd, "OPTIONS", u, 1, NULL, NULL, NULL, NULL), 0);
    cr_assert_eq(fc_read_reply(fd, &rep, 10000), 0);
    uint64_t slow_ms = (now_ns() - t0) / 1000000;
    cr_expect_geq(slow_ms, 700 + 150 + 50, "slow camera's reply after %llu ms",
                  (unsigned long long)slow_ms);
    fc_close(fd);
    cr_expect_eq(stat_field(&farm, "lost"), 0);
    cr_expect_eq(fc_stop(&farm), 0);
}

#define LOSS_CONNS 400

/* farmclient keeps buffers for a handful of connections; these hundreds
 * are plain sockets: connect, one OPTIONS, its reply head read whole. */
static int raw_connect(uint32_t ip, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip)};
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)); /* connect's deadline too */
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0, "connect: %s", strerror(errno));
    return fd;
}

static int raw_options(uint32_t ip, uint16_t port, int cseq)
{
    int fd = raw_connect(ip, port);
    char req[160];
    int n =
        snprintf(req, sizeof(req), "OPTIONS rtsp://127.0.0.1/ RTSP/1.0\r\nCSeq: %d\r\n\r\n", cseq);
    cr_assert_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    return fd;
}

struct raw_reply {
    char buf[2048];
    size_t len;
};

/* Reads what is there; true once the head is complete. */
static bool raw_read(int fd, struct raw_reply *r)
{
    ssize_t n = recv(fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len, MSG_DONTWAIT);
    cr_assert_gt(n, 0, "the reply was cut: %s", n < 0 ? strerror(errno) : "closed");
    r->len += (size_t)n;
    r->buf[r->len] = 0;
    return strstr(r->buf, "\r\n\r\n") != NULL;
}

/* 5 % of 400 connections: camfarm's own count, the connections left without
 * a byte and the seeded draw for connection numbers 0..399 all agree, and
 * the count is within the binomial bound. */
Test(netmodel, lost_connections_get_nothing_and_match_the_seeded_share, .timeout = 60)
{
    struct fc_farm farm = {0};
    const char *args[] = {"--loss", "5%", "--seed", "3", NULL};
    cr_assert_eq(fc_start(&farm, FC_FLEET, args), 0);
    struct net_model m = {.seed = 3};
    cr_assert_eq(net_model_parse_loss(&m, "5%"), 0);
    int expected = 0;
    for (int i = 0; i < LOSS_CONNS; i++)
        expected += net_model_lost(&m, (uint64_t)i);
    /* Binomial(400, 0.05): mean 20, standard deviation 4.4. */
    cr_assert(expected >= 3 && expected <= 37, "the draw loses %d", expected);

    static int fds[LOSS_CONNS];
    static bool answered[LOSS_CONNS];
    static struct raw_reply rep[LOSS_CONNS];
    const int cams[] = {1, 3, 44, 46};
    /* camfarm numbers connections as it accepts them, from four sockets
     * sharing the port: which of ours got which number is not fixed, how
     * many of numbers 0..399 the draw loses is. */
    for (int i = 0; i < LOSS_CONNS; i++)
        fds[i] = raw_options(fc_ip(cams[i % 4]), farm.rtsp_port, i + 1);
    /* Wait for every answer that should come and for camfarm to have taken
     * every connection, then nothing may be pending. */
    int got = 0;
    uint64_t deadline = fc_now_ms() + 20000;
    static struct pollfd p[LOSS_CONNS];
    while (got < LOSS_CONNS - expected && fc_now_ms() < deadline) {
        for (int i = 0; i < LOSS_CONNS; i++)
            p[i] = (struct pollfd){.fd = answered[i] ? -1 : fds[i], .events = POLLIN};
        if (poll(p, LOSS_CONNS, 1000) <= 0)
            continue;
        for (int i = 0; i < LOSS_CONNS; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)) || !raw_read(fds[i], &rep[i]))
                continue;
            char cseq[32];
            snprintf(cseq, sizeof(cseq), "CSeq: %d\r\n", i + 1);
            cr_expect(strncmp(rep[i].buf, "RTSP/1.0 200 ", 13) == 0 && strstr(rep[i].buf, cseq),
                      "connection %d: %s", i, rep[i].buf);
            answered[i] = true;
            got++;
        }
    }
    cr_assert_eq(got, LOSS_CONNS - expected, "answers: %d", got);
    long lost = stat_field(&farm, "lost");
    while (lost < expected && fc_now_ms() < deadline)
        lost = stat_field(&farm, "lost"); /* each a round trip on the control socket */
    cr_assert_eq(lost, expected, "camfarm counts %ld lost", lost);
    int silent = 0;
    for (int i = 0; i < LOSS_CONNS; i++) {
        if (answered[i])
            continue;
        struct pollfd q = {.fd = fds[i], .events = POLLIN};
        cr_expect_eq(poll(&q, 1, 0), 0, "lost connection %d has something to read", i);
        silent++;
    }
    cr_expect_eq(silent, expected);
    for (int i = 0; i < LOSS_CONNS; i++)
        close(fds[i]);
    cr_expect_eq(fc_stop(&farm), 0);
}

/* Waits up to 10 s for `need` bytes; returns how many came. */
static size_t raw_wait(int fd, char *buf, size_t need)
{
    size_t got = 0;
    uint64_t deadline = fc_now_ms() + 10000;
    while (got < need && fc_now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 1000) <= 0)
            continue;
        ssize_t n = recv(fd, buf + got, need - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return got;
}

/* The HTTP and RTMP sockets hold their replies as the RTSP one does: an
 * HLS playlist and an RTMP handshake reply, each the first reply of its
 * connection, come after two round trips and a think time. */
Test(netmodel, http_and_rtmp_replies_are_held_too, .timeout = 30)
{
    struct fc_farm farm = {0};
    const char *args[] = {"--latency", "150", "--think", "50", NULL};
    cr_assert_eq(fc_start_csv(&farm,
                              "id,url\nS1,http://127.2.0.1:8080/hls/S1.m3u8\n"
                              "S2,rtmp://127.2.0.2:1935/live/S2\n",
                              "", args),
                 0);
    static char buf[4096];
    uint64_t t0 = now_ns();
    int fd = raw_connect((127u << 24) | (2u << 16) | 1u, farm.http_port);
    const char get[] = "GET /hls/S1.m3u8 HTTP/1.1\r\nHost: 127.2.0.1\r\n\r\n";
    cr_assert_eq(send(fd, get, sizeof(get) - 1, MSG_NOSIGNAL), (ssize_t)sizeof(get) - 1);
    cr_assert_eq(raw_wait(fd, buf, 12), 12);
    uint64_t ms = (now_ns() - t0) / 1000000;
    cr_expect(strncmp(buf, "HTTP/1.1 200", 12) == 0, "%.12s", buf);
    cr_expect_geq(ms, 150 + 150 + 50, "playlist after %llu ms", (unsigned long long)ms);
    close(fd);

    t0 = now_ns();
    fd = raw_connect((127u << 24) | (2u << 16) | 2u, farm.rtmp_port);
    static char c0c1[1 + 1536] = {3};
    cr_assert_eq(send(fd, c0c1, sizeof(c0c1), MSG_NOSIGNAL), (ssize_t)sizeof(c0c1));
    cr_assert_eq(raw_wait(fd, buf, 1), 1);
    ms = (now_ns() - t0) / 1000000;
    cr_expect_eq(buf[0], 3, "S0 names RTMP version 3");
    cr_expect_geq(ms, 150 + 150 + 50, "handshake reply after %llu ms", (unsigned long long)ms);
    close(fd);
    cr_expect_eq(fc_stop(&farm), 0);
}

Test(netmodel, bad_values_are_refused_with_what_to_write, .timeout = 30)
{
    static char out[8192];
    const char *cases[][2] = {{"--latency", "10:20"}, {"--think", "300:50"}, {"--loss", "7"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *argv[] = {CAMFARM_BIN,   "--inventory", "/dev/null", "--clips",
                              CAMFARM_CLIPS, cases[i][0],   cases[i][1], NULL};
        int rc = fc_run(argv, out, sizeof(out), 10000);
        cr_expect_eq(rc, 2, "%s %s: exit %d", cases[i][0], cases[i][1], rc);
        cr_expect(strstr(out, cases[i][0]) && strstr(out, "e.g."), "%s", out);
    }
}
