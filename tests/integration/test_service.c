/* `camdex serve` end to end against camfarm: detection of a killed camera
 * and its recovery within their bounds, auth backoff, maintenance, reload of
 * the inventory while running, and a clean SIGTERM that leaves no RTSP
 * session open on the cameras. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "farm.h"
#include "httpget.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS 40

static char *tmp;
static char db[4200], fleet[4200], half[4200];
static int rtsp_port, control_port;
static struct proc farm;

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    snprintf(half, sizeof(half), "%s/half.csv", tmp);
    rtsp_port = procs_free_port();
    control_port = procs_free_port();
    char port[16], cams[16];
    snprintf(port, sizeof(port), "%d", rtsp_port);
    snprintf(cams, sizeof(cams), "%d", CAMERAS);
    char *gen[] = {CAMDEX_BIN, "generate", "--cameras", cams, "--seed", "11", "--port", port,
                   NULL};
    struct run g = runv(gen);
    cr_assert_eq(g.rc, 0);
    write_text(fleet, g.out);
    /* The first half of the rows, for the reload test. */
    char *cut = g.out;
    for (int i = 0; i <= CAMERAS / 2 && cut; i++)
        cut = strchr(cut + 1, '\n');
    cr_assert_not_null(cut);
    cut[1] = 0;
    write_text(half, g.out);
    run_free(&g);

    farm_start(&farm, fleet, rtsp_port, control_port, NULL);
}

static void teardown(void)
{
    proc_stop(&farm, SIGTERM, 10000);
    testutil_rmdir(tmp);
}

TestSuite(service, .init = setup, .fini = teardown, .timeout = 180);

static void import(const char *file, bool prune)
{
    struct run r = prune ? CAMDEX("import", "--prune", file) : CAMDEX("import", file);
    cr_assert_eq(r.rc, 0, "import: %s", r.err);
    run_free(&r);
}

/* The first camera with an RTSP URL after `skip` of them. */
static void rtsp_camera(char *id, size_t n, int skip)
{
    farm_rtsp_camera(db, skip, id, n);
}

static struct proc serve;

/* Timing of the tests: interval 2 s, one re-check 300 ms after a first
 * failure, offline after 2 failures, 500 ms per phase. */
static void start_serve_at(const char *depth, const char *level)
{
    char *argv[] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "2s", "--depth",
                    (char *)depth, "--recheck-delay", "300ms", "--fail-threshold", "2",
                    "--recover-threshold", "1", "--connect-timeout", "500ms",
                    "--reply-timeout", "500ms", "--set", "probe.auth_backoff=1h", "--log-level",
                    (char *)level, NULL};
    proc_start(&serve, 2, argv);
    cr_assert(proc_wait_line(&serve, 10000, "msg=serving", NULL), "serve did not start: %s",
              serve.last);
}

/* At debug: first looks (from unknown) are debug lines. */
static void start_serve(const char *depth)
{
    start_serve_at(depth, "debug");
}

static void stop_serve(void)
{
    int rc = proc_stop(&serve, SIGTERM, 15000);
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

static void control(const char *fmt, const char *id, char *reply, size_t n)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), fmt, id);
    farm_control(control_port, cmd, reply, n);
}

static json_t *farm_stats(const char *id)
{
    char cmd[128], reply[2048];
    snprintf(cmd, sizeof(cmd), id ? "stats %s" : "stats", id);
    farm_control(control_port, cmd, reply, sizeof(reply));
    json_t *j = json_loads(reply, 0, NULL);
    cr_assert_not_null(j, "stats reply: %s", reply);
    return j;
}

Test(service, killed_camera_goes_offline_in_bounds_and_comes_back)
{
    import(fleet, false);
    char id[64], cam[80], reply[256];
    rtsp_camera(id, sizeof(id), 0);
    snprintf(cam, sizeof(cam), "camera=%s", id);
    start_serve("describe");
    cr_assert(proc_wait_line(&serve, 8000, "state change", cam, "to=online", NULL),
              "never online: %s", serve.last);

    control("kill %s", id, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok");
    uint64_t t0 = procs_now_ms();
    cr_assert(proc_wait_line(&serve, 10000, "state change", cam, "to=offline", NULL),
              "never offline: %s", serve.last);
    uint64_t took = procs_now_ms() - t0;
    cr_assert(strstr(serve.last, "reason=connect_reset") ||
                  strstr(serve.last, "reason=connect_refused"),
              "%s", serve.last);
    /* interval + re-check + one phase timeout, and scheduling slack */
    cr_assert_leq(took, 2000 + 300 + 500 + 1000, "offline after %llu ms",
                  (unsigned long long)took);

    control("revive %s", id, reply, sizeof(reply));
    cr_assert(proc_wait_line(&serve, 6000, "state change", cam, "to=online", NULL),
              "never back: %s", serve.last);
    stop_serve();

    struct run r = CAMDEX("history", id, "--format", "json");
    json_t *evs = json_loads(r.out, 0, NULL);
    cr_assert_eq(json_array_size(evs), 3, "unknown->online->offline->online: %s", r.out);
    json_decref(evs);
    run_free(&r);
    r = CAMDEX("fsck");
    cr_assert_eq(r.rc, 0, "%s", r.out);
    run_free(&r);
}

Test(service, wrong_password_backs_off_instead_of_hammering)
{
    import(fleet, false);
    char id[64], cam[80], reply[256];
    rtsp_camera(id, sizeof(id), 1);
    snprintf(cam, sizeof(cam), "camera=%s", id);
    control("mode %s bad_auth", id, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok");
    start_serve("describe");
    cr_assert(proc_wait_line(&serve, 8000, "state change", cam, "to=offline",
                             "reason=auth_failed", NULL),
              "%s", serve.last);
    json_t *st = farm_stats(id);
    json_int_t before = json_integer_value(json_object_get(st, "connections"));
    json_decref(st);
    /* Three more intervals: a camera that locks out bad passwords must not
     * see another attempt before auth_backoff (1 h here). */
    char other[64], other_cam[80];
    rtsp_camera(other, sizeof(other), 2);
    snprintf(other_cam, sizeof(other_cam), "camera=%s", other);
    control("kill %s", other, reply, sizeof(reply));
    cr_assert(proc_wait_line(&serve, 10000, "state change", other_cam, "to=offline", NULL));
    control("revive %s", other, reply, sizeof(reply));
    cr_assert(proc_wait_line(&serve, 10000, "state change", other_cam, "to=online", NULL));
    st = farm_stats(id);
    json_int_t after = json_integer_value(json_object_get(st, "connections"));
    json_decref(st);
    cr_assert_eq(after, before, "%lld new connections during the backoff",
                 (long long)(after - before));
    stop_serve();
}

Test(service, maintenance_is_respected_and_excluded_from_rates)
{
    import(fleet, false);
    char id[64], cam[80], reply[256];
    rtsp_camera(id, sizeof(id), 0);
    snprintf(cam, sizeof(cam), "camera=%s", id);
    start_serve("describe");
    cr_assert(proc_wait_line(&serve, 8000, "state change", cam, "to=online", NULL));
    struct run r = CAMDEX("maintenance", id, "on", "--note", "镜头更换");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    cr_assert(proc_wait_line(&serve, 6000, "msg=reloaded", NULL), "no reload: %s", serve.last);
    control("kill %s", id, reply, sizeof(reply));
    /* Two intervals with the camera dead: nothing may be raised for it. */
    cr_assert_not(proc_wait_line(&serve, 5000, "state change", cam, NULL),
                  "a camera under maintenance changed state: %s", serve.last);
    stop_serve();
    r = CAMDEX("show", id, "--format", "json");
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(o, "state")), "maintenance");
    cr_assert_str_eq(json_string_value(json_object_get(o, "detail")), "镜头更换");
    json_decref(o);
    run_free(&r);
    r = CAMDEX("units", "--format", "json");
    json_t *units = json_loads(r.out, 0, NULL);
    size_t i;
    json_t *u;
    json_int_t maint = 0;
    json_array_foreach(units, i, u)
    {
        maint += json_integer_value(json_object_get(u, "maintenance"));
        json_int_t mon = json_integer_value(json_object_get(u, "online")) +
                         json_integer_value(json_object_get(u, "degraded")) +
                         json_integer_value(json_object_get(u, "offline"));
        json_t *rate = json_object_get(u, "online_rate");
        if (mon)
            cr_assert_float_eq(json_real_value(rate),
                               (double)(json_integer_value(json_object_get(u, "online")) +
                                        json_integer_value(json_object_get(u, "degraded"))) /
                                   (double)mon,
                               1e-9);
    }
    cr_assert_eq(maint, 1);
    json_decref(units);
    run_free(&r);
}

Test(service, import_while_running_adds_and_removes_cameras)
{
    import(half, false);
    start_serve("options");
    cr_assert(proc_wait_line(&serve, 8000, "msg=serving", NULL) || 1);
    import(fleet, false);
    char want[64];
    snprintf(want, sizeof(want), "cameras=%d", CAMERAS);
    cr_assert(proc_wait_line(&serve, 6000, "inventory reloaded", want, NULL), "%s", serve.last);
    /* A camera only in the full file is probed. */
    char id[64], cam[80];
    rtsp_camera(id, sizeof(id), 0);
    struct run r = CAMDEX("list", "--format", "csv");
    cr_assert(strstr(r.out, id));
    run_free(&r);
    snprintf(cam, sizeof(cam), "camera=%s", id);
    import(half, true);
    snprintf(want, sizeof(want), "cameras=%d", CAMERAS / 2);
    cr_assert(proc_wait_line(&serve, 6000, "inventory reloaded", want, NULL), "%s", serve.last);
    stop_serve();
    r = CAMDEX("fsck");
    cr_assert_eq(r.rc, 0, "%s", r.out);
    run_free(&r);
    (void)cam;
}

Test(service, sigterm_tears_down_every_session)
{
    import(fleet, false);
    start_serve("play");
    char id[64], cam[80];
    rtsp_camera(id, sizeof(id), 0);
    snprintf(cam, sizeof(cam), "camera=%s", id);
    cr_assert(proc_wait_line(&serve, 10000, "state change", "to=online", NULL), "%s",
              serve.last);
    stop_serve();
    /* TEARDOWNs were sent before exit; camfarm handles them as they come. */
    json_int_t open = -1;
    uint64_t deadline = procs_now_ms() + 3000;
    while (procs_now_ms() < deadline) {
        json_t *st = farm_stats(NULL);
        open = json_integer_value(json_object_get(st, "sessions_open"));
        json_decref(st);
        if (open == 0)
            break;
        struct pollfd none;
        poll(&none, 0, 50);
    }
    cr_assert_eq(open, 0, "%lld sessions left open on the cameras", (long long)open);
    (void)cam;
}

Test(service, sweep_killed_mid_way_leaves_a_clean_index_and_resumes)
{
    import(fleet, false);
    char reply[256], id[64];
    /* Slow cameras keep the sweep busy long enough to be killed inside it. */
    for (int i = 0; i < 6; i++) {
        rtsp_camera(id, sizeof(id), i);
        control(i % 2 ? "mode %s slow 400" : "mode %s silent", id, reply, sizeof(reply));
        cr_assert_str_eq(reply, "ok");
    }
    uint32_t seed = (uint32_t)getpid();
    for (int k = 0; k < 8; k++) {
        char *argv[] = {CAMDEX_BIN, "--db", db, "sweep", "--reply-timeout", "300ms",
                        "--recheck-delay", "50ms", NULL};
        struct proc sweep;
        proc_start(&sweep, 1, argv);
        seed = seed * 1103515245u + 12345u;
        struct pollfd none;
        poll(&none, 0, (int)(20 + (seed >> 16) % 400));
        int rc = proc_stop(&sweep, SIGKILL, 5000);
        cr_assert(rc == 128 + SIGKILL || rc == 0, "sweep ended with %d", rc);
        struct run r = CAMDEX("fsck");
        cr_assert_eq(r.rc, 0, "fsck after kill %d: %s", k, r.out);
        run_free(&r);
    }
    struct run r = CAMDEX("sweep", "--reply-timeout", "300ms", "--recheck-delay", "50ms");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    /* Every RTSP camera has a verdict now. */
    r = CAMDEX("list", "--state", "unknown", "--format", "json");
    json_t *rows = json_loads(r.out, 0, NULL);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *url = json_string_value(json_object_get(row, "url"));
        cr_assert_neq(strncmp(url, "rtsp://", 7), 0, "%s still unknown",
                      json_string_value(json_object_get(row, "id")));
    }
    json_decref(rows);
    run_free(&r);
    r = CAMDEX("fsck");
    cr_assert_eq(r.rc, 0, "%s", r.out);
    run_free(&r);
}

Test(service, deep_probe_judges_the_picture)
{
    import(fleet, false);
    char black[64], blackcam[80], normal[64], reply[256];
    rtsp_camera(black, sizeof(black), 3);
    rtsp_camera(normal, sizeof(normal), 4);
    snprintf(blackcam, sizeof(blackcam), "camera=%s", black);
    control("mode %s black", black, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok");
    /* At info: the line awaited is not a first look, and libav's lines at
     * debug slow the deep probes of a loaded machine. */
    start_serve_at("describe", "info");
    /* The handshake finds it online; the deep look that follows sees black.
     * Every camera that came up waits for its look on all deep workers but
     * one, a second or two each for the fleet's 1080p and 4 MP streams:
     * the bound rules out a look that never comes, not a slow queue. */
    cr_assert(proc_wait_line(&serve, 90000, "state change", blackcam, "to=degraded",
                             "reason=black", NULL),
              "black camera not degraded: %s", serve.last);
    /* The healthy one may have come up before that line: ask the index. */
    struct run r = {0};
    json_t *o = NULL;
    uint64_t deadline = procs_now_ms() + 20000;
    while (procs_now_ms() < deadline) {
        run_free(&r);
        json_decref(o);
        r = CAMDEX("show", normal, "--format", "json");
        o = json_loads(r.out, 0, NULL);
        if (o && strcmp(json_string_value(json_object_get(o, "state")), "online") == 0)
            break;
        struct pollfd none;
        poll(&none, 0, 100);
    }
    stop_serve();
    cr_assert_str_eq(json_string_value(json_object_get(o, "state")), "online", "%s", r.out);
    json_t *video = json_object_get(o, "video");
    cr_assert_not_null(video, "no stream metadata: %s", r.out);
    cr_assert_gt(json_integer_value(json_object_get(video, "width")), 0);
    json_decref(o);
    run_free(&r);
}

Test(service, flapping_camera_is_flagged)
{
    import(fleet, false);
    char id[64], cam[80], reply[256];
    rtsp_camera(id, sizeof(id), 5);
    snprintf(cam, sizeof(cam), "camera=%s", id);
    control("mode %s flap 2", id, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok");
    char *argv[] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "1s", "--recheck-delay",
                    "200ms", "--fail-threshold", "1", "--recover-threshold", "1",
                    "--connect-timeout", "500ms", "--reply-timeout", "500ms", "--set",
                    "probe.flap_threshold=4", "--log-level", "debug", NULL};
    proc_start(&serve, 2, argv);
    cr_assert(proc_wait_line(&serve, 10000, "msg=serving", NULL));
    /* Up 2 s, down 2 s: four transitions come within about 10 s. */
    for (int i = 0; i < 4; i++)
        cr_assert(proc_wait_line(&serve, 8000, "state change", cam, NULL),
                  "transition %d missing: %s", i + 1, serve.last);
    stop_serve();
    struct run r = CAMDEX("show", id, "--format", "json");
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert(json_is_true(json_object_get(o, "flapping")), "not flagged: %s", r.out);
    json_decref(o);
    run_free(&r);
}

/* More tier-2-only cameras than deep slots (one worker: two slots): the
 * ones that find every slot taken wait in line and each still gets its
 * verdict within the sweep. */
Test(service, sweep_gives_every_deep_camera_a_verdict_when_slots_run_out)
{
    char deep[4200], line[512], text[8192] = "id,name,unit_id,unit_name,url\n";
    int closed = procs_free_port(); /* nothing listens there: refused at once */
    for (int i = 0; i < 12; i++) {
        snprintf(line, sizeof(line),
                 "3401000000132%07d,hls %d,U001,Unit 1,http://127.0.0.1:%d/hls/%d.m3u8\n", i, i,
                 closed, i);
        strncat(text, line, sizeof(text) - strlen(text) - 1);
    }
    snprintf(deep, sizeof(deep), "%s/deep.csv", tmp);
    write_text(deep, text);
    import(deep, false);
    struct run r = CAMDEX("sweep", "--set", "deep.workers=1", "--recheck-delay", "50ms");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    r = CAMDEX("list", "--format", "json");
    json_t *rows = json_loads(r.out, 0, NULL);
    cr_assert(json_is_array(rows), "%s", r.out);
    cr_assert_eq(json_array_size(rows), 12);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        cr_expect_str_eq(json_string_value(json_object_get(row, "state")), "offline", "%s",
                         json_string_value(json_object_get(row, "id")));
        cr_expect_str_eq(json_string_value(json_object_get(row, "reason")), "connect_refused",
                         "%s", json_string_value(json_object_get(row, "id")));
    }
    json_decref(rows);
    run_free(&r);
}

/* A camera whose inventory URL carries credentials: from the fleet file,
 * since listings never show them. */
static void camera_with_password(char *id, size_t n)
{
    FILE *f = fopen(fleet, "r");
    cr_assert_not_null(f);
    char line[2048];
    id[0] = 0;
    while (fgets(line, sizeof(line), f)) {
        const char *url = strstr(line, ",rtsp://");
        const char *at = url ? strchr(url, '@') : NULL;
        const char *slash = url ? strchr(url + 8, '/') : NULL;
        if (at && slash && at < slash) {
            snprintf(id, n, "%.*s", (int)strcspn(line, ","), line);
            break;
        }
    }
    fclose(f);
    cr_assert(id[0], "no camera with a password in the fleet");
}

/* Requests camfarm saw for camera `id` once it has had `probes` connections. */
static json_int_t requests_after(const char *id, json_int_t probes)
{
    for (int tries = 0; tries < 150; tries++) {
        json_t *st = farm_stats(id);
        json_int_t conns = json_integer_value(json_object_get(st, "connections"));
        json_int_t reqs = json_integer_value(json_object_get(st, "requests"));
        json_decref(st);
        if (conns >= probes)
            return reqs;
        usleep(100 * 1000);
    }
    cr_assert_fail("camera %s was not probed %lld times in 15 s", id, (long long)probes);
    return 0;
}

/* Requests camfarm saw for camera `id` once at least `probes` connections
 * came and every one of them has ended, so that no probe is half counted;
 * *conns says how many there were by then. */
static json_int_t requests_when_over(const char *id, json_int_t probes, json_int_t *conns)
{
    uint64_t end = procs_now_ms() + 30000;
    while (procs_now_ms() < end) {
        json_t *st = farm_stats(id);
        json_int_t c = json_integer_value(json_object_get(st, "connections"));
        json_int_t open = json_integer_value(json_object_get(st, "open_connections"));
        json_int_t reqs = json_integer_value(json_object_get(st, "requests"));
        json_decref(st);
        if (c >= probes && open == 0) {
            *conns = c;
            return reqs;
        }
        usleep(100 * 1000); /* a poll's pace */
    }
    cr_assert_fail("camera %s: not %lld probes over within 30 s", id, (long long)probes);
    return 0;
}

Test(service, known_camera_is_not_challenged_at_every_probe)
{
    import(fleet, false);
    char id[64];
    camera_with_password(id, sizeof(id));
    /* Probe 1 (skip_options = auto: no OPTIONS, also at first contact):
     * DESCRIBE (401), DESCRIBE with credentials. Later probes
     * (remember_auth) are one DESCRIBE with the credentials at once, two
     * when the remembered nonce has expired (camfarm's last a minute or
     * two: at most once in these 8 s). No deep looks: one coming up with
     * the camera is a connection of its own (six requests from libav), in
     * the count or not depending on when it came. */
    char *deepless[] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "2s", "--depth",
                        "describe", "--recheck-delay", "300ms", "--fail-threshold", "2",
                        "--recover-threshold", "1", "--connect-timeout", "500ms",
                        "--reply-timeout", "500ms", "--set", "deep.workers=0", "--log-level",
                        "debug", NULL};
    proc_start(&serve, 2, deepless);
    cr_assert(proc_wait_line(&serve, 10000, "msg=serving", NULL), "serve did not start: %s",
              serve.last);
    /* Counted when every probe so far is over, however many a loaded
     * machine has made by then: 2 requests for the first, 1 for each
     * later one. */
    json_int_t probes;
    json_int_t all = requests_when_over(id, 5, &probes);
    stop_serve();
    cr_expect_geq(all, probes + 1, "%lld requests in %lld probes", (long long)all,
                  (long long)probes);
    cr_expect_leq(all, probes + 1 + 1, "%lld requests in %lld probes", (long long)all,
                  (long long)probes);

    /* Turned off, every probe is the full handshake again. */
    char *argv[] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "2s", "--depth", "describe",
                    "--set", "probe.remember_auth=false", "--set", "probe.skip_options=false",
                    NULL};
    json_int_t conns0, conns;
    json_int_t reqs0 = requests_when_over(id, 0, &conns0);
    proc_start(&serve, 2, argv);
    cr_assert(proc_wait_line(&serve, 10000, "msg=serving", NULL), "%s", serve.last);
    json_int_t off = requests_when_over(id, conns0 + 3, &conns) - reqs0;
    stop_serve();
    cr_expect_geq(off, 3 * (conns - conns0), "%lld requests in %lld probes without the memo",
                  (long long)off, (long long)(conns - conns0));
}

/* Requests camfarm has seen for camera `id` so far. */
static json_int_t requests_now(const char *id)
{
    json_t *st = farm_stats(id);
    json_int_t n = json_integer_value(json_object_get(st, "requests"));
    json_decref(st);
    return n;
}

Test(service, restart_and_next_sweep_send_credentials_at_once)
{
    import(fleet, false);
    char id[64];
    camera_with_password(id, sizeof(id));
    /* First contact: DESCRIBE (401), DESCRIBE with credentials. The
     * accepted challenge goes into the index when serve stops. */
    json_int_t conns0, conns;
    start_serve("describe");
    requests_when_over(id, 1, &conns0);
    stop_serve();

    /* After a restart the first probe already carries the credentials
     * (camfarm's nonces stay valid a minute or more: this takes seconds),
     * and so does every later one. */
    json_int_t reqs0 = requests_when_over(id, 0, &conns0);
    start_serve("describe");
    json_int_t after = requests_when_over(id, conns0 + 1, &conns) - reqs0;
    stop_serve();
    cr_expect_eq(after, conns - conns0, "%lld requests in %lld probes after a restart",
                 (long long)after, (long long)(conns - conns0));

    /* So does a sweep, which reads what serve left. */
    json_int_t reqs1 = requests_now(id);
    struct run r = CAMDEX("sweep", "--depth", "describe");
    cr_expect_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    json_int_t swept = requests_now(id) - reqs1;
    cr_expect_eq(swept, 1, "%lld requests in the sweep's probe", (long long)swept);
    r = CAMDEX("fsck");
    cr_expect_eq(r.rc, 0, "%s%s", r.out, r.err);
    run_free(&r);
}

Test(service, camera_that_wants_options_first_keeps_getting_it)
{
    import(fleet, false);
    char strict[64], reply[256], cam[80];
    rtsp_camera(strict, sizeof(strict), 0);
    control("mode %s options_first", strict, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok");
    snprintf(cam, sizeof(cam), "camera=%s", strict);
    /* Probe 1 leaves OPTIONS out and draws a 455; the re-check, with
     * OPTIONS, succeeds: the camera is convicted and comes online (one
     * failure is under fail_threshold 2). */
    start_serve("describe");
    cr_assert(proc_wait_line(&serve, 15000, "answers only after OPTIONS", cam, NULL), "%s",
              serve.last);
    json_t *st = farm_stats(strict);
    json_int_t conns0 = json_integer_value(json_object_get(st, "connections"));
    json_int_t reqs0 = json_integer_value(json_object_get(st, "requests"));
    json_decref(st);
    /* The next two probes start with OPTIONS (2 requests each with the
     * remembered credentials); without it each would be a 455 and a
     * re-check: 3 requests over two connections. Counted once the third
     * has begun, so the two are complete. */
    json_int_t two = requests_after(strict, conns0 + 3) - reqs0;
    stop_serve();
    cr_expect_geq(two, 4, "%lld requests in the two probes after the verdict", (long long)two);
    struct run r = CAMDEX("show", strict, "--format", "json");
    json_t *j = json_loads(r.out, 0, NULL);
    cr_assert_not_null(j, "%s", r.out);
    cr_expect_str_eq(json_string_value(json_object_get(j, "state")), "online", "%s", r.out);
    json_decref(j);
    run_free(&r);
}

/* The reader of the log goes away (`camdex serve 2>&1 | head -c 100`): the
 * service keeps probing, committing and answering, and SIGTERM still ends
 * it cleanly. Without SIGPIPE ignored, the first line written after the
 * close kills it with 141. */
Test(service, closed_log_pipe_does_not_stop_the_service)
{
    import(fleet, false);
    char id[64], reply[256], path[128];
    rtsp_camera(id, sizeof(id), 0);
    char *argv[] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "1s", "--recheck-delay",
                    "200ms", "--fail-threshold", "1", "--connect-timeout", "500ms",
                    "--reply-timeout", "500ms", "--set", "http.listen=127.0.0.1:0",
                    "--set", "writer.commit_interval=50ms", "--log-level", "debug", NULL};
    proc_start_pipe(&serve, 2, argv);
    int port = serve_http_port(&serve);
    close(serve.out_fd);
    serve.out_fd = -1;
    /* A state change now has to be logged (into the closed pipe) and
     * committed; the API shows it once both are done. */
    control("kill %s", id, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok");
    snprintf(path, sizeof(path), "/api/v1/cameras/%s", id);
    bool offline = false;
    uint64_t deadline = procs_now_ms() + 15000;
    while (!offline && procs_now_ms() < deadline) {
        int status;
        char *body = http_get(port, path, NULL, 2000, &status);
        json_t *o = body && status == 200 ? json_loads(body, 0, NULL) : NULL;
        const char *state = json_string_value(json_object_get(o, "state"));
        offline = state && strcmp(state, "offline") == 0;
        json_decref(o);
        free(body);
        if (!offline) {
            struct pollfd none;
            poll(&none, 0, 100);
        }
    }
    cr_assert(offline, "the killed camera never went offline through the API");
    cr_assert_eq(kill(serve.pid, 0), 0, "serve is gone");
    stop_serve();
}

/* A fresh index: the first look at each camera is a debug line, and the
 * pass ends with one summary line, counts per state and reason. */
Test(service, first_pass_is_one_summary_line_at_info)
{
    import(fleet, false);
    char *argv[] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "2s", "--recheck-delay",
                    "200ms", "--fail-threshold", "1", "--connect-timeout", "500ms",
                    "--reply-timeout", "500ms", "--log-level", "info", NULL};
    proc_start(&serve, 2, argv);
    bool summary = false;
    int first_looks = 0;
    uint64_t deadline = procs_now_ms() + 60000;
    while (!summary && procs_now_ms() < deadline) {
        if (!proc_wait_line(&serve, (int)(deadline - procs_now_ms()), "msg=", NULL))
            break;
        first_looks += strstr(serve.last, "from=unknown") != NULL;
        summary = strstr(serve.last, "msg=\"first pass done\"") != NULL;
    }
    cr_assert(summary, "no summary line: %s", serve.last);
    cr_assert_eq(first_looks, 0, "first looks logged at info");
    char want[32];
    snprintf(want, sizeof(want), "cameras=%d ", CAMERAS);
    cr_assert(strstr(serve.last, want) && strstr(serve.last, " online=") &&
                  strstr(serve.last, " reasons="),
              "%s", serve.last);
    stop_serve();
}

/* A number after `key=` in a log line, -1 when absent. */
static double field(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? strtod(p + strlen(key), NULL) : -1;
}

Test(service, status_line_says_how_long_commits_take_and_how_large_they_are)
{
    import(fleet, false);
    char *argv[] = {CAMDEX_BIN, "--db", db, "serve", "--interval", "2s", "--connect-timeout",
                    "500ms", "--reply-timeout", "500ms", "--status-log", "1s", "--log-level",
                    "info", NULL};
    proc_start(&serve, 2, argv);
    /* Status lines come every second; a window may hold no commit. */
    double batch = 0, p99 = 0, last = 0;
    uint64_t deadline = procs_now_ms() + 60000;
    while (!(batch > 0 && p99 > 0) && procs_now_ms() < deadline) {
        cr_assert(proc_wait_line(&serve, (int)(deadline - procs_now_ms()), "msg=status", NULL),
                  "no status line: %s", serve.last);
        batch = field(serve.last, " commit_batch=");
        p99 = field(serve.last, " commit_p99_ms=");
        last = field(serve.last, " commit_ms=");
        cr_assert_geq(batch, 0, "no commit_batch: %s", serve.last);
        cr_assert_geq(p99, 0, "no commit_p99_ms: %s", serve.last);
    }
    cr_assert(batch > 0 && p99 > 0, "no window with a commit in 60 s: %s", serve.last);
    cr_assert_leq(batch, CAMERAS, "%s", serve.last);
    cr_assert_gt(last, 0, "a commit took no time: %s", serve.last);
    stop_serve();
}
