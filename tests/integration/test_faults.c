/* Every camfarm fault seen through `camdex probe`: each must map to the
 * state and reason a camera broken that way deserves, within its deadline.
 * One table; tier 1 at depth play (the deepest handshake), the deep probe
 * for the picture faults, and the deep probe again for the RTSP statuses,
 * which must come out as tier 1 says them. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>

#include "farm.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS 60

/* Arrays, not pointers: Criterion runs each case in a fresh process, where
 * the parent's pointers mean nothing. */
struct fault_case {
    char mode[24];   /* camfarm mode and argument */
    char depth[12];  /* camdex probe --depth */
    char state[12];  /* expected */
    char reason[24]; /* expected; "" for online */
    bool dahua;      /* on a Dahua-style camera (else the first, Hikvision-style) */
};

static const struct fault_case cases[] = {
    {"ok", "play", "online", "", false},
    {"refused", "describe", "offline", "connect_reset", false},
    {"blackhole", "describe", "offline", "rtsp_timeout", false},
    {"silent", "describe", "offline", "rtsp_timeout", false},
    {"syn_drop", "describe", "offline", "connect_timeout", false},
    {"stall_describe", "play", "offline", "rtsp_timeout", false},
    {"no_rtp", "play", "offline", "no_media", false},
    {"bad_auth", "describe", "offline", "auth_failed", false},
    {"not_found", "describe", "offline", "not_found", false},
    {"error_500", "describe", "offline", "server_error", false},
    {"error_503", "describe", "offline", "server_error", false},
    {"session_limit", "play", "offline", "session_limit", false},
    {"session_limit", "play", "offline", "session_limit", true},
    {"redirect_loop", "describe", "offline", "redirect_loop", false},
    {"garbage", "describe", "offline", "protocol_error", false},
    {"big_headers 64", "describe", "offline", "protocol_error", false},
    {"slowloris", "describe", "offline", "rtsp_timeout", false},
    {"bad_sdp", "describe", "offline", "protocol_error", false},
    {"truncated_sdp", "describe", "offline", "no_media", false},
    {"bad_length", "describe", "offline", "rtsp_timeout", false},
    {"early_rtp", "play", "online", "", false},
    {"options_first", "describe", "online", "", false},
    {"ok", "deep", "online", "", false},
    {"black", "deep", "degraded", "black", false},
    {"frozen", "deep", "degraded", "frozen", false},
    {"noisy", "deep", "degraded", "noisy", false},
    {"blurred", "deep", "degraded", "blurred", false},
    {"resolution", "play", "online", "", false},
    /* libav reports these statuses as generic errors: the deep probe reads
     * them from its log line (453 is "4XX", Dahua's limit a plain 403). */
    {"session_limit", "deep", "offline", "session_limit", false},
    {"session_limit", "deep", "offline", "session_limit", true},
    {"bad_auth", "deep", "offline", "auth_failed", false},
    {"not_found", "deep", "offline", "not_found", false},
    {"error_500", "deep", "offline", "server_error", false},
    {"error_503", "deep", "offline", "server_error", false},
};

static char *tmp;
static char fleet[4200];
static int rtsp_port, control_port;
static struct proc farm;

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    rtsp_port = procs_free_port();
    control_port = procs_free_port();
    farm_generate(fleet, CAMERAS, 5, rtsp_port);
    farm_start(&farm, fleet, rtsp_port, control_port,
               (const char *const[]){"--idle-timeout", "20000", NULL});
}

static void teardown(void)
{
    proc_stop(&farm, SIGTERM, 10000);
    testutil_rmdir(tmp);
}

/* The i-th RTSP URL of the fleet (with its credentials: camfarm checks
 * them), or with `dahua` the first Dahua-style one; returns camfarm's
 * number of that camera (1-based among the fleet's rows: camfarm serves
 * the HLS, HTTP-FLV and RTMP rows too). */
static int rtsp_url_of(int i, bool dahua, char *url, size_t n)
{
    FILE *f = fopen(fleet, "r");
    char line[4096];
    int num = 0;
    url[0] = 0;
    bool header = true;
    while (fgets(line, sizeof(line), f)) {
        char *u = strstr(line, ",rtsp://");
        num += !header;
        header = false;
        if (!u)
            continue;
        u++;
        size_t len = strcspn(u, ",\r\n");
        bool is_dahua = memmem(u, len, "/cam/realmonitor", 16) != NULL;
        if (dahua ? !is_dahua : i-- > 0)
            continue;
        snprintf(url, n, "%.*s", (int)len, u);
        break;
    }
    fclose(f);
    cr_assert(url[0], "not enough RTSP cameras in the fleet");
    return num;
}

/* The i-th RTSP URL; returns camfarm's number of that camera. */
static int rtsp_url(int i, char *url, size_t n)
{
    return rtsp_url_of(i, false, url, n);
}

ParameterizedTestParameters(faults, each_fault_maps_to_its_reason)
{
    return cr_make_param_array(struct fault_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(const struct fault_case *fc, faults, each_fault_maps_to_its_reason,
                  .init = setup, .fini = teardown, .timeout = 120)
{
    char url[2048], reply[512], cmd[2200];
    int num = rtsp_url_of(0, fc->dahua, url, sizeof(url));
    const char *at = strrchr(url, '@');
    /* "#N" names camfarm's N-th camera: the N-th row of the fleet. */
    snprintf(cmd, sizeof(cmd), "mode #%d %s", num, fc->mode);
    farm_control(control_port, cmd, reply, sizeof(reply));
    cr_assert(strncmp(reply, "ok", 2) == 0, "%s: %s", cmd, reply);

    /* Failure messages name the case: mode, depth and vendor. */
    char name[64];
    snprintf(name, sizeof(name), "%s (%s%s)", fc->mode, fc->depth, fc->dahua ? ", dahua" : "");
    char depth[12];
    snprintf(depth, sizeof(depth), "%s", fc->depth);
    /* One bound, far from both alternatives it rules out: a verdict the
     * deadline decides gets a short one (the deep probe looks at a second
     * keyframe a second after the first: 3 s), so the bound rules out a
     * hang; every other verdict a 20 s one, so the bound rules out waiting
     * for it. */
    bool timed = strstr(fc->reason, "timeout") || strcmp(fc->mode, "no_rtp") == 0;
    const char *timeout = !timed ? "20s" : strcmp(depth, "deep") == 0 ? "3s" : "1s";
    const uint64_t bound_ms = 10000;
    char *argv[] = {CAMDEX_BIN, "probe", url,         "--depth", depth, "--timeout",
                    (char *)timeout,     "--format",  "json",    NULL};
    uint64_t t0 = procs_now_ms();
    struct run r = runv(argv);
    uint64_t took = procs_now_ms() - t0;
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "%s: no JSON: %s %s", name, r.out, r.err);
    const char *state = json_string_value(json_object_get(o, "state"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    cr_expect_str_eq(state, fc->state, "%s: state %s (%s)", name, state,
                     json_string_value(json_object_get(o, "detail")));
    cr_expect_str_eq(reason, fc->reason, "%s: reason %s (%s)", name, reason,
                     json_string_value(json_object_get(o, "detail")));
    cr_expect_leq(took, bound_ms, "%s: verdict after %llu ms (deadline %s)", name,
                  (unsigned long long)took, timeout);
    int want_rc = strcmp(fc->state, "online") == 0 ? 0 : strcmp(fc->state, "degraded") == 0 ? 3
                                                                                            : 4;
    cr_expect_eq(r.rc, want_rc, "%s: exit %d", name, r.rc);
    const char *pw = strchr(url + 7, ':');
    if (pw && at) {
        char secret[128];
        snprintf(secret, sizeof(secret), "%.*s", (int)(at - pw - 1), pw + 1);
        cr_expect(!secret[0] || !strstr(r.out, secret), "%s: password in the output",
                  name);
    }
    json_decref(o);
    run_free(&r);
}

/* A camera that answers every phase just in time (slowloris dribbles a
 * byte a second) is cut off by the total deadline, not the phases'. */
Test(faults, slowloris_ends_at_the_total_deadline, .init = setup, .fini = teardown,
     .timeout = 60)
{
    char url[2048], reply[512], cmd[64];
    snprintf(cmd, sizeof(cmd), "mode #%d slowloris", rtsp_url(0, url, sizeof(url)));
    farm_control(control_port, cmd, reply, sizeof(reply));
    cr_assert(strncmp(reply, "ok", 2) == 0, "%s", reply);
    char *argv[] = {CAMDEX_BIN,   "probe",           url,       "--depth", "describe",
                    "--timeout",  "10s",             "--total-timeout", "1500ms",
                    "--format",   "json",            NULL};
    uint64_t t0 = procs_now_ms();
    struct run r = runv(argv);
    uint64_t took = procs_now_ms() - t0;
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "no JSON: %s %s", r.out, r.err);
    const char *reason = json_string_value(json_object_get(o, "reason"));
    const char *detail = json_string_value(json_object_get(o, "detail"));
    cr_expect_str_eq(reason, "rtsp_timeout", "reason %s (%s)", reason, detail);
    cr_expect(detail && strstr(detail, "1500 ms (the probe's total)"), "detail: %s", detail);
    cr_expect_geq(took, 1500, "verdict after %llu ms", (unsigned long long)took);
    cr_expect_lt(took, 5000, "verdict after %llu ms: the phase deadline (10 s) decided",
                 (unsigned long long)took);
    cr_expect_eq(r.rc, 4);
    json_decref(o);
    run_free(&r);
}

/* Size of a file, -1 when it does not exist. */
static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

/* --thumbnail writes what the camera shows as a JPEG that ffprobe reads at
 * 320x180 (the 1280x720 clip scaled down); a camera with no picture leaves
 * no file. */
/* `camdex probe --config` judges with the file's [quality] limits, as the
 * service started with it does: a sharpness limit no picture reaches makes
 * the same healthy camera blurred. A broken file probes nothing. */
Test(faults, probe_judges_with_the_quality_limits_of_its_config, .init = setup, .fini = teardown,
     .timeout = 120)
{
    char url[2048], ini[4300], bad[4300];
    rtsp_url(0, url, sizeof(url));
    snprintf(ini, sizeof(ini), "%s/strict.ini", tmp);
    snprintf(bad, sizeof(bad), "%s/bad.ini", tmp);
    FILE *f = fopen(ini, "w");
    cr_assert_not_null(f);
    fputs("[quality]\nblur_sharpness = 1000\n", f);
    fclose(f);
    f = fopen(bad, "w");
    cr_assert_not_null(f);
    fputs("[quality]\nblur_sharpness = sharp\n", f);
    fclose(f);

    char *plain[] = {CAMDEX_BIN, "probe", url, "--depth", "deep", "--timeout", "20s",
                     "--format", "json", NULL};
    struct run r = runv(plain);
    cr_assert_eq(r.rc, 0, "exit %d: %s %s", r.rc, r.out, r.err);
    run_free(&r);

    char *strict[] = {CAMDEX_BIN, "probe", url, "--depth", "deep", "--timeout", "20s",
                      "--format", "json", "--config", ini, NULL};
    r = runv(strict);
    cr_assert_eq(r.rc, 3, "exit %d: %s %s", r.rc, r.out, r.err);
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "%s", r.out);
    cr_expect_str_eq(json_string_value(json_object_get(o, "reason")), "blurred", "%s", r.out);
    cr_expect(strstr(r.out, "limit 1000"), "the detail gives the limit: %s", r.out);
    json_decref(o);
    run_free(&r);

    char *broken[] = {CAMDEX_BIN, "probe", url, "--config", bad, NULL};
    r = runv(broken);
    cr_expect_eq(r.rc, 1, "exit %d: %s %s", r.rc, r.out, r.err);
    cr_expect(strstr(r.err, "bad.ini") && strstr(r.err, "nothing was probed"), "%s", r.err);
    cr_expect(strstr(r.err, "blur_sharpness"), "the error names the key: %s", r.err);
    cr_expect_eq(r.out[0], 0, "%s", r.out);
    run_free(&r);
}

Test(faults, thumbnail_is_written_when_there_is_a_picture, .init = setup, .fini = teardown,
     .timeout = 60)
{
    char url[2048], jpeg[4300];
    int num = rtsp_url(0, url, sizeof(url));
    snprintf(jpeg, sizeof(jpeg), "%s/cam.jpg", tmp);
    char *argv[] = {CAMDEX_BIN, "probe", url, "--thumbnail", jpeg, "--timeout", "3s",
                    "--format", "json", NULL};
    struct run r = runv(argv);
    cr_assert_eq(r.rc, 0, "exit %d: %s %s", r.rc, r.out, r.err);
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "%s", r.out);
    long size = file_size(jpeg);
    cr_assert_gt(size, 1000, "thumbnail of %ld bytes", size);
    cr_expect_lt(size, 64 * 1024);
    cr_expect_eq(json_integer_value(json_object_get(json_object_get(o, "thumbnail"), "bytes")),
                 size, "%s", r.out);
    json_decref(o);
    run_free(&r);
    char *ff[] = {"/usr/bin/ffprobe", "-v", "error", "-show_entries",
                  "stream=codec_name,width,height", "-of", "csv=p=0", jpeg, NULL};
    r = runv(ff);
    cr_expect_eq(r.rc, 0, "ffprobe: %s", r.err);
    cr_expect(strstr(r.out, "mjpeg,320,180") != NULL, "ffprobe reads: %s", r.out);
    run_free(&r);

    /* A camera that refuses: offline, no picture, no file. */
    char reply[512], none[4300], cmd[64];
    snprintf(cmd, sizeof(cmd), "mode #%d refused", num);
    farm_control(control_port, cmd, reply, sizeof(reply));
    cr_assert(strncmp(reply, "ok", 2) == 0, "%s", reply);
    snprintf(none, sizeof(none), "%s/none.jpg", tmp);
    char *argv2[] = {CAMDEX_BIN, "probe", url, "--thumbnail", none, "--timeout", "2s", NULL};
    r = runv(argv2);
    cr_expect_eq(r.rc, 4, "exit %d: %s %s", r.rc, r.out, r.err);
    cr_expect(strstr(r.out, "none (no picture was decoded)") != NULL, "%s", r.out);
    cr_expect_eq(file_size(none), -1);
    run_free(&r);

    /* A directory that does not exist: a clear error and exit 1. */
    char *argv3[] = {CAMDEX_BIN, "probe", url, "--thumbnail", "/nonexistent/dir/x.jpg",
                     "--timeout", "2s", NULL};
    snprintf(cmd, sizeof(cmd), "mode #%d ok", num);
    farm_control(control_port, cmd, reply, sizeof(reply));
    r = runv(argv3);
    cr_expect_eq(r.rc, 1, "exit %d: %s %s", r.rc, r.out, r.err);
    cr_expect(strstr(r.err, "cannot write /nonexistent/dir/x.jpg") != NULL, "%s", r.err);
    run_free(&r);
}
