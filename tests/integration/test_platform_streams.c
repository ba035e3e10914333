/* HLS, HTTP-FLV and RTMP cameras end to end: camfarm serves a generated
 * fleet's platform URLs on the ports `camdex generate` wrote into them, and
 * `camdex probe` (the deep probe: libav) must find each healthy one online
 * and each broken one offline or degraded for the reason it deserves; a
 * `camdex sweep` of the fleet reaches every healthy platform camera. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>

#include "farm.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS 400

struct stream_case {
    char proto[8];   /* hls, flv or rtmp */
    char mode[24];   /* camfarm mode */
    char state[12];  /* expected */
    char reason[24]; /* expected; "" for online */
};

static const struct stream_case cases[] = {
    {"hls", "ok", "online", ""},
    {"flv", "ok", "online", ""},
    {"rtmp", "ok", "online", ""},
    {"hls", "refused", "offline", "connect_reset"},
    {"flv", "refused", "offline", "connect_reset"},
    {"rtmp", "refused", "offline", "connect_reset"},
    {"hls", "silent", "offline", "rtsp_timeout"},
    {"rtmp", "blackhole", "offline", "rtsp_timeout"},
    {"flv", "no_rtp", "offline", "no_media"},
    {"rtmp", "no_rtp", "offline", "no_media"},
    {"hls", "bad_auth", "offline", "auth_failed"},
    {"flv", "bad_auth", "offline", "auth_failed"},
    {"rtmp", "bad_auth", "offline", "auth_failed"},
    {"hls", "not_found", "offline", "not_found"},
    {"flv", "not_found", "offline", "not_found"},
    {"rtmp", "not_found", "offline", "not_found"},
    {"hls", "error_503", "offline", "server_error"},
    {"flv", "error_500", "offline", "server_error"},
    {"rtmp", "error_500", "offline", "server_error"},
    {"flv", "session_limit", "offline", "forbidden"},
    {"rtmp", "session_limit", "offline", "session_limit"},
    {"hls", "redirect", "online", ""},
    {"flv", "redirect", "online", ""},
    {"flv", "redirect_loop", "offline", "protocol_error"},
    {"hls", "bad_sdp", "offline", "protocol_error"},
    {"flv", "black", "degraded", "black"},
    {"hls", "frozen", "degraded", "frozen"},
    {"rtmp", "black", "degraded", "black"},
};

static char *tmp;
static char fleet[4200];
static int ports[4]; /* rtsp, control, http, rtmp */
static struct proc farm;

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    char p[4][16], http[32], rtmp[32];
    for (int i = 0; i < 4; i++) {
        ports[i] = procs_free_port();
        snprintf(p[i], sizeof(p[i]), "%d", ports[i]);
    }
    char *gen[] = {CAMDEX_BIN, "generate",    "--cameras", "400",         "--seed", "5", "--port",
                   p[0],       "--http-port", p[2],        "--rtmp-port", p[3],     NULL};
    run_to_file(gen, fleet);
    snprintf(http, sizeof(http), "0.0.0.0:%d", ports[2]);
    snprintf(rtmp, sizeof(rtmp), "0.0.0.0:%d", ports[3]);
    farm_start(&farm, fleet, ports[0], ports[1],
               (const char *const[]){"--http-listen", http, "--rtmp-listen", rtmp, NULL});
    cr_assert(strstr(farm.last, " http=") && strstr(farm.last, " rtmp="), "%s", farm.last);
}

static void teardown(void)
{
    proc_stop(&farm, SIGTERM, 10000);
    testutil_rmdir(tmp);
}

/* The `skip`-th camera of the fleet whose URL speaks `proto`: its id and
 * URL. */
static void camera_of(const char *proto, int skip, char *id, size_t idn, char *url, size_t un)
{
    FILE *f = fopen(fleet, "r");
    char line[4096];
    id[0] = url[0] = 0;
    while (fgets(line, sizeof(line), f)) {
        char *u = strstr(line, strcmp(proto, "rtmp") == 0 ? ",rtmp://" : ",http://");
        if (!u)
            continue;
        u++;
        size_t len = strcspn(u, ",\r\n");
        bool hls = memmem(u, len, ".m3u8", 5) != NULL;
        if ((strcmp(proto, "hls") == 0) != hls && strcmp(proto, "rtmp") != 0)
            continue;
        if (skip-- > 0)
            continue;
        snprintf(url, un, "%.*s", (int)len, u);
        snprintf(id, idn, "%.*s", (int)strcspn(line, ","), line);
        break;
    }
    fclose(f);
    cr_assert(url[0], "no %s camera in the fleet", proto);
}

ParameterizedTestParameters(platform, each_mode_maps_to_its_reason)
{
    return cr_make_param_array(struct stream_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(const struct stream_case *sc, platform, each_mode_maps_to_its_reason,
                  .init = setup, .fini = teardown, .timeout = 120)
{
    char id[64], url[2048], cmd[256], reply[512], name[64];
    camera_of(sc->proto, 0, id, sizeof(id), url, sizeof(url));
    snprintf(cmd, sizeof(cmd), "mode %s %s", id, sc->mode);
    farm_control(ports[1], cmd, reply, sizeof(reply));
    cr_assert(strncmp(reply, "ok", 2) == 0, "%s: %s", cmd, reply);
    snprintf(name, sizeof(name), "%s %s", sc->proto, sc->mode);
    /* A verdict the deadline decides gets a short one; every other verdict
     * a long one, far beyond the bound, so the bound rules out waiting. */
    bool timed = strstr(sc->reason, "timeout") || strcmp(sc->reason, "no_media") == 0;
    char *argv[] = {CAMDEX_BIN,           "probe",    url,    "--timeout",
                    timed ? "3s" : "20s", "--format", "json", NULL};
    uint64_t t0 = procs_now_ms();
    struct run r = runv(argv);
    uint64_t took = procs_now_ms() - t0;
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "%s: no JSON: %s %s", name, r.out, r.err);
    const char *state = json_string_value(json_object_get(o, "state"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    const char *detail = json_string_value(json_object_get(o, "detail"));
    cr_expect_str_eq(state, sc->state, "%s: state %s (%s)", name, state, detail);
    cr_expect_str_eq(reason, sc->reason, "%s: reason %s (%s)", name, reason, detail);
    cr_expect_leq(took, 10000, "%s: verdict after %llu ms", name, (unsigned long long)took);
    json_decref(o);
    run_free(&r);
}

/* One sweep of the fleet: every platform camera the farm serves healthy is
 * reached, and broken ones carry their reasons into the index. */
Test(platform, sweep_finds_platform_cameras_online, .init = setup, .fini = teardown, .timeout = 300)
{
    char db[4300], id[3][64], url[2048], cmd[256], reply[512];
    const char *protos[3] = {"hls", "flv", "rtmp"};
    const char *modes[3] = {"bad_auth", "not_found", "session_limit"};
    const char *reasons[3] = {"auth_failed", "not_found", "session_limit"};
    for (int i = 0; i < 3; i++) {
        camera_of(protos[i], 1, id[i], sizeof(id[i]), url, sizeof(url));
        snprintf(cmd, sizeof(cmd), "mode %s %s", id[i], modes[i]);
        farm_control(ports[1], cmd, reply, sizeof(reply));
        cr_assert(strncmp(reply, "ok", 2) == 0, "%s: %s", cmd, reply);
    }
    snprintf(db, sizeof(db), "%s/index", tmp);
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", fleet, NULL};
    struct run r = runv(imp);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    char *sweep[] = {CAMDEX_BIN, "--db", db, "sweep", NULL};
    r = runv(sweep);
    cr_assert_eq(r.rc, 0, "%s %s", r.out, r.err);
    run_free(&r);
    char *list[] = {CAMDEX_BIN, "--db", db, "list", "--format", "json", NULL};
    r = runv(list);
    json_t *rows = json_loads(r.out, 0, NULL);
    cr_assert(json_is_array(rows), "%s", r.err);
    size_t i;
    json_t *row;
    int platform = 0, online = 0, reachable = 0;
    json_array_foreach(rows, i, row)
    {
        const char *u = json_string_value(json_object_get(row, "url"));
        const char *cid = json_string_value(json_object_get(row, "id"));
        const char *state = json_string_value(json_object_get(row, "state"));
        const char *reason = json_string_value(json_object_get(row, "reason"));
        if (strncmp(u, "rtsp://", 7) == 0)
            continue;
        int broken = -1;
        for (int k = 0; k < 3; k++)
            if (strcmp(cid, id[k]) == 0)
                broken = k;
        if (broken >= 0) {
            cr_expect_str_eq(state, "offline", "%s (%s)", cid, modes[broken]);
            cr_expect_str_eq(reason ? reason : "", reasons[broken], "%s (%s)", cid, modes[broken]);
            continue;
        }
        platform++;
        /* camfarm streams its clips' sizes, not the inventory's: a camera
         * the inventory calls 1080p is degraded for that alone. */
        bool only_size =
            strcmp(state, "degraded") == 0 && reason && strcmp(reason, "resolution_mismatch") == 0;
        online += strcmp(state, "online") == 0;
        reachable += strcmp(state, "online") == 0 || only_size;
        cr_expect(strcmp(state, "online") == 0 || only_size, "%s %s: %s %s", cid, u, state,
                  reason ? reason : "");
    }
    cr_expect_gt(platform, 3, "the fleet has platform cameras");
    cr_expect_gt(online, 0);
    cr_expect_eq(reachable, platform);
    json_decref(rows);
    run_free(&r);
}
