/* OSD looks in `camdex serve` against camfarm: two cameras stream a 1080p
 * street whose OSD shows 2020-01-01 08:00:00 and the name 河西大街东口
 * (camfarm's osd_wrong clip); the first is called 河西大街东口 in the
 * inventory, the second something else, a third streams a picture with no
 * OSD. Each OSD look is stored and shown by `camdex show`: the clock is
 * wrong for both (years off), the name right for the first and wrong for
 * the second, the third unknown for both (never wrong); the wrong ones
 * join the camera's diagnosis as osd_time_wrong and osd_label_wrong, and
 * none of it changes the camera's state. On demand: `camdex probe --osd ID`
 * reads and judges the same, and so does POST .../probe?osd=true. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "farm.h"
#include "httpc.h"
#include "procs.h"
#include "runcmd.h"
#include "testutil.h"

#define CAMERAS  5
#define OSD_NAME "河西大街东口"
#define RW       "rw-token-0sd5e1"

static char *tmp;
static char fleet[4200], db[4200];
static int rtsp_port, control_port;
static struct proc farm, serve;
static char cam[3][32];

/* Camera n's id (the n-th RTSP row, from 1); the first gets OSD_NAME. */
static void name_cameras(void)
{
    FILE *f = fopen(fleet, "r");
    cr_assert_not_null(f);
    static char out[1 << 20];
    size_t len = 0;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, ",rtsp://") && n < 3) {
            char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
            cr_assert(c2, "%s", line);
            snprintf(cam[n], sizeof(cam[n]), "%.*s", (int)(c1 - line), line);
            if (n++ == 0) {
                len += (size_t)snprintf(out + len, sizeof(out) - len, "%.*s," OSD_NAME "%s",
                                        (int)(c1 - line), line, c2);
                continue;
            }
        }
        len += (size_t)snprintf(out + len, sizeof(out) - len, "%s", line);
    }
    fclose(f);
    cr_assert_eq(n, 3, "three RTSP cameras");
    f = fopen(fleet, "w");
    fwrite(out, 1, len, f);
    fclose(f);
}

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    snprintf(db, sizeof(db), "%s/index", tmp);
    rtsp_port = procs_free_port();
    control_port = procs_free_port();
    farm_generate(fleet, CAMERAS, 5, rtsp_port);
    name_cameras();
    farm_start(&farm, fleet, rtsp_port, control_port, NULL);
    char reply[512], cmd[128];
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof(cmd), "mode %s osd_wrong", cam[i]);
        farm_control(control_port, cmd, reply, sizeof(reply));
        cr_assert(strncmp(reply, "ok", 2) == 0, "%s: %s", cmd, reply);
    }
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", fleet, NULL};
    run_ok(imp);
    /* A full deep look every 2 s and an OSD look with each: the test need
     * not wait a day. */
    char *argv[] = {CAMDEX_BIN,
                    "--db",
                    db,
                    "serve",
                    "--interval",
                    "1s",
                    "--set",
                    "quality.interval=2s",
                    "--set",
                    "quality.osd_interval=2s",
                    "--set",
                    "writer.commit_interval=50ms",
                    "--set",
                    "http.listen=127.0.0.1:0",
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
    int rc = serve.pid > 0 ? proc_stop(&serve, SIGTERM, 15000) : 0;
    proc_stop(&farm, SIGTERM, 10000);
    testutil_rmdir(tmp);
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

/* `camdex show ID --format json` once an OSD look at it is stored. */
static json_t *show_after_osd_look(const char *id)
{
    for (int i = 0; i < 10; i++) {
        cr_assert(proc_wait_line(&serve, 120000, "msg=\"osd look\"", id, NULL),
                  "no OSD look at %s: %s", id, serve.last);
        char *argv[] = {CAMDEX_BIN, "--db", db, "show", (char *)id, "--format", "json", NULL};
        struct run r = runv(argv);
        json_t *o = json_loads(r.out, 0, NULL);
        cr_assert_not_null(o, "show: %s %s", r.out, r.err);
        run_free(&r);
        json_t *d = json_object_get(o, "diagnosis");
        if (json_is_object(json_object_get(o, "osd")) && json_is_object(d))
            return o;
        json_decref(o);
    }
    cr_assert_fail("the OSD look at %s was never stored", id);
    return NULL;
}

static const char *osd_field(json_t *o, const char *k)
{
    return json_string_value(json_object_get(json_object_get(o, "osd"), k));
}

static bool has_finding(json_t *o, const char *reason)
{
    json_t *f = json_object_get(json_object_get(o, "diagnosis"), "findings"), *x;
    size_t i;
    json_array_foreach(f, i, x) if (strcmp(json_string_value(json_object_get(x, "reason")),
                                           reason) == 0) return true;
    return false;
}

Test(osd_serve, osd_looks_are_stored_judged_shown_and_join_the_diagnosis, .init = setup,
     .fini = teardown, .timeout = 540)
{
    json_t *right = show_after_osd_look(cam[0]);
    char *dump = json_dumps(json_object_get(right, "osd"), 0);
    cr_expect_str_eq(osd_field(right, "time_read"), "2020-01-01 08:00:00", "%s", dump);
    cr_expect_str_eq(osd_field(right, "time_check"), "wrong", "%s", dump);
    cr_expect_str_eq(osd_field(right, "label_check"), "right", "%s", dump);
    cr_expect_lt(json_integer_value(json_object_get(json_object_get(right, "osd"), "offset_s")),
                 -86400LL * 365, "%s", dump);
    cr_expect(has_finding(right, "osd_time_wrong"), "%s",
              json_dumps(json_object_get(right, "diagnosis"), 0));
    cr_expect(!has_finding(right, "osd_label_wrong"));
    free(dump);

    json_t *other = show_after_osd_look(cam[1]);
    dump = json_dumps(json_object_get(other, "osd"), 0);
    cr_expect_str_eq(osd_field(other, "time_check"), "wrong", "%s", dump);
    cr_expect_str_eq(osd_field(other, "label_check"), "wrong", "%s", dump);
    cr_expect(has_finding(other, "osd_label_wrong"), "%s",
              json_dumps(json_object_get(other, "diagnosis"), 0));
    free(dump);

    /* No OSD on the picture: unknown, never wrong. */
    json_t *plain = show_after_osd_look(cam[2]);
    dump = json_dumps(json_object_get(plain, "osd"), 0);
    cr_expect_str_neq(osd_field(plain, "time_check"), "wrong", "%s", dump);
    cr_expect_str_neq(osd_field(plain, "label_check"), "wrong", "%s", dump);
    cr_expect(!has_finding(plain, "osd_time_wrong") && !has_finding(plain, "osd_label_wrong"));
    free(dump);

    /* The state is the picture's and the stream's, not the OSD's. */
    for (int i = 0; i < 2; i++) {
        json_t *o = i ? other : right;
        const char *reason = json_string_value(json_object_get(o, "reason"));
        cr_expect(!reason || strncmp(reason, "osd_", 4) != 0, "reason %s", reason);
    }
    /* ...and `show` prints it. */
    char *argv[] = {CAMDEX_BIN, "--db", db, "show", cam[0], NULL};
    struct run r = runv(argv);
    cr_expect(strstr(r.out, "time wrong") && strstr(r.out, "label right"), "%s", r.out);
    run_free(&r);
    json_decref(right);
    json_decref(other);
    json_decref(plain);

    /* On demand, from the command line: the camera's URL and name from
     * the index. */
    char *cli[] = {CAMDEX_BIN, "--db", db, "probe", "--osd", cam[1], "--format", "json", NULL};
    r = runv(cli);
    json_t *o = json_loads(r.out, 0, NULL);
    cr_assert_not_null(o, "probe --osd: %s %s", r.out, r.err);
    cr_expect_str_eq(osd_field(o, "time_check"), "wrong", "%s", r.out);
    cr_expect_str_eq(osd_field(o, "label_check"), "wrong", "%s", r.out);
    cr_expect_str_eq(osd_field(o, "time_read"), "2020-01-01 08:00:00", "%s", r.out);
    json_decref(o);
    run_free(&r);

    /* ...and from the API. */
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/probe?osd=true", cam[0]);
    http_wait_ms = 60000;
    struct resp a = request("POST", path, RW, NULL);
    cr_assert_eq(a.status, 200, "%s", a.body);
    cr_expect_str_eq(osd_field(a.json, "label_check"), "right", "%s", a.body);
    cr_expect_str_eq(osd_field(a.json, "time_check"), "wrong", "%s", a.body);
    resp_free(&a);
}
