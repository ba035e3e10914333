/* camfarm_bench: how many RTSP OPTIONS handshakes per second camfarm
 * serves. Each probe is connect + OPTIONS + reply + close, to a different
 * camera address each time, with many probes in flight. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <sys/resource.h>

#include <arpa/inet.h>
#include <uv.h>

#include "bench_reply.h"

struct bench {
    uv_loop_t *loop;
    uint32_t base_ip;
    unsigned cameras, port, deadline_ms;
    int reset; /* close with RST: leaves no TIME_WAIT behind on the client */
    int hold;  /* keep answered connections open until SIGINT/SIGTERM */
    unsigned long held;
    unsigned play_secs; /* -m: SETUP+PLAY each camera, then measure media for this long */
    uint64_t media_bytes, media_bytes0, media_t0;
    uv_timer_t play_timer;
    uv_signal_t sigint, sigterm;
    unsigned long total, started, done, ok, failed, timeouts;
    const char *path;
    uint64_t t0, t_end, lat_sum, lat_max;
    char rdbuf[4096];
};

struct probe {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_connect_t conn;
    struct bench *b;
    uint64_t t_start;
    unsigned cam;
    int handles, finished, phase; /* play mode: 0 SETUP sent, 1 PLAY sent */
    long cseq;
    size_t got;
    char head[BENCH_REPLY_MAX];
};

static void launch(struct bench *b);
static void on_play_done(uv_timer_t *t);
static void close_any(uv_handle_t *h, void *arg);

/* At the end of a hold run: free each probe once, when its last handle closes. */
static void on_closed_quiet(uv_handle_t *h)
{
    struct probe *p = h->data;
    if (p && --p->handles == 0)
        free(p);
}

static void on_closed(uv_handle_t *h)
{
    struct probe *p = h->data;
    if (--p->handles == 0) {
        struct bench *b = p->b;
        free(p);
        launch(b);
    }
}

static void finish(struct probe *p, int ok, int timeout)
{
    struct bench *b = p->b;
    if (p->finished)
        return;
    p->finished = 1;
    b->done++;
    if (b->done == b->total)
        b->t_end = uv_hrtime();
    if (ok && b->hold) {
        /* Keep the socket: this measures camfarm with many open clients. */
        uint64_t lat = uv_hrtime() - p->t_start;
        b->ok++;
        b->lat_sum += lat;
        if (lat > b->lat_max)
            b->lat_max = lat;
        uv_timer_stop(&p->timer);
        b->held++;
        if (b->done == b->total) {
            printf("camfarm_bench: holding %lu connections (Ctrl-C or SIGTERM ends)\n", b->held);
            fflush(stdout);
            if (b->play_secs) {
                b->media_bytes0 = b->media_bytes;
                b->media_t0 = uv_hrtime();
                uv_timer_start(&b->play_timer, on_play_done, b->play_secs * 1000ull, 0);
            }
        }
        launch(b);
        return;
    }
    if (ok) {
        b->ok++;
        uint64_t lat = uv_hrtime() - p->t_start;
        b->lat_sum += lat;
        if (lat > b->lat_max)
            b->lat_max = lat;
    } else {
        b->failed++;
        b->timeouts += (unsigned long)timeout;
    }
    uv_close((uv_handle_t *)&p->timer, on_closed);
    if (!(b->reset && ok && uv_tcp_close_reset(&p->tcp, on_closed) == 0))
        uv_close((uv_handle_t *)&p->tcp, on_closed);
}

static void on_timeout(uv_timer_t *t)
{
    finish(t->data, 0, 1);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct probe *p = h->data;
    (void)hint;
    buf->base = p->b->rdbuf;
    buf->len = sizeof(p->b->rdbuf);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct probe *p = s->data;
    if (n < 0) {
        finish(p, 0, 0);
        return;
    }
    if (p->phase == 1) {
        p->b->media_bytes += (uint64_t)n; /* RTP flowing (the PLAY reply too, a few bytes) */
        return;
    }
    /* Keep the first bytes for the status check; the reply ends at CRLFCRLF. */
    for (ssize_t i = 0; i < n && p->got < sizeof(p->head) - 1; i++)
        p->head[p->got++] = buf->base[i];
    p->head[p->got] = 0;
    if (!p->b->play_secs) {
        /* Counts only a whole 200 reply carrying this request's CSeq. */
        int rc = bench_reply_check(p->head, p->got, p->cseq);
        if (rc == 0 && p->got < sizeof(p->head) - 1)
            return;
        finish(p, rc > 0, 0);
        return;
    }
    if (!strstr(p->head, "\r\n\r\n"))
        return;
    int ok = p->got >= 12 && memcmp(p->head, "RTSP/1.0 200", 12) == 0;
    if (!ok) {
        finish(p, ok, 0);
        return;
    }
    /* SETUP answered: PLAY with its session, then count what flows. */
    const char *sess = strstr(p->head, "Session: ");
    char msg[512];
    if (!sess) {
        finish(p, 0, 0);
        return;
    }
    uint32_t ip = p->b->base_ip + p->cam;
    int n2 = snprintf(msg, sizeof(msg),
                      "PLAY rtsp://%u.%u.%u.%u:%u%s RTSP/1.0\r\nCSeq: %ld\r\nSession: %.*s\r\n\r\n",
                      ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, p->b->port, p->b->path,
                      p->cseq + 1, (int)strcspn(sess + 9, ";\r"), sess + 9);
    uv_buf_t b = {msg, (size_t)n2};
    if (uv_try_write((uv_stream_t *)&p->tcp, &b, 1) != n2) {
        finish(p, 0, 0);
        return;
    }
    p->phase = 1;
    finish(p, 1, 0);
}

static void on_play_done(uv_timer_t *t)
{
    struct bench *b = t->data;
    double secs = (double)(uv_hrtime() - b->media_t0) / 1e9;
    double mbit = (double)(b->media_bytes - b->media_bytes0) * 8 / secs / 1e6;
    printf("camfarm_bench: %lu sessions playing for %.1f s: %.1f Mbit/s in total, %.0f kbit/s "
           "per session\n",
           b->held, secs, mbit, b->held ? mbit * 1000 / (double)b->held : 0.0);
    fflush(stdout);
    uv_walk(t->loop, close_any, b);
}

static void on_connect(uv_connect_t *req, int status)
{
    struct probe *p = req->data;
    if (status < 0) {
        finish(p, 0, 0);
        return;
    }
    char msg[512];
    /* Play mode needs cameras without auth (bench.sh sets auth=none). */
    const char *fmt = p->b->play_secs
                          ? "SETUP rtsp://%u.%u.%u.%u:%u%s/trackID=1 RTSP/1.0\r\nCSeq: %ld\r\n"
                            "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"
                          : "OPTIONS rtsp://%u.%u.%u.%u:%u%s RTSP/1.0\r\nCSeq: %ld\r\n"
                            "User-Agent: camfarm_bench\r\n\r\n";
    int n = snprintf(msg, sizeof(msg), fmt, (p->b->base_ip + p->cam) >> 24,
                     ((p->b->base_ip + p->cam) >> 16) & 255, ((p->b->base_ip + p->cam) >> 8) & 255,
                     (p->b->base_ip + p->cam) & 255, p->b->port, p->b->path, p->cseq);
    uv_buf_t b = {msg, (size_t)n};
    if (uv_try_write((uv_stream_t *)&p->tcp, &b, 1) != n ||
        uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read) < 0)
        finish(p, 0, 0);
}

static void launch(struct bench *b)
{
    if (b->started >= b->total)
        return;
    struct probe *p = calloc(1, sizeof(*p));
    if (!p)
        return;
    p->b = b;
    p->cam = (unsigned)(b->started % b->cameras);
    p->cseq = (long)(b->started % 999999999ul) + 1; /* tells this reply from any other */
    b->started++;
    p->t_start = uv_hrtime();
    uv_tcp_init(b->loop, &p->tcp);
    uv_timer_init(b->loop, &p->timer);
    p->tcp.data = p->timer.data = p->conn.data = p;
    p->handles = 2;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)b->port),
                            .sin_addr.s_addr = htonl(b->base_ip + p->cam)};
    uv_timer_start(&p->timer, on_timeout, b->deadline_ms, 0);
    if (uv_tcp_connect(&p->conn, &p->tcp, (const struct sockaddr *)&a, on_connect) < 0)
        finish(p, 0, 0);
}

static void close_any(uv_handle_t *h, void *arg)
{
    struct bench *b = arg;
    if (uv_is_closing(h))
        return;
    /* Probe handles free their probe; the bench's own handles own nothing. */
    bool own = h == (uv_handle_t *)&b->play_timer || h == (uv_handle_t *)&b->sigint ||
               h == (uv_handle_t *)&b->sigterm;
    uv_close(h, own ? NULL : on_closed_quiet);
}

static void on_stop(uv_signal_t *s, int signum)
{
    (void)signum;
    uv_walk(s->loop, close_any, s->data);
}

int main(int argc, char **argv)
{
    struct bench b = {.cameras = 43000,
                      .port = 8554,
                      .total = 200000,
                      .deadline_ms = 5000,
                      .path = "/Streaming/Channels/101"};
    unsigned concurrency = 256;
    const char *base = "127.1.0.1";
    int c;
    while ((c = getopt(argc, argv, "b:n:p:t:c:d:P:rkm:h")) != -1) {
        switch (c) {
        case 'b':
            base = optarg;
            break;
        case 'n':
            b.cameras = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'p':
            b.port = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 't':
            b.total = strtoul(optarg, NULL, 10);
            break;
        case 'c':
            concurrency = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'd':
            b.deadline_ms = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'P':
            b.path = optarg;
            break;
        case 'r':
            b.reset = 1;
            break;
        case 'k':
            b.hold = 1;
            break;
        case 'm':
            b.play_secs = (unsigned)strtoul(optarg, NULL, 10);
            b.hold = 1;
            break;
        default:
            fprintf(stderr,
                    "usage: camfarm_bench [-b FIRST_IP] [-n CAMERAS] [-p PORT] [-t TOTAL] "
                    "[-c IN_FLIGHT] [-d DEADLINE_MS] [-P PATH] [-r] [-k] [-m PLAY_SECONDS]\n");
            return 2;
        }
    }
    struct in_addr ia;
    if (inet_pton(AF_INET, base, &ia) != 1 || (ntohl(ia.s_addr) >> 24) != 127 || !b.cameras) {
        fprintf(stderr, "camfarm_bench: -b must be a 127.x.y.z address\n");
        return 2;
    }
    b.base_ip = ntohl(ia.s_addr);
    b.loop = uv_default_loop();
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max; /* -k holds one descriptor per connection */
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (b.hold) {
        uv_timer_init(b.loop, &b.play_timer);
        uv_signal_init(b.loop, &b.sigint);
        uv_signal_init(b.loop, &b.sigterm);
        b.play_timer.data = b.sigint.data = b.sigterm.data = &b;
        uv_signal_start(&b.sigint, on_stop, SIGINT);
        uv_signal_start(&b.sigterm, on_stop, SIGTERM);
    }
    b.t0 = uv_hrtime();
    for (unsigned i = 0; i < concurrency; i++)
        launch(&b);
    uv_run(b.loop, UV_RUN_DEFAULT);
    double secs = (double)((b.t_end ? b.t_end : uv_hrtime()) - b.t0) / 1e9;
    printf("camfarm_bench: %lu probes in %.2f s: %.0f handshakes/s, ok=%lu failed=%lu "
           "(timeouts %lu), mean latency %.2f ms, max %.2f ms, in flight %u\n",
           b.done, secs, (double)b.ok / secs, b.ok, b.failed, b.timeouts,
           b.ok ? (double)b.lat_sum / (double)b.ok / 1e6 : 0.0, (double)b.lat_max / 1e6,
           concurrency);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("camfarm_bench: client CPU %.2f s (user %.2f, system %.2f): %.1f us per handshake\n",
           user + sys, user, sys, b.done ? (user + sys) * 1e6 / (double)b.done : 0.0);
    uv_loop_close(b.loop);
    return b.failed ? 1 : 0;
}
