/* Each camfarm fault behaves as named, seen from a client on loopback. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

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

TestSuite(faults, .init = setup, .fini = teardown, .timeout = 30);

static int cam_connect(int n)
{
    int fd = fc_connect(fc_ip(n), farm.rtsp_port, 2000);
    cr_assert_geq(fd, 0, "connect to camera #%d: %s", n, strerror(-fd));
    return fd;
}

static int options(int n, int fd, int deadline_ms)
{
    char u[256];
    fc_url(&farm, n, u, sizeof(u));
    int rc = fc_request(fd, "OPTIONS", u, 1, NULL, NULL, NULL, NULL);
    if (rc)
        /* A camera that resets at once may do so before the request is
         * written: then the write is what finds the reset. */
        return rc == -EPIPE ? -ECONNRESET : rc;
    return fc_read_reply(fd, &rep, deadline_ms);
}

/* DESCRIBE with the inventory's credentials; returns the reply status or
 * a negative errno, the reply in rep. */
static int describe(int n, int fd, int deadline_ms)
{
    char u[256];
    fc_url(&farm, n, u, sizeof(u));
    fc_request(fd, "DESCRIBE", u, 1, NULL, NULL, NULL, NULL);
    int rc = fc_read_reply(fd, &ch, deadline_ms);
    if (rc < 0)
        return rc;
    if (ch.status != 401)
        return ch.status;
    fc_request(fd, "DESCRIBE", u, 2, NULL, "admin", fc_password(n), &ch);
    rc = fc_read_reply(fd, &rep, deadline_ms);
    return rc < 0 ? rc : rep.status;
}

Test(faults, refused_resets_the_connection)
{
    int fd = fc_connect(fc_ip(5), farm.rtsp_port, 2000);
    int rc = fd;
    if (fd >= 0) {
        /* The reset may come before the request is written: then the
         * write is what finds it. */
        char u[256];
        fc_url(&farm, 5, u, sizeof(u));
        rc = fc_request(fd, "OPTIONS", u, 1, NULL, NULL, NULL, NULL);
        if (rc == 0)
            rc = fc_read_reply(fd, &rep, 2000);
        if (rc == -EPIPE)
            rc = -ECONNRESET;
    }
    cr_expect_eq(rc, -ECONNRESET, "got %s", strerror(-rc));
    if (fd >= 0)
        fc_close(fd);
}

Test(faults, blackhole_never_answers)
{
    int fd = cam_connect(6);
    cr_expect_eq(options(6, fd, 800), -ETIMEDOUT);
    fc_close(fd);
}

Test(faults, syn_drop_makes_connect_time_out_until_mode_changes)
{
    char out[256];
    int fd = fc_connect(fc_ip(53), farm.rtsp_port, 800);
    cr_expect_eq(fd, -ETIMEDOUT, "connect: %s", strerror(fd < 0 ? -fd : 0));
    if (fd >= 0)
        fc_close(fd);
    cr_assert_eq(fc_control(&farm, "mode #53 ok", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "ok");
    fd = cam_connect(53);
    cr_assert_eq(options(53, fd, 2000), 0);
    cr_expect_eq(rep.status, 200);
    fc_close(fd);
    cr_assert_eq(fc_control(&farm, "mode #53 syn_drop", out, sizeof(out)), 0);
    cr_expect_str_eq(out, "ok");
    fd = fc_connect(fc_ip(53), farm.rtsp_port, 800);
    cr_expect_eq(fd, -ETIMEDOUT);
    if (fd >= 0)
        fc_close(fd);
}

Test(faults, silent_reads_but_never_answers)
{
    int fd = cam_connect(7);
    cr_expect_eq(options(7, fd, 800), -ETIMEDOUT);
    char out[1024];
    cr_assert_eq(fc_control(&farm, "stats #7", out, sizeof(out)), 0);
    cr_expect(strstr(out, "\"connections\":1") != NULL, "%s", out);
    fc_close(fd);
}

Test(faults, slow_delays_each_reply_by_its_argument)
{
    int fd = cam_connect(8);
    uint64_t t0 = fc_now_ms();
    cr_assert_eq(options(8, fd, 3000), 0);
    uint64_t took = fc_now_ms() - t0;
    cr_expect_eq(rep.status, 200);
    cr_expect(took >= 650 && took < 2500, "reply after %llu ms", (unsigned long long)took);
    fc_close(fd);
}

Test(faults, slow_camera_streams_and_resumes_after_a_held_keepalive)
{
    char s[64], u[256], extra[128];
    uint8_t pkt[2048];
    size_t len;
    int cseq = 1, chn, fd = cam_connect(8);
    cr_assert_eq(fc_play(&farm, 8, fd, s, sizeof(s), &cseq), 0);
    cr_assert_eq(fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 2000), 0);
    fc_url(&farm, 8, u, sizeof(u));
    snprintf(extra, sizeof(extra), "Session: %s\r\n", s);
    fc_request(fd, "GET_PARAMETER", u, cseq++, extra, NULL, NULL, NULL);
    cr_assert_eq(fc_read_reply(fd, &ch, 3000), 0); /* skips RTP before it */
    cr_assert_eq(ch.status, 401);
    /* Media flows again once the held reply has gone. */
    cr_assert_eq(fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 3000), 0);
    fc_close(fd);
}

Test(faults, stall_after_describe)
{
    char u[256], t[300];
    int fd = cam_connect(9);
    cr_assert_eq(describe(9, fd, 2000), 200);
    fc_url(&farm, 9, u, sizeof(u));
    snprintf(t, sizeof(t), "%s/trackID=1", u);
    fc_request(fd, "SETUP", t, 3, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", "admin",
               fc_password(9), &ch);
    cr_expect_eq(fc_read_reply(fd, &rep, 1000), -ETIMEDOUT);
    fc_close(fd);
}

Test(faults, no_rtp_after_play)
{
    char s[64];
    uint8_t pkt[2048];
    size_t len;
    int cseq = 1, chn, fd = cam_connect(10);
    cr_assert_eq(fc_play(&farm, 10, fd, s, sizeof(s), &cseq), 0);
    cr_expect_eq(fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 1000), -ETIMEDOUT);
    fc_close(fd);
}

Test(faults, rtp_stops_after_its_argument_in_seconds)
{
    char s[64];
    uint8_t pkt[2048];
    size_t len;
    int cseq = 1, chn, fd = cam_connect(11), frames = 0, rc;
    cr_assert_eq(fc_play(&farm, 11, fd, s, sizeof(s), &cseq), 0);
    uint64_t t0 = fc_now_ms(), last = t0;
    while ((rc = fc_read_frame(fd, &chn, pkt, sizeof(pkt), &len, 700)) == 0) {
        frames++;
        last = fc_now_ms();
        cr_assert_lt(last - t0, 5000, "media should have stopped");
    }
    cr_expect_eq(rc, -ETIMEDOUT);
    cr_expect_gt(frames, 20);
    cr_expect(last - t0 >= 800 && last - t0 <= 1600, "last packet after %llu ms",
              (unsigned long long)(last - t0));
    fc_close(fd);
}

Test(faults, bad_auth_rejects_the_inventory_password)
{
    int fd = cam_connect(13);
    cr_expect_eq(describe(13, fd, 2000), 401);
    fc_close(fd);
}

Test(faults, not_found_is_404)
{
    int fd = cam_connect(14);
    cr_expect_eq(describe(14, fd, 2000), 404);
    fc_close(fd);
}

Test(faults, error_500_and_503)
{
    int fd = cam_connect(16);
    cr_expect_eq(describe(16, fd, 2000), 500);
    fc_close(fd);
    fd = cam_connect(17);
    cr_expect_eq(describe(17, fd, 2000), 503);
    fc_close(fd);
}

Test(faults, session_limit_453_on_hikvision_403_wording_on_dahua)
{
    char s[64], v[128];
    int cseq = 1, fd = cam_connect(19);
    cr_expect_eq(fc_play(&farm, 19, fd, s, sizeof(s), &cseq), 453);
    fc_close(fd);
    fd = cam_connect(18);
    cr_expect_eq(describe(18, fd, 2000), 200);
    char u[256], t[300];
    fc_url(&farm, 18, u, sizeof(u));
    snprintf(t, sizeof(t), "%s/trackID=1", u);
    fc_request(fd, "SETUP", t, 3, "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n", "admin",
               fc_password(18), &ch);
    cr_assert_eq(fc_read_reply(fd, &rep, 2000), 0);
    cr_expect_eq(rep.status, 403);
    cr_expect(strstr(rep.body, "upper limit") != NULL, "body: %s", rep.body);
    cr_assert_eq(fc_header(&rep, "Server", v, sizeof(v)), 0);
    cr_expect_str_eq(v, "Rtsp Server/3.0");
    fc_close(fd);
}

Test(faults, redirect_points_at_another_camera)
{
    char v[256], want[256];
    int fd = cam_connect(20);
    cr_expect_eq(describe(20, fd, 2000), 302);
    cr_assert_eq(fc_header(&rep, "Location", v, sizeof(v)), 0);
    snprintf(want, sizeof(want), "rtsp://127.1.0.1:%u/Streaming/Channels/101", farm.rtsp_port);
    cr_expect_str_eq(v, want);
    fc_close(fd);
}

Test(faults, redirect_loop_points_at_itself)
{
    char v[256], want[256];
    int fd = cam_connect(22);
    cr_expect_eq(describe(22, fd, 2000), 302);
    cr_assert_eq(fc_header(&rep, "Location", v, sizeof(v)), 0);
    snprintf(want, sizeof(want), "rtsp://127.1.0.22:%u/Streaming/Channels/101", farm.rtsp_port);
    cr_expect_str_eq(v, want);
    fc_close(fd);
}

Test(faults, flap_alternates_between_up_and_refused)
{
    int up = 0, down = 0;
    /* Bounded by the suite's timeout, not by a guess at the speed: the
     * loop ends as soon as both halves of the period were seen. */
    uint64_t deadline = fc_now_ms() + 20000;
    while ((!up || !down) && fc_now_ms() < deadline) {
        int fd = fc_connect(fc_ip(23), farm.rtsp_port, 1000);
        int rc = fd < 0 ? fd : options(23, fd, 3000);
        if (rc == 0 && rep.status == 200)
            up++;
        else if (rc == -ECONNRESET)
            down++;
        else
            cr_expect_fail("flap: unexpected %s", strerror(-rc));
        if (fd >= 0)
            fc_close(fd);
        poll(NULL, 0, 100); /* paces attempts; the schedule's period is 1 s */
    }
    cr_expect(up && down, "up %d, down %d", up, down);
}

Test(faults, garbage_instead_of_rtsp)
{
    int fd = cam_connect(25);
    cr_expect_eq(options(25, fd, 2000), -EBADMSG);
    cr_expect_eq((unsigned char)rep.head[0], 0x16, "TLS-like first byte");
    fc_close(fd);
}

Test(faults, big_headers_send_a_64k_head)
{
    int fd = cam_connect(26);
    cr_assert_eq(options(26, fd, 3000), 0);
    cr_expect_eq(rep.status, 200);
    cr_expect_gt(rep.head_len, 60000, "head of %zu bytes", rep.head_len);
    fc_close(fd);
}

Test(faults, slowloris_sends_one_byte_per_second)
{
    int fd = cam_connect(28);
    cr_expect_eq(options(28, fd, 1500), -ETIMEDOUT);
    size_t got = fc_pending(fd);
    cr_expect(got >= 1 && got <= 3, "%zu bytes in 1.5 s", got);
    fc_close(fd);
}

Test(faults, bad_sdp_is_not_sdp)
{
    int fd = cam_connect(29);
    cr_assert_eq(describe(29, fd, 2000), 200);
    cr_expect(strncmp(rep.body, "v=0\r\n", 5) != 0, "body: %s", rep.body);
    cr_expect(strstr(rep.body, "m=video 0 RTP/AVP 96") == NULL);
    fc_close(fd);
}

Test(faults, truncated_sdp_ends_inside_the_media_section)
{
    int fd = cam_connect(31);
    cr_assert_eq(describe(31, fd, 2000), 200);
    cr_expect_eq(rep.body_len, rep.content_length);
    cr_expect(strstr(rep.body, "m=video") != NULL);
    cr_expect(strstr(rep.body, "a=fmtp") == NULL, "body: %s", rep.body);
    cr_expect_neq(rep.body[rep.body_len - 1], '\n');
    fc_close(fd);
}

Test(faults, bad_length_promises_more_body_than_sent)
{
    int fd = cam_connect(32);
    cr_expect_eq(describe(32, fd, 1500), -ETIMEDOUT);
    cr_expect_gt(rep.content_length, fc_pending(fd));
    fc_close(fd);
}

Test(faults, early_rtp_frame_before_play_reply)
{
    char s[64];
    int cseq = 1, fd = cam_connect(34);
    cr_assert_eq(fc_play(&farm, 34, fd, s, sizeof(s), &cseq), 0);
    cr_expect_gt(fc_play_early_frames, 0);
    fc_close(fd);
}

Test(faults, options_first_refuses_describe_until_options)
{
    char reply[128];
    cr_assert_eq(fc_control(&farm, "mode #3 options_first", reply, sizeof(reply)), 0);
    cr_assert_str_eq(reply, "ok");
    int fd = cam_connect(3);
    cr_expect_eq(describe(3, fd, 2000), 455, "DESCRIBE as the first request");
    fc_close(fd);
    fd = cam_connect(3);
    cr_expect_eq(options(3, fd, 2000), 0);
    cr_expect_eq(rep.status, 200);
    cr_expect_eq(describe(3, fd, 2000), 200, "DESCRIBE after OPTIONS");
    fc_close(fd);
    fc_control(&farm, "mode #3 ok", reply, sizeof(reply));
}
