/* Every camfarm fault seen through `camdex probe`: each must map to the
 * state and reason a camera broken that way deserves, within its deadline.
 * One table; tier 1 at depth play (the deepest handshake), and the deep
 * probe for the picture faults. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>

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
    int max_ms;      /* the verdict comes within this */
};

static const struct fault_case cases[] = {
    {"ok", "play", "online", "", 3000},
    {"refused", "describe", "offline", "connect_reset", 1500},
    {"blackhole", "describe", "offline", "rtsp_timeout", 2500},
    {"silent", "describe", "offline", "rtsp_timeout", 2500},
    {"syn_drop", "describe", "offline", "connect_timeout", 2500},
    {"stall_describe", "play", "offline", "rtsp_timeout", 2500},
    {"no_rtp", "play", "offline", "no_media", 2500},
    {"bad_auth", "describe", "offline", "auth_failed", 1500},
    {"not_found", "describe", "offline", "not_found", 1500},
    {"error_500", "describe", "offline", "server_error", 1500},
    {"error_503", "describe", "offline", "server_error", 1500},
    {"session_limit", "play", "offline", "session_limit", 1500},
    {"redirect_loop", "describe", "offline", "redirect_loop", 1500},
    {"garbage", "describe", "offline", "protocol_error", 1500},
    {"big_headers 64", "describe", "offline", "protocol_error", 2500},
    {"slowloris", "describe", "offline", "rtsp_timeout", 2500},
    {"bad_sdp", "describe", "offline", "protocol_error", 1500},
    {"truncated_sdp", "describe", "offline", "no_media", 1500},
    {"bad_length", "describe", "offline", "rtsp_timeout", 2500},
    {"early_rtp", "play", "online", "", 3000},
    {"ok", "deep", "online", "", 4000},
    {"black", "deep", "degraded", "black", 4000},
    {"frozen", "deep", "degraded", "frozen", 4000},
    {"noisy", "deep", "online", "", 4000},
    {"blurred", "deep", "degraded", "blurred", 4000},
    {"resolution", "play", "online", "", 3000},
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
    char port[16], cams[16];
    snprintf(port, sizeof(port), "%d", rtsp_port);
    snprintf(cams, sizeof(cams), "%d", CAMERAS);
    char *gen[] = {CAMDEX_BIN, "generate", "--cameras", cams, "--seed", "5", "--port", port,
                   NULL};
    run_to_file(gen, fleet);
    char listen[32], control[32];
    snprintf(listen, sizeof(listen), "0.0.0.0:%d", rtsp_port);
    snprintf(control, sizeof(control), "127.0.0.1:%d", control_port);
    char *argv[] = {CAMFARM_BIN, "--inventory", fleet, "--clips", CAMFARM_CLIPS, "--faults",
                    "none", "--listen", listen, "--control", control, "--idle-timeout", "20000",
                    NULL};
    proc_start(&farm, 1, argv);
    cr_assert(proc_wait_line(&farm, 30000, "camfarm ready", NULL), "camfarm did not start");
}

static void teardown(void)
{
    proc_stop(&farm, SIGTERM, 10000);
    testutil_rmdir(tmp);
}

/* The i-th RTSP URL of the fleet (with its credentials: camfarm checks them). */
static void rtsp_url(int i, char *url, size_t n)
{
    FILE *f = fopen(fleet, "r");
    char line[4096];
    url[0] = 0;
    while (fgets(line, sizeof(line), f)) {
        char *u = strstr(line, ",rtsp://");
        if (!u || i-- > 0)
            continue;
        u++;
        size_t len = strcspn(u, ",\r\n");
        snprintf(url, n, "%.*s", (int)len, u);
        break;
    }
    fclose(f);
    cr_assert(url[0], "not enough RTSP cameras in the fleet");
}

ParameterizedTestParameters(faults, each_fault_maps_to_its_reason)
{
    return cr_make_param_array(struct fault_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(const struct fault_case *fc, faults, each_fault_maps_to_its_reason,
                  .init = setup, .fini = teardown, .timeout = 120)
{
    char url[2048], reply[512], cmd[2200];
    rtsp_url(0, url, sizeof(url));
    const char *at = strrchr(url, '@');
    /* "#N" names camfarm's N-th camera: the first RTSP row of the fleet. */
    snprintf(cmd, sizeof(cmd), "mode #1 %s", fc->mode);
    farm_control(control_port, cmd, reply, sizeof(reply));
    cr_assert(strncmp(reply, "ok", 2) == 0, "%s: %s", cmd, reply);

    char depth[12];
    snprintf(depth, sizeof(depth), "%s", fc->depth);
    /* The deep probe looks at a second keyframe a second after the first
     * (frozen pictures): it needs more than a second in all. */
    char *argv[] = {CAMDEX_BIN, "probe", url, "--depth", depth, "--timeout",
                    strcmp(depth, "deep") == 0 ? "3s" : "1s", "--format", "json", NULL};
    uint64_t t0 = procs_now_ms();
    struct run r = runv(argv);
    uint64_t took = procs_now_ms() - t0;
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "%s: no JSON: %s %s", fc->mode, r.out, r.err);
    const char *state = json_string_value(json_object_get(o, "state"));
    const char *reason = json_string_value(json_object_get(o, "reason"));
    cr_expect_str_eq(state, fc->state, "%s: state %s (%s)", fc->mode, state,
                     json_string_value(json_object_get(o, "detail")));
    cr_expect_str_eq(reason, fc->reason, "%s: reason %s (%s)", fc->mode, reason,
                     json_string_value(json_object_get(o, "detail")));
    cr_expect_leq(took, (uint64_t)fc->max_ms, "%s: verdict after %llu ms", fc->mode,
                  (unsigned long long)took);
    int want_rc = strcmp(fc->state, "online") == 0 ? 0 : strcmp(fc->state, "degraded") == 0 ? 3
                                                                                            : 4;
    cr_expect_eq(r.rc, want_rc, "%s: exit %d", fc->mode, r.rc);
    const char *pw = strchr(url + 7, ':');
    if (pw && at) {
        char secret[128];
        snprintf(secret, sizeof(secret), "%.*s", (int)(at - pw - 1), pw + 1);
        cr_expect(!secret[0] || !strstr(r.out, secret), "%s: password in the output",
                  fc->mode);
    }
    json_decref(o);
    run_free(&r);
}

/* A camera that answers every phase just in time (slowloris dribbles a
 * byte a second) is cut off by the total deadline, not the phases'. */
Test(faults, slowloris_ends_at_the_total_deadline, .init = setup, .fini = teardown,
     .timeout = 60)
{
    char url[2048], reply[512];
    rtsp_url(0, url, sizeof(url));
    farm_control(control_port, "mode #1 slowloris", reply, sizeof(reply));
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
