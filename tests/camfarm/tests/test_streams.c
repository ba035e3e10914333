/* camfarm's platform streams as real clients see them: ffprobe and ffmpeg
 * read HLS, HTTP-FLV and RTMP cameras, the streams are live (timestamps
 * keep growing across the clip's loops, the playlist slides), and the
 * faults answer as a platform would (HTTP statuses, RTMP connect rejected,
 * stream not found, resets, silence, black and frozen pictures). */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "farmclient.h"

/* Camera #n is at 127.2.0.n and speaks `proto`. */
static const struct {
    const char *proto, *mode;
} cams[] = {
    {"hls", "ok clip=normal"},
    {"flv", "ok clip=normal"},
    {"rtmp", "ok clip=normal"},
    {"hls", "bad_auth"},
    {"flv", "bad_auth"},
    {"rtmp", "bad_auth"},
    {"hls", "not_found"},
    {"flv", "error_503"},
    {"rtmp", "not_found"},
    {"flv", "session_limit"},
    {"flv", "redirect"},
    {"hls", "redirect_loop"},
    {"flv", "refused"},
    {"hls", "silent"},
    {"flv", "black"},
    {"hls", "frozen"},
    {"rtmp", "black"},
    {"hls", "no_rtp"},
    {"flv", "ok clip=normal"},
    {"rtsp", "ok clip=normal"},
    {"hls", "ok clip=normal265"},
    {"flv", "ok clip=normal265"},
    {"rtmp", "error_500"},
    {"hls", "error_500"},
};
#define NCAMS ((int)(sizeof(cams) / sizeof(cams[0])))

static struct fc_farm farm;
static char out[262144];

static uint32_t ip_of(int n)
{
    return (127u << 24) | (2u << 16) | (uint32_t)n;
}

/* What a client dials for camera #n. */
static void url_of(int n, char *buf, size_t cap)
{
    const char *p = cams[n - 1].proto;
    if (strcmp(p, "hls") == 0)
        snprintf(buf, cap, "http://127.2.0.%d:%u/hls/S%d.m3u8", n, farm.http_port, n);
    else if (strcmp(p, "flv") == 0)
        snprintf(buf, cap, "http://127.2.0.%d:%u/live/S%d.flv", n, farm.http_port, n);
    else if (strcmp(p, "rtmp") == 0)
        snprintf(buf, cap, "rtmp://127.2.0.%d:%u/live/S%d", n, farm.rtmp_port, n);
    else
        snprintf(buf, cap, "rtsp://127.2.0.%d:%u/Streaming/Channels/101", n, farm.rtsp_port);
}

static void setup(void)
{
    static char csv[8192], fleet[4096];
    size_t c = (size_t)snprintf(csv, sizeof(csv), "id,url\n");
    size_t m = 0;
    for (int n = 1; n <= NCAMS; n++) {
        char url[256];
        farm.http_port = 8080, farm.rtmp_port = 1935, farm.rtsp_port = 8554;
        url_of(n, url, sizeof(url));
        c += (size_t)snprintf(csv + c, sizeof(csv) - c, "S%d,%s\n", n, url);
        m += (size_t)snprintf(fleet + m, sizeof(fleet) - m, "#%d %s\n", n, cams[n - 1].mode);
    }
    memset(&farm, 0, sizeof(farm));
    int rc = fc_start_csv(&farm, csv, fleet, (const char *const[]){"--idle-timeout", "8000", NULL});
    cr_assert_eq(rc, 0, "camfarm did not report ready: %s", strerror(-rc));
    cr_assert(farm.http_port && farm.rtmp_port, "ready line names both sockets: %s", farm.ready);
}

static void teardown(void)
{
    cr_expect_eq(fc_stop(&farm), 0, "camfarm did not exit 0 on SIGTERM");
}

TestSuite(streams, .init = setup, .fini = teardown, .timeout = 90);

/* ---- a small HTTP client, every wait with a deadline ---- */

struct hresp {
    int status;
    char head[8192];
    size_t body_len;
    char body[65536 + 1];
};

static int recv_some(int fd, char *buf, size_t cap, uint64_t deadline)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    uint64_t now = fc_now_ms();
    if (now >= deadline)
        return -ETIMEDOUT;
    int rc = poll(&p, 1, (int)(deadline - now));
    if (rc == 0)
        return -ETIMEDOUT;
    ssize_t n = recv(fd, buf, cap, 0);
    if (n < 0)
        return -errno;
    return (int)n;
}

/* GET `path` from camera #n's address (or 127.0.0.1 when n is 0); keeps at
 * most the first 64 KiB of the body. Returns the status or negative errno. */
static int http_get(int n, const char *path, struct hresp *r, int deadline_ms)
{
    uint64_t deadline = fc_now_ms() + (uint64_t)deadline_ms;
    int fd = fc_connect(n ? ip_of(n) : (127u << 24) | 1, farm.http_port, deadline_ms);
    if (fd < 0)
        return fd;
    char req[1024];
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: camfarm\r\nConnection: close\r\n\r\n",
             path);
    int rc = fc_send(fd, req, strlen(req));
    static char buf[sizeof(r->head) + sizeof(r->body)];
    size_t len = 0, head = 0, want = (size_t)-1;
    memset(r, 0, sizeof(*r));
    while (rc >= 0 && len < sizeof(buf) - 1 && (head == 0 || len - head < want)) {
        rc = recv_some(fd, buf + len, sizeof(buf) - 1 - len, deadline);
        if (rc <= 0)
            break;
        len += (size_t)rc;
        buf[len] = 0;
        char *end = head ? NULL : strstr(buf, "\r\n\r\n");
        if (end) {
            head = (size_t)(end + 4 - buf);
            memcpy(r->head, buf, head < sizeof(r->head) - 1 ? head : sizeof(r->head) - 1);
            const char *cl = strcasestr(r->head, "\r\nContent-Length:");
            if (cl)
                want = strtoul(cl + 17, NULL, 10);
            if (sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1)
                r->status = 0;
        }
    }
    fc_close(fd);
    if (head) {
        r->body_len = len - head < sizeof(r->body) - 1 ? len - head : sizeof(r->body) - 1;
        memcpy(r->body, buf + head, r->body_len);
        return r->status;
    }
    return rc < 0 ? rc : -EPIPE;
}

static int header(const struct hresp *r, const char *name, char *val, size_t cap)
{
    char key[64];
    snprintf(key, sizeof(key), "\r\n%s:", name);
    const char *h = strcasestr(r->head, key);
    if (!h)
        return -ENOENT;
    h += strlen(key);
    while (*h == ' ')
        h++;
    size_t n = strcspn(h, "\r");
    snprintf(val, cap, "%.*s", (int)n, h);
    return 0;
}

/* ---- what ffprobe sees ---- */

static int ffprobe(int n, const char *entries, const char *interval)
{
    char url[256];
    url_of(n, url, sizeof(url));
    const char *argv[] = {
        "ffprobe",         "-v",     "error",           "-rw_timeout", "5000000",
        "-read_intervals", interval, "-select_streams", "v:0",         "-show_entries",
        entries,           "-of",    "compact=p=0",     url,           NULL};
    return fc_run(argv, out, sizeof(out), 30000);
}

Test(streams, ffprobe_reads_hls_flv_and_rtmp_cameras)
{
    for (int n = 1; n <= 3; n++) {
        int rc = ffprobe(n, "stream=codec_name,width,height,r_frame_rate", "%+0.5");
        cr_assert_eq(rc, 0, "camera #%d (%s): ffprobe exited %d: %s", n, cams[n - 1].proto, rc,
                     out);
        cr_expect(strstr(out, "codec_name=h264|width=640|height=360|r_frame_rate=25/1") != NULL,
                  "camera #%d (%s): %s", n, cams[n - 1].proto, out);
    }
    cr_assert_eq(ffprobe(21, "stream=codec_name", "%+0.5"), 0, "%s", out);
    cr_expect(strstr(out, "codec_name=hevc") != NULL, "HLS carries H.265: %s", out);
    cr_assert_eq(ffprobe(22, "stream=codec_name", "%+0.5"), 0, "%s", out);
    cr_expect(strstr(out, "codec_name=h264") != NULL, "FLV falls back to H.264: %s", out);
}

/* Packets' timestamps over 3.5 s of each stream: they never go back, and
 * they run past the 2-second clip's loop point. */
Test(streams, timestamps_keep_growing_across_loops)
{
    for (int n = 1; n <= 3; n++) {
        int rc = ffprobe(n, "packet=pts_time", "%+3.5");
        cr_assert_eq(rc, 0, "camera #%d: ffprobe exited %d: %s", n, rc, out);
        double first = -1, last = -1;
        int packets = 0, backwards = 0;
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
            double t;
            if (sscanf(line, "pts_time=%lf", &t) != 1)
                continue;
            if (first < 0)
                first = t;
            backwards += last >= 0 && t <= last;
            last = t;
            packets++;
        }
        cr_expect_geq(packets, 80, "camera #%d (%s): %d packets", n, cams[n - 1].proto, packets);
        cr_expect_eq(backwards, 0, "camera #%d (%s)", n, cams[n - 1].proto);
        cr_expect_geq(last - first, 3.0, "camera #%d (%s): %.2f s", n, cams[n - 1].proto,
                      last - first);
    }
}

static long media_sequence(const struct hresp *r)
{
    const char *s = strstr(r->body, "#EXT-X-MEDIA-SEQUENCE:");
    return s ? strtol(s + 22, NULL, 10) : -1;
}

Test(streams, hls_playlist_slides_and_serves_its_segments)
{
    static struct hresp r;
    char ctype[64], path[64];
    cr_assert_eq(http_get(1, "/hls/S1.m3u8", &r, 5000), 200);
    cr_assert_eq(header(&r, "Content-Type", ctype, sizeof(ctype)), 0);
    cr_expect_str_eq(ctype, "application/vnd.apple.mpegurl");
    cr_expect(strstr(r.body, "#EXT-X-TARGETDURATION:1\n") != NULL, "%s", r.body);
    long seq = media_sequence(&r);
    cr_assert_geq(seq, 0, "%s", r.body);
    snprintf(path, sizeof(path), "S1-%ld.ts", seq);
    cr_expect(strstr(r.body, path) != NULL, "lists its first segment: %s", r.body);

    snprintf(path, sizeof(path), "/hls/S1-%ld.ts", seq);
    cr_assert_eq(http_get(1, path, &r, 5000), 200);
    cr_assert_eq(header(&r, "Content-Type", ctype, sizeof(ctype)), 0);
    cr_expect_str_eq(ctype, "video/mp2t");
    cr_expect_gt(r.body_len, 188);
    cr_expect_eq((unsigned char)r.body[0], 0x47, "MPEG-TS sync byte");
    snprintf(path, sizeof(path), "/hls/S1-%ld.ts", seq + 100);
    cr_expect_eq(http_get(1, path, &r, 5000), 404, "a segment beyond the window");
    cr_expect_eq(http_get(1, "/hls/S2.m3u8", &r, 5000), 404, "another camera's playlist");

    /* Live: within a few seconds a later playlist starts further on. */
    uint64_t deadline = fc_now_ms() + 5000;
    long now = seq;
    while (now == seq && fc_now_ms() < deadline) {
        cr_assert_eq(http_get(1, "/hls/S1.m3u8", &r, 5000), 200);
        now = media_sequence(&r);
    }
    cr_expect_gt(now, seq, "the media sequence grows with time");
}

Test(streams, http_faults_answer_as_a_platform_does)
{
    static struct hresp r;
    char v[512];
    cr_expect_eq(http_get(4, "/hls/S4.m3u8", &r, 5000), 401);
    cr_expect_eq(header(&r, "WWW-Authenticate", v, sizeof(v)), 0, "401 names its scheme");
    cr_expect_eq(http_get(5, "/live/S5.flv", &r, 5000), 401);
    cr_expect_eq(http_get(7, "/hls/S7.m3u8", &r, 5000), 404);
    cr_expect_eq(http_get(8, "/live/S8.flv", &r, 5000), 503);
    cr_expect_eq(http_get(24, "/hls/S24.m3u8", &r, 5000), 500);
    cr_expect_eq(http_get(10, "/live/S10.flv", &r, 5000), 403);
    cr_expect(strstr(r.body, "upper limit") != NULL, "%s", r.body);
    cr_expect_eq(http_get(1, "/live/S1.flv", &r, 5000), 404, "an HLS camera has no FLV");

    cr_assert_eq(http_get(11, "/live/S11.flv", &r, 5000), 302);
    cr_assert_eq(header(&r, "Location", v, sizeof(v)), 0);
    char want[128];
    snprintf(want, sizeof(want), "http://127.0.0.1:%u/cam/11/live/S11.flv", farm.http_port);
    cr_expect_str_eq(v, want);
    cr_expect_eq(http_get(0, "/cam/11/live/S11.flv", &r, 5000), 200, "the platform serves it");
    cr_expect_eq(memcmp(r.body, "FLV", 3), 0, "an FLV stream");

    cr_assert_eq(http_get(12, "/hls/S12.m3u8", &r, 5000), 302);
    cr_assert_eq(header(&r, "Location", v, sizeof(v)), 0);
    snprintf(want, sizeof(want), "http://127.2.0.12:%u/hls/S12.m3u8", farm.http_port);
    cr_expect_str_eq(v, want, "redirect_loop points at itself");
}

Test(streams, flv_starts_with_its_header_and_decoder_configuration)
{
    int fd = fc_connect(ip_of(2), farm.http_port, 5000);
    cr_assert_geq(fd, 0);
    const char *req = "GET /live/S2.flv HTTP/1.1\r\nHost: camfarm\r\n\r\n";
    cr_assert_eq(fc_send(fd, req, strlen(req)), 0);
    static char buf[65536];
    size_t len = 0;
    uint64_t deadline = fc_now_ms() + 5000;
    char *body = NULL;
    while (!body || len - (size_t)(body - buf) < 13 + 11 + 2) {
        int n = recv_some(fd, buf + len, sizeof(buf) - 1 - len, deadline);
        cr_assert_gt(n, 0, "stream ended or stalled: %s", strerror(-n));
        len += (size_t)n;
        buf[len] = 0;
        char *e = strstr(buf, "\r\n\r\n");
        body = e ? e + 4 : NULL;
    }
    cr_expect(strstr(buf, "Content-Type: video/x-flv\r\n") != NULL, "%s", buf);
    cr_expect(strcasestr(buf, "Content-Length") == NULL, "a live stream has no length");
    cr_expect_eq(memcmp(body, "FLV\x01", 4), 0);
    fc_close(fd);
}

static int expect_reset(uint32_t ip, uint16_t port)
{
    int fd = fc_connect(ip, port, 5000);
    if (fd < 0)
        return fd;
    char b[64];
    int rc = recv_some(fd, b, sizeof(b), fc_now_ms() + 5000);
    fc_close(fd);
    return rc;
}

Test(streams, wrong_port_and_refused_cameras_reset)
{
    cr_expect_eq(expect_reset(ip_of(20), farm.http_port), -ECONNRESET, "RTSP camera, HTTP port");
    cr_expect_eq(expect_reset(ip_of(1), farm.rtsp_port), -ECONNRESET, "HLS camera, RTSP port");
    cr_expect_eq(expect_reset(ip_of(2), farm.rtmp_port), -ECONNRESET, "FLV camera, RTMP port");
    cr_expect_eq(expect_reset(ip_of(13), farm.http_port), -ECONNRESET, "refused");
}

Test(streams, silent_and_no_media_answer_nothing)
{
    static struct hresp r;
    cr_expect_eq(http_get(14, "/hls/S14.m3u8", &r, 1500), -ETIMEDOUT, "silent");
    cr_assert_eq(http_get(18, "/hls/S18.m3u8", &r, 5000), 200, "no_rtp: the playlist moves");
    char path[64];
    snprintf(path, sizeof(path), "/hls/S18-%ld.ts", media_sequence(&r));
    cr_expect_eq(http_get(18, path, &r, 1500), -ETIMEDOUT, "no_rtp: no segment comes");
}

Test(streams, rtmp_faults_reach_the_client)
{
    cr_expect_neq(ffprobe(6, "stream=codec_name", "%+0.5"), 0);
    cr_expect(strstr(out, "authentication failed") != NULL, "connect rejected: %s", out);
    cr_expect_neq(ffprobe(9, "stream=codec_name", "%+0.5"), 0);
    cr_expect(strstr(out, "No such stream") != NULL, "stream not found: %s", out);
    cr_expect_neq(ffprobe(23, "stream=codec_name", "%+0.5"), 0);
    cr_expect(strstr(out, "server error") != NULL, "connect failed: %s", out);
}

/* ffmpeg's own detectors over a few seconds of a camera. */
static const char *analyse(int n, const char *filter)
{
    char url[256];
    url_of(n, url, sizeof(url));
    const char *argv[] = {"ffmpeg",  "-hide_banner", "-nostdin", "-loglevel", "info", "-rw_timeout",
                          "5000000", "-i",           url,        "-t",        "3",    "-an",
                          "-vf",     filter,         "-f",       "null",      "-",    NULL};
    int rc = fc_run(argv, out, sizeof(out), 30000);
    cr_assert_eq(rc, 0, "ffmpeg on %s exited %d: %s", url, rc, out);
    return out;
}

Test(streams, video_faults_show_in_the_picture)
{
    cr_expect(strstr(analyse(15, "blackdetect=d=1"), "black_start") != NULL, "black FLV");
    cr_expect(strstr(analyse(17, "blackdetect=d=1"), "black_start") != NULL, "black RTMP");
    cr_expect(strstr(analyse(16, "freezedetect=d=1"), "freeze_start") != NULL, "frozen HLS");
    cr_expect(strstr(analyse(1, "blackdetect=d=1"), "black_start") == NULL, "healthy HLS");
}

Test(streams, kill_ends_a_live_stream)
{
    int fd = fc_connect(ip_of(19), farm.http_port, 5000);
    cr_assert_geq(fd, 0);
    const char *req = "GET /live/S19.flv HTTP/1.1\r\nHost: camfarm\r\n\r\n";
    cr_assert_eq(fc_send(fd, req, strlen(req)), 0);
    static char buf[65536];
    cr_assert_gt(recv_some(fd, buf, sizeof(buf), fc_now_ms() + 5000), 0, "the stream starts");
    char reply[256];
    cr_assert_eq(fc_control(&farm, "kill #19", reply, sizeof(reply)), 0);
    cr_expect_str_eq(reply, "ok");
    int rc = 1;
    uint64_t deadline = fc_now_ms() + 5000;
    while (rc > 0)
        rc = recv_some(fd, buf, sizeof(buf), deadline);
    cr_expect_eq(rc, -ECONNRESET, "the stream is reset, not left to time out");
    fc_close(fd);
    cr_expect_eq(expect_reset(ip_of(19), farm.http_port), -ECONNRESET, "and new ones refused");
    cr_assert_eq(fc_control(&farm, "revive #19", reply, sizeof(reply)), 0);
}

/* Every state has a deadline: a client that connects and says nothing, on
 * either socket, is closed at --idle-timeout (8 s here), not before. */
Test(streams, idle_connections_close_at_the_deadline)
{
    int fds[2] = {fc_connect(ip_of(1), farm.http_port, 5000),
                  fc_connect(ip_of(3), farm.rtmp_port, 5000)};
    cr_assert_geq(fds[0], 0);
    cr_assert_geq(fds[1], 0);
    uint64_t t0 = fc_now_ms();
    for (int i = 0; i < 2; i++) {
        char b[64];
        int rc = recv_some(fds[i], b, sizeof(b), t0 + 30000);
        uint64_t took = fc_now_ms() - t0;
        cr_expect_eq(rc, 0, "socket %d: closed (EOF), got %d", i, rc);
        cr_expect_geq(took, 7900, "socket %d: closed after %llu ms", i, (unsigned long long)took);
        fc_close(fds[i]);
    }
}
