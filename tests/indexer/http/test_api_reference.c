/* The API's picture diagnosis and reference picture end to end: GET
 * /cameras/{id} carries the diagnosis, ?finding= lists by any finding, and
 * PUT/DELETE /cameras/{id}/reference set and clear the reference as
 * `camdex reference` does. Diagnoses are written into the index as a deep
 * look would have. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "api_serve.h"
#include "store.h"

static char cam1[STORE_ID_MAX + 1], cam2[STORE_ID_MAX + 1];

/* The first camera diagnosed black and noisy, with its picture. */
static void diagnose_first(void)
{
    struct store *s = api_store_open();
    api_first_two(s, cam1, cam2, NULL);
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
    api_store_commit_close(s, &b);
}

static void setup(void)
{
    api_index(20, 5);
    diagnose_first();
    /* A probe interval longer than the test: nothing probes the cameras. */
    api_serve("--interval", "1h", API_TOKENS, "--set", "deep.workers=0", "--log-level", "info",
              NULL);
}

TestSuite(api_reference, .init = setup, .fini = api_teardown, .timeout = 120);

Test(api_reference, the_camera_carries_its_diagnosis_and_is_listed_by_finding)
{
    struct resp r = api_call("GET", "/api/v1/cameras/%s", cam1, API_RO);
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
    r = api_call("GET", "/api/v1/cameras/%s", cam2, API_RO);
    cr_expect(json_is_null(json_object_get(r.json, "diagnosis")), "%s", r.body);
    resp_free(&r);

    r = request("GET", "/api/v1/cameras?finding=noisy", API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *cams = json_object_get(r.json, "cameras");
    cr_assert_eq(json_array_size(cams), 1, "%s", r.body);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(cams, 0), "id")), cam1);
    resp_free(&r);
    r = request("GET", "/api/v1/cameras?finding=No-Such", API_RO, NULL);
    cr_expect_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
}

Test(api_reference, put_adopts_the_diagnosed_picture_and_delete_forgets_it)
{
    struct resp r = api_call("GET", "/api/v1/cameras/%s/reference", cam1, API_RO);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(json_is_null(json_object_get(r.json, "reference")), "%s", r.body);
    resp_free(&r);

    r = api_call("PUT", "/api/v1/cameras/%s/reference", cam1, API_RO);
    cr_expect_eq(r.status, 403, "a read token cannot set it: %s", r.body);
    resp_free(&r);
    r = api_call("PUT", "/api/v1/cameras/%s/reference", cam1, API_RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *ref = json_object_get(r.json, "reference");
    cr_expect_str_eq(json_string_value(json_object_get(ref, "set_by")), "operator");
    cr_expect(json_is_true(json_object_get(r.json, "changed")));
    resp_free(&r);
    r = api_call("GET", "/api/v1/cameras/%s", cam1, API_RO);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(r.json, "reference"), "set_by")),
        "operator", "%s", r.body);
    resp_free(&r);

    r = api_call("DELETE", "/api/v1/cameras/%s/reference", cam1, API_RW);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(json_is_null(json_object_get(r.json, "reference")), "%s", r.body);
    resp_free(&r);
}

Test(api_reference, nothing_to_accept_is_409_and_no_camera_404)
{
    struct resp r = api_call("PUT", "/api/v1/cameras/%s/reference", cam2, API_RW);
    cr_expect_eq(r.status, 409, "%s", r.body);
    cr_expect(strstr(r.body, "no diagnosed picture yet"), "%s", r.body);
    resp_free(&r);
    r = api_call("PUT", "/api/v1/cameras/%s/reference", "32010200009999999999", API_RW);
    cr_expect_eq(r.status, 404, "%s", r.body);
    resp_free(&r);
    r = api_call("GET", "/api/v1/cameras/%s/reference", "32010200009999999999", API_RO);
    cr_expect_eq(r.status, 404, "%s", r.body);
    resp_free(&r);
}
