/* What real clients decode from camfarm: ffprobe reads codec, resolution
 * and frame rate of healthy cameras over RTSP/TCP (and UDP), and ffmpeg's
 * own detectors see the video faults (black, frozen, low fps, resolution,
 * blur). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "farmclient.h"

static struct fc_farm farm;
static char out[65536];

static void setup(void)
{
    int rc = fc_start(&farm, FC_FLEET, NULL);
    cr_assert_eq(rc, 0, "camfarm did not report ready: %s", strerror(-rc));
}

static void teardown(void)
{
    cr_expect_eq(fc_stop(&farm), 0, "camfarm did not exit 0 on SIGTERM");
}

TestSuite(video, .init = setup, .fini = teardown, .timeout = 60);

/* ffprobe's view of camera #n: "codec_name=...|width=...|height=...|r_frame_rate=...". */
static const char *probe(int n, const char *transport)
{
    char url[256];
    fc_url_auth(&farm, n, url, sizeof(url));
    const char *argv[] = {"ffprobe",
                          "-v",
                          "error",
                          "-rtsp_transport",
                          transport,
                          "-timeout",
                          "5000000",
                          "-select_streams",
                          "v:0",
                          "-show_entries",
                          "stream=codec_name,width,height,r_frame_rate",
                          "-of",
                          "compact=p=0",
                          url,
                          NULL};
    int rc = fc_run(argv, out, sizeof(out), 20000);
    cr_assert_eq(rc, 0, "ffprobe %s exited %d: %s", url, rc, out);
    out[strcspn(out, "\n")] = 0;
    return out;
}

/* Runs ffmpeg on camera #n for `secs` seconds through `filter`; returns its log. */
static const char *analyse(int n, const char *filter, const char *secs)
{
    char url[256];
    fc_url_auth(&farm, n, url, sizeof(url));
    const char *argv[] = {"ffmpeg",   "-hide_banner",
                          "-nostdin", "-loglevel",
                          "info",     "-rtsp_transport",
                          "tcp",      "-timeout",
                          "5000000",  "-i",
                          url,        "-t",
                          secs,       "-an",
                          "-vf",      filter,
                          "-f",       "null",
                          "-",        NULL};
    int rc = fc_run(argv, out, sizeof(out), 30000);
    cr_assert_eq(rc, 0, "ffmpeg on %s exited %d: %s", url, rc, out);
    return out;
}

Test(video, ffprobe_reads_h264_camera_over_tcp)
{
    cr_expect_str_eq(probe(1, "tcp"), "codec_name=h264|width=640|height=360|r_frame_rate=25/1");
}

Test(video, ffprobe_reads_h265_camera_over_tcp)
{
    cr_expect_str_eq(probe(2, "tcp"), "codec_name=hevc|width=640|height=360|r_frame_rate=25/1");
}

Test(video, ffprobe_reads_dahua_camera_with_query_path)
{
    cr_expect_str_eq(probe(3, "tcp"), "codec_name=h264|width=640|height=360|r_frame_rate=25/1");
}

Test(video, ffprobe_reads_camera_over_udp_when_offered)
{
    cr_expect_str_eq(probe(43, "udp"), "codec_name=h264|width=640|height=360|r_frame_rate=25/1");
}

Test(video, low_fps_camera_runs_at_5_fps)
{
    cr_expect_str_eq(probe(38, "tcp"), "codec_name=h264|width=640|height=360|r_frame_rate=5/1");
}

Test(video, resolution_camera_sends_cif)
{
    cr_expect_str_eq(probe(40, "tcp"), "codec_name=h264|width=352|height=288|r_frame_rate=25/1");
}

/* Field sizes: a 1080p camera streams 1080p, and its low frame rate fault
 * keeps the size (camdex must see low_fps, not a resolution mismatch). */
Test(video, field_size_camera_keeps_its_size_when_its_rate_drops)
{
    char reply[256];
    cr_assert_eq(fc_control(&farm, "mode #54 ok clip=fhd", reply, sizeof(reply)), 0);
    cr_assert_str_eq(reply, "ok");
    cr_expect_str_eq(probe(54, "tcp"), "codec_name=h264|width=1920|height=1080|r_frame_rate=25/1");
    cr_assert_eq(fc_control(&farm, "mode #54 low_fps", reply, sizeof(reply)), 0);
    cr_assert_str_eq(reply, "ok");
    cr_expect_str_eq(probe(54, "tcp"), "codec_name=h264|width=1920|height=1080|r_frame_rate=5/1");
}

Test(video, black_camera_is_black_and_healthy_one_is_not)
{
    cr_expect(strstr(analyse(35, "blackdetect=d=0.5", "1.5"), "black_start:") != NULL, "%s", out);
    cr_expect(strstr(analyse(1, "blackdetect=d=0.5", "1.5"), "black_start:") == NULL, "%s", out);
}

Test(video, frozen_camera_is_frozen_and_healthy_one_is_not)
{
    cr_expect(strstr(analyse(37, "freezedetect=d=1", "2"), "freeze_start") != NULL, "%s", out);
    cr_expect(strstr(analyse(1, "freezedetect=d=1", "2"), "freeze_start") == NULL, "%s", out);
}

/* Mean of "lavfi.blur=" values that metadata=print logs. */
static double mean_blur(const char *log)
{
    double sum = 0;
    int n = 0;
    for (const char *p = strstr(log, "lavfi.blur="); p; p = strstr(p + 1, "lavfi.blur=")) {
        sum += strtod(p + 11, NULL);
        n++;
    }
    cr_assert_gt(n, 0, "no blur values in: %s", log);
    return sum / n;
}

Test(video, blurred_camera_measures_blurrier_than_healthy)
{
    double blurred = mean_blur(analyse(47, "blurdetect,metadata=print", "0.6"));
    double sharp = mean_blur(analyse(1, "blurdetect,metadata=print", "0.6"));
    cr_expect_gt(blurred, sharp * 1.5, "blur %f vs healthy %f", blurred, sharp);
}

/* Variance of the 4-neighbour Laplacian over one decoded frame of camera #n:
 * picture noise is high-frequency energy, so a noisy camera measures far
 * above a clean one of the same scene (which ffmpeg's own detectors do not
 * separate: the encoder smooths the noise out of their statistics). */
static double laplacian_variance(int n)
{
    char url[256], path[512];
    fc_url_auth(&farm, n, url, sizeof(url));
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/camfarm-frame-%d-%d.gray", tmp && *tmp ? tmp : "/tmp",
             (int)getpid(), n);
    const char *argv[] = {"ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
                          "-rtsp_transport", "tcp", "-timeout", "5000000", "-i", url,
                          "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-y", path,
                          NULL};
    int rc = fc_run(argv, out, sizeof(out), 30000);
    cr_assert_eq(rc, 0, "ffmpeg on %s exited %d: %s", url, rc, out);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static unsigned char px[640 * 360];
    size_t got = fread(px, 1, sizeof(px), f);
    fclose(f);
    unlink(path);
    cr_assert_eq(got, sizeof(px), "expected one 640x360 frame, got %zu bytes", got);
    double sum = 0, sq = 0;
    size_t count = 0;
    for (int y = 1; y < 359; y++) {
        for (int x = 1; x < 639; x++) {
            const unsigned char *p = px + y * 640 + x;
            double v = 4.0 * p[0] - p[-1] - p[1] - p[-640] - p[640];
            sum += v;
            sq += v * v;
            count++;
        }
    }
    double mean = sum / (double)count;
    return sq / (double)count - mean * mean;
}

Test(video, noisy_camera_carries_far_more_fine_grain_than_healthy)
{
    double noisy = laplacian_variance(49);
    double clean = laplacian_variance(1);
    cr_expect_gt(noisy, clean * 1.8, "noise energy %f vs healthy %f", noisy, clean);
}
