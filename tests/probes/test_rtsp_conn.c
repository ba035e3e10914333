/* Tests for probes/rtsp_conn.c: against GStreamer's gst-rtsp-server (a real
 * server nobody here wrote, driven by tests/integration/gst_rtsp_server.py),
 * and against tiny in-test libuv servers for deadlines and misbehaviour. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "rtsp_auth.h"
#include "rtsp_conn.h"

extern char **environ;

/* ---- the GStreamer server ---- */

struct gst_server {
    pid_t pid;
    int open_port, digest_port;
};

#define GST_SCRIPT CAMDEX_TEST_DATA "/../integration/gst_rtsp_server.py"
#define GST_USER   "admin"
#define GST_PASS   "Cam-12345"

/* Start the server and wait for its READY line (no sleeps), 30 s at most. */
static void gst_start(struct gst_server *g)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    /* Debian's python3-gi is built for /usr/bin/python3 only. */
    char *argv[] = {"/usr/bin/python3", GST_SCRIPT, "--user", GST_USER,
                    "--password",       GST_PASS,   NULL};
    int rc = posix_spawn(&g->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    cr_assert_eq(rc, 0, "cannot run /usr/bin/python3: %s", strerror(rc));
    char line[128];
    size_t n = 0;
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    while (n + 1 < sizeof(line) && poll(&p, 1, 30000) == 1) {
        ssize_t got = read(fds[0], line + n, 1);
        if (got <= 0 || line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    close(fds[0]);
    if (sscanf(line, "READY %d %d", &g->open_port, &g->digest_port) != 2) {
        kill(g->pid, SIGKILL);
        waitpid(g->pid, NULL, 0);
        cr_assert_fail("gst_rtsp_server.py did not get ready (got \"%s\"); it needs python3-gi, "
                       "gir1.2-gst-rtsp-server-1.0 and gstreamer1.0-plugins-{base,good,ugly,bad}",
                       line);
    }
}

static void gst_stop(struct gst_server *g)
{
    kill(g->pid, SIGTERM);
    int st;
    waitpid(g->pid, &st, 0);
}

/* ---- running one probe ---- */

struct run {
    bool done;
    struct probe_result r;
    char log[8192];
    size_t log_len;
    uint64_t elapsed_ms;
    uint64_t t0;
    uint8_t memo[RTSP_AUTH_MEMO_MAX]; /* rtsp_conn_auth_memo in the callback */
    int memo_len;
    int clock_rc; /* rtsp_conn_clock in the callback */
    int64_t clock_us;
    uint32_t clock_samples;
};

static void log_line(void *data, const char *line)
{
    struct run *run = data;
    int n = snprintf(run->log + run->log_len, sizeof(run->log) - run->log_len, "%s\n", line);
    if (n > 0 && run->log_len + (size_t)n < sizeof(run->log))
        run->log_len += (size_t)n;
}

static void on_result(struct rtsp_conn *c, const struct probe_result *r, void *data)
{
    struct run *run = data;
    run->r = *r;
    run->memo_len = c ? rtsp_conn_auth_memo(c, run->memo, sizeof(run->memo)) : 0;
    run->clock_rc = c ? rtsp_conn_clock(c, &run->clock_us, &run->clock_samples) : -ENODATA;
    run->done = true;
    run->elapsed_ms = (uv_hrtime() - run->t0) / 1000000;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* Start a probe on loop; the caller runs the loop. */
static void start_probe(uv_loop_t *loop, struct run *run, int port, const char *url,
                        struct rtsp_conn_opts *o)
{
    struct sockaddr_in sa;
    uv_ip4_addr("127.0.0.1", port, &sa);
    o->log = log_line;
    run->t0 = uv_hrtime();
    cr_assert_eq(rtsp_conn_start(loop, (struct sockaddr *)&sa, url, o, on_result, run, NULL), 0);
}

static void probe(struct run *run, int port, const char *url, struct rtsp_conn_opts o)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    memset(run, 0, sizeof(*run));
    start_probe(&loop, run, port, url, &o);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert(run->done, "callback never ran");
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left open");
}

static void assert_no_secret(const struct run *run)
{
    char buf[1024];
    probe_result_format(&run->r, buf, sizeof(buf));
    cr_expect_null(strstr(buf, GST_PASS), "password in the result: %s", buf);
    cr_expect_null(strstr(run->log, GST_PASS), "password in the log");
}

static struct gst_server gst;

static void gst_init(void)
{
    gst_start(&gst);
}

static void gst_fini(void)
{
    gst_stop(&gst);
}

TestSuite(rtsp_conn_gst, .init = gst_init, .fini = gst_fini, .timeout = 90);

Test(rtsp_conn_gst, play_h264_reports_online_with_metadata_and_phase_times)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/h264", gst.open_port);
    struct run run;
    probe(&run, gst.open_port, url, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY});
    char buf[1024];
    probe_result_format(&run.r, buf, sizeof(buf));
    cr_assert_eq(run.r.state, PROBE_ONLINE, "%s\n%s", buf, run.log);
    cr_expect_eq(run.r.rtsp_status, 200);
    cr_expect_eq(run.r.video.codec, PROBE_CODEC_H264);
    cr_expect_eq(run.r.video.width, 640, "%s", buf);
    cr_expect_eq(run.r.video.height, 480, "%s", buf);
    for (int ph = PROBE_PH_CONNECT; ph <= PROBE_PH_FIRST_KEYFRAME; ph++)
        cr_expect_gt(run.r.phase_us[ph], 0, "phase %s not timed: %s", probe_phase_name(ph), buf);
    cr_expect_geq(run.r.phase_us[PROBE_PH_FIRST_KEYFRAME], run.r.phase_us[PROBE_PH_FIRST_RTP]);
    cr_expect_not_null(strstr(run.r.server, "GStreamer"), "server \"%s\"", run.r.server);
    cr_expect_eq(count(run.log, "-> teardown"), 1, "TEARDOWN once:\n%s", run.log);
}

/* gst-rtsp-server's sender reports carry this machine's clock: the offset
 * read from them is near zero, and comes from more than the report. */
Test(rtsp_conn_gst, clock_look_reads_the_servers_clock_near_zero)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/h264", gst.open_port);
    struct run run;
    probe(&run, gst.open_port, url,
          (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY, .clock_ms = 8000});
    cr_assert_eq(run.r.state, PROBE_ONLINE, "%s", run.log);
    cr_assert_eq(run.clock_rc, 0, "no clock: %d\n%s", run.clock_rc, run.log);
    cr_expect(run.clock_us > -1000000 && run.clock_us <= 1000000, "offset %lld us",
              (long long)run.clock_us);
    cr_expect_gt(run.clock_samples, 1);
    cr_expect_eq(count(run.log, "-> wait_clock"), 1, "%s", run.log);
    cr_expect_eq(count(run.log, "-> teardown"), 1, "TEARDOWN once:\n%s", run.log);
}

Test(rtsp_conn_gst, without_a_clock_look_there_is_no_clock)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/h264", gst.open_port);
    struct run run;
    probe(&run, gst.open_port, url, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY});
    cr_assert_eq(run.r.state, PROBE_ONLINE, "%s", run.log);
    cr_expect_eq(run.clock_rc, -ENODATA);
    cr_expect_eq(count(run.log, "wait_clock"), 0, "%s", run.log);
}

Test(rtsp_conn_gst, play_h265_finds_an_irap_keyframe)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/h265", gst.open_port);
    struct run run;
    probe(&run, gst.open_port, url,
          (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY, .first_keyframe_ms = 15000});
    char buf[1024];
    probe_result_format(&run.r, buf, sizeof(buf));
    cr_assert_eq(run.r.state, PROBE_ONLINE, "%s\n%s", buf, run.log);
    cr_expect_eq(run.r.video.codec, PROBE_CODEC_H265);
    cr_expect_eq(run.r.video.width, 352, "%s", buf);
    cr_expect_eq(run.r.video.height, 288, "%s", buf);
    cr_expect_str_eq(run.r.video.profile, "Main");
    cr_expect_gt(run.r.phase_us[PROBE_PH_FIRST_KEYFRAME], 0);
}

Test(rtsp_conn_gst, describe_depth_stops_before_setup)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/h264-720", gst.open_port);
    struct run run;
    probe(&run, gst.open_port, url, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE});
    cr_assert_eq(run.r.state, PROBE_ONLINE, "%s\n%s", run.r.detail, run.log);
    cr_expect_gt(run.r.phase_us[PROBE_PH_DESCRIBE], 0);
    cr_expect_eq(run.r.phase_us[PROBE_PH_SETUP], 0);
    cr_expect_eq(run.r.video.codec, PROBE_CODEC_H264);
    cr_expect_null(strstr(run.log, "teardown"), "no session, no TEARDOWN:\n%s", run.log);
}

Test(rtsp_conn_gst, options_depth_only_asks_options)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/h264", gst.open_port);
    struct run run;
    probe(&run, gst.open_port, url, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_OPTIONS});
    cr_assert_eq(run.r.state, PROBE_ONLINE, "%s", run.r.detail);
    cr_expect_gt(run.r.phase_us[PROBE_PH_OPTIONS], 0);
    cr_expect_eq(run.r.phase_us[PROBE_PH_DESCRIBE], 0);
}

Test(rtsp_conn_gst, unknown_path_is_not_found)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/no-such-stream", gst.open_port);
    struct run run;
    probe(&run, gst.open_port, url, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY});
    cr_expect_eq(run.r.state, PROBE_OFFLINE);
    cr_expect_eq(run.r.reason, PROBE_R_NOT_FOUND, "%s: %s", probe_reason_name(run.r.reason),
                 run.r.detail);
    cr_expect_eq(run.r.rtsp_status, 404);
}

Test(rtsp_conn_gst, digest_auth_with_the_right_password_plays)
{
    char url[160];
    snprintf(url, sizeof(url), "rtsp://%s:%s@127.0.0.1:%d/h264", GST_USER, GST_PASS,
             gst.digest_port);
    struct run run;
    probe(&run, gst.digest_port, url, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY});
    cr_assert_eq(run.r.state, PROBE_ONLINE, "%s\n%s", run.r.detail, run.log);
    cr_expect_eq(run.r.video.width, 640);
    assert_no_secret(&run);
}

Test(rtsp_conn_gst, wrong_password_fails_after_exactly_one_retry)
{
    char url[160];
    snprintf(url, sizeof(url), "rtsp://%s:wrong-%s@127.0.0.1:%d/h264", GST_USER, GST_PASS,
             gst.digest_port);
    struct run run;
    probe(&run, gst.digest_port, url, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY});
    cr_expect_eq(run.r.state, PROBE_OFFLINE);
    cr_expect_eq(run.r.reason, PROBE_R_AUTH_FAILED, "%s: %s", probe_reason_name(run.r.reason),
                 run.r.detail);
    cr_expect_eq(run.r.rtsp_status, 401);
    cr_expect_leq(count(run.log, "(authenticated retry)"), 1, "%s", run.log);
    assert_no_secret(&run);
}

Test(rtsp_conn_gst, missing_credentials_are_auth_failed)
{
    char url[128];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/h264", gst.digest_port);
    struct run run;
    probe(&run, gst.digest_port, url, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE});
    cr_expect_eq(run.r.reason, PROBE_R_AUTH_FAILED, "%s", run.r.detail);
    cr_expect_not_null(strstr(run.r.detail, "no credentials"), "%s", run.r.detail);
}

Test(rtsp_conn_gst, parallel_probes_on_one_loop_all_finish)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct run runs[6];
    char url[6][160];
    for (int i = 0; i < 6; i++) {
        memset(&runs[i], 0, sizeof(runs[i]));
        int port = i % 2 ? gst.digest_port : gst.open_port;
        snprintf(url[i], sizeof(url[i]), "rtsp://%s:%s@127.0.0.1:%d/%s", GST_USER, GST_PASS, port,
                 i % 3 == 2 ? "h265" : "h264");
        start_probe(&loop, &runs[i], port, url[i],
                    &(struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY, .first_keyframe_ms = 15000});
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    for (int i = 0; i < 6; i++) {
        cr_expect(runs[i].done);
        cr_expect_eq(runs[i].r.state, PROBE_ONLINE, "probe %d: %s", i, runs[i].r.detail);
    }
    cr_expect_eq(uv_loop_close(&loop), 0);
}

/* ---- in-test servers ---- */

enum fake_mode {
    FAKE_SILENT,         /* accept and never answer */
    FAKE_NO_RTP,         /* answers everything, sends no RTP */
    FAKE_NO_KEYFRAME,    /* sends one non-IDR slice after PLAY, then nothing */
    FAKE_EARLY_KEYFRAME, /* frames (STAP-A SPS+PPS+IDR) before the PLAY reply */
    FAKE_REDIRECT_LOOP,  /* 302 to itself, forever */
    FAKE_REDIRECT_ONCE,  /* 301 with a path-only Location, then serves there */
    FAKE_STALE_ONCE,     /* Digest on DESCRIBE; the first answer's nonce is declared stale */
    FAKE_STATUS,         /* answers DESCRIBE with fake.status */
    FAKE_DAHUA,          /* Content-Base with a query string, relative track control */
    FAKE_STALE_FOREVER,  /* Digest on DESCRIBE; every answer's nonce is declared stale */
    FAKE_SESSION_LIMIT,  /* 453 to DESCRIBE */
    FAKE_HTTP,           /* an HTTP server on the port */
    FAKE_WRONG_CSEQ,     /* replies to OPTIONS with a CSeq from the future */
    FAKE_NONCE_N2,       /* Digest (qop=auth) on DESCRIBE; only nonce n2 is valid, n1 is stale */
    FAKE_REFUSE_AUTH,    /* Digest on DESCRIBE; every password is wrong */
    FAKE_REDIRECT_AWAY,  /* 302 to fake_away_url */
    FAKE_BASIC,          /* Basic on DESCRIBE; any Basic credentials pass */
};

struct fake {
    uv_tcp_t server;
    enum fake_mode mode;
    int port;
    int connections;
    int teardowns;
    int ended_eof, ended_reset; /* how the client's connections ended: FIN or RST */
    char methods[1024]; /* every request method seen, space-separated */
    char urls[2048];    /* every request URL seen, space-separated */
    char auths[1024];   /* per request: METHOD:nonce:nc, or METHOD:- without credentials */
    char authz[1024];   /* every Authorization header, whatever its scheme */
};

struct fake_client {
    uv_tcp_t tcp;
    struct fake *f;
    char in[8192];
    size_t in_len;
};

/* FAKE_STATUS: the DESCRIBE status after "RTSP/1.0 ". */
static const char *fake_status;
/* FAKE_REDIRECT_AWAY: where DESCRIBE is sent. */
static char fake_away_url[128];

static void fake_free(uv_handle_t *h)
{
    free(h->data);
}

static void fake_send(struct fake_client *fc, const void *data, size_t len)
{
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
    /* Small replies fit the socket buffer, so a synchronous write is enough. */
    int rc = uv_try_write((uv_stream_t *)&fc->tcp, &b, 1);
    cr_assert_eq(rc, (int)len, "fake server write: %d", rc);
}

static void fake_reply(struct fake_client *fc, int cseq, const char *status, const char *headers,
                       const char *body)
{
    char buf[4096];
    int n = snprintf(buf, sizeof(buf), "RTSP/1.0 %s\r\nCSeq: %d\r\nServer: fake\r\n%s", status,
                     cseq, headers);
    if (body)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "Content-Length: %zu\r\n\r\n%s",
                      strlen(body), body);
    else
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\r\n");
    fake_send(fc, buf, (size_t)n);
}

/* One interleaved RTP packet on channel 0 with payload type 96. */
static void fake_rtp(struct fake_client *fc, const uint8_t *payload, size_t len)
{
    uint8_t pkt[512] = {'$',
                        0,
                        (uint8_t)((12 + len) >> 8),
                        (uint8_t)(12 + len),
                        0x80,
                        0x80 | 96,
                        0,
                        1,
                        0,
                        0,
                        0,
                        0,
                        0x12,
                        0x34,
                        0x56,
                        0x78};
    memcpy(pkt + 16, payload, len);
    fake_send(fc, pkt, 16 + len);
}

static const char fake_sdp[] =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=fake\r\nt=0 0\r\na=control:*\r\n"
    "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n";

/* 1280x720 SPS from tests/data/sps/h264_1280x720_main.sps, then a PPS and
 * the first bytes of an IDR slice, as a STAP-A. */
static const uint8_t stap_a_key[] = {0x18, /* STAP-A */
                                     0x00, 0x19, 0x67, 0x4d, 0x40, 0x1f, 0xec, 0xa0, 0x28, 0x02,
                                     0xdd, 0x80, 0x88, 0x00, /* SPS */
                                     0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x03, 0x01, 0xe0, 0x78,
                                     0xc1, 0x8c, 0xb0, 0x00, 0x04, 0x68, 0xeb, 0xe3, 0xcb, /* PPS */
                                     0x00, 0x04, 0x65, 0x88, 0x84, 0x00};                  /* IDR */

static void fake_request(struct fake_client *fc, const char *req)
{
    struct fake *f = fc->f;
    char method[32] = "";
    sscanf(req, "%31s", method);
    int cseq = 0;
    const char *cs = strstr(req, "CSeq:");
    if (cs)
        cseq = atoi(cs + 5);
    char rurl[512] = "";
    sscanf(req, "%*s %511s", rurl);
    size_t ul = strlen(f->urls);
    snprintf(f->urls + ul, sizeof(f->urls) - ul, "%s ", rurl);
    size_t ml = strlen(f->methods);
    snprintf(f->methods + ml, sizeof(f->methods) - ml, "%s ", method);
    if (strcmp(method, "TEARDOWN") == 0) {
        f->teardowns++;
        fake_reply(fc, cseq, "200 OK", "", NULL);
        return;
    }
    const char *authz = strstr(req, "Authorization:");
    if (authz) {
        size_t zl = strlen(f->authz);
        snprintf(f->authz + zl, sizeof(f->authz) - zl, "%.*s;", (int)strcspn(authz, "\r\n"), authz);
    }
    switch (f->mode) {
    case FAKE_REDIRECT_AWAY:
        if (strcmp(method, "DESCRIBE") == 0) {
            char loc[160];
            snprintf(loc, sizeof(loc), "Location: %s\r\n", fake_away_url);
            fake_reply(fc, cseq, "302 Moved Temporarily", loc, NULL);
            return;
        }
        break;
    case FAKE_BASIC:
        if (strcmp(method, "DESCRIBE") == 0 &&
            (!authz || strncmp(authz, "Authorization: Basic ", 21) != 0)) {
            fake_reply(fc, cseq, "401 Unauthorized", "WWW-Authenticate: Basic realm=\"away\"\r\n",
                       NULL);
            return;
        }
        break;
    case FAKE_HTTP:
        fake_send(fc, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", 47);
        return;
    case FAKE_WRONG_CSEQ:
        fake_reply(fc, cseq + 5, "200 OK", "", NULL);
        return;
    case FAKE_REDIRECT_LOOP: {
        char loc[128];
        snprintf(loc, sizeof(loc), "Location: rtsp://127.0.0.1:%d/again\r\n", f->port);
        fake_reply(fc, cseq, "302 Moved Temporarily", loc, NULL);
        return;
    }
    case FAKE_REDIRECT_ONCE:
        if (strstr(req, "/live ")) {
            fake_reply(fc, cseq, "301 Moved Permanently", "Location: /moved\r\n", NULL);
            return;
        }
        break;
    default:
        break;
    }
    char nonce[32] = "-", nc[16] = "";
    const char *a = strstr(req, "Authorization: Digest ");
    if (a) {
        const char *p = strstr(a, "nonce=\"");
        if (p)
            sscanf(p + 7, "%31[^\"]", nonce);
        p = strstr(a, " nc=");
        if (p)
            sscanf(p + 4, "%15[0-9a-f]", nc);
    }
    size_t al = strlen(f->auths);
    snprintf(f->auths + al, sizeof(f->auths) - al, "%s:%s:%s ", method, nonce, nc);
    if ((f->mode == FAKE_NONCE_N2 || f->mode == FAKE_REFUSE_AUTH) &&
        strcmp(method, "DESCRIBE") == 0 && (f->mode == FAKE_REFUSE_AUTH || strcmp(nonce, "n2"))) {
        /* A known but expired nonce is stale; n2 is the current one. */
        fake_reply(fc, cseq, "401 Unauthorized",
                   strcmp(nonce, "n1") == 0
                       ? "WWW-Authenticate: Digest realm=\"fake\", nonce=\"n2\", qop=\"auth\", "
                         "stale=true\r\n"
                       : "WWW-Authenticate: Digest realm=\"fake\", nonce=\"n2\", qop=\"auth\"\r\n",
                   NULL);
        return;
    }
    if ((f->mode == FAKE_STALE_ONCE || f->mode == FAKE_STALE_FOREVER) &&
        strcmp(method, "DESCRIBE") == 0) {
        const char *auth = strstr(req, "Authorization: Digest ");
        bool fresh_nonce_used = auth && strstr(auth, "nonce=\"n2\"");
        if (!auth) {
            fake_reply(fc, cseq, "401 Unauthorized",
                       "WWW-Authenticate: Digest realm=\"fake\", nonce=\"n1\"\r\n", NULL);
            return;
        }
        if (f->mode == FAKE_STALE_FOREVER || !fresh_nonce_used) {
            fake_reply(fc, cseq, "401 Unauthorized",
                       "WWW-Authenticate: Digest realm=\"fake\", nonce=\"n2\", stale=true\r\n",
                       NULL);
            return;
        }
    }
    if (strcmp(method, "OPTIONS") == 0) {
        fake_reply(fc, cseq, "200 OK", "Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN\r\n",
                   NULL);
    } else if (strcmp(method, "DESCRIBE") == 0) {
        if (f->mode == FAKE_STATUS)
            fake_reply(fc, cseq, fake_status, "", NULL);
        else if (f->mode == FAKE_SESSION_LIMIT)
            fake_reply(fc, cseq, "453 Not Enough Bandwidth", "", NULL);
        else if (f->mode == FAKE_DAHUA) {
            /* Content-Base is the request URL, query string and all. */
            char base[600];
            snprintf(base, sizeof(base), "Content-Type: application/sdp\r\nContent-Base: %s\r\n",
                     rurl);
            fake_reply(fc, cseq, "200 OK", base, fake_sdp);
        } else
            fake_reply(fc, cseq, "200 OK", "Content-Type: application/sdp\r\n", fake_sdp);
    } else if (strcmp(method, "SETUP") == 0) {
        fake_reply(
            fc, cseq, "200 OK",
            "Session: 12345678;timeout=60\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n",
            NULL);
    } else if (strcmp(method, "PLAY") == 0) {
        if (f->mode == FAKE_EARLY_KEYFRAME)
            fake_rtp(fc, stap_a_key, sizeof(stap_a_key));
        fake_reply(fc, cseq, "200 OK", "Session: 12345678\r\n", NULL);
        if (f->mode == FAKE_NO_KEYFRAME) {
            static const uint8_t p_slice[] = {0x41, 0x9a, 0x00, 0x01};
            fake_rtp(fc, p_slice, sizeof(p_slice));
        }
    } else {
        fake_reply(fc, cseq, "501 Not Implemented", "", NULL);
    }
}

static void fake_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    struct fake_client *fc = h->data;
    *buf = uv_buf_init(fc->in + fc->in_len, (unsigned)(sizeof(fc->in) - fc->in_len - 1));
}

static void fake_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct fake_client *fc = s->data;
    if (nread < 0) {
        fc->f->ended_eof += nread == UV_EOF;
        fc->f->ended_reset += nread == UV_ECONNRESET;
        uv_close((uv_handle_t *)s, fake_free);
        return;
    }
    fc->in_len += (size_t)nread;
    fc->in[fc->in_len] = '\0';
    char *end;
    while ((end = strstr(fc->in, "\r\n\r\n")) != NULL) {
        *end = '\0';
        if (fc->f->mode != FAKE_SILENT)
            fake_request(fc, fc->in);
        size_t used = (size_t)(end + 4 - fc->in);
        memmove(fc->in, fc->in + used, fc->in_len - used + 1);
        fc->in_len -= used;
    }
}

static void fake_accept(uv_stream_t *server, int status)
{
    struct fake *f = server->data;
    cr_assert_eq(status, 0);
    struct fake_client *fc = calloc(1, sizeof(*fc));
    cr_assert_not_null(fc);
    fc->f = f;
    uv_tcp_init(server->loop, &fc->tcp);
    fc->tcp.data = fc;
    cr_assert_eq(uv_accept(server, (uv_stream_t *)&fc->tcp), 0);
    f->connections++;
    uv_read_start((uv_stream_t *)&fc->tcp, fake_alloc, fake_read);
}

static void fake_start_at(uv_loop_t *loop, struct fake *f, enum fake_mode mode, const char *ip)
{
    memset(f, 0, sizeof(*f));
    f->mode = mode;
    struct sockaddr_in sa;
    uv_ip4_addr(ip, 0, &sa);
    uv_tcp_init(loop, &f->server);
    f->server.data = f;
    cr_assert_eq(uv_tcp_bind(&f->server, (struct sockaddr *)&sa, 0), 0);
    cr_assert_eq(uv_listen((uv_stream_t *)&f->server, 16, fake_accept), 0);
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    uv_tcp_getsockname(&f->server, (struct sockaddr *)&ss, &len);
    f->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void fake_start(uv_loop_t *loop, struct fake *f, enum fake_mode mode)
{
    fake_start_at(loop, f, mode, "127.0.0.1");
}

static void close_all(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, h->type == UV_TCP && h->data && h->data != arg ? fake_free : NULL);
}

static void on_guard(uv_timer_t *t)
{
    (void)t; /* stopping is all: uv_is_active turns false */
}

/* Run one probe against a fake server and tear everything down. */
static void fake_probe_path(enum fake_mode mode, struct rtsp_conn_opts o, struct run *run,
                            struct fake *f, const char *userinfo, const char *path)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    memset(run, 0, sizeof(*run));
    fake_start(&loop, f, mode);
    char url[128];
    snprintf(url, sizeof(url), "rtsp://%s127.0.0.1:%d%s", userinfo, f->port, path);
    start_probe(&loop, run, f->port, url, &o);
    while (!run->done)
        uv_run(&loop, UV_RUN_ONCE);
    /* Then until the server has seen how each connection ended (the probe
     * has closed its socket, so that is the next thing it reads). */
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    guard.data = f;
    uv_timer_start(&guard, on_guard, 2000, 0);
    while (f->ended_eof + f->ended_reset < f->connections && uv_is_active((uv_handle_t *)&guard))
        uv_run(&loop, UV_RUN_ONCE);
    uv_walk(&loop, close_all, f);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

static void fake_probe_url(enum fake_mode mode, struct rtsp_conn_opts o, struct run *run,
                           struct fake *f, const char *userinfo)
{
    fake_probe_path(mode, o, run, f, userinfo, "/live");
}

static void fake_probe(enum fake_mode mode, struct rtsp_conn_opts o, struct run *run,
                       struct fake *f)
{
    fake_probe_url(mode, o, run, f, "");
}

Test(rtsp_conn_deadline, silent_server_times_out_on_the_options_reply)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_SILENT, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY, .reply_ms = 300},
               &run, &f);
    cr_expect_eq(run.r.reason, PROBE_R_RTSP_TIMEOUT, "%s", run.r.detail);
    cr_expect_geq(run.elapsed_ms, 299, "libuv counts whole milliseconds");
    cr_expect_lt(run.elapsed_ms, 2000);
    cr_expect_gt(run.r.phase_us[PROBE_PH_CONNECT], 0);
}

Test(rtsp_conn_deadline, total_deadline_cuts_a_phase_short)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_SILENT, (struct rtsp_conn_opts){.reply_ms = 5000, .total_ms = 300}, &run, &f);
    cr_expect_eq(run.r.reason, PROBE_R_RTSP_TIMEOUT, "%s", run.r.detail);
    cr_expect(strstr(run.r.detail, "300 ms (the probe's total)"), "%s", run.r.detail);
    cr_expect_geq(run.elapsed_ms, 299, "libuv counts whole milliseconds");
    cr_expect_lt(run.elapsed_ms, 2000);
}

Test(rtsp_conn_deadline, total_deadline_leaves_the_teardown_its_time)
{
    /* The total ends the wait for RTP; the session still gets its TEARDOWN. */
    struct run run;
    struct fake f;
    fake_probe(FAKE_NO_RTP,
               (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY, .first_rtp_ms = 5000,
                                       .total_ms = 300},
               &run, &f);
    cr_expect_eq(run.r.reason, PROBE_R_NO_MEDIA, "%s", run.r.detail);
    cr_expect(strstr(run.r.detail, "(the probe's total)"), "%s", run.r.detail);
    cr_expect_eq(f.teardowns, 1, "methods: %s", f.methods);
    cr_expect_lt(run.elapsed_ms, 2000);
}

Test(rtsp_conn_deadline, full_backlog_times_out_the_connect)
{
    /* A listener that never accepts, with its backlog already full: Linux
     * drops further SYNs, so the connect hangs as to a dead camera. */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(lfd, 0), 0);
    socklen_t sl = sizeof(sa);
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    int fillers[4];
    for (int i = 0; i < 4; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fillers[i], (struct sockaddr *)&sa, sizeof(sa));
    }
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/", ntohs(sa.sin_port));
    struct run run;
    probe(&run, ntohs(sa.sin_port), url, (struct rtsp_conn_opts){.connect_ms = 300});
    cr_expect_eq(run.r.reason, PROBE_R_CONNECT_TIMEOUT, "%s: %s", probe_reason_name(run.r.reason),
                 run.r.detail);
    cr_expect_geq(run.elapsed_ms, 299, "libuv counts whole milliseconds");
    cr_expect_lt(run.elapsed_ms, 2000);
    for (int i = 0; i < 4; i++)
        close(fillers[i]);
    close(lfd);
}

/* A loopback listener that is never accepted from: the kernel completes
 * the handshake on its own, so a connect to it succeeds at once. */
static int unaccepted_listener(int *port)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    cr_assert_eq(listen(lfd, 16), 0);
    socklen_t sl = sizeof(sa);
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    *port = ntohs(sa.sin_port);
    return lfd;
}

/* The loop thread held up past a deadline, as on a busy machine: the
 * stall is the point of the test, not a wait for something. */
static void stall_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* A probe started on `loop` (initialised here) towards a listener that is
 * never accepted from; returns the listener. */
static int probe_unaccepted(uv_loop_t *loop, struct run *run, struct rtsp_conn_opts o)
{
    int port, lfd = unaccepted_listener(&port);
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/", port);
    uv_loop_init(loop);
    memset(run, 0, sizeof(*run));
    start_probe(loop, run, port, url, &o);
    return lfd;
}

Test(rtsp_conn_deadline, a_late_loop_does_not_call_a_connect_that_succeeded_a_timeout)
{
    uv_loop_t loop;
    struct run run;
    int lfd = probe_unaccepted(
        &loop, &run,
        (struct rtsp_conn_opts){.depth = RTSP_DEPTH_OPTIONS, .connect_ms = 100, .reply_ms = 300});
    /* The connect is done in the kernel; the loop comes to it only after
     * the connect's deadline. */
    stall_ms(300);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert(run.done);
    cr_expect_eq(run.r.reason, PROBE_R_RTSP_TIMEOUT, "%s: %s", probe_reason_name(run.r.reason),
                 run.r.detail);
    cr_expect(strstr(run.r.detail, "OPTIONS"), "%s", run.r.detail);
    cr_assert_eq(uv_loop_close(&loop), 0);
    close(lfd);
}

Test(rtsp_conn_deadline, a_late_loop_still_reads_a_reply_that_came_in_time)
{
    uv_loop_t loop;
    struct run run;
    int lfd = probe_unaccepted(
        &loop, &run,
        (struct rtsp_conn_opts){.depth = RTSP_DEPTH_OPTIONS, .connect_ms = 5000, .reply_ms = 100});
    int cfd = accept(lfd, NULL, NULL);
    cr_assert_geq(cfd, 0);
    /* Turns until the OPTIONS request is out, then the answer, then the
     * loop held up past the reply's deadline. */
    char req[4096];
    size_t got = 0;
    while (!memmem(req, got, "\r\n\r\n", 4) && got < sizeof(req)) {
        uv_run(&loop, UV_RUN_NOWAIT);
        struct pollfd p = {.fd = cfd, .events = POLLIN};
        if (poll(&p, 1, 10) == 1) {
            ssize_t n = read(cfd, req + got, sizeof(req) - got);
            cr_assert_gt(n, 0, "the probe closed before its request");
            got += (size_t)n;
        }
        cr_assert(!run.done, "%s", run.r.detail);
    }
    const char *cs = memmem(req, got, "CSeq:", 5);
    cr_assert_not_null(cs);
    char ok[128];
    int n = snprintf(ok, sizeof(ok), "RTSP/1.0 200 OK\r\nCSeq: %d\r\nPublic: OPTIONS\r\n\r\n",
                     atoi(cs + 5));
    cr_assert_eq(write(cfd, ok, (size_t)n), (ssize_t)n);
    stall_ms(300);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert(run.done);
    cr_expect_eq(run.r.state, PROBE_ONLINE, "%s: %s", probe_reason_name(run.r.reason),
                 run.r.detail);
    cr_assert_eq(uv_loop_close(&loop), 0);
    close(cfd);
    close(lfd);
}

Test(rtsp_conn_deadline, closed_port_is_connect_refused)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd); /* bound, never listened, now free: nobody answers there */
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/", ntohs(sa.sin_port));
    struct run run;
    probe(&run, ntohs(sa.sin_port), url, (struct rtsp_conn_opts){0});
    cr_expect_eq(run.r.reason, PROBE_R_CONNECT_REFUSED, "%s", run.r.detail);
}

Test(rtsp_conn_deadline, no_rtp_after_play_is_no_media_and_still_tears_down)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_NO_RTP, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY, .first_rtp_ms = 300},
               &run, &f);
    cr_expect_eq(run.r.reason, PROBE_R_NO_MEDIA, "%s", run.r.detail);
    cr_expect_eq(f.teardowns, 1, "methods: %s", f.methods);
    cr_expect_str_eq(f.methods, "OPTIONS DESCRIBE SETUP PLAY TEARDOWN ");
}

Test(rtsp_conn_deadline, rtp_without_keyframe_is_no_keyframe_and_still_tears_down)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_NO_KEYFRAME,
               (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY, .first_keyframe_ms = 300}, &run,
               &f);
    cr_expect_eq(run.r.state, PROBE_DEGRADED);
    cr_expect_eq(run.r.reason, PROBE_R_NO_KEYFRAME, "%s", run.r.detail);
    cr_expect_gt(run.r.phase_us[PROBE_PH_FIRST_RTP], 0);
    cr_expect_eq(f.teardowns, 1, "methods: %s", f.methods);
}

Test(rtsp_conn_fake, skip_options_starts_with_describe)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_NO_RTP,
               (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE, .skip_options = true}, &run,
               &f);
    cr_expect_eq(run.r.state, PROBE_ONLINE, "%s", run.r.detail);
    cr_expect_str_eq(f.methods, "DESCRIBE ");
    /* Depth options is OPTIONS whatever the flag says. */
    fake_probe(FAKE_NO_RTP,
               (struct rtsp_conn_opts){.depth = RTSP_DEPTH_OPTIONS, .skip_options = true}, &run,
               &f);
    cr_expect_str_eq(f.methods, "OPTIONS ");
}

Test(rtsp_conn_fake, finished_exchange_ends_with_a_reset)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_NO_RTP, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE}, &run, &f);
    cr_expect_eq(run.r.state, PROBE_ONLINE, "%s", run.r.detail);
    cr_expect_eq(f.connections, 1);
    cr_expect_eq(f.ended_reset, 1, "FIN: %d, RST: %d", f.ended_eof, f.ended_reset);
}

Test(rtsp_conn_fake, answered_teardown_ends_with_a_reset)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_NO_RTP, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY, .first_rtp_ms = 100},
               &run, &f);
    cr_expect_eq(f.teardowns, 1, "methods: %s", f.methods);
    cr_expect_eq(f.ended_reset, 1, "FIN: %d, RST: %d", f.ended_eof, f.ended_reset);
}

Test(rtsp_conn_deadline, unanswered_request_ends_with_fin)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_SILENT, (struct rtsp_conn_opts){.reply_ms = 100}, &run, &f);
    cr_expect_eq(run.r.reason, PROBE_R_RTSP_TIMEOUT, "%s", run.r.detail);
    cr_expect_eq(f.ended_eof, 1, "FIN: %d, RST: %d", f.ended_eof, f.ended_reset);
}

Test(rtsp_conn_fake, keyframe_before_the_play_reply_counts_and_inband_sps_gives_size)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_EARLY_KEYFRAME, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY}, &run, &f);
    cr_expect_eq(run.r.state, PROBE_ONLINE, "%s\n%s", run.r.detail, run.log);
    cr_expect_eq(run.r.video.width, 1280);
    cr_expect_eq(run.r.video.height, 720);
    cr_expect_eq(f.teardowns, 1);
}

Test(rtsp_conn_fake, endless_redirects_stop_after_three)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_REDIRECT_LOOP, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE}, &run, &f);
    cr_expect_eq(run.r.reason, PROBE_R_REDIRECT_LOOP, "%s", run.r.detail);
    cr_expect_eq(f.connections, 4, "one first try and three redirects");
}

Test(rtsp_conn_fake, path_only_redirect_is_followed_on_the_same_server)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_REDIRECT_ONCE, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE}, &run, &f);
    cr_expect_eq(run.r.state, PROBE_ONLINE, "%s\n%s", run.r.detail, run.log);
    cr_expect_eq(f.connections, 2);
    cr_expect_str_eq(f.methods, "OPTIONS OPTIONS DESCRIBE ");
}

/* A camera redirects (302) to a server at `away_ip` that offers Basic and
 * records every Authorization header: the camera's password must never
 * reach it. */
static void redirect_away(const char *away_ip, struct run *run, struct fake *away)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    memset(run, 0, sizeof(*run));
    struct fake cam;
    fake_start(&loop, &cam, FAKE_REDIRECT_AWAY);
    fake_start_at(&loop, away, FAKE_BASIC, away_ip);
    snprintf(fake_away_url, sizeof(fake_away_url), "rtsp://%s:%d/elsewhere", away_ip, away->port);
    char url[128];
    snprintf(url, sizeof(url), "rtsp://admin:s3cret@127.0.0.1:%d/live", cam.port);
    struct rtsp_conn_opts o = {.depth = RTSP_DEPTH_DESCRIBE, .skip_options = true};
    start_probe(&loop, run, cam.port, url, &o);
    while (!run->done)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&away->server, NULL);
    uv_walk(&loop, close_all, &cam); /* the clients of both */
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

static void expect_credentials_withheld(const struct run *run, const struct fake *away)
{
    cr_expect_eq(away->connections, 1, "the redirect is followed");
    cr_expect_str_eq(away->authz, "", "credentials reached another server: %s", away->authz);
    cr_expect_eq(run->r.reason, PROBE_R_AUTH_FAILED, "%s", run->r.detail);
    cr_expect(strstr(run->r.detail, "credentials not sent"), "%s", run->r.detail);
    cr_expect(strstr(run->r.detail, "/elsewhere"), "the detail names where: %s", run->r.detail);
    cr_expect_null(strstr(run->r.detail, "s3cret"), "%s", run->r.detail);
    cr_expect_null(strstr(run->log, "s3cret"), "%s", run->log);
}

Test(rtsp_conn_fake, redirect_to_another_port_of_the_host_gets_no_credentials)
{
    struct run run;
    struct fake away;
    redirect_away("127.0.0.1", &run, &away);
    expect_credentials_withheld(&run, &away);
}

Test(rtsp_conn_fake, redirect_to_another_address_gets_no_credentials)
{
    struct run run;
    struct fake away;
    redirect_away("127.0.0.2", &run, &away);
    expect_credentials_withheld(&run, &away);
}

Test(rtsp_conn_fake, stale_nonce_gets_one_more_try)
{
    struct run run;
    struct fake f;
    fake_probe_url(FAKE_STALE_ONCE, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE}, &run, &f,
                   "u:p@");
    cr_expect_eq(run.r.state, PROBE_ONLINE, "%s\n%s", run.r.detail, run.log);
    cr_expect_str_eq(f.methods, "OPTIONS DESCRIBE DESCRIBE DESCRIBE ");
}

Test(rtsp_conn_fake, endless_stale_nonces_never_loop)
{
    struct run run;
    struct fake f;
    fake_probe_url(FAKE_STALE_FOREVER, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE}, &run,
                   &f, "u:p@");
    cr_expect_eq(run.r.reason, PROBE_R_AUTH_FAILED, "%s", run.r.detail);
    cr_expect_str_eq(f.methods, "OPTIONS DESCRIBE DESCRIBE DESCRIBE ",
                     "initial + auth + one stale retry");
}

/* ---- credentials kept between probes ---- */

static void memo_probe_opts(enum fake_mode mode, struct rtsp_conn_opts o, const struct run *prev,
                            struct run *run, struct fake *f)
{
    if (prev) {
        o.auth_memo = prev->memo;
        o.auth_memo_len = (size_t)prev->memo_len;
    }
    fake_probe_url(mode, o, run, f, "u:p@");
}

static void memo_probe(enum fake_mode mode, const struct run *prev, struct run *run,
                       struct fake *f)
{
    struct rtsp_conn_opts o = {.depth = RTSP_DEPTH_DESCRIBE};
    if (prev) {
        o.auth_memo = prev->memo;
        o.auth_memo_len = (size_t)prev->memo_len;
    }
    fake_probe_url(mode, o, run, f, "u:p@");
}

Test(rtsp_conn_fake, remembered_challenge_saves_the_401_round_trip)
{
    struct run first, second;
    struct fake f;
    memo_probe(FAKE_NONCE_N2, NULL, &first, &f);
    cr_assert_eq(first.r.state, PROBE_ONLINE, "%s\n%s", first.r.detail, first.log);
    cr_expect_str_eq(f.auths, "OPTIONS:-: DESCRIBE:-: DESCRIBE:n2:00000001 ");
    cr_assert_gt(first.memo_len, 0, "accepted credentials leave a memo");
    memo_probe(FAKE_NONCE_N2, &first, &second, &f);
    cr_expect_eq(second.r.state, PROBE_ONLINE, "%s\n%s", second.r.detail, second.log);
    /* Credentials from the first request on, the nonce count going on. */
    cr_expect_str_eq(f.auths, "OPTIONS:n2:00000002 DESCRIBE:n2:00000003 ");
    cr_expect_gt(second.memo_len, 0);
}

Test(rtsp_conn_fake, expired_remembered_nonce_costs_only_the_usual_retry)
{
    struct run first, second;
    struct fake f;
    /* A memo holding nonce n1, which the camera now calls stale. */
    memo_probe(FAKE_NONCE_N2, NULL, &first, &f);
    cr_assert_gt(first.memo_len, 0);
    struct rtsp_auth_challenge ch;
    uint32_t nc;
    cr_assert_eq(rtsp_auth_memo_unpack(first.memo, (size_t)first.memo_len, &ch, &nc), 0);
    snprintf(ch.nonce, sizeof(ch.nonce), "n1");
    first.memo_len = rtsp_auth_memo_pack(&ch, nc, first.memo, sizeof(first.memo));
    memo_probe(FAKE_NONCE_N2, &first, &second, &f);
    cr_expect_eq(second.r.state, PROBE_ONLINE, "%s\n%s", second.r.detail, second.log);
    cr_expect_str_eq(f.auths, "OPTIONS:n1:00000002 DESCRIBE:n1:00000003 DESCRIBE:n2:00000001 ",
                     "the new nonce counts from 1");
    cr_expect_gt(second.memo_len, 0, "the memo moves on to the new nonce");
}

Test(rtsp_conn_fake, refused_credentials_leave_no_memo_and_do_not_loop)
{
    struct run first, second;
    struct fake f;
    memo_probe(FAKE_NONCE_N2, NULL, &first, &f);
    cr_assert_gt(first.memo_len, 0);
    /* The password changed on site: the memo's try and one retry, no more. */
    memo_probe(FAKE_REFUSE_AUTH, &first, &second, &f);
    cr_expect_eq(second.r.reason, PROBE_R_AUTH_FAILED, "%s", second.r.detail);
    cr_expect_str_eq(f.auths, "OPTIONS:n2:00000002 DESCRIBE:n2:00000003 DESCRIBE:n2:00000001 ");
    cr_expect_eq(second.memo_len, 0);
}

/* The camera was Digest last time; now something on its address offers
 * only Basic, which would carry the password in clear. */
Test(rtsp_conn_fake, digest_camera_offering_only_basic_gets_no_password)
{
    struct run first, second, third;
    struct fake f;
    memo_probe(FAKE_NONCE_N2, NULL, &first, &f);
    cr_assert_gt(first.memo_len, 0);
    memo_probe(FAKE_BASIC, &first, &second, &f);
    cr_expect_eq(second.r.reason, PROBE_R_AUTH_FAILED, "%s", second.r.detail);
    cr_expect(strstr(second.r.detail, "only Basic, but used Digest before"), "%s", second.r.detail);
    cr_expect(strstr(second.r.detail, "allow_basic_downgrade"), "%s", second.r.detail);
    cr_expect_null(strstr(f.authz, "Basic"), "the password went in clear: %s", f.authz);
    cr_assert_gt(second.memo_len, 0, "the Digest memo is kept");
    /* and so the next probe refuses as well */
    memo_probe(FAKE_BASIC, &second, &third, &f);
    cr_expect_eq(third.r.reason, PROBE_R_AUTH_FAILED, "%s", third.r.detail);
    cr_expect_null(strstr(f.authz, "Basic"), "the password went in clear: %s", f.authz);
}

Test(rtsp_conn_fake, basic_after_digest_is_sent_when_allowed)
{
    struct run first, second;
    struct fake f;
    memo_probe(FAKE_NONCE_N2, NULL, &first, &f);
    cr_assert_gt(first.memo_len, 0);
    memo_probe_opts(
        FAKE_BASIC,
        (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE, .allow_basic_downgrade = true},
        &first, &second, &f);
    cr_expect_eq(second.r.state, PROBE_ONLINE, "%s\n%s", second.r.detail, second.log);
    cr_expect(strstr(f.authz, "Authorization: Basic "), "%s", f.authz);
}

Test(rtsp_conn_fake, basic_at_first_contact_is_sent)
{
    struct run run;
    struct fake f;
    memo_probe(FAKE_BASIC, NULL, &run, &f);
    cr_expect_eq(run.r.state, PROBE_ONLINE, "%s\n%s", run.r.detail, run.log);
}

Test(rtsp_conn_fake, memo_without_credentials_in_the_url_is_ignored)
{
    struct run first, second;
    struct fake f;
    memo_probe(FAKE_NONCE_N2, NULL, &first, &f);
    cr_assert_gt(first.memo_len, 0);
    struct rtsp_conn_opts o = {.depth = RTSP_DEPTH_DESCRIBE,
                               .auth_memo = first.memo,
                               .auth_memo_len = (size_t)first.memo_len};
    fake_probe_url(FAKE_NONCE_N2, o, &second, &f, "");
    cr_expect_eq(second.r.reason, PROBE_R_AUTH_FAILED, "%s", second.r.detail);
    cr_expect_str_eq(f.auths, "OPTIONS:-: DESCRIBE:-: ");
}

Test(rtsp_conn_fake, status_453_is_session_limit)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_SESSION_LIMIT, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY}, &run, &f);
    cr_expect_eq(run.r.reason, PROBE_R_SESSION_LIMIT, "%s", run.r.detail);
    cr_expect_eq(run.r.rtsp_status, 453);
    cr_expect_eq(f.teardowns, 0, "no session was created");
}

Test(rtsp_conn_fake, http_server_on_the_port_is_a_protocol_error)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_HTTP, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_OPTIONS}, &run, &f);
    cr_expect_eq(run.r.reason, PROBE_R_PROTOCOL_ERROR, "%s", run.r.detail);
    cr_expect_not_null(strstr(run.r.detail, "HTTP"), "%s", run.r.detail);
}

Test(rtsp_conn_fake, reply_with_a_future_cseq_is_a_protocol_error)
{
    struct run run;
    struct fake f;
    fake_probe(FAKE_WRONG_CSEQ, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_OPTIONS}, &run, &f);
    cr_expect_eq(run.r.reason, PROBE_R_PROTOCOL_ERROR, "%s", run.r.detail);
}

Test(rtsp_conn_api, non_rtsp_urls_are_refused_without_a_callback)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct sockaddr_in sa;
    uv_ip4_addr("127.0.0.1", 554, &sa);
    struct run run = {0};
    cr_expect_eq(rtsp_conn_start(&loop, (struct sockaddr *)&sa, "http://127.0.0.1/x.flv", NULL,
                                 on_result, &run, NULL),
                 -EINVAL);
    cr_expect_eq(
        rtsp_conn_start(&loop, (struct sockaddr *)&sa, "not a url", NULL, on_result, &run, NULL),
        -EINVAL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_not(run.done);
    cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(rtsp_conn_api, cancel_reports_cancelled_once)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&loop, &f, FAKE_SILENT);
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/", f.port);
    struct sockaddr_in sa;
    uv_ip4_addr("127.0.0.1", f.port, &sa);
    struct run run = {0};
    struct rtsp_conn *c;
    cr_assert_eq(rtsp_conn_start(&loop, (struct sockaddr *)&sa, url, NULL, on_result, &run, &c), 0);
    rtsp_conn_cancel(c);
    while (!run.done)
        uv_run(&loop, UV_RUN_ONCE);
    cr_expect_eq(run.r.reason, PROBE_R_INTERNAL_ERROR);
    cr_expect_str_eq(run.r.detail, "cancelled");
    uv_walk(&loop, close_all, &f);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(rtsp_conn_fake, dahua_query_string_base_gives_the_setup_url_cameras_expect)
{
    struct run run;
    struct fake f;
    fake_probe_path(FAKE_DAHUA,
                    (struct rtsp_conn_opts){.depth = RTSP_DEPTH_PLAY, .first_rtp_ms = 200}, &run,
                    &f, "", "/cam/realmonitor?channel=1&subtype=0");
    char want[256];
    snprintf(want, sizeof(want),
             "rtsp://127.0.0.1:%d/cam/realmonitor?channel=1&subtype=0/trackID=0 ", f.port);
    cr_expect_not_null(strstr(f.urls, want), "SETUP URL not among: %s", f.urls);
    cr_expect_eq(f.teardowns, 1);
}

Test(rtsp_conn_fake, ipv6_camera_is_probed_with_a_bracketed_url)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    memset(&f, 0, sizeof(f));
    f.mode = FAKE_EARLY_KEYFRAME;
    struct sockaddr_in6 sa;
    uv_ip6_addr("::1", 0, &sa);
    uv_tcp_init(&loop, &f.server);
    f.server.data = &f;
    cr_assert_eq(uv_tcp_bind(&f.server, (struct sockaddr *)&sa, 0), 0);
    cr_assert_eq(uv_listen((uv_stream_t *)&f.server, 16, fake_accept), 0);
    int len = sizeof(sa);
    uv_tcp_getsockname(&f.server, (struct sockaddr *)&sa, &len);
    f.port = ntohs(sa.sin6_port);
    char url[96];
    snprintf(url, sizeof(url), "rtsp://[::1]:%d/live", f.port);
    struct run run;
    memset(&run, 0, sizeof(run));
    struct rtsp_conn_opts o = {.depth = RTSP_DEPTH_PLAY, .log = log_line};
    run.t0 = uv_hrtime();
    cr_assert_eq(rtsp_conn_start(&loop, (struct sockaddr *)&sa, url, &o, on_result, &run, NULL), 0);
    while (!run.done)
        uv_run(&loop, UV_RUN_ONCE);
    cr_expect_eq(run.r.state, PROBE_ONLINE, "%s\n%s", run.r.detail, run.log);
    char want[96];
    snprintf(want, sizeof(want), "rtsp://[::1]:%d/live/trackID=0 ", f.port);
    cr_expect_not_null(strstr(f.urls, want), "SETUP URL not among: %s", f.urls);
    uv_walk(&loop, close_all, &f);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&loop), 0);
}

Test(rtsp_conn_fake, error_statuses_map_to_stable_reasons)
{
    static const struct {
        const char *status;
        enum probe_reason want;
    } cases[] = {
        {"403 Forbidden", PROBE_R_FORBIDDEN},
        {"404 Stream Not Found", PROBE_R_NOT_FOUND},
        {"453 Not Enough Bandwidth", PROBE_R_SESSION_LIMIT},
        {"503 Session limit reached", PROBE_R_SESSION_LIMIT},
        {"503 Service Unavailable", PROBE_R_SERVER_ERROR},
        {"500 Internal Server Error", PROBE_R_SERVER_ERROR},
        {"461 Unsupported Transport", PROBE_R_PROTOCOL_ERROR},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_status = cases[i].status;
        struct run run;
        struct fake f;
        fake_probe(FAKE_STATUS, (struct rtsp_conn_opts){.depth = RTSP_DEPTH_DESCRIBE}, &run, &f);
        cr_expect_eq(run.r.reason, cases[i].want, "%s: got %s (%s)", cases[i].status,
                     probe_reason_name(run.r.reason), run.r.detail);
        cr_expect_eq(run.r.rtsp_status, atoi(cases[i].status));
    }
}

/* Probes one after another on one loop, sharing a socket set. */
Test(rtsp_conn_fake, pooled_socket_serves_the_next_probe_and_still_ends_with_a_reset)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&loop, &f, FAKE_NO_RTP);
    struct tcp_io *io;
    cr_assert_eq(tcp_io_new(&loop, 4, &io), 0);
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/live", f.port);
    struct run runs[3];
    for (int i = 0; i < 3; i++) {
        memset(&runs[i], 0, sizeof(runs[i]));
        struct rtsp_conn_opts o = {.depth = RTSP_DEPTH_DESCRIBE, .io = io};
        start_probe(&loop, &runs[i], f.port, url, &o);
        while (!runs[i].done)
            uv_run(&loop, UV_RUN_ONCE);
        cr_expect_eq(runs[i].r.state, PROBE_ONLINE, "probe %d: %s", i, runs[i].r.detail);
    }
    struct tcp_io_stats st;
    tcp_io_get_stats(io, &st);
    cr_expect_eq(st.kept, 3, "every finished exchange gave its socket back");
    cr_expect_eq(st.reused, 2, "the second and third probe started on it");
    cr_expect_eq(st.created, 1);
    cr_expect_eq(st.idle, 1);
    cr_expect_eq(st.live, 0);
    /* The camera saw three connections, each ended by a reset. */
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    uv_timer_start(&guard, on_guard, 2000, 0);
    while (f.ended_eof + f.ended_reset < 3 && uv_is_active((uv_handle_t *)&guard))
        uv_run(&loop, UV_RUN_ONCE);
    cr_expect_eq(f.connections, 3);
    cr_expect_eq(f.ended_reset, 3, "FIN: %d, RST: %d", f.ended_eof, f.ended_reset);
    tcp_io_close(io, NULL, NULL);
    uv_walk(&loop, close_all, &f);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(rtsp_conn_deadline, unfinished_exchange_closes_its_socket_instead_of_pooling_it)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct fake f;
    fake_start(&loop, &f, FAKE_SILENT);
    struct tcp_io *io;
    cr_assert_eq(tcp_io_new(&loop, 4, &io), 0);
    char url[64];
    snprintf(url, sizeof(url), "rtsp://127.0.0.1:%d/live", f.port);
    struct run run = {0};
    struct rtsp_conn_opts o = {.depth = RTSP_DEPTH_DESCRIBE, .reply_ms = 100, .io = io};
    start_probe(&loop, &run, f.port, url, &o);
    while (!run.done)
        uv_run(&loop, UV_RUN_ONCE);
    cr_expect_eq(run.r.reason, PROBE_R_RTSP_TIMEOUT, "%s", run.r.detail);
    struct tcp_io_stats st;
    tcp_io_get_stats(io, &st);
    cr_expect_eq(st.kept, 0, "a request went unanswered: FIN, and no reuse");
    cr_expect_eq(st.idle, 0);
    cr_expect_eq(st.live, 0);
    tcp_io_close(io, NULL, NULL);
    uv_walk(&loop, close_all, &f);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
