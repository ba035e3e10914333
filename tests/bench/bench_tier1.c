/* Tier-1 probe benchmark: rtsp_conn_start over every rtsp:// camera of an
 * inventory CSV with N probes in flight on one loop, reporting probes/s, the
 * CPU this process spent per probe and phase latency percentiles; with
 * --ffprobe, the ffprobe CLI on the same cameras, one after the other, timed
 * with getrusage(RUSAGE_CHILDREN). Prints "key=value" lines for scripts. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "probe_result.h"
#include "resolver.h"
#include "rtsp_auth.h"
#include "rtsp_conn.h"
#include "tcp_io.h"
#include "url.h"

extern char **environ;

static const char usage[] =
    "usage: bench_tier1 --inventory FILE [options]\n"
    "  --depth D        options, describe (default) or play\n"
    "  --in-flight N    probes in flight at once (default 1024)\n"
    "  --limit N        only the first N rtsp:// cameras (default all)\n"
    "  --rounds R       probe the cameras R times over (default 1)\n"
    "  --ffprobe        run ffprobe on the cameras instead, one at a time\n"
    "  --skip-options   start with DESCRIBE (probe.skip_options)\n"
    "  --remember-auth  keep each camera's accepted challenge for its next probe\n"
    "                   (probe.remember_auth) after one untimed pass over the\n"
    "                   cameras, so the timed probes are the steady state of serve\n"
    "  --new-sockets    every probe on a socket set of its own, as a one-off `camdex\n"
    "                   probe` does: a new socket each, nothing reused (serve shares one)\n"
    "  --results FILE   write one line per probe: camera number, state, reason, detail\n"
    "  --peer-pid PID   also report the CPU process PID (the camera side) spent per\n"
    "                   timed probe\n"
    "The inventory's url column must hold numeric hosts (the bench does no DNS).\n";

struct camera {
    char *url;
    struct sockaddr_storage addr;
    uint8_t *memo; /* --remember-auth: rtsp_conn_auth_memo of the last probe */
    int memo_len;
};

struct bench {
    uv_loop_t loop;
    struct rtsp_conn_opts opts;
    struct camera *cams;
    size_t ncams;
    size_t total;   /* probes to run: ncams * rounds */
    size_t started; /* probes started (also the index of the next one) */
    size_t done;
    size_t in_flight, max_in_flight;
    size_t start_errors;
    size_t by_reason[PROBE_R_COUNT];
    size_t by_state[3];
    /* One slot per probe: latency of each phase and of the whole probe. */
    uint32_t *phase[PROBE_PH_COUNT];
    uint32_t *total_us;
    struct probe_ctx *ctx; /* one per probe started */
    FILE *results;         /* optional per-probe lines */
    bool remember_auth;
    bool new_sockets; /* no shared tcp_io */
    long peer_pid; /* 0: none */
};

/* What a probe's callback gets: its start time, so the whole latency needs
 * no lookup. */
struct probe_ctx {
    struct bench *b;
    uint64_t t0;
    size_t cam; /* index in cams */
};

/* ---- inventory ---- */

/* Reads one RFC 4180 field starting at *p (quoted fields may hold commas,
 * doubled quotes and line breaks) into a fresh string. Sets *eol when the
 * field ended its record. Returns NULL at the end of the buffer. */
static char *csv_field(const char **p, const char *end, bool *eol)
{
    const char *s = *p;
    if (s >= end)
        return NULL;
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    bool quoted = *s == '"';
    if (quoted)
        s++;
    *eol = false;
    while (s < end) {
        char ch = *s;
        if (quoted && ch == '"') {
            if (s + 1 < end && s[1] == '"') {
                s += 2;
                ch = '"';
            } else {
                quoted = false;
                s++;
                continue;
            }
        } else if (!quoted && (ch == ',' || ch == '\n' || ch == '\r')) {
            if (ch == ',') {
                s++;
            } else {
                *eol = true;
                s += (ch == '\r' && s + 1 < end && s[1] == '\n') ? 2 : 1;
            }
            break;
        } else {
            s++;
        }
        if (n + 1 >= cap) {
            char *q = realloc(out, cap *= 2);
            if (!q) {
                free(out);
                return NULL;
            }
            out = q;
        }
        out[n++] = ch;
    }
    if (s >= end)
        *eol = true;
    out[n] = '\0';
    *p = s;
    return out;
}

static int load_inventory(const char *path, struct bench *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_tier1: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "bench_tier1: cannot read %s\n", path);
        fclose(f);
        free(buf);
        return -1;
    }
    fclose(f);
    const char *p = buf, *end = buf + size;
    if (size >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3; /* UTF-8 BOM */
    int url_col = -1, col = 0, row = 0;
    size_t cap = 0;
    bool eol;
    char *field;
    while ((field = csv_field(&p, end, &eol)) != NULL) {
        if (row == 0 && strcmp(field, "url") == 0)
            url_col = col;
        if (row > 0 && col == url_col && strncmp(field, "rtsp://", 7) == 0) {
            struct probe_url u;
            struct camera cam = {.url = field};
            if (probe_url_parse(field, &u) != 0 || resolver_numeric(u.host, &cam.addr) != 0) {
                fprintf(stderr, "bench_tier1: %s:%d: skipped, not a numeric rtsp:// URL\n", path,
                        row + 1);
            } else {
                if (b->ncams == cap) {
                    cap = cap ? cap * 2 : 1024;
                    struct camera *nc = realloc(b->cams, cap * sizeof(*nc));
                    if (!nc)
                        return -1;
                    b->cams = nc;
                }
                b->cams[b->ncams++] = cam;
                field = NULL; /* kept */
            }
        }
        free(field);
        col++;
        if (eol) {
            if (row == 0 && url_col < 0) {
                fprintf(stderr, "bench_tier1: %s: no \"url\" column in the header\n", path);
                free(buf);
                return -1;
            }
            row++;
            col = 0;
        }
    }
    free(buf);
    return 0;
}

/* ---- probing ---- */

static void start_next(struct bench *b);

static void on_done(struct rtsp_conn *c, const struct probe_result *r, void *data)
{
    (void)c;
    struct bench *b = data;
    size_t slot = b->done++;
    /* Results land in completion order; only the distribution matters. */
    for (int ph = 0; ph < PROBE_PH_COUNT; ph++)
        b->phase[ph][slot] = r->phase_us[ph];
    b->by_reason[r->reason < PROBE_R_COUNT ? r->reason : PROBE_R_INTERNAL_ERROR]++;
    b->by_state[r->state <= PROBE_ONLINE ? r->state : PROBE_OFFLINE]++;
    b->in_flight--;
    start_next(b);
}

static void on_done_ctx(struct rtsp_conn *c, const struct probe_result *r, void *data)
{
    struct probe_ctx *pc = data;
    struct bench *b = pc->b;
    if (b->remember_auth && c) {
        struct camera *cam = &b->cams[pc->cam];
        uint8_t memo[RTSP_AUTH_MEMO_MAX];
        int n = rtsp_conn_auth_memo(c, memo, sizeof(memo));
        if (n > 0 && (n != cam->memo_len || memcmp(memo, cam->memo, (size_t)n) != 0)) {
            uint8_t *m = realloc(cam->memo, (size_t)n);
            if (m) {
                memcpy(m, memo, (size_t)n);
                cam->memo = m;
                cam->memo_len = n;
            }
        }
    }
    uint64_t us = (uv_hrtime() - pc->t0) / 1000;
    b->total_us[b->done] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    if (b->results)
        fprintf(b->results, "%zu %s %s %s\n", pc->cam + 1, probe_state_name(r->state),
                probe_reason_name(r->reason), r->detail);
    on_done(c, r, b);
}

static void start_next(struct bench *b)
{
    while (b->in_flight < b->max_in_flight && b->started < b->total) {
        const struct camera *cam = &b->cams[b->started % b->ncams];
        struct probe_ctx *pc = &b->ctx[b->started];
        pc->cam = b->started % b->ncams;
        b->started++;
        pc->b = b;
        pc->t0 = uv_hrtime();
        struct rtsp_conn_opts o = b->opts;
        o.auth_memo = cam->memo;
        o.auth_memo_len = (size_t)cam->memo_len;
        int rc = rtsp_conn_start(&b->loop, (const struct sockaddr *)&cam->addr, cam->url, &o,
                                 on_done_ctx, pc, NULL);
        if (rc != 0) {
            if (b->start_errors++ == 0)
                fprintf(stderr, "bench_tier1: cannot start a probe: %s\n", uv_strerror(rc));
            continue;
        }
        b->in_flight++;
    }
}

/* ---- reporting ---- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Percentiles over the probes that ran this phase (non-zero entries). */
static void print_percentiles(const char *name, uint32_t *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_u32);
    size_t first = 0;
    while (first < n && v[first] == 0)
        first++;
    size_t k = n - first;
    if (k == 0)
        return;
    const uint32_t *s = v + first;
    printf("latency_us phase=%-14s n=%-7zu p50=%-7u p90=%-7u p99=%-7u max=%u\n", name, k,
           s[k * 50 / 100], s[k * 90 / 100], s[k * 99 / 100], s[k - 1]);
}

static double tv_us(struct timeval tv)
{
    return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

/* User + system CPU of another process in µs, from /proc; -1 when unknown. */
static double peer_cpu_us(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long ut, st;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

static int run_probes(struct bench *b)
{
    int rc = uv_loop_init(&b->loop);
    if (rc != 0) {
        fprintf(stderr, "bench_tier1: loop: %s\n", uv_strerror(rc));
        return 1;
    }
    if (!b->new_sockets && (rc = tcp_io_new(&b->loop, b->max_in_flight, &b->opts.io)) != 0) {
        fprintf(stderr, "bench_tier1: socket set: %s\n", uv_strerror(rc));
        return 1;
    }
    for (int ph = 0; ph < PROBE_PH_COUNT; ph++)
        b->phase[ph] = calloc(b->total, sizeof(uint32_t));
    b->total_us = calloc(b->total, sizeof(uint32_t));
    b->ctx = calloc(b->total, sizeof(*b->ctx));
    if (!b->ctx)
        return 1;
    for (int ph = 0; ph < PROBE_PH_COUNT; ph++)
        if (!b->phase[ph])
            return 1;
    if (!b->total_us)
        return 1;

    if (b->remember_auth) {
        /* The untimed pass that leaves each camera its memo. */
        size_t total = b->total;
        FILE *results = b->results;
        b->total = b->ncams < total ? b->ncams : total;
        b->results = NULL;
        start_next(b);
        uv_run(&b->loop, UV_RUN_DEFAULT);
        b->total = total;
        b->results = results;
        b->started = b->done = b->start_errors = 0;
        memset(b->by_reason, 0, sizeof(b->by_reason));
        memset(b->by_state, 0, sizeof(b->by_state));
    }
    struct rusage r0, r1;
    double peer0 = b->peer_pid ? peer_cpu_us(b->peer_pid) : -1;
    getrusage(RUSAGE_SELF, &r0);
    uint64_t t0 = uv_hrtime();
    start_next(b);
    uv_run(&b->loop, UV_RUN_DEFAULT);
    uint64_t t1 = uv_hrtime();
    getrusage(RUSAGE_SELF, &r1);
    double peer1 = b->peer_pid ? peer_cpu_us(b->peer_pid) : -1;

    double wall = (double)(t1 - t0) / 1e9;
    double user = tv_us(r1.ru_utime) - tv_us(r0.ru_utime);
    double sys = tv_us(r1.ru_stime) - tv_us(r0.ru_stime);
    size_t n = b->done ? b->done : 1;
    printf("probes=%zu cameras=%zu rounds=%zu in_flight=%zu depth=%s start_errors=%zu\n", b->done,
           b->ncams, b->total / (b->ncams ? b->ncams : 1), b->max_in_flight,
           b->opts.depth == RTSP_DEPTH_OPTIONS    ? "options"
           : b->opts.depth == RTSP_DEPTH_DESCRIBE ? "describe"
                                                  : "play",
           b->start_errors);
    printf("wall_s=%.3f probes_per_s=%.0f\n", wall, (double)b->done / wall);
    printf("cpu_us_per_probe=%.1f user_us_per_probe=%.1f sys_us_per_probe=%.1f\n",
           (user + sys) / (double)n, user / (double)n, sys / (double)n);
    if (peer0 >= 0 && peer1 >= 0)
        printf("peer_cpu_us_per_probe=%.1f\n", (peer1 - peer0) / (double)n);
    printf("ctx_switches_per_probe=%.2f maxrss_kb=%ld\n",
           (double)((r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw)) / (double)n,
           r1.ru_maxrss);
    printf("states online=%zu degraded=%zu offline=%zu\n", b->by_state[PROBE_ONLINE],
           b->by_state[PROBE_DEGRADED], b->by_state[PROBE_OFFLINE]);
    for (int why = 1; why < PROBE_R_COUNT; why++)
        if (b->by_reason[why])
            printf("reason %s=%zu\n", probe_reason_name((enum probe_reason)why), b->by_reason[why]);
    for (int ph = 0; ph < PROBE_PH_COUNT; ph++)
        print_percentiles(probe_phase_name((enum probe_phase)ph), b->phase[ph], b->done);
    print_percentiles("total", b->total_us, b->done);

    if (b->opts.io) {
        struct tcp_io_stats st;
        tcp_io_get_stats(b->opts.io, &st);
        printf("sockets created=%llu reused=%llu kept=%llu refused=%llu\n",
               (unsigned long long)st.created, (unsigned long long)st.reused,
               (unsigned long long)st.kept, (unsigned long long)st.refused);
        tcp_io_close(b->opts.io, NULL, NULL);
        b->opts.io = NULL;
        uv_run(&b->loop, UV_RUN_DEFAULT);
    }
    rc = uv_loop_close(&b->loop);
    if (rc != 0)
        fprintf(stderr, "bench_tier1: loop not empty at the end: %s\n", uv_strerror(rc));
    return rc != 0;
}

/* ffprobe on each camera in turn, as an operator would run it. */
static int run_ffprobe(struct bench *b)
{
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull < 0)
        return 1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, devnull, STDOUT_FILENO);
    size_t failed = 0;
    struct rusage r0, r1;
    getrusage(RUSAGE_CHILDREN, &r0);
    uint64_t t0 = uv_hrtime();
    for (size_t i = 0; i < b->total; i++) {
        char *argv[] = {"ffprobe",
                        "-v",
                        "error",
                        "-rtsp_transport",
                        "tcp",
                        "-show_streams",
                        b->cams[i % b->ncams].url,
                        NULL};
        pid_t pid;
        int rc = posix_spawnp(&pid, "ffprobe", &fa, NULL, argv, environ);
        if (rc != 0) {
            fprintf(stderr, "bench_tier1: cannot run ffprobe: %s\n", strerror(rc));
            return 1;
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    uint64_t t1 = uv_hrtime();
    getrusage(RUSAGE_CHILDREN, &r1);
    posix_spawn_file_actions_destroy(&fa);
    close(devnull);
    double n = (double)(b->total ? b->total : 1);
    double user = tv_us(r1.ru_utime) - tv_us(r0.ru_utime);
    double sys = tv_us(r1.ru_stime) - tv_us(r0.ru_stime);
    printf("ffprobe_runs=%zu ffprobe_failed=%zu\n", b->total, failed);
    printf("ffprobe_cpu_us_per_camera=%.0f ffprobe_user_us=%.0f ffprobe_sys_us=%.0f\n",
           (user + sys) / n, user / n, sys / n);
    printf("ffprobe_wall_us_per_camera=%.0f\n", (double)(t1 - t0) / 1e3 / n);
    return failed != 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"inventory", required_argument, NULL, 'i'},
        {"depth", required_argument, NULL, 'd'},
        {"in-flight", required_argument, NULL, 'n'},
        {"limit", required_argument, NULL, 'l'},
        {"rounds", required_argument, NULL, 'r'},
        {"ffprobe", no_argument, NULL, 'f'},
        {"skip-options", no_argument, NULL, 's'},
        {"remember-auth", no_argument, NULL, 'a'},
        {"new-sockets", no_argument, NULL, 'N'},
        {"peer-pid", required_argument, NULL, 'p'},
        {"results", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct bench b; /* large and zeroed */
    const char *inventory = NULL;
    size_t limit = 0, rounds = 1;
    bool ffprobe = false, new_sockets = false;
    b.max_in_flight = 1024;
    b.opts.depth = RTSP_DEPTH_DESCRIBE;
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'i':
            inventory = optarg;
            break;
        case 'd':
            if (strcmp(optarg, "options") == 0)
                b.opts.depth = RTSP_DEPTH_OPTIONS;
            else if (strcmp(optarg, "describe") == 0)
                b.opts.depth = RTSP_DEPTH_DESCRIBE;
            else if (strcmp(optarg, "play") == 0)
                b.opts.depth = RTSP_DEPTH_PLAY;
            else {
                fprintf(stderr, "bench_tier1: --depth %s: use options, describe or play\n", optarg);
                return 2;
            }
            break;
        case 'n':
            b.max_in_flight = strtoul(optarg, NULL, 10);
            break;
        case 'l':
            limit = strtoul(optarg, NULL, 10);
            break;
        case 'r':
            rounds = strtoul(optarg, NULL, 10);
            break;
        case 'f':
            ffprobe = true;
            break;
        case 's':
            b.opts.skip_options = true;
            break;
        case 'a':
            b.remember_auth = true;
            break;
        case 'N':
            new_sockets = true;
            break;
        case 'p':
            b.peer_pid = strtol(optarg, NULL, 10);
            break;
        case 'o':
            b.results = fopen(optarg, "w");
            if (!b.results) {
                fprintf(stderr, "bench_tier1: cannot write %s: %s\n", optarg, strerror(errno));
                return 1;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
    }
    if (!inventory || b.max_in_flight == 0 || rounds == 0) {
        fputs(usage, stderr);
        return 2;
    }
    /* Each probe holds a socket: allow as many as the hard limit does. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (load_inventory(inventory, &b) != 0)
        return 1;
    if (b.ncams == 0) {
        fprintf(stderr, "bench_tier1: %s has no rtsp:// cameras\n", inventory);
        return 1;
    }
    if (limit && limit < b.ncams)
        b.ncams = limit;
    b.total = b.ncams * rounds;
    b.new_sockets = new_sockets;
    int rc = ffprobe ? run_ffprobe(&b) : run_probes(&b);
    if (b.results && fclose(b.results) != 0)
        rc = 1;
    return rc;
}
