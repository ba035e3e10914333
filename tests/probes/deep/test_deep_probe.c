/* Tests for probes/deep/deep_probe.c: URL refusal, the libav error mapping,
 * deadlines against in-test sockets, and real streams made at test time:
 * RTSP from GStreamer's gst-rtsp-server, HLS and HTTP-FLV files made by the
 * ffmpeg CLI behind python's http.server, RTMP from `ffmpeg -listen 1`. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deep_probe.h"
#include "frame_quality.h"
#include "testutil.h"

/* ---- helpers ---- */

/* What an upper bound on a probe's time allows past the deadline it
 * checks: a loaded machine's scheduling. The bound rules out a hang or a
 * longer timeout deciding (the socket's, a 10 s one), which the verdict
 * (deadline_hit, the reason) tells apart, not a figure of speed. */
#define LOAD_SLACK_MS 4000

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void quiet_libav(void)
{
    av_log_set_level(AV_LOG_QUIET);
}

/* Start argv with stdout on a pipe (returned in *out_fd, or /dev/null when
 * out_fd is NULL); the child dies with the test process. */
static pid_t spawn(char *const argv[], int *out_fd)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(out_fd ? fds[1] : null, 1);
        dup2(null, 2);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    if (out_fd)
        *out_fd = fds[0];
    else
        close(fds[0]);
    return pid;
}

static void stop_child(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* Run a command to completion; its exit code. */
static int run_quiet(char *const argv[])
{
    pid_t pid = spawn(argv, NULL);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* One line from fd within timeout_ms; false on timeout or EOF. */
static bool read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    int64_t end = mono_ms() + timeout_ms;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (n + 1 < cap) {
        int left = (int)(end - mono_ms());
        if (left <= 0 || poll(&p, 1, left) != 1)
            break;
        if (read(fd, buf + n, 1) != 1)
            break;
        if (buf[n] == '\n') {
            buf[n] = '\0';
            return true;
        }
        n++;
    }
    buf[n] = '\0';
    return false;
}

/* Is something listening on 127.0.0.1:port? From /proc, so that asking
 * does not use up a one-client server's only connection. */
static bool is_listening(uint16_t port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f)
        return false;
    char line[256];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned lport, st;
        if (sscanf(line, " %*d: %*8X:%X %*8X:%*X %X", &lport, &st) == 2)
            found = lport == port && st == 0x0A;
    }
    fclose(f);
    return found;
}

static void wait_listening(uint16_t port, int timeout_ms)
{
    int64_t end = mono_ms() + timeout_ms;
    while (!is_listening(port)) {
        cr_assert_lt(mono_ms(), end, "nothing listens on port %u after %d ms", port, timeout_ms);
        poll(NULL, 0, 10); /* a server process starting up has no event to wait on */
    }
}

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

/* A listener that accepts (through the kernel backlog) and never says a
 * word. backlog 0 plus fillers: a listener whose backlog is full, so Linux
 * drops further SYNs and a connect hangs as to a dead camera. */
struct lsock {
    int fd;
    uint16_t port;
    int fillers[4];
    int nfill;
};

static void lsock_open(struct lsock *l, bool full)
{
    memset(l, 0, sizeof(*l));
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(l->fd, full ? 0 : 16), 0);
    socklen_t sl = sizeof(sa);
    getsockname(l->fd, (struct sockaddr *)&sa, &sl);
    l->port = ntohs(sa.sin_port);
    if (full) {
        for (; l->nfill < 4; l->nfill++) {
            l->fillers[l->nfill] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            connect(l->fillers[l->nfill], (struct sockaddr *)&sa, sizeof(sa));
        }
    }
}

static void lsock_close(struct lsock *l)
{
    for (int i = 0; i < l->nfill; i++)
        close(l->fillers[i]);
    close(l->fd);
}

static struct deep_result *new_result(void)
{
    struct deep_result *r = malloc(sizeof(*r));
    cr_assert_not_null(r);
    deep_result_init(r);
    return r;
}

static void free_result(struct deep_result **r)
{
    deep_result_clear(*r);
    free(*r);
    *r = NULL;
}

static struct deep_result *probe_url(const char *url, const char *host, uint32_t deadline_ms)
{
    struct deep_opts o;
    deep_opts_default(&o);
    o.deadline_ms = deadline_ms;
    o.thumbnail = true;
    struct deep_result *r = new_result();
    cr_assert_eq(deep_probe_run(url, host, &o, NULL, r), 0);
    return r;
}

#define expect_reason(r, why)                                                                      \
    cr_expect_eq((r)->base.reason, (why), "reason %s, expected %s: %s",                            \
                 probe_reason_name((r)->base.reason), probe_reason_name(why), (r)->base.detail)

/* ---- URLs refused before any I/O ---- */

TestSuite(deep_url, .init = quiet_libav);

Test(deep_url, file_url_is_refused_as_unsupported_url)
{
    struct deep_result *r = probe_url("file:///etc/passwd", NULL, 1000);
    cr_expect_eq(r->base.state, PROBE_OFFLINE);
    expect_reason(r, PROBE_R_UNSUPPORTED_URL);
    cr_expect(strstr(r->base.detail, "rtsp"), "the detail names what is supported: %s",
              r->base.detail);
    cr_expect_eq(r->phase_ms[DEEP_PH_OPEN], 0, "nothing was opened");
    free_result(&r);
}

Test(deep_url, concat_subfile_and_other_libav_protocols_are_refused)
{
    const char *urls[] = {"concat:/etc/passwd|/etc/hosts",
                          "subfile:,start,0,end,10,:/etc/passwd",
                          "/etc/passwd",
                          "pipe:0",
                          "data:text/plain,hello",
                          "crypto+file:///etc/passwd",
                          "rtp://127.0.0.1:5004"};
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        struct deep_result *r = probe_url(urls[i], "127.0.0.1", 1000);
        cr_expect_eq(r->base.reason, PROBE_R_UNSUPPORTED_URL, "%s: %s", urls[i],
                     probe_reason_name(r->base.reason));
        free_result(&r);
    }
}

Test(deep_url, host_name_without_an_address_is_refused)
{
    struct deep_result *r = probe_url("rtsp://camera.example:554/live", NULL, 1000);
    expect_reason(r, PROBE_R_UNSUPPORTED_URL);
    cr_expect(strstr(r->base.detail, "resolve"), "%s", r->base.detail);
    free_result(&r);
}

Test(deep_url, substitute_host_must_be_numeric)
{
    struct deep_result *r = probe_url("rtsp://10.0.0.1/live", "camera.example", 1000);
    expect_reason(r, PROBE_R_UNSUPPORTED_URL);
    cr_expect(strstr(r->base.detail, "numeric"), "%s", r->base.detail);
    free_result(&r);
}

Test(deep_url, host_substitution_keeps_userinfo_port_path_and_query)
{
    char out[256];
    cr_assert_eq(deep_url_with_host("rtsp://admin:p@ss@cam.example:8554/cam/realmonitor?channel=1",
                                    "10.1.2.3", out, sizeof(out)),
                 0);
    cr_expect_str_eq(out, "rtsp://admin:p@ss@10.1.2.3:8554/cam/realmonitor?channel=1");
    cr_assert_eq(deep_url_with_host("http://cam.example/live.m3u8", "::1", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "http://[::1]/live.m3u8");
    cr_assert_eq(deep_url_with_host("rtmp://[fe80::1]:1935/app/x", "10.0.0.2", out, sizeof(out)),
                 0);
    cr_expect_str_eq(out, "rtmp://10.0.0.2:1935/app/x");
    cr_assert_eq(deep_url_with_host("rtsp://cam.example", "10.0.0.2", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "rtsp://10.0.0.2");
    cr_expect_eq(deep_url_with_host("rtsp://cam/x", "cam2", out, sizeof(out)), -EINVAL);
    cr_expect_eq(deep_url_with_host("no-scheme", "10.0.0.2", out, sizeof(out)), -EINVAL);
    cr_expect_eq(deep_url_with_host("rtsp://cam.example/x", "10.0.0.2", out, 12), -ENAMETOOLONG);
}

Test(deep_url, credentials_never_reach_the_detail)
{
    struct deep_result *r = probe_url("rtsps://admin:S3cret-pw@camera.example/x", NULL, 1000);
    cr_expect_null(strstr(r->base.detail, "S3cret"), "%s", r->base.detail);
    free_result(&r);
    r = probe_url("ftp://admin:S3cret-pw@10.0.0.1/x", NULL, 1000);
    expect_reason(r, PROBE_R_UNSUPPORTED_URL);
    cr_expect_null(strstr(r->base.detail, "S3cret"), "%s", r->base.detail);
    free_result(&r);
}

Test(deep_url, log_lines_have_their_urls_redacted)
{
    char out[256];
    deep_redact_line("Opening 'http://admin:S3cret@10.0.0.1/a.m3u8' for reading", out, sizeof(out));
    cr_expect_null(strstr(out, "S3cret"), "%s", out);
    cr_expect(strstr(out, "Opening '") == out, "%s", out);
    cr_expect(strstr(out, "10.0.0.1/a.m3u8' for reading"), "%s", out);
    deep_redact_line("[tcp] rtsp://u:p1@1.2.3.4/x and rtmp://v:p2@5.6.7.8/app?token=abc end", out,
                     sizeof(out));
    cr_expect_null(strstr(out, "p1@"), "%s", out);
    cr_expect_null(strstr(out, "p2@"), "%s", out);
    cr_expect_null(strstr(out, "abc"), "%s", out);
    cr_expect(strstr(out, " end"), "%s", out);
    deep_redact_line("Authorization: Basic YWRtaW46UzNjcmV0", out, sizeof(out));
    cr_expect_str_eq(out, "Authorization: ***");
    deep_redact_line("  proxy-authorization: Digest username=\"a\"", out, sizeof(out));
    cr_expect_str_eq(out, "  proxy-authorization: ***");
    deep_redact_line("no urls here", out, sizeof(out));
    cr_expect_str_eq(out, "no urls here");
    deep_redact_line("cut rtsp://admin:S3cret@10.0.0.1/x", out, 16);
    cr_expect_null(strstr(out, "S3cret"), "a short buffer never shows a password: %s", out);
}

static char long_log[4 * 16384];

static void keep_log_line(void *opaque, int level, const char *text)
{
    (void)opaque;
    (void)level;
    size_t l = strlen(long_log);
    snprintf(long_log + l, sizeof(long_log) - l, "%s\n", text);
}

/* libav hands a line over in pieces; redaction must see it whole. The
 * first piece limit was 1 KiB: put the password across it. */
Test(deep_url, log_lines_longer_than_a_piece_are_redacted_whole)
{
    static char pad[8192];
    memset(pad, 'x', sizeof(pad) - 1);
    deep_av_log_setup(keep_log_line, NULL, AV_LOG_DEBUG);
    av_log(NULL, AV_LOG_WARNING, "%.1000s rtsp://admin:S3cret-pw@10.0.0.1/x end\n", pad);
    av_log(NULL, AV_LOG_WARNING, "%.1000s rtsp://admin:S3c", pad);
    av_log(NULL, AV_LOG_WARNING, "ret-pw@10.0.0.1/x end\n");
    /* longer than any line kept: the limit falls into the password */
    av_log(NULL, AV_LOG_WARNING, "%.4080s rtsp://admin:S3cret-pw@10.0.0.1/y\n", pad);
    av_log(NULL, AV_LOG_WARNING, "%.4080s rtsp://admin:S3c", pad);
    av_log(NULL, AV_LOG_WARNING, "ret-pw@10.0.0.1/y\n");
    /* one message over the formatting buffer, the URL at its end */
    av_log(NULL, AV_LOG_WARNING, "%.8000s rtsp://admin:S3cret-pw@10.0.0.1/z\n", pad);
    /* a URL longer than any URL, its '@' far on */
    av_log(NULL, AV_LOG_WARNING, "a rtsp://admin:S3cret-pw%.2100s@10.0.0.1/w b\n", pad);
    av_log(NULL, AV_LOG_WARNING, "last\n");
    cr_expect_null(strstr(long_log, "S3c"), "the password leaked: %s", long_log);
    cr_expect_null(strstr(long_log, "admin"), "the user leaked: %s", long_log);
    const char *p = strstr(long_log, " rtsp://***@10.0.0.1/x end\n");
    cr_expect_not_null(p, "a whole line is shown redacted: %s", long_log);
    cr_expect_not_null(p && strstr(p + 1, " rtsp://***@10.0.0.1/x end\n"),
                       "also when it came in two pieces: %s", long_log);
    cr_expect(strstr(long_log, "last\n"), "lines after long ones still come: %s", long_log);
}

Test(deep_url, null_arguments_are_einval)
{
    struct deep_result *r = new_result();
    cr_expect_eq(deep_probe_run(NULL, NULL, NULL, NULL, r), -EINVAL);
    cr_expect_eq(deep_probe_run("rtsp://10.0.0.1/", NULL, NULL, NULL, NULL), -EINVAL);
    free_result(&r);
}

/* ---- the error mapping ---- */

Test(deep_map, libav_errors_map_to_stable_reasons)
{
    static const struct {
        int err;
        enum deep_phase ph;
        enum probe_reason why;
    } cases[] = {
        {AVERROR(ECONNREFUSED), DEEP_PH_OPEN, PROBE_R_CONNECT_REFUSED},
        {AVERROR(ETIMEDOUT), DEEP_PH_OPEN, PROBE_R_CONNECT_TIMEOUT},
        {AVERROR(ETIMEDOUT), DEEP_PH_MEASURE, PROBE_R_RTSP_TIMEOUT},
        {AVERROR(EHOSTUNREACH), DEEP_PH_OPEN, PROBE_R_NET_UNREACHABLE},
        {AVERROR(ENETUNREACH), DEEP_PH_OPEN, PROBE_R_NET_UNREACHABLE},
        {AVERROR(ECONNRESET), DEEP_PH_INFO, PROBE_R_CONNECT_RESET},
        {AVERROR_EOF, DEEP_PH_OPEN, PROBE_R_CONNECT_RESET},
        {AVERROR_EOF, DEEP_PH_INFO, PROBE_R_NO_MEDIA},
        {AVERROR_HTTP_UNAUTHORIZED, DEEP_PH_OPEN, PROBE_R_AUTH_FAILED},
        {AVERROR_HTTP_FORBIDDEN, DEEP_PH_OPEN, PROBE_R_FORBIDDEN},
        {AVERROR_HTTP_NOT_FOUND, DEEP_PH_OPEN, PROBE_R_NOT_FOUND},
        {AVERROR_HTTP_SERVER_ERROR, DEEP_PH_OPEN, PROBE_R_SERVER_ERROR},
        {AVERROR_HTTP_OTHER_4XX, DEEP_PH_OPEN, PROBE_R_SERVER_ERROR},
        {AVERROR_HTTP_BAD_REQUEST, DEEP_PH_OPEN, PROBE_R_SERVER_ERROR},
        {AVERROR_INVALIDDATA, DEEP_PH_OPEN, PROBE_R_PROTOCOL_ERROR},
        {AVERROR_INVALIDDATA, DEEP_PH_DECODE, PROBE_R_DECODE_ERROR},
        {AVERROR_PROTOCOL_NOT_FOUND, DEEP_PH_OPEN, PROBE_R_UNSUPPORTED_URL},
        {AVERROR(EINVAL), DEEP_PH_OPEN, PROBE_R_UNSUPPORTED_URL},
        {AVERROR_DECODER_NOT_FOUND, DEEP_PH_DECODE, PROBE_R_DECODE_ERROR},
        {AVERROR(ENOMEM), DEEP_PH_INFO, PROBE_R_INTERNAL_ERROR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char d[PROBE_DETAIL_MAX];
        enum probe_reason why =
            deep_reason_from_averror(cases[i].err, cases[i].ph, false, -1, d, sizeof(d));
        cr_expect_eq(why, cases[i].why, "case %zu: %s, expected %s (%s)", i, probe_reason_name(why),
                     probe_reason_name(cases[i].why), d);
        cr_expect(strncmp(d, deep_phase_name(cases[i].ph), strlen(deep_phase_name(cases[i].ph))) ==
                      0,
                  "the detail starts with the phase: %s", d);
    }
}

Test(deep_map, detail_carries_the_libav_error_text)
{
    char d[PROBE_DETAIL_MAX];
    deep_reason_from_averror(AVERROR(ECONNREFUSED), DEEP_PH_OPEN, false, -1, d, sizeof(d));
    cr_expect_str_eq(d, "open: Connection refused");
}

Test(deep_map, deadline_in_open_is_connect_or_reply_timeout)
{
    char d[PROBE_DETAIL_MAX];
    cr_expect_eq(deep_reason_from_averror(AVERROR_EXIT, DEEP_PH_OPEN, true, 0, d, sizeof(d)),
                 PROBE_R_CONNECT_TIMEOUT);
    cr_expect_eq(deep_reason_from_averror(AVERROR_EXIT, DEEP_PH_OPEN, true, 1, d, sizeof(d)),
                 PROBE_R_RTSP_TIMEOUT);
    /* Unchecked: RTSP turns an interrupted reply into invalid data. */
    cr_expect_eq(
        deep_reason_from_averror(AVERROR_INVALIDDATA, DEEP_PH_OPEN, true, -1, d, sizeof(d)),
        PROBE_R_RTSP_TIMEOUT);
    /* Set up but silent afterwards: no RTP in time, as tier 1 says. */
    cr_expect_eq(deep_reason_from_averror(AVERROR_EXIT, DEEP_PH_INFO, true, -1, d, sizeof(d)),
                 PROBE_R_NO_MEDIA);
    cr_expect(strstr(d, "stream info"), "%s", d);
}

/* ---- deadlines and refusals against in-test sockets ---- */

TestSuite(deep_net, .init = quiet_libav);

Test(deep_net, refused_port_is_connect_refused)
{
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%u/x", free_port());
    struct deep_result *r = probe_url(url, NULL, 2000);
    expect_reason(r, PROBE_R_CONNECT_REFUSED);
    cr_expect_eq(r->av_error, AVERROR(ECONNREFUSED));
    cr_expect_eq(r->failed_phase, DEEP_PH_OPEN);
    cr_expect_not(r->deadline_hit);
    free_result(&r);
}

Test(deep_net, silent_server_hits_the_deadline_as_a_reply_timeout_for_every_scheme)
{
    struct lsock l;
    lsock_open(&l, false);
    const char *fmts[] = {"rtsp://127.0.0.1:%u/x", "http://127.0.0.1:%u/live.flv",
                          "rtmp://127.0.0.1:%u/app/x"};
    for (int i = 0; i < 3; i++) {
        char url[64];
        snprintf(url, sizeof(url), fmts[i], l.port);
        int64_t t0 = mono_ms();
        struct deep_result *r = probe_url(url, NULL, 1000);
        int64_t took = mono_ms() - t0;
        expect_reason(r, PROBE_R_RTSP_TIMEOUT);
        cr_expect(r->deadline_hit, "%s", url);
        cr_expect_eq(r->failed_phase, DEEP_PH_OPEN);
        cr_expect_geq(took, 700, "%s took %lld ms", url, (long long)took);
        cr_expect_leq(took, 1000 + LOAD_SLACK_MS, "%s took %lld ms for a 1 s deadline", url,
                      (long long)took);
        free_result(&r);
    }
    lsock_close(&l);
}

Test(deep_net, dropped_syns_are_a_connect_timeout_within_the_deadline)
{
    struct lsock l;
    lsock_open(&l, true);
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%u/x", l.port);
    int64_t t0 = mono_ms();
    struct deep_result *r = probe_url(url, NULL, 1000);
    int64_t took = mono_ms() - t0;
    expect_reason(r, PROBE_R_CONNECT_TIMEOUT);
    cr_expect_leq(took, 1000 + LOAD_SLACK_MS, "took %lld ms for a 1 s deadline", (long long)took);
    free_result(&r);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/x.m3u8", l.port);
    r = probe_url(url, NULL, 1000);
    expect_reason(r, PROBE_R_CONNECT_TIMEOUT);
    free_result(&r);
    lsock_close(&l);
}

struct stopper {
    int lfd;
    atomic_bool *stop;
    int64_t set_at;
};

/* Raise the stop flag once the probe's connection is in the backlog. */
static void *stopper_main(void *arg)
{
    struct stopper *s = arg;
    struct pollfd p = {.fd = s->lfd, .events = POLLIN};
    if (poll(&p, 1, 5000) == 1) {
        s->set_at = mono_ms();
        atomic_store(s->stop, true);
    }
    return NULL;
}

Test(deep_net, stop_flag_interrupts_a_running_probe_promptly)
{
    struct lsock l;
    lsock_open(&l, false);
    atomic_bool stop;
    atomic_init(&stop, false);
    struct stopper s = {.lfd = l.fd, .stop = &stop};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, stopper_main, &s), 0);
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%u/x", l.port);
    struct deep_opts o;
    deep_opts_default(&o);
    o.deadline_ms = 10000;
    struct deep_result *r = new_result();
    int rc = deep_probe_run(url, NULL, &o, &stop, r);
    int64_t done = mono_ms();
    pthread_join(th, NULL);
    cr_expect_eq(rc, -ECANCELED);
    cr_assert_gt(s.set_at, 0, "the probe never connected");
    cr_expect_lt(done - s.set_at, LOAD_SLACK_MS, "stopped %lld ms after the flag (10 s deadline)",
                 (long long)(done - s.set_at));
    expect_reason(r, PROBE_R_INTERNAL_ERROR);
    cr_expect(strstr(r->base.detail, "cancelled"), "%s", r->base.detail);
    free_result(&r);
    lsock_close(&l);
}

/* An RTSP server that answers OPTIONS, DESCRIBE (H.264 640x480), SETUP and
 * PLAY and then never sends a packet: a camera whose encoder hung. */
static const char MUTE_RTSP[] =
    "import socket, sys, threading\n"
    "SDP = ('v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=mute\\r\\nt=0 0\\r\\n'\n"
    "       'm=video 0 RTP/AVP 96\\r\\na=rtpmap:96 H264/90000\\r\\n'\n"
    "       'a=fmtp:96 "
    "packetization-mode=1;sprop-parameter-sets=Z0LAHtoCgL/"
    "lwFqDAwNSgAAAAwCAAAAZR4sXUA==,aM48gA==\\r\\n'\n"
    "       'a=control:stream=0\\r\\n')\n"
    "def frag(fuh, seq, body):\n"
    "    rtp = bytes([0x80, 96, seq >> 8, seq & 255, 0, 0, 0, 0, 0, 0, 0, 1, 0x7c, fuh]) + body\n"
    "    return b'$\\x00' + len(rtp).to_bytes(2, 'big') + rtp\n"
    "def flood(c, total):\n"
    "    # an IDR slice that never ends: a start fragment, then middles, one\n"
    "    # timestamp; `total` bytes of it however long they take, then the end\n"
    "    body, sent, seq = b'\\x55' * 1400, 0, 0\n"
    "    try:\n"
    "        c.sendall(frag(0x85, 0, body))\n"
    "        while sent < total:\n"
    "            seq = (seq + 1) & 0xffff; p = frag(0x05, seq, body) * 32\n"
    "            c.sendall(p); sent += len(p)\n"
    "        c.shutdown(socket.SHUT_RDWR)\n"
    "    except OSError: pass\n"
    "    print('SENT %d' % sent, flush=True)\n"
    "def serve(c):\n"
    "    buf = b''\n"
    "    while True:\n"
    "        d = c.recv(4096)\n"
    "        if not d: return\n"
    "        buf += d\n"
    "        while b'\\r\\n\\r\\n' in buf:\n"
    "            req, buf = buf.split(b'\\r\\n\\r\\n', 1)\n"
    "            lines = req.decode().split('\\r\\n')\n"
    "            m, url = lines[0].split(' ')[:2]\n"
    "            cseq = [l.split(':', 1)[1].strip() for l in lines if "
    "l.lower().startswith('cseq')][0]\n"
    "            h, body = 'CSeq: ' + cseq + '\\r\\n', ''\n"
    "            if m == 'OPTIONS': h += 'Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\\r\\n'\n"
    "            if m == 'DESCRIBE':\n"
    "                body = SDP; h += 'Content-Base: ' + url + '/\\r\\nContent-Type: "
    "application/sdp\\r\\n'\n"
    "            if m == 'SETUP': h += 'Transport: "
    "RTP/AVP/TCP;unicast;interleaved=0-1\\r\\nSession: 4711\\r\\n'\n"
    "            if m == 'PLAY': h += 'Session: 4711\\r\\nRange: npt=0.000-\\r\\n'\n"
    "            h += 'Content-Length: %d\\r\\n' % len(body)\n"
    "            c.sendall(('RTSP/1.0 200 OK\\r\\n' + h + '\\r\\n' + body).encode())\n"
    "            if m == 'PLAY' and len(sys.argv) > 1:\n"
    "                threading.Thread(target=flood, args=(c, int(sys.argv[1])),\n"
    "                                 daemon=True).start()\n"
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)\n"
    "print('READY %d' % s.getsockname()[1], flush=True)\n"
    "while True:\n"
    "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n";

Test(deep_net, playing_stream_without_packets_is_no_media_within_the_deadline)
{
    int fd;
    char *argv[] = {"python3", "-c", (char *)MUTE_RTSP, NULL};
    pid_t pid = spawn(argv, &fd);
    char line[64];
    int port = 0;
    bool ok = read_line(fd, line, sizeof(line), 10000) && sscanf(line, "READY %d", &port) == 1;
    close(fd);
    if (!ok)
        stop_child(pid);
    cr_assert(ok, "the mute RTSP server did not start (\"%s\")", line);
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/live", port);
    int64_t t0 = mono_ms();
    struct deep_result *r = probe_url(url, NULL, 1500);
    int64_t took = mono_ms() - t0;
    stop_child(pid);
    cr_expect_eq(r->base.state, PROBE_OFFLINE);
    expect_reason(r, PROBE_R_NO_MEDIA);
    cr_expect_str_eq(r->format, "rtsp", "the handshake went through");
    cr_expect_leq(took, 1500 + LOAD_SLACK_MS, "took %lld ms for a 1.5 s deadline",
                  (long long)took);
    free_result(&r);
}

/* Bytes allocated and not yet freed, from the allocator in use: ASan keeps
 * freed memory in quarantine, so the resident size would mean nothing. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
/* From the sanitizer runtime (gcc ships no header for it). */
size_t __sanitizer_get_current_allocated_bytes(void);
static size_t live_heap(void)
{
    return __sanitizer_get_current_allocated_bytes();
}
#else
#include <malloc.h>
static size_t live_heap(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}
#endif

struct flood_probe {
    char url[64];
    struct deep_result *r;
    int rc;
    atomic_bool done;
};

/* The flood's size, not its speed, is the premise: the server sends this
 * much however long a loaded machine takes, and the probe's deadline is
 * far beyond that, so that the flood ends the probe, not the deadline. */
#define FLOOD_BYTES       (80ll << 20)
#define FLOOD_DEADLINE_MS 120000

static void *flood_probe_run(void *arg)
{
    struct flood_probe *fp = arg;
    struct deep_opts o;
    deep_opts_default(&o);
    o.deadline_ms = FLOOD_DEADLINE_MS;
    fp->rc = deep_probe_run(fp->url, NULL, &o, NULL, fp->r);
    atomic_store(&fp->done, true);
    return NULL;
}

/* The same server with an argument floods the played session with that
 * many bytes of one H.264 NAL unit that never ends, which libav's parser
 * would gather whole, then closes the connection: the probe must hold a
 * bounded amount of it. */
Test(deep_net, endless_nal_unit_is_not_gathered_without_limit)
{
    int fd;
    char total[32];
    snprintf(total, sizeof(total), "%lld", FLOOD_BYTES);
    char *argv[] = {"python3", "-c", (char *)MUTE_RTSP, total, NULL};
    pid_t pid = spawn(argv, &fd);
    char line[64];
    int port = 0;
    bool ok = read_line(fd, line, sizeof(line), 10000) && sscanf(line, "READY %d", &port) == 1;
    if (!ok)
        stop_child(pid);
    cr_assert(ok, "the flooding RTSP server did not start (\"%s\")", line);
    struct flood_probe fp = {.r = new_result()};
    snprintf(fp.url, sizeof(fp.url), "rtsp://127.0.0.1:%d/live", port);
    size_t base = live_heap(), peak = 0;
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, flood_probe_run, &fp), 0);
    /* Sampling, not waiting: the probe's end is what ends the loop. */
    while (!atomic_load(&fp.done)) {
        size_t now = live_heap();
        if (now > base && now - base > peak)
            peak = now - base;
        usleep(2000);
    }
    pthread_join(th, NULL);
    /* The server says how much it got to send once the flood is over or
     * the probe closed the connection before. */
    long long sent = 0;
    ok = read_line(fd, line, sizeof(line), 60000) && sscanf(line, "SENT %lld", &sent) == 1;
    close(fd);
    stop_child(pid);
    cr_assert(ok, "no byte count from the server (\"%s\"); the probe said %s after %u ms: %s",
              line, probe_reason_name(fp.r->base.reason), fp.r->total_ms, fp.r->base.detail);
    cr_assert_eq(fp.rc, 0);
    cr_expect_geq(sent, FLOOD_BYTES, "the probe ended after %lld of %lld bytes (%s)", sent,
                  FLOOD_BYTES, fp.r->base.detail);
    cr_expect_lt(peak, 24u << 20, "the probe held %zu bytes at its peak while %lld came", peak,
                 sent);
    cr_expect_not(fp.r->deadline_hit, "the deadline, not the flood's end, ended the probe");
    cr_expect_eq(fp.r->base.state, PROBE_OFFLINE, "%s", fp.r->base.detail);
    expect_reason(fp.r, PROBE_R_NO_MEDIA);
    free_result(&fp.r);
}

/* An RTSP server whose path says which request fails and how:
 * /<METHOD>/<status>, e.g. /SETUP/453. SETUP answers come after 300 ms, so
 * probes started together are all inside libav at the same time. 403 to
 * SETUP carries Dahua's body, which libav never shows. */
static const char STATUS_RTSP[] =
    "import socket, threading, time\n"
    "PHRASE = {'401': 'Unauthorized', '403': 'Forbidden', '404': 'Not Found',\n"
    "          '453': 'Not Enough Bandwidth', '500': 'Internal Server Error',\n"
    "          '503': 'Service Unavailable'}\n"
    "SDP = ('v=0\\r\\no=- 1 1 IN IP4 127.0.0.1\\r\\ns=x\\r\\nt=0 0\\r\\n'\n"
    "       'm=video 0 RTP/AVP 96\\r\\na=rtpmap:96 H264/90000\\r\\na=control:stream=0\\r\\n')\n"
    "def serve(c):\n"
    "    buf = b''\n"
    "    while True:\n"
    "        d = c.recv(4096)\n"
    "        if not d: return\n"
    "        buf += d\n"
    "        while b'\\r\\n\\r\\n' in buf:\n"
    "            req, buf = buf.split(b'\\r\\n\\r\\n', 1)\n"
    "            lines = req.decode().split('\\r\\n')\n"
    "            m, url = lines[0].split(' ')[:2]\n"
    "            cseq = [l.split(':', 1)[1].strip() for l in lines if "
    "l.lower().startswith('cseq')][0]\n"
    "            parts = url.split('/')\n"
    "            h, body, st = 'CSeq: ' + cseq + '\\r\\n', '', '200'\n"
    "            if m == parts[3]: st = parts[4]\n"
    "            if m == 'SETUP': time.sleep(0.3)\n"
    "            if st == '200' and m == 'DESCRIBE':\n"
    "                body = SDP; h += 'Content-Base: ' + url + '/\\r\\nContent-Type: "
    "application/sdp\\r\\n'\n"
    "            if st == '403' and m == 'SETUP':\n"
    "                body = 'Forbidden: the number of connections has reached the upper limit'\n"
    "            h += 'Content-Length: %d\\r\\n' % len(body)\n"
    "            c.sendall(('RTSP/1.0 %s %s\\r\\n' % (st, PHRASE.get(st, 'OK')) + h + '\\r\\n' + "
    "body).encode())\n"
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(8)\n"
    "print('READY %d' % s.getsockname()[1], flush=True)\n"
    "while True:\n"
    "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n";

struct status_probe {
    const char *path;
    char url[96];
    enum probe_reason want;
    int want_status;
    struct deep_result *r;
};

static void *status_probe_main(void *arg)
{
    struct status_probe *p = arg;
    struct deep_opts o;
    deep_opts_default(&o);
    o.deadline_ms = 4000;
    deep_probe_run(p->url, NULL, &o, NULL, p->r);
    return NULL;
}

/* libav reports 453 and 500 alike as a generic error; the status comes
 * from its log line, which must be the line of each probe's own request
 * while several probe at once on their own threads. */
Test(deep_net, rtsp_statuses_map_like_tier_1_for_each_of_several_concurrent_probes)
{
    int fd;
    char *argv[] = {"python3", "-c", (char *)STATUS_RTSP, NULL};
    pid_t pid = spawn(argv, &fd);
    char line[64];
    int port = 0;
    bool ok = read_line(fd, line, sizeof(line), 10000) && sscanf(line, "READY %d", &port) == 1;
    close(fd);
    if (!ok)
        stop_child(pid);
    cr_assert(ok, "the status RTSP server did not start (\"%s\")", line);
    struct status_probe probes[] = {
        {.path = "/SETUP/453", .want = PROBE_R_SESSION_LIMIT, .want_status = 453},
        {.path = "/SETUP/403", .want = PROBE_R_SESSION_LIMIT, .want_status = 403},
        {.path = "/DESCRIBE/403", .want = PROBE_R_FORBIDDEN, .want_status = 403},
        {.path = "/DESCRIBE/404", .want = PROBE_R_NOT_FOUND, .want_status = 404},
        {.path = "/SETUP/500", .want = PROBE_R_SERVER_ERROR, .want_status = 500},
        {.path = "/DESCRIBE/401", .want = PROBE_R_AUTH_FAILED, .want_status = 401},
    };
    enum { N = sizeof(probes) / sizeof(probes[0]) };
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        snprintf(probes[i].url, sizeof(probes[i].url), "rtsp://127.0.0.1:%d%s", port,
                 probes[i].path);
        probes[i].r = new_result();
        cr_assert_eq(pthread_create(&th[i], NULL, status_probe_main, &probes[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    stop_child(pid);
    for (int i = 0; i < N; i++) {
        struct deep_result *r = probes[i].r;
        cr_expect_eq(r->base.state, PROBE_OFFLINE, "%s: %s", probes[i].url, r->base.detail);
        cr_expect_eq(r->base.reason, probes[i].want, "%s: %s, expected %s (%s)", probes[i].url,
                     probe_reason_name(r->base.reason), probe_reason_name(probes[i].want),
                     r->base.detail);
        cr_expect_eq(r->base.rtsp_status, probes[i].want_status, "%s: status %d (%s)",
                     probes[i].url, r->base.rtsp_status, r->base.detail);
        cr_expect_eq(r->failed_phase, DEEP_PH_OPEN);
        free_result(&probes[i].r);
    }
}

/* A camera on 127.0.0.1 that answers DESCRIBE with a 302 to a second
 * server (argv[1]: its address) which offers Basic and prints every
 * request it gets with its Authorization header ("-" without one). */
static const char REDIRECT_RTSP[] =
    "import socket, sys, threading\n"
    "def reply(c, cseq, st, h=''):\n"
    "    c.sendall(('RTSP/1.0 %s\\r\\nCSeq: %s\\r\\n%sContent-Length: 0\\r\\n\\r\\n' % (st, cseq, "
    "h)).encode())\n"
    "def serve(c, away):\n"
    "    buf = b''\n"
    "    while True:\n"
    "        d = c.recv(4096)\n"
    "        if not d: return\n"
    "        buf += d\n"
    "        while b'\\r\\n\\r\\n' in buf:\n"
    "            req, buf = buf.split(b'\\r\\n\\r\\n', 1)\n"
    "            lines = req.decode('latin-1').split('\\r\\n')\n"
    "            m = lines[0].split(' ')[0]\n"
    "            cseq = ([l.split(':', 1)[1].strip() for l in lines if "
    "l.lower().startswith('cseq:')] + ['0'])[0]\n"
    "            auth = [l for l in lines if l.lower().startswith('authorization:')]\n"
    "            if away: print('AWAY %s %s' % (m, auth[0] if auth else '-'), flush=True)\n"
    "            if m == 'OPTIONS': reply(c, cseq, '200 OK', 'Public: OPTIONS, DESCRIBE\\r\\n')\n"
    "            elif away and not auth: reply(c, cseq, '401 Unauthorized', "
    "'WWW-Authenticate: Basic realm=\"away\"\\r\\n')\n"
    "            elif away: reply(c, cseq, '404 Not Found')\n"
    "            else: reply(c, cseq, '302 Moved Temporarily', "
    "'Location: rtsp://%s:%d/elsewhere\\r\\n' % (sys.argv[1], aport))\n"
    "def accept(s, away):\n"
    "    while True:\n"
    "        c, _ = s.accept(); threading.Thread(target=serve, args=(c, away), "
    "daemon=True).start()\n"
    "def listen(ip):\n"
    "    s = socket.socket(); s.bind((ip, 0)); s.listen(8); return s\n"
    "cam, aw = listen('127.0.0.1'), listen(sys.argv[1])\n"
    "aport = aw.getsockname()[1]\n"
    "threading.Thread(target=accept, args=(aw, True), daemon=True).start()\n"
    "print('READY %d %d' % (cam.getsockname()[1], aport), flush=True)\n"
    "accept(cam, False)\n";

/* libav follows a 3xx anywhere and answers the new server's Basic
 * challenge with the camera's password; camdex stops it and follows
 * without credentials. */
static void redirect_away(const char *away_ip)
{
    int fd;
    char *argv[] = {"python3", "-c", (char *)REDIRECT_RTSP, (char *)away_ip, NULL};
    pid_t pid = spawn(argv, &fd);
    char line[256];
    int port = 0, away_port = 0;
    bool ok = read_line(fd, line, sizeof(line), 10000) &&
              sscanf(line, "READY %d %d", &port, &away_port) == 2;
    if (!ok)
        stop_child(pid);
    cr_assert(ok, "the redirecting RTSP server did not start (\"%s\")", line);
    char url[96];
    snprintf(url, sizeof(url), "rtsp://admin:S3cret-pw@127.0.0.1:%d/live", port);
    struct deep_result *r = probe_url(url, NULL, 4000);
    /* Every request the second server answered was printed before its
     * answer, so it is in the pipe now. */
    stop_child(pid);
    int requests = 0;
    while (read_line(fd, line, sizeof(line), 2000)) {
        requests++;
        size_t l = strlen(line);
        cr_expect(l > 2 && strcmp(line + l - 2, " -") == 0,
                  "credentials reached the other server: %s", line);
    }
    close(fd);
    cr_expect_gt(requests, 0, "the redirect was not followed");
    expect_reason(r, PROBE_R_AUTH_FAILED);
    cr_expect(strstr(r->base.detail, "credentials not sent"), "%s", r->base.detail);
    cr_expect(strstr(r->base.detail, "/elsewhere"), "%s", r->base.detail);
    cr_expect_null(strstr(r->base.detail, "S3cret"), "%s", r->base.detail);
    free_result(&r);
}

Test(deep_net, redirect_to_another_address_gets_no_credentials)
{
    redirect_away("127.0.0.2");
}

Test(deep_net, redirect_to_another_port_of_the_host_gets_no_credentials)
{
    redirect_away("127.0.0.1");
}

/* The second server of REDIRECT_RTSP offers only Basic: probe it directly,
 * as a camera known to use Digest (refuse_basic) and as one that is not.
 * How many requests carried a Basic password. */
static int basic_probe(bool refuse_basic, struct deep_result **out)
{
    int fd;
    char *argv[] = {"python3", "-c", (char *)REDIRECT_RTSP, "127.0.0.1", NULL};
    pid_t pid = spawn(argv, &fd);
    char line[256];
    int port = 0, away_port = 0;
    bool ok = read_line(fd, line, sizeof(line), 10000) &&
              sscanf(line, "READY %d %d", &port, &away_port) == 2;
    if (!ok)
        stop_child(pid);
    cr_assert(ok, "the RTSP server did not start (\"%s\")", line);
    char url[96];
    snprintf(url, sizeof(url), "rtsp://admin:S3cret-pw@127.0.0.1:%d/live", away_port);
    struct deep_opts o;
    deep_opts_default(&o);
    o.deadline_ms = 4000;
    o.refuse_basic = refuse_basic;
    *out = new_result();
    cr_assert_eq(deep_probe_run(url, NULL, &o, NULL, *out), 0);
    stop_child(pid);
    int basic = 0;
    while (read_line(fd, line, sizeof(line), 2000))
        basic += strstr(line, "Basic ") != NULL;
    close(fd);
    return basic;
}

Test(deep_net, digest_camera_offering_only_basic_gets_no_password)
{
    struct deep_result *r;
    cr_expect_eq(basic_probe(true, &r), 0, "the password went in clear");
    expect_reason(r, PROBE_R_AUTH_FAILED);
    cr_expect(strstr(r->base.detail, "only Basic, but used Digest before"), "%s", r->base.detail);
    free_result(&r);
    /* the same camera not known for Digest gets Basic, as before */
    cr_expect_gt(basic_probe(false, &r), 0, "the test shows nothing");
    free_result(&r);
}

/* ---- RTSP from gst-rtsp-server ---- */

/* Our own mounts: live (SMPTE bars), moving (a ball) and black H.264
 * test pictures at 25 fps, a keyframe a second (sparse: every 10 s), and
 * 400 kbit/s, an audio-only (G.711 A-law) stream, a 320x240 MJPEG one (no
 * parameter sets: only a decoded picture tells its size); a second server
 * behind Digest (admin / right). */
static const char GST_SCRIPT[] =
    "import sys, gi\n"
    "gi.require_version('Gst', '1.0'); gi.require_version('GstRtsp', '1.0')\n"
    "gi.require_version('GstRtspServer', '1.0')\n"
    "from gi.repository import GLib, Gst, GstRtsp, GstRtspServer\n"
    "V = ('videotestsrc is-live=true pattern=%s ! video/x-raw,format=I420,width=640,height=360,'\n"
    "     'framerate=25/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 '\n"
    "     'bitrate=400 ! rtph264pay name=pay0 pt=96 config-interval=-1')\n"
    "M = {'/live': V % 'smpte', '/black': V % 'black', '/ball': V % 'ball',\n"
    "     '/sparse': (V % 'ball').replace('key-int-max=25', 'key-int-max=250'),\n"
    "     '/audio': 'audiotestsrc is-live=true ! audio/x-raw,rate=8000,channels=1 ! alawenc '\n"
    "               '! rtppcmapay name=pay0 pt=8',\n"
    "     '/mjpeg': 'videotestsrc is-live=true ! video/x-raw,format=I420,width=320,height=240,'\n"
    "               'framerate=10/1 ! jpegenc ! rtpjpegpay name=pay0 pt=26'}\n"
    "def srv(auth):\n"
    "    s = GstRtspServer.RTSPServer(); s.set_address('127.0.0.1'); s.set_service('0')\n"
    "    m = s.get_mount_points()\n"
    "    for p, l in M.items():\n"
    "        f = GstRtspServer.RTSPMediaFactory(); f.set_launch('( ' + l + ' )')\n"
    "        f.set_shared(False)\n"
    "        if auth:\n"
    "            f.add_role_from_structure(Gst.Structure.from_string('user, "
    "media.factory.access=(boolean)true, media.factory.construct=(boolean)true')[0])\n"
    "        m.add_factory(p, f)\n"
    "    if auth:\n"
    "        a = GstRtspServer.RTSPAuth(); t = GstRtspServer.RTSPToken()\n"
    "        t.set_string('media.factory.role', 'user')\n"
    "        a.add_digest('admin', 'right', t)\n"
    "        a.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST); s.set_auth(a)\n"
    "    if s.attach(None) == 0: sys.exit('cannot listen')\n"
    "    return s\n"
    "Gst.init(None)\n"
    "a = srv(False); b = srv(True)\n"
    "print('READY %d %d' % (a.get_bound_port(), b.get_bound_port()), flush=True)\n"
    "GLib.MainLoop().run()\n";

static pid_t gst_pid;
static int gst_open_port, gst_auth_port;

static void gst_init(void)
{
    quiet_libav();
    int fd;
    /* Debian's python3-gi is built for /usr/bin/python3 only. */
    char *argv[] = {"/usr/bin/python3", "-c", (char *)GST_SCRIPT, NULL};
    gst_pid = spawn(argv, &fd);
    char line[128];
    bool ok = read_line(fd, line, sizeof(line), 30000);
    close(fd);
    if (!ok || sscanf(line, "READY %d %d", &gst_open_port, &gst_auth_port) != 2) {
        stop_child(gst_pid);
        cr_assert_fail("gst-rtsp-server did not start (\"%s\"); it needs python3-gi, "
                       "gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-{base,good,ugly}",
                       line);
    }
}

static void gst_fini(void)
{
    stop_child(gst_pid);
}

static struct deep_result *gst_probe(const char *path, int port, const char *userinfo)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://%s127.0.0.1:%d%s", userinfo, port, path);
    return probe_url(url, NULL, 5000);
}

TestSuite(deep_rtsp, .init = gst_init, .fini = gst_fini);

Test(deep_rtsp, live_h264_is_online_with_measured_fps_and_bitrate)
{
    struct deep_result *r = gst_probe("/live", gst_open_port, "");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s: %s", probe_reason_name(r->base.reason),
                 r->base.detail);
    cr_expect_str_eq(r->format, "rtsp");
    cr_expect_str_eq(r->unused_opts, "", "libav left options unused: %s", r->unused_opts);
    cr_expect_eq(r->base.video.codec, PROBE_CODEC_H264);
    cr_expect_eq(r->base.video.width, 640);
    cr_expect_eq(r->base.video.height, 360);
    cr_expect_gt(r->video_frames, 5);
    cr_expect(r->base.video.fps_milli >= 22500 && r->base.video.fps_milli <= 27500,
              "measured %u mfps, encoded at 25 fps", r->base.video.fps_milli);
    cr_expect(r->base.video.bitrate >= 200000 && r->base.video.bitrate <= 800000,
              "measured %u bit/s, encoded at 400 kbit/s", r->base.video.bitrate);
    cr_expect_gt(r->base.phase_us[PROBE_PH_FIRST_KEYFRAME], 0);
    cr_expect_lt(r->total_ms, 5000);
    free_result(&r);
}

Test(deep_rtsp, luma_of_a_test_pattern_is_bright_and_sharp_and_of_black_is_dark)
{
    struct frameq_stats st;
    struct frameq_limits lim;
    struct deep_result *r = gst_probe("/live", gst_open_port, "");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    cr_assert_eq(r->luma.width, 160, "640x360 shrinks by 4");
    cr_assert_eq(r->luma.height, 90);
    cr_assert_eq(frameq_compute(r->luma.data, r->luma.width, r->luma.height, r->luma.width, &st),
                 0);
    frameq_limits_default(&lim, r->luma.full_range);
    cr_expect_gt(st.mean, 60, "SMPTE bars: mean luma %.1f", st.mean);
    cr_expect_gt(st.variance, 500, "variance %.1f", st.variance);
    cr_expect_eq(frameq_judge(&st, &lim), PROBE_R_NONE, "mean %.1f var %.1f lap %.1f", st.mean,
                 st.variance, st.lap_var);
    /* x264 with zerolatency cuts each picture into slices that RTP carries
     * as separate packets: decoded one packet at a time, the lower slices
     * would be concealed by smearing the bars down. Row 80 (the SMPTE
     * blocks) must differ from row 36 (the bars). */
    double rowdiff;
    cr_assert_eq(frameq_diff(r->luma.data + 36 * r->luma.width, r->luma.data + 80 * r->luma.width,
                             r->luma.width, 1, r->luma.width, &rowdiff),
                 0);
    cr_expect_gt(rowdiff, 30, "the lower slices were decoded (row difference %.1f)", rowdiff);
    free_result(&r);

    r = gst_probe("/black", gst_open_port, "");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    cr_assert_gt(r->luma.width, 0);
    cr_assert_eq(frameq_compute(r->luma.data, r->luma.width, r->luma.height, r->luma.width, &st),
                 0);
    frameq_limits_default(&lim, r->luma.full_range);
    cr_expect_lt(st.mean, 24, "black: mean luma %.1f", st.mean);
    cr_expect_eq(frameq_judge(&st, &lim), PROBE_R_BLACK, "mean %.1f var %.1f", st.mean,
                 st.variance);
    free_result(&r);
}

Test(deep_rtsp, a_second_keyframe_a_second_later_shows_whether_the_picture_moves)
{
    struct frameq_limits lim;
    struct deep_result *r = gst_probe("/ball", gst_open_port, "");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    cr_assert_eq(r->luma2.width, r->luma.width, "no second keyframe decoded");
    cr_assert_eq(r->luma2.height, r->luma.height);
    cr_expect(r->luma2_gap_ms >= 800 && r->luma2_gap_ms <= 2000, "keyframes %u ms apart",
              r->luma2_gap_ms);
    double mad;
    cr_assert_eq(frameq_diff(r->luma.data, r->luma2.data, r->luma.width, r->luma.height,
                             r->luma.width, &mad),
                 0);
    frameq_limits_default(&lim, r->luma.full_range);
    cr_expect_not(frameq_frozen(mad, &lim), "the ball moved, yet the difference is %.2f", mad);
    free_result(&r);

    /* Asked not to, the probe ends after the first keyframe. */
    struct deep_opts o;
    deep_opts_default(&o);
    o.no_second = true;
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/ball", gst_open_port);
    r = new_result();
    cr_assert_eq(deep_probe_run(url, NULL, &o, NULL, r), 0);
    cr_expect_eq(r->luma2.width, 0);
    cr_expect_gt(r->luma.width, 0);
    free_result(&r);
}

Test(deep_rtsp, a_second_keyframe_that_does_not_come_in_time_is_given_up)
{
    /* Keyframes 10 s apart: the probe waits the gap (800 ms) and 2 s more,
     * then ends with what the first keyframe says. */
    struct deep_result *r = gst_probe("/sparse", gst_open_port, "");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    cr_expect_gt(r->luma.width, 0);
    cr_expect_eq(r->luma2.width, 0, "a second keyframe within 3 s of a 10 s GOP?");
    cr_expect_not(r->deadline_hit);
    uint32_t first_ms = r->base.phase_us[PROBE_PH_FIRST_KEYFRAME] / 1000;
    cr_expect_lt(r->total_ms, first_ms + 800 + 2000 + LOAD_SLACK_MS,
                 "took %u ms, first keyframe at %u ms",
                 r->total_ms, first_ms);
    free_result(&r);

    /* A deadline shorter than that wait ends the wait, not the probe. */
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/sparse", gst_open_port);
    r = probe_url(url, NULL, 2000);
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    cr_expect_not(r->deadline_hit);
    /* The alternative ruled out is the whole wait (first keyframe + 2.8 s);
     * the deadline itself may be overrun by a loaded machine's scheduling,
     * which says nothing about the probe (it was seen at 2,029 and 2,153 ms
     * with both cores busy). */
    first_ms = r->base.phase_us[PROBE_PH_FIRST_KEYFRAME] / 1000;
    cr_expect_lt(r->total_ms, first_ms + 800 + 2000, "took %u ms, first keyframe at %u ms",
                 r->total_ms, first_ms);
    free_result(&r);
}

Test(deep_rtsp, thumbnail_is_a_small_jpeg)
{
    struct deep_result *r = gst_probe("/live", gst_open_port, "");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    cr_assert_not_null(r->jpeg);
    cr_assert_gt(r->jpeg_len, 100);
    cr_expect_lt(r->jpeg_len, 64 * 1024);
    cr_expect(r->jpeg[0] == 0xFF && r->jpeg[1] == 0xD8, "JPEG SOI marker");
    cr_expect(r->jpeg[r->jpeg_len - 2] == 0xFF && r->jpeg[r->jpeg_len - 1] == 0xD9, "EOI marker");
    /* 640x360 halves to the thumbnail's 320x180, small enough for the
     * index (store.h: STORE_THUMB_MAX, 24 KiB). */
    cr_expect_eq(r->jpeg_w, 320);
    cr_expect_eq(r->jpeg_h, 180);
    cr_expect_leq(r->jpeg_len, 24 * 1024, "%zu bytes", r->jpeg_len);
    /* A decoder that is not ours reads it whole, at the size it claims. */
    char *dir = testutil_mkdtemp(), path[4200], cmd[8600];
    snprintf(path, sizeof(path), "%s/t.jpg", dir);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(r->jpeg, 1, r->jpeg_len, f), r->jpeg_len);
    fclose(f);
    snprintf(cmd, sizeof(cmd),
             "ffmpeg -nostdin -v error -xerror -i '%s' -f rawvideo -pix_fmt gray - 2>/dev/null",
             path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    static uint8_t grey[320 * 180 + 1];
    size_t n = 0, got;
    while ((got = fread(grey + n, 1, sizeof(grey) - n, p)) > 0 && n < sizeof(grey))
        n += got;
    int st = pclose(p);
    testutil_rmdir(dir);
    cr_expect_eq(st, 0, "ffmpeg could not decode the thumbnail");
    cr_expect_eq(n, 320 * 180, "decoded %zu grey samples", n);
    /* SMPTE bars: not one flat grey. */
    uint8_t lo = 255, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = grey[i] < lo ? grey[i] : lo;
        hi = grey[i] > hi ? grey[i] : hi;
    }
    cr_expect_gt(hi - lo, 100, "luma %u..%u", lo, hi);
    free_result(&r);
}

Test(deep_rtsp, audio_only_stream_is_no_media)
{
    struct deep_result *r = gst_probe("/audio", gst_open_port, "");
    cr_expect_eq(r->base.state, PROBE_OFFLINE);
    expect_reason(r, PROBE_R_NO_MEDIA);
    cr_expect_eq(r->base.audio_codec, PROBE_CODEC_PCMA);
    cr_expect(strstr(r->base.detail, "audio only"), "%s", r->base.detail);
    free_result(&r);
}

Test(deep_rtsp, wrong_password_is_auth_failed_and_never_echoed)
{
    struct deep_result *r = gst_probe("/live", gst_auth_port, "admin:Wr0ng-pw@");
    expect_reason(r, PROBE_R_AUTH_FAILED);
    cr_expect_eq(r->av_error, AVERROR_HTTP_UNAUTHORIZED);
    cr_expect_null(strstr(r->base.detail, "Wr0ng"), "%s", r->base.detail);
    free_result(&r);
}

Test(deep_rtsp, right_password_plays)
{
    struct deep_result *r = gst_probe("/live", gst_auth_port, "admin:right@");
    cr_expect_eq(r->base.state, PROBE_ONLINE, "%s: %s", probe_reason_name(r->base.reason),
                 r->base.detail);
    free_result(&r);
}

static pthread_mutex_t cap_mu = PTHREAD_MUTEX_INITIALIZER;
static char cap_buf[64 * 1024];
static size_t cap_len;
static int cap_lines;

static void capture_line(void *opaque, int level, const char *line)
{
    pthread_mutex_lock(&cap_mu);
    int n = snprintf(cap_buf + cap_len, sizeof(cap_buf) - cap_len, "%s\n", line);
    if (n > 0 && (size_t)n < sizeof(cap_buf) - cap_len)
        cap_len += (size_t)n;
    cap_lines++;
    pthread_mutex_unlock(&cap_mu);
}

Test(deep_rtsp, libav_debug_log_never_shows_the_password)
{
    deep_av_log_setup(capture_line, NULL, AV_LOG_DEBUG);
    struct deep_result *r = gst_probe("/live", gst_auth_port, "admin:Wr0ng-pw@");
    expect_reason(r, PROBE_R_AUTH_FAILED);
    free_result(&r);
    r = gst_probe("/live", gst_auth_port, "admin:right@");
    cr_expect_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    free_result(&r);
    deep_av_log_setup(NULL, NULL, AV_LOG_QUIET);
    cr_expect_gt(cap_lines, 10, "libav logged at debug level");
    cr_expect_null(strchr(cap_buf, '\r'), "one line at a time");
    cr_expect_null(strstr(cap_buf, "Wr0ng-pw"), "%s", cap_buf);
    cr_expect_null(strstr(cap_buf, "admin:right"), "%s", cap_buf);
}

Test(deep_rtsp, unknown_path_is_not_found)
{
    struct deep_result *r = gst_probe("/nope", gst_open_port, "");
    expect_reason(r, PROBE_R_NOT_FOUND);
    free_result(&r);
}

Test(deep_rtsp, resolved_address_replaces_the_host_name)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://camera.invalid:%d/live", gst_open_port);
    struct deep_result *r = probe_url(url, "127.0.0.1", 5000);
    cr_expect_eq(r->base.state, PROBE_ONLINE, "%s: %s", probe_reason_name(r->base.reason),
                 r->base.detail);
    free_result(&r);
}

Test(deep_rtsp, no_decode_skips_the_picture)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/live", gst_open_port);
    struct deep_opts o;
    deep_opts_default(&o);
    o.no_decode = true;
    struct deep_result *r = new_result();
    cr_assert_eq(deep_probe_run(url, NULL, &o, NULL, r), 0);
    cr_expect_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    cr_expect_eq(r->luma.width, 0);
    cr_expect_null(r->jpeg);
    /* Nothing decoded, no find_stream_info: the size, profile and level
     * are the SPS's from the SDP (x264's "Constrained Baseline" at
     * ultrafast). */
    cr_expect_eq(r->base.video.width, 640);
    cr_expect_eq(r->base.video.height, 360);
    cr_expect_str_eq(r->base.video.profile, "Constrained Baseline");
    cr_expect_gt(r->base.video.level, 0);
    cr_expect_eq(r->phase_ms[DEEP_PH_INFO], 0);
    free_result(&r);
}

Test(deep_rtsp, stream_info_on_request_agrees_with_the_sdp)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/live", gst_open_port);
    struct deep_opts o;
    deep_opts_default(&o);
    o.no_second = true;
    struct deep_result *a = new_result(), *b = new_result();
    cr_assert_eq(deep_probe_run(url, NULL, &o, NULL, a), 0);
    o.stream_info = true;
    cr_assert_eq(deep_probe_run(url, NULL, &o, NULL, b), 0);
    cr_assert_eq(a->base.state, PROBE_ONLINE, "%s", a->base.detail);
    cr_assert_eq(b->base.state, PROBE_ONLINE, "%s", b->base.detail);
    cr_expect_eq(a->base.video.codec, b->base.video.codec);
    cr_expect_eq(a->base.video.width, b->base.video.width);
    cr_expect_eq(a->base.video.height, b->base.video.height);
    cr_expect_str_eq(a->base.video.profile, b->base.video.profile);
    cr_expect_eq(a->base.video.level, b->base.video.level);
    cr_expect_eq(a->luma.width, b->luma.width);
    free_result(&a);
    free_result(&b);
}

Test(deep_rtsp, mjpeg_size_comes_from_the_decoded_picture)
{
    struct deep_result *r = gst_probe("/mjpeg", gst_open_port, "");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s: %s", probe_reason_name(r->base.reason),
                 r->base.detail);
    cr_expect_eq(r->base.video.codec, PROBE_CODEC_MJPEG);
    cr_expect_eq(r->base.video.width, 320);
    cr_expect_eq(r->base.video.height, 240);
    cr_expect_gt(r->luma.width, 0, "the picture was decoded");
    cr_expect(r->base.video.fps_milli >= 9000 && r->base.video.fps_milli <= 11000,
              "measured %u mfps, sent at 10 fps", r->base.video.fps_milli);
    free_result(&r);
}

/* ---- HLS and HTTP-FLV files behind python's http.server ---- */

static char *http_dir;
static pid_t http_pid;
static int http_port;

/* 3 s of 640x360 test pattern at 25 fps, constant 300 kbit/s, one keyframe a
 * second; as HLS (1 s segments), FLV and MP4. */
static void http_init(void)
{
    quiet_libav();
    http_dir = testutil_mkdtemp();
    char m3u8[4200], flv[4200], mp4[4200], seg[4200];
    snprintf(m3u8, sizeof(m3u8), "%s/live.m3u8", http_dir);
    snprintf(seg, sizeof(seg), "%s/seg%%d.ts", http_dir);
    snprintf(flv, sizeof(flv), "%s/live.flv", http_dir);
    snprintf(mp4, sizeof(mp4), "%s/clip.mp4", http_dir);
    char *gen[] = {"ffmpeg",      "-nostdin", "-v",
                   "error",       "-y",       "-f",
                   "lavfi",       "-i",       "testsrc=size=640x360:rate=25:duration=3",
                   "-c:v",        "libx264",  "-preset",
                   "ultrafast",   "-g",       "25",
                   "-b:v",        "300k",     "-minrate",
                   "300k",        "-maxrate", "300k",
                   "-bufsize",    "300k",     "-x264-params",
                   "nal-hrd=cbr", "-pix_fmt", "yuv420p",
                   mp4,           NULL};
    cr_assert_eq(run_quiet(gen), 0, "ffmpeg could not make the test clip");
    char *hls[] = {"ffmpeg", "-nostdin",
                   "-v",     "error",
                   "-y",     "-i",
                   mp4,      "-c",
                   "copy",   "-f",
                   "hls",    "-hls_time",
                   "1",      "-hls_list_size",
                   "0",      "-hls_playlist_type",
                   "vod",    "-hls_segment_filename",
                   seg,      m3u8,
                   NULL};
    cr_assert_eq(run_quiet(hls), 0, "ffmpeg could not make the HLS files");
    char *fl[] = {"ffmpeg", "-nostdin", "-v", "error", "-y", "-i", mp4,
                  "-c",     "copy",     "-f", "flv",   flv,  NULL};
    cr_assert_eq(run_quiet(fl), 0, "ffmpeg could not make the FLV file");
    /* Sound and no pictures: a camera with its video channel off. */
    char afl[4200];
    snprintf(afl, sizeof(afl), "%s/audio.flv", http_dir);
    char *au[] = {"ffmpeg", "-nostdin", "-v",  "error", "-y",  "-f",  "lavfi", "-i",
                  "sine=frequency=440:duration=2", "-c:a", "aac", "-f", "flv", afl, NULL};
    cr_assert_eq(run_quiet(au), 0, "ffmpeg could not make the audio-only FLV file");
    /* The same pictures with 28 of them left out after the first 8, their
     * timestamps kept: the stream jumps 1.16 s, as a server's does when it
     * drops what a slow reader left behind. */
    char jump[4200], jseg[4200];
    snprintf(jump, sizeof(jump), "%s/jump.m3u8", http_dir);
    snprintf(jseg, sizeof(jseg), "%s/jump%%d.ts", http_dir);
    char *jm[] = {"ffmpeg", "-nostdin", "-v", "error", "-y", "-i", mp4, "-vf",
                  "select='not(between(n,8,35))'", "-fps_mode", "passthrough", "-c:v", "libx264",
                  "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p", "-f", "hls",
                  "-hls_time", "1", "-hls_list_size", "0", "-hls_playlist_type", "vod",
                  "-hls_segment_filename", jseg, jump, NULL};
    cr_assert_eq(run_quiet(jm), 0, "ffmpeg could not make the HLS files with a jump");
    /* A playlist whose segment is a local file: the protocol whitelist must
     * refuse it even though the file is valid media. */
    char evil[4200];
    snprintf(evil, sizeof(evil), "%s/evil.m3u8", http_dir);
    FILE *f = fopen(evil, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n"
            "#EXTINF:1.0,\nfile://%s/seg0.ts\n#EXT-X-ENDLIST\n",
            http_dir);
    fclose(f);

    int fd;
    char *srv[] = {"python3",   "-u",          "-m",     "http.server", "--bind",
                   "127.0.0.1", "--directory", http_dir, "0",           NULL};
    http_pid = spawn(srv, &fd);
    char line[256];
    bool ok = read_line(fd, line, sizeof(line), 15000);
    close(fd);
    const char *p = strstr(line, " port ");
    if (!ok || !p || sscanf(p, " port %d", &http_port) != 1) {
        stop_child(http_pid);
        cr_assert_fail("python3 -m http.server did not start (\"%s\")", line);
    }
}

static void http_fini(void)
{
    stop_child(http_pid);
    testutil_rmdir(http_dir);
}

static struct deep_result *http_probe(const char *name)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", http_port, name);
    return probe_url(url, NULL, 5000);
}

TestSuite(deep_http, .init = http_init, .fini = http_fini);

Test(deep_http, hls_playlist_is_online_with_the_clip_frame_rate_and_bitrate)
{
    struct deep_result *r = http_probe("live.m3u8");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s: %s", probe_reason_name(r->base.reason),
                 r->base.detail);
    cr_expect_str_eq(r->format, "hls");
    cr_expect_str_eq(r->unused_opts, "", "libav left options unused: %s", r->unused_opts);
    cr_expect_eq(r->base.video.width, 640);
    cr_expect(r->base.video.fps_milli >= 22500 && r->base.video.fps_milli <= 27500,
              "measured %u mfps, encoded at 25 fps", r->base.video.fps_milli);
    cr_expect(r->base.video.bitrate >= 150000 && r->base.video.bitrate <= 450000,
              "measured %u bit/s, encoded at 300 kbit/s", r->base.video.bitrate);
    cr_expect_gt(r->luma.width, 0);
    free_result(&r);
}

Test(deep_http, keyframes_with_a_jump_between_them_are_not_compared)
{
    struct deep_result *r = http_probe("live.m3u8");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    cr_expect_gt(r->luma2.width, 0, "the continuous stream's second keyframe was not decoded");
    free_result(&r);
    r = http_probe("jump.m3u8");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    cr_expect_gt(r->luma.width, 0, "the first keyframe was not decoded");
    cr_expect_eq(r->luma2.width, 0, "a keyframe %u ms later, after a jump, was compared",
                 r->luma2_gap_ms);
    free_result(&r);
}

Test(deep_http, http_flv_is_online)
{
    struct deep_result *r = http_probe("live.flv");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s: %s", probe_reason_name(r->base.reason),
                 r->base.detail);
    cr_expect_str_eq(r->format, "flv");
    cr_expect_str_eq(r->unused_opts, "", "%s", r->unused_opts);
    cr_expect(r->base.video.fps_milli >= 22500 && r->base.video.fps_milli <= 27500,
              "measured %u mfps", r->base.video.fps_milli);
    free_result(&r);
}

Test(deep_http, the_keyframe_and_the_three_pictures_after_it_are_handed_back)
{
    struct deep_result *r = http_probe("live.flv");
    cr_assert_eq(r->base.state, PROBE_ONLINE, "%s: %s", probe_reason_name(r->base.reason),
                 r->base.detail);
    cr_assert_eq(r->npics, DEEP_PICS_MAX);
    for (int i = 0; i < DEEP_PICS_MAX - 1; i++) {
        cr_expect_eq(r->next[i].width, r->luma.width);
        cr_expect_eq(r->next[i].height, r->luma.height);
    }
    for (int i = 0; i < DEEP_PICS_MAX; i++) {
        cr_expect_eq(r->crop[i].width, DEEP_CROP_W);
        cr_expect_eq(r->crop[i].height, DEEP_CROP_H);
        cr_expect_gt(r->pic_bytes[i], 0, "picture %d's coded size unknown", i);
    }
    /* The keyframe carries the whole picture, the others what changed. */
    cr_expect_gt(r->pic_bytes[0], r->pic_bytes[1]);
    /* 640x360 4:2:0: chroma 320x180, box-filtered by 4. */
    cr_expect_eq(r->chroma.width, 80);
    cr_expect_eq(r->chroma.height, 45);
    /* The test pattern is colourful: its chroma is far from grey somewhere. */
    int far = 0;
    for (int i = 0; i < r->chroma.width * r->chroma.height; i++)
        far += abs(r->chroma.cb[i] - 128) > 40 || abs(r->chroma.cr[i] - 128) > 40;
    cr_expect_gt(far, 100, "%d chroma samples far from grey", far);
    /* Its counter and moving gradient change from picture to picture. */
    cr_expect_neq(memcmp(r->luma.data, r->next[2].data, sizeof(r->luma.data)), 0);
    free_result(&r);
}

/* A tier-2-only camera's liveness look (no_decode) asks only whether video
 * flows: no find_stream_info (which decodes pictures), nothing decoded,
 * and still the frame rate of the window. */
static struct deep_result *liveness_look(const char *url)
{
    struct deep_opts o;
    deep_opts_default(&o);
    o.deadline_ms = 5000;
    o.no_decode = true;
    o.measure_ms = 200;
    struct deep_result *r = new_result();
    cr_assert_eq(deep_probe_run(url, NULL, &o, NULL, r), 0);
    return r;
}

Test(deep_http, liveness_looks_at_hls_and_http_flv_decode_nothing)
{
    static const char *const names[] = {"live.flv", "live.m3u8"};
    for (size_t i = 0; i < 2; i++) {
        char url[128];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/%s", http_port, names[i]);
        struct deep_result *r = liveness_look(url);
        cr_assert_eq(r->base.state, PROBE_ONLINE, "%s: %s: %s", names[i],
                     probe_reason_name(r->base.reason), r->base.detail);
        cr_expect_eq(r->base.video.codec, PROBE_CODEC_H264, "%s", names[i]);
        cr_expect_gt(r->keyframes, 0, "%s", names[i]);
        cr_expect(r->base.video.fps_milli >= 22500 && r->base.video.fps_milli <= 27500,
                  "%s: measured %u mfps", names[i], r->base.video.fps_milli);
        /* find_stream_info did not run: its phase never ended. */
        cr_expect_eq(r->phase_cpu_us[DEEP_PH_INFO], 0, "%s", names[i]);
        cr_expect_eq(r->phase_cpu_us[DEEP_PH_DECODE], 0, "%s", names[i]);
        cr_expect_eq(r->luma.width, 0, "%s", names[i]);
        cr_expect_null(r->jpeg, "%s", names[i]);
        free_result(&r);
    }
}

Test(deep_http, liveness_look_at_a_stream_without_video_is_no_media)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/audio.flv", http_port);
    struct deep_result *r = liveness_look(url);
    cr_expect_eq(r->base.state, PROBE_OFFLINE, "%s", r->base.detail);
    expect_reason(r, PROBE_R_NO_MEDIA);
    free_result(&r);
}

Test(deep_http, mp4_over_http_is_refused_by_the_format_whitelist)
{
    struct deep_result *r = http_probe("clip.mp4");
    expect_reason(r, PROBE_R_UNSUPPORTED_URL);
    free_result(&r);
}

Test(deep_http, hls_segment_on_the_file_protocol_is_refused)
{
    struct deep_result *r = http_probe("evil.m3u8");
    cr_expect_eq(r->base.state, PROBE_OFFLINE, "%s", r->base.detail);
    cr_expect_eq(r->luma.width, 0, "nothing from the local file was decoded");
    /* libav says why only in a log line: the detail keeps it. */
    cr_expect(strstr(r->base.detail, "hls: Error when loading first segment"), "%s",
              r->base.detail);
    free_result(&r);
}

Test(deep_http, hls_log_lines_name_segments_without_credentials)
{
    deep_av_log_setup(capture_line, NULL, AV_LOG_DEBUG);
    char url[128];
    snprintf(url, sizeof(url), "http://viewer:S3cret-pw@127.0.0.1:%d/live.m3u8", http_port);
    struct deep_result *r = probe_url(url, NULL, 5000);
    deep_av_log_setup(NULL, NULL, AV_LOG_QUIET);
    cr_expect_eq(r->base.state, PROBE_ONLINE, "%s", r->base.detail);
    free_result(&r);
    cr_expect(strstr(cap_buf, "http://"), "libav names the URLs it opens: %s", cap_buf);
    cr_expect_null(strstr(cap_buf, "S3cret"), "%s", cap_buf);
}

Test(deep_http, missing_file_is_not_found)
{
    struct deep_result *r = http_probe("nope.flv");
    expect_reason(r, PROBE_R_NOT_FOUND);
    free_result(&r);
}

/* ---- RTMP from ffmpeg's one-client listen mode ---- */

TestSuite(deep_rtmp, .init = quiet_libav);

Test(deep_rtmp, rtmp_stream_is_online_without_a_timeout_option)
{
    char *dir = testutil_mkdtemp();
    char flv[4200];
    snprintf(flv, sizeof(flv), "%s/live.flv", dir);
    char *gen[] = {"ffmpeg",    "-nostdin", "-v",
                   "error",     "-y",       "-f",
                   "lavfi",     "-i",       "testsrc=size=320x240:rate=25:duration=2",
                   "-c:v",      "libx264",  "-preset",
                   "ultrafast", "-g",       "25",
                   "-pix_fmt",  "yuv420p",  flv,
                   NULL};
    cr_assert_eq(run_quiet(gen), 0);
    uint16_t port = free_port();
    char url[128];
    snprintf(url, sizeof(url), "rtmp://127.0.0.1:%u/app/live", port);
    char *srv[] = {"ffmpeg", "-nostdin", "-v", "error", "-re",  "-stream_loop",
                   "-1",     "-i",       flv,  "-c",    "copy", "-f",
                   "flv",    "-listen",  "1",  url,     NULL};
    pid_t pid = spawn(srv, NULL);
    wait_listening(port, 10000);
    struct deep_result *r = probe_url(url, NULL, 5000);
    cr_expect_eq(r->base.state, PROBE_ONLINE, "%s: %s", probe_reason_name(r->base.reason),
                 r->base.detail);
    cr_expect_str_eq(r->format, "flv");
    cr_expect_str_eq(r->unused_opts, "", "%s", r->unused_opts);
    cr_expect_eq(r->base.video.width, 320);
    free_result(&r);
    stop_child(pid);
    /* The liveness look, from a new one-client server. */
    pid = spawn(srv, NULL);
    wait_listening(port, 10000);
    r = liveness_look(url);
    cr_expect_eq(r->base.state, PROBE_ONLINE, "%s: %s", probe_reason_name(r->base.reason),
                 r->base.detail);
    cr_expect_gt(r->video_frames, 1);
    cr_expect_eq(r->phase_cpu_us[DEEP_PH_INFO], 0, "no find_stream_info");
    cr_expect_eq(r->luma.width, 0);
    free_result(&r);
    stop_child(pid);
    testutil_rmdir(dir);
}

Test(deep_rtsp, picture_over_the_pixel_limit_is_not_decoded)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/live", gst_open_port);
    struct deep_opts o;
    deep_opts_default(&o);
    o.no_second = true;
    o.max_pixels = 640 * 360 - 1;
    struct deep_result *r = new_result();
    cr_assert_eq(deep_probe_run(url, NULL, &o, NULL, r), 0);
    cr_expect_eq(r->base.state, PROBE_DEGRADED, "%s", r->base.detail);
    expect_reason(r, PROBE_R_DECODE_ERROR);
    cr_expect(strstr(r->base.detail, "640x360") && strstr(r->base.detail, "max_pixels"), "%s",
              r->base.detail);
    cr_expect_eq(r->luma.width, 0, "nothing was decoded");
    cr_expect_eq(r->base.video.width, 640, "the size still comes from the SPS");
    free_result(&r);
}

Test(deep_rtsp, mjpeg_over_the_pixel_limit_is_refused_by_the_decoder)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/mjpeg", gst_open_port);
    struct deep_opts o;
    deep_opts_default(&o);
    o.no_second = true;
    o.max_pixels = 320 * 240 - 1; /* MJPEG has no SPS: only the decoder knows */
    struct deep_result *r = new_result();
    cr_assert_eq(deep_probe_run(url, NULL, &o, NULL, r), 0);
    cr_expect_eq(r->base.state, PROBE_DEGRADED, "%s", r->base.detail);
    expect_reason(r, PROBE_R_DECODE_ERROR);
    cr_expect_eq(r->luma.width, 0, "nothing was decoded");
    free_result(&r);
}
