/* The API's picture diagnosis and reference picture end to end: GET
 * /cameras/{id} carries the diagnosis, ?finding= lists by any finding, and
 * PUT/DELETE /cameras/{id}/reference set and clear the reference as
 * `camdex reference` does. Diagnoses are written into the index as a deep
 * look would have. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "httpc.h"
#include "procs.h"
#include "runcmd.h"
#include "store.h"
#include "testutil.h"

#define RO "ro-token-5f1c9e"
#define RW "rw-token-a73d02"

static char *tmp;
static char db[4200], fleet[4200];
static struct proc serve;
static char cam1[STORE_ID_MAX + 1], cam2[STORE_ID_MAX + 1];

static int first_two(const struct store_camera *c, const struct store_health *h, void *ctx)
{
    (void)h;
    (void)ctx;
    snprintf(cam1[0] ? cam2 : cam1, STORE_ID_MAX + 1, "%s", c->id);
    return cam2[0] ? 1 : 0;
}

/* The first camera diagnosed black and noisy, with its picture. */
static void diagnose_first(void)
{
    struct store *s;
    struct store_options o;
    store_options_default(&o);
    cr_assert_eq(store_open(db, &o, &s), 0);
    struct store_read *r;
    cam1[0] = cam2[0] = 0;
    cr_assert_eq(store_read_begin(s, &r), 0);
    cr_assert_eq(store_cameras_scan(r, NULL, first_two, NULL), 0);
    store_read_end(&r);
    static uint8_t sig[32 * 18];
    struct store_diagnosis d = {.time_ms = 1765000000000,
                                .judged = true,
                                .n = 2,
                                .f = {{"black", 20.5f, 28}, {"noisy", 9.25f, 6}},
                                .sig_w = 32,
                                .sig_h = 18,
                                .sig = sig};
    struct store_batch *b;
    cr_assert_eq(store_batch_new(&b), 0);
    cr_assert_eq(store_batch_diagnosis_put(b, cam1, &d), 0);
    cr_assert_eq(store_batch_commit(s, b, NULL, NULL, NULL), 0);
    store_batch_free(&b);
    store_close(&s);
}

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    snprintf(fleet, sizeof(fleet), "%s/fleet.csv", tmp);
    char *gen[] = {CAMDEX_BIN, "generate", "--cameras", "20", "--seed", "5", NULL};
    run_to_file(gen, fleet);
    char *imp[] = {CAMDEX_BIN, "--db", db, "import", fleet, NULL};
    run_ok(imp);
    diagnose_first();
    /* A probe interval longer than the test: nothing probes the cameras. */
    char *argv[] = {CAMDEX_BIN,
                    "--db",
                    db,
                    "serve",
                    "--interval",
                    "1h",
                    "--set",
                    "http.listen=127.0.0.1:0",
                    "--set",
                    "http.token_ro=" RO,
                    "--set",
                    "http.token_rw=" RW,
                    "--set",
                    "deep.workers=0",
                    "--log-level",
                    "info",
                    NULL};
    proc_start(&serve, 2, argv);
    http_port = serve_http_port(&serve);
}

static void teardown(void)
{
    int rc = proc_stop(&serve, SIGTERM, 15000);
    testutil_rmdir(tmp);
    cr_assert_eq(rc, 0, "serve exited with %d", rc);
}

TestSuite(api_reference, .init = setup, .fini = teardown, .timeout = 120);

static struct resp call(const char *method, const char *fmt, const char *id, const char *token)
{
    char path[256];
    snprintf(path, sizeof(path), fmt, id);
    return request(method, path, token, NULL);
}

Test(api_reference, the_camera_carries_its_diagnosis_and_is_listed_by_finding)
{
    struct resp r = call("GET", "/api/v1/cameras/%s", cam1, RO);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *d = json_object_get(r.json, "diagnosis");
    cr_assert(json_is_object(d), "%s", r.body);
    cr_expect(json_is_true(json_object_get(d, "judged")));
    json_t *f = json_object_get(d, "findings");
    cr_assert_eq(json_array_size(f), 2, "%s", r.body);
    json_t *f0 = json_array_get(f, 0);
    cr_expect_str_eq(json_string_value(json_object_get(f0, "reason")), "black");
    cr_expect_float_eq(json_number_value(json_object_get(f0, "value")), 20.5, 1e-9);
    cr_expect_float_eq(json_number_value(json_object_get(f0, "limit")), 28, 1e-9);
    cr_expect(json_is_null(json_object_get(r.json, "reference")), "%s", r.body);
    resp_free(&r);
    r = call("GET", "/api/v1/cameras/%s", cam2, RO);
    cr_expect(json_is_null(json_object_get(r.json, "diagnosis")), "%s", r.body);
    resp_free(&r);

    r = request("GET", "/api/v1/cameras?finding=noisy", RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *cams = json_object_get(r.json, "cameras");
    cr_assert_eq(json_array_size(cams), 1, "%s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(cams, 0), "id")), cam1);
    resp_free(&r);
    r = request("GET", "/api/v1/cameras?finding=No-Such", RO, NULL);
    cr_expect_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
}

Test(api_reference, put_adopts_the_diagnosed_picture_and_delete_forgets_it)
{
    struct resp r = call("GET", "/api/v1/cameras/%s/reference", cam1, RO);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(json_is_null(json_object_get(r.json, "reference")), "%s", r.body);
    resp_free(&r);

    r = call("PUT", "/api/v1/cameras/%s/reference", cam1, RO);
    cr_expect_eq(r.status, 403, "a read token cannot set it: %s", r.body);
    resp_free(&r);
    r = call("PUT", "/api/v1/cameras/%s/reference", cam1, RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *ref = json_object_get(r.json, "reference");
    cr_expect_str_eq(json_string_value(json_object_get(ref, "set_by")), "operator");
    cr_expect(json_is_true(json_object_get(r.json, "changed")));
    resp_free(&r);
    r = call("GET", "/api/v1/cameras/%s", cam1, RO);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(r.json, "reference"), "set_by")),
        "operator", "%s", r.body);
    resp_free(&r);

    r = call("DELETE", "/api/v1/cameras/%s/reference", cam1, RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(json_is_null(json_object_get(r.json, "reference")), "%s", r.body);
    resp_free(&r);
}

Test(api_reference, nothing_to_accept_is_409_and_no_camera_404)
{
    struct resp r = call("PUT", "/api/v1/cameras/%s/reference", cam2, RW);
    cr_expect_eq(r.status, 409, "%s", r.body);
    cr_expect(strstr(r.body, "no diagnosed picture yet"), "%s", r.body);
    resp_free(&r);
    r = call("PUT", "/api/v1/cameras/%s/reference", "32010200009999999999", RW);
    cr_expect_eq(r.status, 404, "%s", r.body);
    resp_free(&r);
    r = call("GET", "/api/v1/cameras/%s/reference", "32010200009999999999", RO);
    cr_expect_eq(r.status, 404, "%s", r.body);
    resp_free(&r);
}
