/* Deep probe benchmark: CPU and wall time per probe of one healthy stream,
 * sequentially and through a deep_pool of K workers, next to what the
 * ffprobe CLI costs for the same stream. Prints one line per figure. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/log.h>
#include <uv.h>

#include "deep_pool.h"
#include "deep_probe.h"

static const char usage[] =
    "usage: bench_deep [options] URL\n"
    "  -n N            probes per figure (default 20)\n"
    "  -j K            also run N probes through a pool of K workers (default 0: skip)\n"
    "  --measure-ms MS measuring window (default: deep_opts_default)\n"
    "  --analyze-ms MS analyzeduration for find_stream_info (default: deep_opts_default)\n"
    "  --no-ffprobe    skip the ffprobe comparison\n"
    "  --no-second     decode the first keyframe only (no frozen-picture check)\n"
    "  --no-decode     decode nothing (a tier-2-only camera's liveness look)\n"
    "  --stream-info   RTSP: run avformat_find_stream_info as well (for comparison)\n"
    "URL must have a numeric host (the bench does no DNS).\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static double cpu_self_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *cpu, double *wall, int n)
{
    qsort(cpu, (size_t)n, sizeof(double), cmp_double);
    qsort(wall, (size_t)n, sizeof(double), cmp_double);
    double cs = 0, ws = 0;
    for (int i = 0; i < n; i++) {
        cs += cpu[i];
        ws += wall[i];
    }
    printf("%-22s n=%d cpu_ms median=%.1f mean=%.1f max=%.1f  wall_ms median=%.0f mean=%.0f "
           "max=%.0f\n",
           what, n, cpu[n / 2] * 1e3, cs / n * 1e3, cpu[n - 1] * 1e3, wall[n / 2] * 1e3,
           ws / n * 1e3, wall[n - 1] * 1e3);
}

static int bench_sequential(const char *url, const struct deep_opts *o, int n)
{
    double *cpu = calloc((size_t)n, sizeof(double)), *wall = calloc((size_t)n, sizeof(double));
    struct deep_result *r = malloc(sizeof(*r));
    if (!cpu || !wall || !r)
        return -ENOMEM;
    int online = 0;
    for (int i = 0; i < n; i++) {
        double c0 = cpu_self_s(), w0 = now_s();
        int rc = deep_probe_run(url, NULL, o, NULL, r);
        if (rc < 0) {
            fprintf(stderr, "bench_deep: probe %d did not run: %s%s%s\n", i, strerror(-rc),
                    rc == -ENOSYS ? " (set CAMDEX_DEEP_MODULE to camdex-deep.so; " : "",
                    rc == -ENOSYS ? deep_module_error() : "");
            return rc;
        }
        wall[i] = now_s() - w0;
        cpu[i] = cpu_self_s() - c0;
        if (r->base.state == PROBE_ONLINE)
            online++;
        else
            fprintf(stderr, "probe %d: %s: %s\n", i, probe_reason_name(r->base.reason),
                    r->base.detail);
        if (i == n - 1) {
            char line[512];
            probe_result_format(&r->base, line, sizeof(line));
            printf("last result: %s\n", line);
            printf("last phases_ms: open=%u info=%u measure=%u decode=%u frames=%u\n",
                   r->phase_ms[DEEP_PH_OPEN], r->phase_ms[DEEP_PH_INFO],
                   r->phase_ms[DEEP_PH_MEASURE], r->phase_ms[DEEP_PH_DECODE], r->video_frames);
            printf("last phases_cpu_us: setup=%u open=%u info=%u measure=%u decode=%u all=%u\n",
                   r->phase_cpu_us[DEEP_PH_SETUP], r->phase_cpu_us[DEEP_PH_OPEN],
                   r->phase_cpu_us[DEEP_PH_INFO], r->phase_cpu_us[DEEP_PH_MEASURE],
                   r->phase_cpu_us[DEEP_PH_DECODE], r->cpu_us);
        }
        deep_result_clear(r);
    }
    report("deep_probe", cpu, wall, n);
    printf("deep_probe online=%d/%d\n", online, n);
    free(cpu);
    free(wall);
    free(r);
    return 0;
}

static int bench_ffprobe(const char *url, int n)
{
    double *cpu = calloc((size_t)n, sizeof(double)), *wall = calloc((size_t)n, sizeof(double));
    if (!cpu || !wall)
        return -ENOMEM;
    bool rtsp = strncmp(url, "rtsp", 4) == 0;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        double w0 = now_s();
        fflush(stdout); /* the child must not inherit unwritten lines */
        pid_t pid = fork();
        if (pid < 0)
            return -errno;
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);
            if (null < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                _exit(126);
            if (rtsp)
                execlp("ffprobe", "ffprobe", "-v", "error", "-rtsp_transport", "tcp",
                       "-show_streams", url, (char *)NULL);
            else
                execlp("ffprobe", "ffprobe", "-v", "error", "-show_streams", url, (char *)NULL);
            _exit(127);
        }
        int st;
        struct rusage ru;
        wait4(pid, &st, 0, &ru);
        wall[i] = now_s() - w0;
        cpu[i] = tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
        ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    report(rtsp ? "ffprobe -rtsp_transport tcp" : "ffprobe", cpu, wall, n);
    printf("ffprobe ok=%d/%d\n", ok, n);
    free(cpu);
    free(wall);
    return 0;
}

struct pool_run {
    int done, online;
};

static void on_done(struct deep_request *req, int status)
{
    struct pool_run *pr = req->data;
    pr->done++;
    if (status == 0 && req->result.base.state == PROBE_ONLINE)
        pr->online++;
    deep_result_clear(&req->result);
}

static int bench_pool(const char *url, const struct deep_opts *o, int n, int k)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct deep_pool *p;
    int rc = deep_pool_new(&loop, (unsigned)k, (unsigned)n, &p);
    if (rc < 0)
        return rc;
    struct deep_request *reqs = calloc((size_t)n, sizeof(*reqs));
    if (!reqs)
        return -ENOMEM;
    struct pool_run pr = {0};
    double c0 = cpu_self_s(), w0 = now_s();
    for (int i = 0; i < n; i++) {
        reqs[i].data = &pr;
        if ((rc = deep_pool_submit(p, &reqs[i], url, NULL, o, on_done)) < 0)
            return rc;
    }
    while (pr.done < n)
        uv_run(&loop, UV_RUN_ONCE);
    double wall = now_s() - w0, cpu = cpu_self_s() - c0;
    printf("deep_pool k=%d n=%d online=%d wall_s=%.2f probes_per_s=%.1f cpu_ms_per_probe=%.1f\n", k,
           n, pr.online, wall, n / wall, cpu / n * 1e3);
    deep_pool_close(&p);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    free(reqs);
    return 0;
}

int main(int argc, char **argv)
{
    int n = 20, k = 0, measure_ms = 0, analyze_ms = 0;
    bool ffprobe = true, second = true, stream_info = false, decode = true;
    static const struct option longopts[] = {{"measure-ms", required_argument, NULL, 'm'},
                                             {"analyze-ms", required_argument, NULL, 'a'},
                                             {"no-ffprobe", no_argument, NULL, 'F'},
                                             {"no-second", no_argument, NULL, 'S'},
                                             {"stream-info", no_argument, NULL, 'I'},
                                             {"no-decode", no_argument, NULL, 'D'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:j:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            n = atoi(optarg);
            break;
        case 'j':
            k = atoi(optarg);
            break;
        case 'm':
            measure_ms = atoi(optarg);
            break;
        case 'a':
            analyze_ms = atoi(optarg);
            break;
        case 'F':
            ffprobe = false;
            break;
        case 'S':
            second = false;
            break;
        case 'I':
            stream_info = true;
            break;
        case 'D':
            decode = false;
            break;
        default:
            fputs(usage, c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind != argc - 1 || n < 1 || k < 0) {
        fputs(usage, stderr);
        return 2;
    }
    const char *url = argv[optind];
    av_log_set_level(AV_LOG_QUIET);
    struct deep_opts o;
    deep_opts_default(&o);
    if (measure_ms > 0)
        o.measure_ms = (uint32_t)measure_ms;
    if (analyze_ms > 0)
        o.analyzeduration_ms = (uint32_t)analyze_ms;
    o.no_second = !second;
    o.stream_info = stream_info;
    o.no_decode = !decode;
    int rc = bench_sequential(url, &o, n);
    if (rc == 0 && ffprobe)
        rc = bench_ffprobe(url, n);
    if (rc == 0 && k > 0)
        rc = bench_pool(url, &o, n, k);
    if (rc < 0) {
        fprintf(stderr, "bench_deep: %s\n", strerror(-rc));
        return 1;
    }
    return 0;
}
