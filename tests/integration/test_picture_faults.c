/* Picture faults end to end: camfarm streams each picture-fault clip (made
 * from photographs by make_clips.sh), a deep look at the camera through
 * `camdex serve` leaves a judged diagnosis in the index that `camdex show`
 * and the API show; and a camera turned to another scene than its
 * reference picture is degraded with scene_changed until an operator
 * accepts the new scene (`camdex reference ID set`). Which other reasons
 * each clip gets is the picture measures' business (their own tests). */
#include <criterion/criterion.h>
#include <jansson.h>

#include "farm.h"
#include "httpc.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS 48
#define RO      "ro-token-7d21"
#define RW      "rw-token-c4a9"

static char *tmp;
static char db[4200], fleet[4200];
static int rtsp_port, control_port;
static struct proc farm, serve;

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    rtsp_port = procs_free_port();
    control_port = procs_free_port();
    farm_generate(fleet, CAMERAS, 23, rtsp_port);
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", fleet, NULL};
    run_ok(imp);
    farm_start(&farm, fleet, rtsp_port, control_port, NULL);
    /* An hour between probes: only the probes the test asks for look at
     * the cameras. */
    char *argv[] = {CAMDEX_BIN,
                    "--db",
                    db,
                    "serve",
                    "--interval",
                    "1h",
                    "--depth",
                    "describe",
                    "--set",
                    "http.listen=127.0.0.1:0",
                    "--set",
                    "http.token_ro=" RO,
                    "--set",
                    "http.token_rw=" RW,
                    "--log-level",
                    "debug",
                    NULL};
    proc_start(&serve, 2, argv);
    http_port = serve_http_port(&serve);
}

static void teardown(void)
{
    int rc = proc_stop(&serve, SIGTERM, 15000);
    proc_stop(&farm, SIGTERM, 10000);
    testutil_rmdir(tmp);
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

TestSuite(picture_faults, .init = setup, .fini = teardown, .timeout = 300);

static void control(const char *id, const char *mode)
{
    char cmd[256], reply[256];
    snprintf(cmd, sizeof(cmd), "mode %s %s", id, mode);
    farm_control(control_port, cmd, reply, sizeof(reply));
    cr_assert_str_eq(reply, "ok", "%s: %s", cmd, reply);
}

/* A deep look on demand; returns the answer's reason. The state change it
 * makes (to `to_state`, any when NULL) is committed with the diagnosis
 * (same batch or a later one), so the test waits for the service's line
 * about it before reading the index. */
static void deep_look(const char *id, const char *to_state, char *reason, size_t n)
{
    char path[256], cam[128], to[64];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/probe?depth=deep", id);
    struct resp r = request("POST", path, RW, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    snprintf(reason, n, "%s", json_string_value(json_object_get(r.json, "reason")));
    resp_free(&r);
    snprintf(cam, sizeof(cam), "camera=%s", id);
    snprintf(to, sizeof(to), "to=%s", to_state ? to_state : "");
    cr_assert(proc_wait_line(&serve, 30000, "msg=\"state change\"", cam, to, NULL),
              "no state change of %s to %s (the probe said %s): %s", id,
              to_state ? to_state : "any", reason, serve.last);
}

/* The camera as `camdex show --format json` prints it. */
static json_t *show(const char *id)
{
    char *argv[] = {CAMDEX_BIN, "--db", db, "show", (char *)id, "--format", "json", NULL};
    struct run r = runv(argv);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "%s", r.out);
    run_free(&r);
    return o;
}

static bool has_finding(json_t *diag, const char *reason, double *value)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(diag, "findings"), i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "reason")), reason) == 0) {
            if (value)
                *value = json_number_value(json_object_get(f, "value"));
            return true;
        }
    }
    return false;
}

Test(picture_faults, each_fault_clip_gets_a_judged_diagnosis)
{
    static const char *const modes[] = {"signal_lost", "bars",    "too_bright", "occluded",
                                        "color_cast",  "stripes", "shaking",    "black",
                                        "blurred",     "noisy"};
    /* What each clip is found as (colour bars are an encoder's test
     * screen, as its blue one is). */
    static const char *const found_as[] = {"signal_lost", "signal_lost", "too_bright", "occluded",
                                           "color_cast",  "stripes",     "shaking",    "black",
                                           "blurred",     "noisy"};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        char id[64], reason[64];
        farm_rtsp_camera(db, (int)i, id, sizeof(id));
        control(id, modes[i]);
        deep_look(id, NULL, reason, sizeof(reason));
        cr_expect_str_eq(reason, found_as[i], "%s (%s) found as %s", id, modes[i], reason);
        json_t *o = show(id);
        json_t *d = json_object_get(o, "diagnosis");
        cr_assert(json_is_object(d), "%s (%s): no diagnosis kept", id, modes[i]);
        cr_expect(json_is_true(json_object_get(d, "judged")), "%s: not judged", modes[i]);
        cr_expect(json_is_string(json_object_get(d, "time")), "%s", modes[i]);
        cr_expect(json_is_array(json_object_get(d, "findings")), "%s", modes[i]);
        /* The state's reason is the first finding when there is one. */
        json_t *first = json_array_get(json_object_get(d, "findings"), 0);
        if (first && strcmp(json_string_value(json_object_get(o, "state")), "degraded") == 0)
            cr_expect_str_eq(json_string_value(json_object_get(o, "reason")),
                             json_string_value(json_object_get(first, "reason")), "%s", modes[i]);
        cr_log_info("%s: state %s, reason %s, %zu finding(s)", modes[i],
                    json_string_value(json_object_get(o, "state")), reason,
                    json_array_size(json_object_get(d, "findings")));
        json_decref(o);
    }
}

Test(picture_faults, another_scene_is_scene_changed_until_the_operator_accepts_it)
{
    char id[64], reason[64];
    /* A camera the inventory gives no resolution: the clips are 640x360,
     * and the state should move with the scene alone. */
    for (int skip = 0;; skip++) {
        farm_rtsp_camera(db, skip, id, sizeof(id));
        json_t *o = show(id);
        bool free_size = !json_object_get(o, "expected");
        json_decref(o);
        if (free_size)
            break;
    }
    /* The first healthy picture becomes the reference. */
    control(id, "ok clip=scene");
    deep_look(id, "online", reason, sizeof(reason));
    json_t *o = show(id);
    json_t *ref = json_object_get(o, "reference");
    cr_assert(json_is_object(ref), "no reference taken: %s", json_dumps(o, 0));
    cr_expect_str_eq(json_string_value(json_object_get(ref, "set_by")), "first_healthy_look");
    cr_expect_eq(json_array_size(json_object_get(json_object_get(o, "diagnosis"), "findings")), 0);
    json_decref(o);

    /* The camera is turned to another scene: degraded, scene_changed. */
    control(id, "ok clip=scene2");
    deep_look(id, "degraded", reason, sizeof(reason));
    cr_expect_str_eq(reason, "scene_changed");
    o = show(id);
    double sim = 1;
    cr_assert(has_finding(json_object_get(o, "diagnosis"), "scene_changed", &sim), "%s",
              json_dumps(o, 0));
    cr_expect_lt(sim, 0.65, "similarity %.2f", sim);
    cr_expect_str_eq(json_string_value(json_object_get(o, "reason")), "scene_changed");
    json_decref(o);
    char *list[] = {CAMDEX_BIN,      "--db",     db,    "list", "--finding",
                    "scene_changed", "--format", "csv", NULL};
    struct run r = runv(list);
    cr_expect(strstr(r.out, id), "%s", r.out);
    run_free(&r);

    /* The operator accepts the new scene; the next look finds it healthy. */
    char *set[] = {CAMDEX_BIN, "--db", db, "reference", id, "set", NULL};
    run_ok(set);
    deep_look(id, "online", reason, sizeof(reason));
    o = show(id);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(o, "reference"), "set_by")),
                     "operator");
    cr_expect_not(has_finding(json_object_get(o, "diagnosis"), "scene_changed", NULL));
    json_decref(o);

    /* Back to the first scene, cleared through the API: the next healthy
     * picture is the new reference. */
    control(id, "ok clip=scene");
    deep_look(id, "degraded", reason, sizeof(reason));
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/reference", id);
    struct resp d = request("DELETE", path, RW, NULL);
    cr_assert_eq(d.status, 200, "%s", d.body);
    resp_free(&d);
    deep_look(id, "online", reason, sizeof(reason));
    o = show(id);
    cr_expect_str_eq(json_string_value(json_object_get(json_object_get(o, "reference"), "set_by")),
                     "first_healthy_look");
    json_decref(o);
}
