/* camfarm_bench_uring: OPTIONS handshakes per second against camfarm from
 * an io_uring client. A handshake is a new TCP connection to the next
 * camera's address, OPTIONS, the whole reply read and checked (status 200,
 * the CSeq just sent), then a reset close. Many handshakes are in flight;
 * each is one chain of linked operations and one io_uring_enter submits and
 * reaps a whole batch of them, so the client spends far less CPU per
 * handshake than the libuv client (camfarm_bench) and, sharing the cores
 * with camfarm, leaves them to the server being measured. */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "bench_reply.h"

#define EXIT_NO_URING 3            /* io_uring unusable here: run camfarm_bench instead */
#define SCAN_EVERY_NS 100000000ull /* how often deadlines are checked */
#define CSEQ_WRAP     999999999L   /* camfarm refuses larger CSeq values */

/* The operations of a handshake, in the order they are linked. */
enum op {
    OP_DISCONNECT, /* connect(AF_UNSPEC): resets the slot's previous connection */
    OP_CONNECT,
    OP_SEND,
    OP_RECV,
    OP_CLOSE,  /* fresh-socket mode: reset close of the finished socket */
    OP_CANCEL, /* a deadline passed: cancels the chain's pending operation */
    OP_COUNT
};
static const char *const op_names[OP_COUNT] = {"disconnect", "connect", "send",
                                               "recv",       "close",   "cancel"};

/* One connection in flight. With socket reuse its socket lives as long as
 * the slot and sits in the ring's fixed-file table at the slot's index. */
struct slot {
    int fd;
    uint32_t gen; /* handshakes started on this slot: tells stale completions apart */
    bool busy, timed_out;
    uint64_t started_ns;
    long cseq;
    size_t got;
    struct sockaddr_in addr;
    int req_len;
    char req[256];
    char reply[BENCH_REPLY_MAX];
};

/* errno counts per operation, for the report: what failed and how. */
#define ERRNO_MAX 160
struct bench {
    struct io_uring ring;
    struct slot *slots;
    unsigned nslots, cameras, port, deadline_ms, wait_batch;
    bool fresh;     /* a new socket per handshake instead of one reused per slot */
    bool merge_ack; /* the handshake's last ACK rides on the request */
    uint32_t base_ip;
    const char *path;
    unsigned long total, started, done, ok, failed, timeouts, bad_replies, closed_early;
    unsigned long enters;
    unsigned busy; /* slots with a handshake in flight */
    long cseq;
    uint64_t t0, t_end, lat_sum, lat_max, next_scan;
    unsigned long errors[OP_COUNT][ERRNO_MAX];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t tag(const struct bench *b, unsigned i, enum op op)
{
    return (uint64_t)b->slots[i].gen << 32 | (uint64_t)i << 3 | (uint64_t)op;
}

static void count_error(struct bench *b, enum op op, int res)
{
    int e = -res;
    b->errors[op][e > 0 && e < ERRNO_MAX ? e : 0]++;
}

/* A ready socket for a slot. Closing it resets the connection (SO_LINGER
 * 0), so neither side keeps TIME_WAIT state. With `merge_ack`, the ACK that
 * completes the TCP handshake rides on the request instead of going alone:
 * TCP_DEFER_ACCEPT on a connecting socket delays that ACK until data is
 * sent (HAProxy's tcp-smart-connect does the same with TCP_QUICKACK, which
 * a disconnect would clear); the socket then also delays its ACK of the
 * reply, which the reset makes unnecessary. 6 segments per handshake
 * instead of 8. Returns the descriptor or a negative errno. */
static int new_socket(bool merge_ack)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0 ||
        (merge_ack && setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one)) < 0)) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

/* A submission queue entry; a full queue (four entries per slot, more
 * when deadlines pass together) is submitted first. */
static struct io_uring_sqe *get_sqe(struct bench *b)
{
    struct io_uring_sqe *sqe;
    while (!(sqe = io_uring_get_sqe(&b->ring))) {
        io_uring_submit(&b->ring);
        b->enters++;
    }
    return sqe;
}

/* An operation of slot i's current handshake. */
static struct io_uring_sqe *slot_sqe(struct bench *b, unsigned i, enum op op)
{
    struct io_uring_sqe *sqe = get_sqe(b);
    io_uring_sqe_set_data64(sqe, tag(b, i, op));
    return sqe;
}

/* Targets the slot's socket (fixed file when reused); a linked operation
 * starts the next one when it succeeds and posts a completion only when it
 * fails. */
static void set_flags(const struct bench *b, struct io_uring_sqe *sqe, bool linked)
{
    unsigned flags = b->fresh ? 0 : IOSQE_FIXED_FILE;
    if (linked)
        flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
    io_uring_sqe_set_flags(sqe, flags);
}

static int start(struct bench *b, unsigned i);

static void arm_recv(struct bench *b, unsigned i)
{
    struct slot *s = &b->slots[i];
    struct io_uring_sqe *sqe = slot_sqe(b, i, OP_RECV);
    io_uring_prep_recv(sqe, b->fresh ? s->fd : (int)i, s->reply + s->got, sizeof(s->reply) - s->got,
                       0);
    /* The reply cannot be there yet: wait for it instead of trying first. */
    sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
    set_flags(b, sqe, false);
}

/* Starts the slot's next handshake: one linked chain
 * [disconnect ->] connect -> send -> recv that posts one completion, the
 * recv's or the first failure's. Returns 0 or a negative errno. */
static int start(struct bench *b, unsigned i)
{
    struct slot *s = &b->slots[i];
    assert(!s->busy && b->started < b->total);
    unsigned cam = (unsigned)(b->started % b->cameras);
    uint32_t ip = b->base_ip + cam;
    if (b->fresh && (s->fd = new_socket(b->merge_ack)) < 0)
        return s->fd;
    b->started++;
    s->gen++;
    s->busy = true;
    b->busy++;
    s->timed_out = false;
    s->got = 0;
    s->cseq = b->cseq = b->cseq % CSEQ_WRAP + 1;
    s->addr = (struct sockaddr_in){
        .sin_family = AF_INET, .sin_port = htons((uint16_t)b->port), .sin_addr.s_addr = htonl(ip)};
    s->req_len =
        snprintf(s->req, sizeof(s->req),
                 "OPTIONS rtsp://%u.%u.%u.%u:%u%s RTSP/1.0\r\nCSeq: %ld\r\n"
                 "User-Agent: camfarm_bench_uring\r\n\r\n",
                 ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, b->port, b->path, s->cseq);
    int fd = b->fresh ? s->fd : (int)i;
    struct io_uring_sqe *sqe;
    if (!b->fresh) {
        /* connect(AF_UNSPEC) ends the previous connection with a reset
         * (tcp_disconnect) and leaves the socket ready for a new one, which
         * gets a new ephemeral port: a new connection without a new socket. */
        static const struct sockaddr unspec = {.sa_family = AF_UNSPEC};
        sqe = slot_sqe(b, i, OP_DISCONNECT);
        io_uring_prep_connect(sqe, fd, &unspec, sizeof(unspec));
        set_flags(b, sqe, true);
    }
    sqe = slot_sqe(b, i, OP_CONNECT);
    io_uring_prep_connect(sqe, fd, (const struct sockaddr *)&s->addr, sizeof(s->addr));
    set_flags(b, sqe, true);
    sqe = slot_sqe(b, i, OP_SEND);
    io_uring_prep_send(sqe, fd, s->req, (size_t)s->req_len, MSG_NOSIGNAL);
    set_flags(b, sqe, true);
    arm_recv(b, i);
    s->started_ns = now_ns();
    return 0;
}

/* A slot whose handshake failed gets a new socket: the old one may be
 * half-open or carry a pending error. Returns 0 or a negative errno. */
static int replace_socket(struct bench *b, unsigned i)
{
    struct slot *s = &b->slots[i];
    int fd = new_socket(b->merge_ack);
    if (fd < 0)
        return fd;
    int rc = io_uring_register_files_update(&b->ring, i, &fd, 1);
    b->enters++;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    close(s->fd);
    s->fd = fd;
    return 0;
}

static void finish(struct bench *b, unsigned i, bool ok)
{
    struct slot *s = &b->slots[i];
    uint64_t t = now_ns();
    /* Each handshake ends once: stale completions are dropped in on_cqe. */
    assert(s->busy && b->busy > 0 && b->done < b->started);
    s->busy = false;
    b->busy--;
    b->done++;
    if (ok) {
        uint64_t lat = t - s->started_ns;
        b->ok++;
        b->lat_sum += lat;
        if (lat > b->lat_max)
            b->lat_max = lat;
    } else {
        b->failed++;
    }
    if (b->done == b->total)
        b->t_end = t;
    if (b->fresh) {
        /* SO_LINGER 0: the close resets the connection. */
        struct io_uring_sqe *sqe = get_sqe(b);
        io_uring_prep_close(sqe, s->fd);
        io_uring_sqe_set_data64(sqe, tag(b, i, OP_CLOSE));
        io_uring_sqe_set_flags(sqe, IOSQE_CQE_SKIP_SUCCESS);
        s->fd = -1;
    } else if (!ok) {
        int rc = replace_socket(b, i);
        if (rc < 0) {
            fprintf(stderr, "camfarm_bench_uring: slot %u: cannot replace its socket: %s\n", i,
                    strerror(-rc));
            return; /* the slot stays idle; the others carry on */
        }
    }
    if (b->started < b->total) {
        int rc = start(b, i);
        if (rc < 0)
            fprintf(stderr, "camfarm_bench_uring: new socket: %s (raise the open-files limit?)\n",
                    strerror(-rc));
    }
}

/* The recv completed: a whole reply, part of one, or a failure. */
static void on_recv(struct bench *b, unsigned i, int res)
{
    struct slot *s = &b->slots[i];
    if (res <= 0) {
        if (res == 0)
            b->closed_early++;
        else if (res == -ECANCELED && s->timed_out)
            b->timeouts++;
        else
            count_error(b, OP_RECV, res);
        finish(b, i, false);
        return;
    }
    s->got += (size_t)res;
    int rc = bench_reply_check(s->reply, s->got, s->cseq);
    if (rc == 0 && s->got < sizeof(s->reply)) {
        arm_recv(b, i); /* a reply split across segments */
        return;
    }
    if (rc <= 0)
        b->bad_replies++;
    finish(b, i, rc > 0);
}

static void on_cqe(struct bench *b, const struct io_uring_cqe *cqe)
{
    uint64_t ud = io_uring_cqe_get_data64(cqe);
    enum op op = (enum op)(ud & 7);
    unsigned i = (unsigned)((ud >> 3) & 0x1fffffff);
    uint32_t gen = (uint32_t)(ud >> 32);
    assert(i < b->nslots); /* every tag names a slot */
    struct slot *s = &b->slots[i];
    if (op == OP_CANCEL)
        return; /* -ENOENT or -EALREADY: that operation had finished */
    if (op == OP_CLOSE) {
        count_error(b, op, cqe->res); /* posts only when it fails */
        return;
    }
    if (gen != s->gen || !s->busy)
        return; /* the handshake already ended on an earlier completion */
    if (op == OP_RECV) {
        on_recv(b, i, cqe->res);
        return;
    }
    /* A linked operation posts only when it fails, and then the kernel
     * posts nothing for the operations linked after it (a failed
     * IOSQE_CQE_SKIP_SUCCESS request skips its chain's cancellations): this
     * completion ends the handshake. */
    if (cqe->res == -ECANCELED && s->timed_out)
        b->timeouts++;
    else
        count_error(b, op, cqe->res);
    finish(b, i, false);
}

/* Cancels the pending operation of every handshake past its deadline; it
 * then completes with -ECANCELED. */
static void scan_deadlines(struct bench *b, uint64_t t)
{
    uint64_t limit = (uint64_t)b->deadline_ms * 1000000ull;
    for (unsigned i = 0; i < b->nslots; i++) {
        struct slot *s = &b->slots[i];
        if (!s->busy || s->timed_out || t - s->started_ns < limit)
            continue;
        s->timed_out = true;
        for (enum op op = OP_CONNECT; op <= OP_RECV; op++) {
            struct io_uring_sqe *sqe = get_sqe(b);
            io_uring_prep_cancel64(sqe, tag(b, i, op), 0);
            io_uring_sqe_set_data64(sqe, tag(b, i, OP_CANCEL));
        }
    }
}

/* Sets up the ring with the cheapest completion mode the kernel offers:
 * task work run only when the client asks for completions (6.1), else
 * without interrupting the running task (5.19), else plain. */
static int ring_init(struct bench *b, unsigned entries)
{
    static const unsigned modes[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_COOP_TASKRUN,
        0,
    };
    int rc = -ENOSYS;
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        struct io_uring_params p = {.flags = modes[m] | IORING_SETUP_CQSIZE,
                                    .cq_entries = entries * 4};
        rc = io_uring_queue_init_params(entries, &b->ring, &p);
        if (rc == 0) {
            if (!(p.features & IORING_FEAT_EXT_ARG) || !(p.features & IORING_FEAT_NODROP)) {
                io_uring_queue_exit(&b->ring);
                return -EOPNOTSUPP;
            }
            return 0;
        }
        if (rc != -EINVAL)
            break;
    }
    return rc;
}

/* Every operation a handshake needs (all there since Linux 5.6; the recv's
 * IORING_RECVSEND_POLL_FIRST needs 5.19). */
static int ring_check_ops(struct bench *b)
{
    static const int ops[] = {IORING_OP_CONNECT, IORING_OP_SEND, IORING_OP_RECV, IORING_OP_CLOSE,
                              IORING_OP_ASYNC_CANCEL};
    struct io_uring_probe *probe = io_uring_get_probe_ring(&b->ring);
    if (!probe)
        return -EOPNOTSUPP;
    int rc = 0;
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (!io_uring_opcode_supported(probe, ops[k]))
            rc = -EOPNOTSUPP;
    io_uring_free_probe(probe);
    return rc;
}

static void report(const struct bench *b)
{
    double secs = (double)((b->t_end ? b->t_end : now_ns()) - b->t0) / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("camfarm_bench_uring: %lu probes in %.2f s: %.0f handshakes/s, ok=%lu failed=%lu "
           "(timeouts %lu, bad replies %lu, closed early %lu), mean latency %.2f ms, max %.2f ms, "
           "in flight %u, %s\n",
           b->done, secs, (double)b->ok / secs, b->ok, b->failed, b->timeouts, b->bad_replies,
           b->closed_early, b->ok ? (double)b->lat_sum / (double)b->ok / 1e6 : 0.0,
           (double)b->lat_max / 1e6, b->nslots, b->fresh ? "new socket each" : "sockets reused");
    printf("camfarm_bench_uring: client CPU %.2f s (user %.2f, system %.2f): %.1f us per "
           "handshake; %lu io_uring_enter calls (%.3f per handshake)\n",
           cpu, (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
           b->done ? cpu * 1e6 / (double)b->done : 0.0, b->enters,
           b->done ? (double)b->enters / (double)b->done : 0.0);
    for (int op = 0; op < OP_COUNT; op++)
        for (int e = 0; e < ERRNO_MAX; e++)
            if (b->errors[op][e])
                printf("camfarm_bench_uring: %s failed %lu times: %s\n", op_names[op],
                       b->errors[op][e], e ? strerror(e) : "unknown error");
    fflush(stdout);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: camfarm_bench_uring [-b FIRST_IP] [-n CAMERAS] [-p PORT] [-t TOTAL] "
            "[-c IN_FLIGHT] [-d DEADLINE_MS] [-P PATH] [-w WAIT_BATCH] [-s] [-A]\n"
            "  -s  a new socket per handshake (socket, SO_LINGER 0, io_uring close) instead of\n"
            "      one socket per slot reconnected after connect(AF_UNSPEC)\n"
            "  -A  send the handshake's ACK on its own (8 segments per handshake, not 6)\n"
            "  -w  completions to wait for per io_uring_enter (default IN_FLIGHT/8)\n");
}

/* Checks the command line and derives the first address, the slots and the
 * wait batch. Returns 0 or -EINVAL. */
static int check_args(struct bench *b, const char *base, unsigned concurrency)
{
    struct in_addr ia;
    if (inet_pton(AF_INET, base, &ia) != 1 || (ntohl(ia.s_addr) >> 24) != 127 || !b->cameras) {
        fprintf(stderr, "camfarm_bench_uring: -b must be a 127.x.y.z address and -n at least 1\n");
        return -EINVAL;
    }
    if (concurrency < 1 || concurrency > 65536 || !b->total) {
        fprintf(stderr, "camfarm_bench_uring: -c must be 1 to 65536 and -t at least 1\n");
        return -EINVAL;
    }
    b->base_ip = ntohl(ia.s_addr);
    b->nslots = concurrency < b->total ? concurrency : (unsigned)b->total;
    if (!b->wait_batch)
        b->wait_batch = b->nslots / 8 ? b->nslots / 8 : 1;
    return 0;
}

/* Reads the command line into b and the two settings that only shape it.
 * Returns 0, or -EINVAL once it has said what is wrong (exit status 2). */
static int parse_args(int argc, char **argv, struct bench *b)
{
    unsigned concurrency = 256;
    const char *base = "127.1.0.1";
    int c;
    while ((c = getopt(argc, argv, "b:n:p:t:c:d:P:w:sAh")) != -1) {
        switch (c) {
        case 'b':
            base = optarg;
            break;
        case 'n':
            b->cameras = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'p':
            b->port = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 't':
            b->total = strtoul(optarg, NULL, 10);
            break;
        case 'c':
            concurrency = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'd':
            b->deadline_ms = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'P':
            b->path = optarg;
            break;
        case 'w':
            b->wait_batch = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 's':
            b->fresh = true;
            break;
        case 'A':
            b->merge_ack = false;
            break;
        default:
            usage();
            return -EINVAL;
        }
    }
    return check_args(b, base, concurrency);
}

/* One descriptor per slot: take all the hard limit allows. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* A ring with room for four entries per slot. Returns 0 or a negative
 * errno once it has said that io_uring is not usable here. */
static int ring_setup(struct bench *b)
{
    unsigned entries = 1;
    while (entries < b->nslots * 4)
        entries <<= 1;
    int rc = ring_init(b, entries);
    if (rc == 0 && (rc = ring_check_ops(b)) < 0)
        io_uring_queue_exit(&b->ring);
    if (rc < 0)
        fprintf(stderr,
                "camfarm_bench_uring: io_uring is not usable here: %s (kernel older than 5.19, "
                "/proc/sys/kernel/io_uring_disabled set, or a container profile that blocks "
                "io_uring_setup); measure with camfarm_bench, the libuv client, instead\n",
                strerror(-rc));
    return rc;
}

/* The slots, each with its own socket unless every handshake gets a new
 * one; *fds lists the sockets for the ring's fixed-file table. Returns 0
 * or a negative errno once it has said why. */
static int slots_open(struct bench *b, int **fds)
{
    b->slots = calloc(b->nslots, sizeof(*b->slots));
    *fds = calloc(b->nslots, sizeof(**fds));
    if (!b->slots || !*fds) {
        fprintf(stderr, "camfarm_bench_uring: out of memory for %u slots\n", b->nslots);
        return -ENOMEM;
    }
    for (unsigned i = 0; i < b->nslots; i++) {
        b->slots[i].fd = -1;
        if (b->fresh)
            continue;
        if (((*fds)[i] = b->slots[i].fd = new_socket(b->merge_ack)) < 0) {
            fprintf(stderr, "camfarm_bench_uring: socket %u: %s (raise the open-files limit?)\n", i,
                    strerror(-b->slots[i].fd));
            return b->slots[i].fd;
        }
    }
    return 0;
}

/* One round of the event loop: submits what is queued, waits for a batch
 * of completions or the deadline scan's period, handles what completed and
 * scans deadlines when due. Returns 0 or the ring's error. */
static int turn(struct bench *b)
{
    unsigned want = b->wait_batch < b->busy ? b->wait_batch : b->busy;
    struct __kernel_timespec ts = {.tv_sec = 0, .tv_nsec = (long long)SCAN_EVERY_NS};
    struct io_uring_cqe *cqe;
    int rc = io_uring_submit_and_wait_timeout(&b->ring, &cqe, want, &ts, NULL);
    b->enters++;
    if (rc < 0 && rc != -ETIME && rc != -EINTR) {
        fprintf(stderr, "camfarm_bench_uring: io_uring_submit_and_wait: %s\n", strerror(-rc));
        return rc;
    }
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&b->ring, head, cqe)
    {
        on_cqe(b, cqe);
        seen++;
    }
    io_uring_cq_advance(&b->ring, seen);
    uint64_t t = now_ns();
    if (t >= b->next_scan) {
        scan_deadlines(b, t);
        b->next_scan = t + SCAN_EVERY_NS;
    }
    return 0;
}

/* Starts a handshake on every slot, then turns the loop until all have
 * ended, every slot has lost its socket, or the ring fails (the report
 * shows which). Returns 0, or a negative errno when the first handshakes
 * cannot start. */
static int run(struct bench *b)
{
    b->t0 = now_ns();
    b->next_scan = b->t0 + SCAN_EVERY_NS;
    for (unsigned i = 0; i < b->nslots; i++) {
        int rc = start(b, i);
        if (rc < 0) {
            fprintf(stderr, "camfarm_bench_uring: new socket: %s (raise the open-files limit?)\n",
                    strerror(-rc));
            return rc;
        }
    }
    while (b->done < b->total && b->busy && turn(b) == 0)
        ;
    return 0;
}

static void teardown(struct bench *b)
{
    for (unsigned i = 0; i < b->nslots; i++)
        if (b->slots[i].fd >= 0)
            close(b->slots[i].fd);
    io_uring_queue_exit(&b->ring);
    free(b->slots);
}

int main(int argc, char **argv)
{
    static struct bench b = {.cameras = 43000,
                             .port = 8554,
                             .total = 200000,
                             .deadline_ms = 5000,
                             .merge_ack = true,
                             .path = "/Streaming/Channels/101"};
    int *fds, rc;
    if (parse_args(argc, argv, &b) < 0)
        return 2;
    raise_nofile();
    if (ring_setup(&b) < 0)
        return EXIT_NO_URING;
    if (slots_open(&b, &fds) < 0)
        return 1;
    if (!b.fresh && (rc = io_uring_register_files(&b.ring, fds, b.nslots)) < 0) {
        fprintf(stderr, "camfarm_bench_uring: io_uring_register_files: %s\n", strerror(-rc));
        return EXIT_NO_URING;
    }
    free(fds);
    if (run(&b) < 0)
        return 1;
    report(&b);
    teardown(&b);
    return b.failed || b.done < b.total ? 1 : 0;
}
