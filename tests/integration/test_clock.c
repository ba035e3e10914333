/* The camera's clock through `camdex probe --clock` against camfarm's RTCP
 * sender reports: a camera 120 s ahead reads 120 s and is judged
 * clock_skew, an accurate one reads within a second and is fine, and one
 * that sends no report is unknown, never wrong. Then `camdex serve` with
 * clock looks: each is stored and shown by `camdex show`, and a wrong
 * clock leaves the camera online. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>

#include "farm.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS 40

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
    farm_start(&farm, fleet, rtsp_port, control_port, NULL);
}

static void teardown(void)
{
    proc_stop(&farm, SIGTERM, 10000);
    testutil_rmdir(tmp);
}

/* The URL and id of the fleet's n-th RTSP camera (camfarm's #n, from 1). */
static void nth_rtsp(int nth, char *url, size_t n, char *id, size_t idn)
{
    FILE *f = fopen(fleet, "r");
    char line[4096];
    url[0] = 0;
    while (fgets(line, sizeof(line), f)) {
        char *u = strstr(line, ",rtsp://");
        if (u && --nth == 0) {
            snprintf(url, n, "%.*s", (int)strcspn(u + 1, ",\r\n"), u + 1);
            if (id)
                snprintf(id, idn, "%.*s", (int)strcspn(line, ","), line);
            break;
        }
    }
    fclose(f);
    cr_assert(url[0], "not enough RTSP cameras in the fleet");
}

static void first_rtsp_url(char *url, size_t n)
{
    nth_rtsp(1, url, n, NULL, 0);
}

/* Sets camera #1's mode, probes it with --clock and returns the JSON. */
static json_t *probe_clock(const char *mode)
{
    char url[2048], reply[512], cmd[128];
    first_rtsp_url(url, sizeof(url));
    snprintf(cmd, sizeof(cmd), "mode #1 %s", mode);
    farm_control(control_port, cmd, reply, sizeof(reply));
    cr_assert(strncmp(reply, "ok", 2) == 0, "%s: %s", cmd, reply);
    /* camfarm sends its first report a second into the stream: 6 s is far
     * from it, and bounds the wait of a camera that sends none. */
    char *argv[] = {CAMDEX_BIN, "probe", url, "--clock=6s", "--format", "json", NULL};
    struct run r = runv(argv);
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "%s: no JSON: %s %s", mode, r.out, r.err);
    cr_expect_eq(r.rc, 0, "%s: exit %d (%s)", mode, r.rc, r.err);
    cr_expect_str_eq(json_string_value(json_object_get(o, "state")), "online", "%s", mode);
    json_t *k = json_object_get(o, "clock");
    cr_assert(json_is_object(k), "%s: no clock in %s", mode, r.out);
    cr_expect_str_eq(json_string_value(json_object_get(k, "source")), "rtcp");
    run_free(&r);
    return o;
}

Test(clock, camera_120_s_ahead_reads_120_s_and_is_clock_skew, .init = setup, .fini = teardown,
     .timeout = 120)
{
    json_t *o = probe_clock("clock_skew 120");
    json_t *k = json_object_get(o, "clock");
    json_t *off = json_object_get(k, "offset_ms");
    cr_assert(json_is_number(off), "offset_ms is %s", json_dumps(k, 0));
    double ms = json_number_value(off);
    cr_expect(fabs(ms - 120000) <= 1000, "offset %.1f ms, camera 120 s ahead", ms);
    cr_expect_str_eq(json_string_value(json_object_get(k, "verdict")), "clock_skew");
    cr_expect_gt(json_integer_value(json_object_get(k, "samples")), 1);
    json_decref(o);
}

Test(clock, accurate_camera_reads_within_a_second_and_is_fine, .init = setup, .fini = teardown,
     .timeout = 120)
{
    json_t *o = probe_clock("ok");
    json_t *k = json_object_get(o, "clock");
    json_t *off = json_object_get(k, "offset_ms");
    cr_assert(json_is_number(off), "offset_ms is %s", json_dumps(k, 0));
    double ms = json_number_value(off);
    cr_expect(fabs(ms) <= 1000, "offset %.1f ms from a camera on this machine's clock", ms);
    cr_expect_str_eq(json_string_value(json_object_get(k, "verdict")), "ok");
    json_decref(o);
}

Test(clock, camera_without_sender_reports_is_unknown, .init = setup, .fini = teardown,
     .timeout = 120)
{
    uint64_t t0 = procs_now_ms();
    json_t *o = probe_clock("no_sr");
    uint64_t took = procs_now_ms() - t0;
    json_t *k = json_object_get(o, "clock");
    cr_expect(json_is_null(json_object_get(k, "offset_ms")), "%s", json_dumps(k, 0));
    cr_expect_str_eq(json_string_value(json_object_get(k, "status")), "no_sender_report");
    cr_expect_str_eq(json_string_value(json_object_get(k, "verdict")), "unknown");
    /* The wait ends at its bound (6 s after the keyframe), not later. */
    cr_expect_geq(took, 6000, "took %llu ms", (unsigned long long)took);
    cr_expect_lt(took, 30000, "took %llu ms", (unsigned long long)took);
    json_decref(o);
}

/* ---- the service ---- */

static struct proc serve;
static char db[4200];

static void serve_setup(void)
{
    setup();
    snprintf(db, sizeof(db), "%s/index", tmp);
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", fleet, NULL};
    run_ok(imp);
    char reply[512];
    farm_control(control_port, "mode #1 clock_skew 120", reply, sizeof(reply));
    cr_assert(strncmp(reply, "ok", 2) == 0, "%s", reply);
    farm_control(control_port, "mode #2 no_sr", reply, sizeof(reply));
    cr_assert(strncmp(reply, "ok", 2) == 0, "%s", reply);
    /* A clock look at each camera within 2 s of its coming online, then
     * every 2 s: the test need not wait a day. */
    char *argv[] = {CAMDEX_BIN,
                    "--db",
                    db,
                    "serve",
                    "--interval",
                    "1s",
                    "--set",
                    "quality.clock_interval=2s",
                    "--set",
                    "quality.clock_wait=3s",
                    "--set",
                    "writer.commit_interval=50ms",
                    "--set",
                    "http.listen=",
                    "--log-level",
                    "debug",
                    NULL};
    proc_start(&serve, 2, argv);
}

static void serve_teardown(void)
{
    int rc = serve.pid > 0 ? proc_stop(&serve, SIGTERM, 15000) : 0;
    teardown();
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

/* `camdex show ID --format json` once the camera's clock look is stored:
 * after each "clock look" line of the camera, until the record is there. */
static json_t *show_after_clock_look(const char *id)
{
    for (int i = 0; i < 10; i++) {
        cr_assert(proc_wait_line(&serve, 30000, "msg=\"clock look\"", id, NULL),
                  "no clock look at %s: %s", id, serve.last);
        char *argv[] = {CAMDEX_BIN, "--db", db, "show", (char *)id, "--format", "json", NULL};
        struct run r = runv(argv);
        json_t *o = json_loads(r.out, 0, NULL);
        cr_assert_not_null(o, "show: %s %s", r.out, r.err);
        run_free(&r);
        const char *st = json_string_value(json_object_get(json_object_get(o, "clock"), "status"));
        if (st && strcmp(st, "never") != 0)
            return o;
        json_decref(o);
    }
    cr_assert_fail("the clock look at %s was never stored", id);
    return NULL;
}

Test(clock_serve, looks_are_stored_and_shown_and_a_wrong_clock_leaves_the_camera_online,
     .init = serve_setup, .fini = serve_teardown, .timeout = 180)
{
    char url[2048], skewed[32], silent[32], fine[32];
    nth_rtsp(1, url, sizeof(url), skewed, sizeof(skewed));
    nth_rtsp(2, url, sizeof(url), silent, sizeof(silent));
    nth_rtsp(3, url, sizeof(url), fine, sizeof(fine));

    json_t *o = show_after_clock_look(skewed);
    json_t *k = json_object_get(o, "clock");
    cr_expect_str_eq(json_string_value(json_object_get(k, "status")), "measured");
    double ms = (double)json_integer_value(json_object_get(k, "offset_ms"));
    cr_expect(fabs(ms - 120000) <= 1000, "offset %.0f ms", ms);
    cr_expect_str_eq(json_string_value(json_object_get(k, "verdict")), "clock_skew");
    cr_expect_str_eq(json_string_value(json_object_get(k, "source")), "rtcp");
    cr_expect_eq(json_integer_value(json_object_get(k, "tolerance_ms")), 10000);
    /* A clock is not a picture: the camera stays online, without a reason. */
    cr_expect_str_eq(json_string_value(json_object_get(o, "state")), "online");
    cr_expect_str_eq(json_string_value(json_object_get(o, "reason")), "");
    json_decref(o);

    o = show_after_clock_look(silent);
    k = json_object_get(o, "clock");
    cr_expect_str_eq(json_string_value(json_object_get(k, "status")), "no_sender_report");
    cr_expect(json_is_null(json_object_get(k, "offset_ms")));
    cr_expect_str_eq(json_string_value(json_object_get(k, "verdict")), "unknown");
    cr_expect_str_eq(json_string_value(json_object_get(o, "state")), "online");
    json_decref(o);

    o = show_after_clock_look(fine);
    k = json_object_get(o, "clock");
    ms = (double)json_integer_value(json_object_get(k, "offset_ms"));
    cr_expect(fabs(ms) <= 1000, "offset %.0f ms", ms);
    cr_expect_str_eq(json_string_value(json_object_get(k, "verdict")), "ok");
    json_decref(o);

    /* The text form says it in one line. */
    char *argv[] = {CAMDEX_BIN, "--db", db, "show", skewed, NULL};
    struct run r = runv(argv);
    cr_expect(strstr(r.out, "clock") && strstr(r.out, "clock_skew"), "%s", r.out);
    run_free(&r);
}
