/* camfarm speaks RTSP as cameras do: handshake, auth, session life cycle,
 * media framing, session limits, path identity, control channel, start and
 * stop. Each test starts its own camfarm and talks to it over loopback. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "farmclient.h"

static struct fc_farm farm;
static struct fc_reply rep, ch;

static void setup(void)
{
    int rc = fc_start(&farm, FC_FLEET, NULL);
    cr_assert_eq(rc, 0, "camfarm did not report ready: %s", strerror(-rc));
}

static void teardown(void)
{
    cr_expect_eq(fc_stop(&farm), 0, "camfarm did not exit 0 on SIGTERM");
}

TestSuite(rtsp, .init = setup, .fini = teardown, .timeout = 30);

static int cam_connect(int n)
{
    int fd = fc_connect(fc_ip(n), farm.rtsp_port, 2000);
    cr_assert_geq(fd, 0, "connect to camera #%d: %s", n, strerror(-fd));
    return fd;
}

static void url(int n, char *out, size_t cap)
{
    fc_url(&farm, n, out, cap);
}

Test(rtsp, ready_line_names_cameras_and_addresses)
{
    cr_expect(strstr(farm.ready, "cameras=64 ") != NULL, "ready line: %s", farm.ready);
    cr_expect(strstr(farm.ready, "rtsp=0.0.0.0:") != NULL);
    cr_expect(strstr(farm.ready, "control=127.0.0.1:") != NULL);
}

Test(rtsp, options_echoes_cseq_and_uses_hikvision_server_header)
{
    char u[256], v[256];
    int fd = cam_connect(1);
    url(1, u, sizeof(u));
    cr_assert_eq(fc_request(fd, "OPTIONS", u, 41, NULL, NULL, NULL, NULL), 0);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200);
    cr_expect_eq(rep.cseq, 41);
    cr_assert_eq(fc_header(&rep, "Public", v, sizeof(v)), 0);
    cr_expect(strstr(v, "DESCRIBE") && strstr(v, "GET_PARAMETER") && strstr(v, "TEARDOWN"));
    cr_assert_eq(fc_header(&rep, "Server", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "Hikvision-Webs");
    fc_close(fd);
}

Test(rtsp, describe_needs_digest_with_hikvision_realm_then_returns_sdp)
{
    char u[256], v[512];
    int fd = cam_connect(1);
    url(1, u, sizeof(u));
    fc_request(fd, "DESCRIBE", u, 2, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 2000), 0);
    cr_assert_eq(ch.status, 401);
    cr_assert_eq(fc_header(&ch, "WWW-Authenticate", v, sizeof(v)), 0);
    cr_expect(strncmp(v, "Digest realm=\"IP Camera(", 24) == 0, "challenge: %s", v);
    cr_expect(strstr(v, "nonce=\"") != NULL);

    fc_request(fd, "DESCRIBE", u, 3, NULL, "admin", fc_password(1), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_assert_eq(rep.status, 200, "head: %s", rep.head);
    cr_expect_eq(rep.cseq, 3);
    cr_assert_eq(fc_header(&rep, "Content-Base", v, sizeof(v)), 0);
    cr_expect(strncmp(v, u, strlen(u)) == 0 && v[strlen(v) - 1] == '/');
    cr_assert_eq(fc_header(&rep, "Content-Type", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "application/sdp");
    cr_expect_eq(rep.body_len, rep.content_length);
    cr_expect(strncmp(rep.body, "v=0\r\n", 5) == 0);
    cr_expect(strstr(rep.body, "m=video 0 RTP/AVP 96\r\n") != NULL);
    cr_expect(strstr(rep.body, "a=rtpmap:96 H264/90000\r\n") != NULL);
    cr_expect(strstr(rep.body, "sprop-parameter-sets=Z") != NULL, "sdp: %s", rep.body);
    cr_expect(strstr(rep.body, "packetization-mode=1") != NULL);
    cr_expect(strstr(rep.body, "a=control:") != NULL);
    cr_expect(strstr(rep.body, "trackID=1") != NULL);
    cr_expect(strstr(rep.body, "a=framerate:25") != NULL);
    fc_close(fd);
}

Test(rtsp, wrong_password_is_refused_again)
{
    char u[256];
    int fd = cam_connect(1);
    url(1, u, sizeof(u));
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 2000), 0);
    fc_request(fd, "DESCRIBE", u, 2, NULL, "admin", "not-the-password", &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 401);
    fc_close(fd);
}

Test(rtsp, h265_camera_describes_vps_sps_pps)
{
    char u[256];
    int fd = cam_connect(2);
    url(2, u, sizeof(u));
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 2000), 0);
    fc_request(fd, "DESCRIBE", u, 2, NULL, "admin", fc_password(2), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_assert_eq(rep.status, 200);
    cr_expect(strstr(rep.body, "a=rtpmap:96 H265/90000") != NULL);
    cr_expect(strstr(rep.body, "sprop-vps=") && strstr(rep.body, "sprop-sps=") &&
                  strstr(rep.body, "sprop-pps="),
              "sdp: %s", rep.body);
    fc_close(fd);
}

Test(rtsp, dahua_camera_uses_its_server_header_and_realm)
{
    char u[256], v[256];
    int fd = cam_connect(3);
    url(3, u, sizeof(u));
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 2000), 0);
    cr_expect_eq(ch.status, 401);
    cr_assert_eq(fc_header(&ch, "Server", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "Rtsp Server/3.0");
    cr_assert_eq(fc_header(&ch, "WWW-Authenticate", v, sizeof(v)), 0);
    cr_expect(strncmp(v, "Digest realm=\"Login to ", 23) == 0, "challenge: %s", v);
    fc_request(fd, "DESCRIBE", u, 2, NULL, "admin", fc_password(3), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200);
    fc_close(fd);
}

Test(rtsp, basic_auth_camera_challenges_with_basic)
{
    char u[256], v[256];
    int fd = cam_connect(4);
    url(4, u, sizeof(u));
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 2000), 0);
    cr_assert_eq(fc_header(&ch, "WWW-Authenticate", v, sizeof(v)), 0);
    cr_expect(strncmp(v, "Basic realm=", 12) == 0, "challenge: %s", v);
    fc_request(fd, "DESCRIBE", u, 2, NULL, "admin", fc_password(4), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200);
    fc_close(fd);
}

Test(rtsp, camera_without_credentials_needs_no_auth)
{
    char u[256];
    int fd = cam_connect(50);
    url(50, u, sizeof(u));
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200);
    fc_close(fd);
}

Test(rtsp, wrong_path_is_404)
{
    char u[256];
    int fd = cam_connect(1);
    snprintf(u, sizeof(u), "rtsp://127.1.0.1:%u/Streaming/Channels/999", farm.rtsp_port);
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 2000), 0);
    fc_request(fd, "DESCRIBE", u, 2, NULL, "admin", fc_password(1), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 404);
    fc_close(fd);
}

Test(rtsp, setup_play_streams_h264_rtp_paced_at_90khz_then_teardown)
{
    char session[64], extra[128], u[256];
    int cseq = 1, fd = cam_connect(1);
    cr_assert_eq(fc_play(&farm, 1, fd, session, sizeof(session), &cseq), 0);
    cr_expect(strlen(session) >= 8);

    uint8_t pkt[2048];
    size_t len;
    int chn, frames = 0, fu = 0, single = 0, markers = 0, reports = 0;
    uint16_t last_seq = 0;
    uint32_t first_ts = 0, last_ts = 0;
    uint64_t t0 = fc_now_ms();
    /* 1.2 s of media: about 30 frames at 25 fps. */
    while (fc_now_ms() - t0 < 1200) {
        cr_assert_eq(fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 2000), 0);
        if (chn == 1) { /* RTCP: a sender report a second into the stream */
            cr_expect(len == 28 && pkt[0] == 0x80 && pkt[1] == 200, "sender report");
            reports++;
            continue;
        }
        cr_assert_eq(chn, 0);
        cr_assert_geq(len, 13);
        cr_assert_eq(pkt[0] >> 6, 2, "RTP version 2");
        cr_assert_eq(pkt[1] & 0x7f, 96);
        uint16_t seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
        uint32_t ts =
            (uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 | (uint32_t)pkt[6] << 8 | pkt[7];
        if (frames + fu + single > 0)
            cr_assert_eq(seq, (uint16_t)(last_seq + 1), "sequence numbers have no gaps");
        else
            first_ts = ts;
        last_seq = seq;
        last_ts = ts;
        int type = pkt[12] & 0x1f;
        if (type == 28)
            fu++;
        else
            single++;
        if (pkt[1] & 0x80)
            markers++;
    }
    cr_expect_gt(fu, 0, "large slices go out as FU-A");
    cr_expect_gt(single, 0, "parameter sets go out as single NAL units");
    /* Real-time pacing: 1.2 s of wall time is ~ 108000 ticks of 90 kHz. */
    uint32_t span = last_ts - first_ts;
    cr_expect(markers >= 20 && markers <= 40, "frames in 1.2 s: %d", markers);
    cr_expect(span >= 80000 && span <= 130000, "timestamp span %u", span);
    /* However late a loaded machine sends it, the report comes. */
    while (!reports) {
        cr_assert_eq(fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 7000), 0, "no sender report");
        if (chn == 1) {
            cr_expect(len == 28 && pkt[0] == 0x80 && pkt[1] == 200, "sender report");
            reports++;
        }
    }
    cr_expect_eq(reports, 1, "one RTCP sender report in the first second or so");

    char u2[256];
    url(1, u2, sizeof(u2));
    snprintf(extra, sizeof(extra), "Session: %s\r\n", session);
    /* Every request but OPTIONS needs credentials, as on Hikvision firmware;
     * RTP keeps flowing meanwhile and the reader skips it. */
    fc_request(fd, "GET_PARAMETER", u2, cseq++, extra, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 2000), 0);
    cr_assert_eq(ch.status, 401);
    fc_request(fd, "GET_PARAMETER", u2, cseq++, extra, "admin", fc_password(1), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200, "keepalive answered");
    cr_expect_eq(rep.cseq, cseq - 1);
    fc_request(fd, "TEARDOWN", u2, cseq++, extra, "admin", fc_password(1), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200);
    char out[1024];
    cr_assert_eq(fc_control(&farm, "stats #1", out, sizeof(out)), 0);
    cr_expect(strstr(out, "\"sessions_open\":0") != NULL, "stats: %s", out);
    (void)u;
    fc_close(fd);
}

Test(rtsp, setup_reply_has_session_timeout_and_interleaved_transport)
{
    char u[256], t[300], v[256];
    int fd = cam_connect(50);
    url(50, u, sizeof(u));
    snprintf(t, sizeof(t), "%s/trackID=1", u);
    fc_request(fd, "SETUP", t, 1, "Transport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n", NULL, NULL,
               NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_assert_eq(rep.status, 200);
    cr_assert_eq(fc_header(&rep, "Session", v, sizeof(v)), 0);
    cr_expect(strstr(v, ";timeout=60") != NULL, "Session: %s", v);
    cr_assert_eq(fc_header(&rep, "Transport", v, sizeof(v)), 0);
    cr_expect(strstr(v, "interleaved=2-3") != NULL, "Transport: %s", v);
    /* PLAY without the session id is refused. */
    fc_request(fd, "PLAY", u, 2, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 454);
    fc_close(fd);
}

Test(rtsp, play_before_setup_is_not_valid_in_this_state)
{
    char u[256];
    int fd = cam_connect(50);
    url(50, u, sizeof(u));
    fc_request(fd, "PLAY", u, 1, "Session: 12345678\r\n", NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect(rep.status == 455 || rep.status == 454, "status %d", rep.status);
    fc_close(fd);
}

Test(rtsp, udp_transport_refused_unless_camera_offers_it)
{
    char u[256], t[300], v[256];
    int fd = cam_connect(50);
    url(50, u, sizeof(u));
    snprintf(t, sizeof(t), "%s/trackID=1", u);
    fc_request(fd, "SETUP", t, 1, "Transport: RTP/AVP;unicast;client_port=50000-50001\r\n", NULL,
               NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 461);
    fc_close(fd);

    fd = cam_connect(43);
    url(43, u, sizeof(u));
    snprintf(t, sizeof(t), "%s/trackID=1", u);
    fc_request(fd, "SETUP", t, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 2000), 0);
    fc_request(fd, "SETUP", t, 2, "Transport: RTP/AVP;unicast;client_port=50000-50001\r\n", "admin",
               fc_password(43), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200);
    cr_assert_eq(fc_header(&rep, "Transport", v, sizeof(v)), 0);
    cr_expect(strstr(v, "server_port=") != NULL, "Transport: %s", v);
    fc_close(fd);
}

Test(rtsp, session_slots_run_out_with_453_on_hikvision)
{
    char s[64];
    int cseq = 1, a = cam_connect(41), b = cam_connect(41), c = cam_connect(41);
    cr_assert_eq(fc_play(&farm, 41, a, s, sizeof(s), &cseq), 0);
    cr_assert_eq(fc_play(&farm, 41, b, s, sizeof(s), &cseq), 0);
    cr_expect_eq(fc_play(&farm, 41, c, s, sizeof(s), &cseq), 453);
    fc_close(a);
    /* The slot frees when its connection goes. */
    char out[1024];
    uint64_t deadline = fc_now_ms() + 3000;
    do
        fc_control(&farm, "stats #41", out, sizeof(out));
    while (!strstr(out, "\"sessions_open\":1") && fc_now_ms() < deadline);
    cr_expect(strstr(out, "\"sessions_open\":1") != NULL, "stats: %s", out);
    fc_close(b);
    fc_close(c);
}

Test(rtsp, session_slots_run_out_with_403_on_dahua)
{
    char s[64];
    int cseq = 1, a = cam_connect(42), b = cam_connect(42);
    cr_assert_eq(fc_play(&farm, 42, a, s, sizeof(s), &cseq), 0);
    cr_expect_eq(fc_play(&farm, 42, b, s, sizeof(s), &cseq), 403);
    fc_close(a);
    fc_close(b);
}

Test(rtsp, path_identity_on_127_0_0_1)
{
    char u[256];
    int fd = fc_connect((127u << 24) | 1, farm.rtsp_port, 2000);
    cr_assert_geq(fd, 0);
    snprintf(u, sizeof(u), "rtsp://127.0.0.1:%u/cam/34010000001320000049/Streaming/Channels/101",
             farm.rtsp_port);
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200, "camera #50 by id in the path");
    fc_close(fd);
    fd = fc_connect((127u << 24) | 1, farm.rtsp_port, 2000);
    snprintf(u, sizeof(u), "rtsp://127.0.0.1:%u/cam/50/Streaming/Channels/101", farm.rtsp_port);
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200, "camera #50 by row number in the path");
    fc_close(fd);
    fd = fc_connect((127u << 24) | 1, farm.rtsp_port, 2000);
    snprintf(u, sizeof(u), "rtsp://127.0.0.1:%u/cam/9999/x", farm.rtsp_port);
    fc_request(fd, "OPTIONS", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 404);
    fc_close(fd);
}

Test(rtsp, survives_random_bytes_and_half_requests)
{
    /* Seeded junk on fresh connections: camfarm must keep serving. */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    char junk[3000], u[256];
    url(1, u, sizeof(u));
    for (int round = 0; round < 40; round++) {
        int fd = cam_connect(round % 2 ? 1 : 50);
        size_t n = 0;
        if (round % 4 == 0) {
            /* A valid request cut short, then junk. */
            n = (size_t)snprintf(junk, sizeof(junk),
                                 "SETUP %s/trackID=1 RTSP/1.0\r\nCSeq: 4\r\nTransp", u);
        } else if (round % 4 == 1) {
            memcpy(junk, "$\x00\x10\x00", 4); /* an interleaved frame header */
            n = 4;
        }
        size_t len = n + (size_t)(x % 2000);
        for (size_t i = n; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            junk[i] = round % 3 ? (char)(x & 0xff) : (char)(' ' + x % 90); /* binary or text */
        }
        fc_send(fd, junk, len);
        fc_close(fd);
    }
    int fd = cam_connect(1);
    fc_request(fd, "OPTIONS", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200);
    fc_close(fd);
}

Test(rtsp, malformed_request_gets_400_and_close)
{
    int fd = cam_connect(1);
    fc_send(fd, "HELLO\r\n\r\n", 9);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 400);
    cr_expect_eq(fc_read_reply(fd, &rep, 2000), -EPIPE);
    fc_close(fd);
}

Test(rtsp, idle_connection_is_closed_at_the_deadline)
{
    fc_stop(&farm);
    const char *args[] = {"--idle-timeout", "300", NULL};
    cr_assert_eq(fc_start(&farm, FC_FLEET, args), 0);
    int fd = cam_connect(1);
    uint64_t t0 = fc_now_ms();
    int rc = fc_read_reply(fd, &rep, 3000);
    cr_expect_eq(rc, -EPIPE, "closed, not timed out: %d", rc);
    cr_expect_lt(fc_now_ms() - t0, 2000);
    fc_close(fd);
}

Test(rtsp, each_request_restarts_the_idle_deadline)
{
    fc_stop(&farm);
    const char *args[] = {"--idle-timeout", "500", NULL};
    cr_assert_eq(fc_start(&farm, FC_FLEET, args), 0);
    int fd = cam_connect(1);
    uint64_t t0 = fc_now_ms();
    /* Requests at 0, 300 and 600 ms keep the connection past 500 ms. */
    for (int i = 0; i < 3; i++) {
        char u[256];
        url(1, u, sizeof(u));
        fc_request(fd, "OPTIONS", u, i + 1, NULL, NULL, NULL, NULL);
        cr_assert_eq(fc_read_reply(fd, &rep, 1000), 0, "request %d after %llu ms", i,
                     (unsigned long long)(fc_now_ms() - t0));
        cr_assert_eq(rep.status, 200);
        if (i < 2)
            cr_assert_eq(fc_read_reply(fd, &rep, 300), -ETIMEDOUT, "nothing unasked");
    }
    /* Then silence: closed one idle timeout after the last request. */
    uint64_t t1 = fc_now_ms();
    cr_expect_eq(fc_read_reply(fd, &rep, 2000), -EPIPE);
    uint64_t waited = fc_now_ms() - t1;
    cr_expect(waited >= 400 && waited < 1500, "closed after %llu ms", (unsigned long long)waited);
    fc_close(fd);
}

Test(rtsp, playing_session_without_keepalives_expires)
{
    fc_stop(&farm);
    const char *args[] = {"--session-timeout", "1", NULL};
    cr_assert_eq(fc_start(&farm, FC_FLEET, args), 0);
    char s[64];
    uint8_t pkt[2048];
    size_t len;
    int cseq = 1, chn, rc, fd = cam_connect(1);
    cr_assert_eq(fc_play(&farm, 1, fd, s, sizeof(s), &cseq), 0);
    uint64_t t0 = fc_now_ms();
    while ((rc = fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 3000)) == 0)
        cr_assert_lt(fc_now_ms() - t0, 5000, "session should have expired");
    cr_expect_eq(rc, -EPIPE, "closed by the camera: %s", strerror(-rc));
    uint64_t took = fc_now_ms() - t0;
    cr_expect(took >= 1200 && took < 3000, "expired after %llu ms", (unsigned long long)took);
    fc_close(fd);
}

Test(rtsp, control_kill_revive_mode_stats_and_errors)
{
    char out[2048];
    int fd;
    cr_assert_eq(fc_control(&farm, "kill #44", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "ok");
    /* The reset may beat connect()'s completion or the first read. */
    fd = fc_connect(fc_ip(44), farm.rtsp_port, 2000);
    int rc = fd < 0 ? fd : fc_read_reply(fd, &rep, 2000);
    cr_expect_eq(rc, -ECONNRESET, "killed camera resets: %s", strerror(-rc));
    if (fd >= 0)
        fc_close(fd);
    cr_assert_eq(fc_control(&farm, "revive 34010000001320000043", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "ok");
    char u[256];
    fd = cam_connect(44);
    url(44, u, sizeof(u));
    fc_request(fd, "OPTIONS", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 200);
    fc_close(fd);

    cr_assert_eq(fc_control(&farm, "mode #44 error_503", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "ok");
    fd = cam_connect(44);
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 2000), 0);
    fc_request(fd, "DESCRIBE", u, 2, NULL, "admin", fc_password(44), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 503);
    fc_close(fd);

    cr_assert_eq(fc_control(&farm, "stats #44", out, sizeof(out)), 0);
    cr_expect(strstr(out, "\"mode\":\"error_503\"") && strstr(out, "\"connections\":3") &&
                  strstr(out, "\"id\":\"34010000001320000043\""),
              "stats: %s", out);
    cr_assert_eq(fc_control(&farm, "stats", out, sizeof(out)), 0);
    cr_expect(strstr(out, "\"cameras\":64") && strstr(out, "\"resets\":1"), "stats: %s", out);
    cr_expect(strstr(out, "\"modes\":{\"ok\":") && strstr(out, "\"error_503\":2") &&
                  strstr(out, "\"syn_drop\":1,") && strstr(out, "\"resolution\":1}}") &&
                  strstr(out, "\"killed\":0"),
              "stats: %s", out);

    cr_assert_eq(fc_control(&farm, "kill", out, sizeof(out)), 0);
    cr_expect(strncmp(out, "error: usage: kill ID", 21) == 0, "%s", out);
    cr_assert_eq(fc_control(&farm, "kill #65", out, sizeof(out)), 0);
    cr_expect(strncmp(out, "error: no camera \"#65\"", 22) == 0, "%s", out);
    cr_assert_eq(fc_control(&farm, "mode #1 meltdown", out, sizeof(out)), 0);
    cr_expect(strncmp(out, "error: unknown mode \"meltdown\"", 30) == 0, "%s", out);
    cr_assert_eq(fc_control(&farm, "mode #1 slow abc", out, sizeof(out)), 0);
    cr_expect(strncmp(out, "error: argument \"abc\"", 21) == 0, "%s", out);
    cr_assert_eq(fc_control(&farm, "frobnicate", out, sizeof(out)), 0);
    cr_expect(strncmp(out, "error: unknown command", 22) == 0, "%s", out);
}

Test(rtsp, control_list_names_cameras_in_a_mode)
{
    char out[4096];
    cr_assert_eq(fc_control(&farm, "list bad_auth", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "[\"34010000001320000012\"]");
    cr_assert_eq(fc_control(&farm, "list ok 2", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "[\"34010000001320000000\",\"34010000001320000001\"]");
    cr_assert_eq(fc_control(&farm, "kill #1", out, sizeof(out)), 0);
    cr_assert_eq(fc_control(&farm, "list ok 1", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "[\"34010000001320000001\"]", "killed cameras are left out");
    cr_assert_eq(fc_control(&farm, "list tornado", out, sizeof(out)), 0);
    cr_expect(strncmp(out, "error: usage: list MODE [N]", 27) == 0, "%s", out);
    cr_assert_eq(fc_control(&farm, "list ok 0", out, sizeof(out)), 0);
    cr_expect(strncmp(out, "error:", 6) == 0, "%s", out);
}

Test(rtsp, sigterm_while_streaming_exits_zero)
{
    char s[64];
    int cseq = 1, fd = cam_connect(52);
    cr_assert_eq(fc_play(&farm, 52, fd, s, sizeof(s), &cseq), 0);
    uint8_t pkt[2048];
    size_t len;
    int chn;
    cr_assert_eq(fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 2000), 0);
    cr_expect_eq(fc_stop(&farm), 0);
    fc_close(fd);
    cr_assert_eq(fc_start(&farm, FC_FLEET, NULL), 0); /* for teardown */
}
