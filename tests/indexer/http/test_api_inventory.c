/* POST /api/v1/inventory against a running `camdex serve`: the same rules
 * as `camdex import` (all or nothing, dry run, prune, errors with their
 * lines, GB18030), the body limit, write tokens, and the service noticing
 * the change. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "api_serve.h"

static char *fleet; /* 5 generated cameras, imported at set-up */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *buf = malloc(1 << 16);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

static void setup(void)
{
    api_index(5, 3);
    size_t len;
    fleet = read_file(api.fleet, &len);
    api_serve("--interval", "60s", API_TOKENS, "--log-level", "info", NULL);
}

static void teardown(void)
{
    free(fleet);
    api_teardown();
}

TestSuite(api_inventory, .init = setup, .fini = teardown, .timeout = 120);

static size_t camera_count(void)
{
    struct resp r = request("GET", "/api/v1/cameras?limit=1000", API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    size_t n = json_array_size(json_object_get(r.json, "cameras"));
    resp_free(&r);
    return n;
}

static json_int_t count_of(const struct resp *r, const char *key)
{
    json_t *v = json_object_get(r->json, key);
    cr_assert(json_is_integer(v), "no %s in %s", key, r->body);
    return json_integer_value(v);
}

static const char extra_csv[] =
    "id,name,unit_id,unit_name,url\n"
    "API-CAM-1,东门,U-API,接口单位,rtsp://admin:s3cret@127.1.9.1:8554/ch1\n"
    "API-CAM-2,西门,U-API,接口单位,rtsp://127.1.9.2:8554/ch1\n";

Test(api_inventory, a_csv_body_adds_cameras_and_the_service_reloads)
{
    struct resp r = request_with("POST", "/api/v1/inventory", API_RW, "text/csv", extra_csv,
                                 sizeof(extra_csv) - 1);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_eq(count_of(&r, "added"), 2);
    cr_assert_eq(count_of(&r, "cameras"), 2);
    cr_assert_eq(count_of(&r, "missing"), 5, "the 5 cameras of the set-up are not in the body");
    cr_assert_eq(count_of(&r, "removed"), 0, "nothing is removed without prune");
    cr_assert(json_is_false(json_object_get(r.json, "dry_run")));
    resp_free(&r);
    cr_assert_eq(camera_count(), 7);
    r = request("GET", "/api/v1/cameras/API-CAM-1", API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(json_string_value(json_object_get(r.json, "name")), "东门");
    cr_assert_null(strstr(r.body, "s3cret"));
    resp_free(&r);
    /* The running service sees the new inventory, as after `camdex import`. */
    cr_assert(proc_wait_line(&api.serve, 10000, "inventory reloaded", "cameras=7", NULL), "%s",
              api.serve.last);
    /* The same body again changes nothing. */
    r = request_with("POST", "/api/v1/inventory", API_RW, "text/csv", extra_csv,
                     sizeof(extra_csv) - 1);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_eq(count_of(&r, "added"), 0);
    cr_assert_eq(count_of(&r, "unchanged"), 2);
    resp_free(&r);
}

Test(api_inventory, dry_run_reports_and_changes_nothing)
{
    struct resp r = request_with("POST", "/api/v1/inventory?dry_run=1&prune=1", API_RW, "text/csv",
                                 extra_csv, sizeof(extra_csv) - 1);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(json_is_true(json_object_get(r.json, "dry_run")));
    cr_assert_eq(count_of(&r, "added"), 2);
    cr_assert_eq(count_of(&r, "removed"), 5);
    resp_free(&r);
    cr_assert_eq(camera_count(), 5);
    r = request("GET", "/api/v1/cameras/API-CAM-1", API_RO, NULL);
    cr_assert_eq(r.status, 404, "%s", r.body);
    resp_free(&r);
}

Test(api_inventory, prune_removes_cameras_missing_from_the_body)
{
    /* The set-up's fleet without its last camera. */
    char *cut = strrchr(fleet, '\n');
    cr_assert_not_null(cut);
    *cut = 0;
    cut = strrchr(fleet, '\n');
    cut[1] = 0;
    struct resp r =
        request_with("POST", "/api/v1/inventory?prune=1", API_RW, "text/csv", fleet, strlen(fleet));
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_eq(count_of(&r, "removed"), 1);
    cr_assert_eq(count_of(&r, "unchanged"), 4);
    resp_free(&r);
    cr_assert_eq(camera_count(), 4);
}

Test(api_inventory, errors_name_their_lines_and_nothing_is_written)
{
    static const char bad[] = "id,name,unit_id,unit_name,url\n"
                              "OK-CAM-1,好的,U1,单位,rtsp://127.1.9.3/ch1\n"
                              "BAD-CAM-2,坏的,U1,单位,rtps://user:pw@127.1.9.4/ch1\n"
                              "BAD-CAM-3,,U1,单位,rtsp://127.1.9.5/ch1\n";
    struct resp r =
        request_with("POST", "/api/v1/inventory", API_RW, "text/csv", bad, sizeof(bad) - 1);
    cr_assert_eq(r.status, 400, "%s", r.body);
    json_t *e = json_object_get(r.json, "error");
    cr_assert_str_eq(json_string_value(json_object_get(e, "code")), "invalid_inventory");
    cr_assert(strstr(json_string_value(json_object_get(e, "message")), "2 errors"), "%s", r.body);
    json_t *errs = json_object_get(r.json, "errors");
    cr_assert_eq(json_array_size(errs), 2, "%s", r.body);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(errs, 0), "line")), 3);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(errs, 1), "line")), 4);
    const char *m0 = json_string_value(json_object_get(json_array_get(errs, 0), "message"));
    cr_assert(m0 && strstr(m0, "url") && strstr(m0, "scheme"), "%s", m0);
    cr_assert_null(strstr(r.body, "pw@"), "a password in an error: %s", r.body);
    cr_assert_eq(count_of(&r, "more_errors"), 0);
    resp_free(&r);
    /* All or nothing: the good row is not there either. */
    cr_assert_eq(camera_count(), 5);
}

Test(api_inventory, many_errors_are_capped_and_counted)
{
    char *body = malloc(64 * 1024);
    size_t n = (size_t)sprintf(body, "id,name,unit_id,unit_name,url\n");
    for (int i = 0; i < 100; i++)
        n += (size_t)sprintf(body + n, "E%d,,U1,单位,rtsp://127.1.9.9/ch%d\n", i, i);
    struct resp r = request_with("POST", "/api/v1/inventory", API_RW, "text/csv", body, n);
    free(body);
    cr_assert_eq(r.status, 400, "%s", r.body);
    size_t shown = json_array_size(json_object_get(r.json, "errors"));
    cr_assert_gt(shown, 0);
    cr_assert_lt(shown, 100);
    cr_assert_eq(count_of(&r, "more_errors"), 100 - (json_int_t)shown, "%s", r.body);
    resp_free(&r);
}

Test(api_inventory, gb18030_and_json_bodies_read_as_the_cli_reads_them)
{
    size_t len;
    char *gb = read_file(CAMDEX_TEST_DATA "/inventory_gb18030.csv", &len);
    /* No Content-Type: the format and the encoding are found from the bytes. */
    struct resp r = request_with("POST", "/api/v1/inventory", API_RW, NULL, gb, len);
    free(gb);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_eq(count_of(&r, "added"), 3);
    resp_free(&r);
    r = request("GET", "/api/v1/cameras/32010500001310000003", API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(json_string_value(json_object_get(r.json, "name")), "停车场2号");
    resp_free(&r);
    char *js = read_file(CAMDEX_TEST_DATA "/inventory_small.json", &len);
    r = request_with("POST", "/api/v1/inventory?dry_run=1", API_RW, "application/json", js, len);
    free(js);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_geq(count_of(&r, "cameras"), 1);
    resp_free(&r);
}

Test(api_inventory, oversized_bodies_tokens_and_parameters)
{
    size_t n = 70000; /* above the default max_body of 65536 */
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = 0;
    struct resp r = request_with("POST", "/api/v1/inventory", API_RW, "text/csv", big, n);
    cr_assert_eq(r.status, 413, "%s", r.head);
    resp_free(&r);
    free(big);
    r = request_with("POST", "/api/v1/inventory", API_RO, "text/csv", extra_csv,
                     sizeof(extra_csv) - 1);
    assert_error(&r, 403, "forbidden", "only read");
    resp_free(&r);
    r = request_with("POST", "/api/v1/inventory", NULL, "text/csv", extra_csv,
                     sizeof(extra_csv) - 1);
    assert_error(&r, 401, "unauthorized", "Bearer");
    resp_free(&r);
    r = request_with("POST", "/api/v1/inventory?dry_run=maybe", API_RW, "text/csv", extra_csv,
                     sizeof(extra_csv) - 1);
    assert_error(&r, 400, "bad_parameter", "dry_run");
    resp_free(&r);
    r = request_with("POST", "/api/v1/inventory?encoding=latin1", API_RW, "text/csv", extra_csv,
                     sizeof(extra_csv) - 1);
    assert_error(&r, 400, "bad_parameter", "encoding");
    resp_free(&r);
    cr_assert_eq(camera_count(), 5);
}

Test(api_inventory, a_client_that_leaves_mid_import_harms_nothing)
{
    /* The whole request goes out, then the connection is reset: the
     * import may run or not, its answer has nowhere to go. */
    char raw[1024];
    int n = snprintf(raw, sizeof(raw),
                     "POST /api/v1/inventory HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " API_RW
                     "\r\nContent-Type: text/csv\r\nContent-Length: %zu\r\n\r\n%s",
                     sizeof(extra_csv) - 1, extra_csv);
    int fd = connect_api();
    send_all(fd, raw, (size_t)n);
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
    /* The service goes on answering, and the next import runs (after a
     * 409 while the first one still does). */
    struct resp r;
    uint64_t end = procs_now_ms() + 10000;
    for (;;) {
        r = request_with("POST", "/api/v1/inventory", API_RW, "text/csv", extra_csv,
                         sizeof(extra_csv) - 1);
        if (r.status != 409 || procs_now_ms() > end)
            break;
        resp_free(&r);
        poll(NULL, 0, 20);
    }
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_eq(count_of(&r, "added") + count_of(&r, "unchanged"), 2, "%s", r.body);
    resp_free(&r);
    cr_assert_eq(camera_count(), 7);
    /* teardown: serve exits 0, so AddressSanitizer found nothing. */
}

/* A name a spreadsheet would run (=HYPERLINK) leaves GET /cameras?format=csv
 * behind an apostrophe, and that CSV's cell imports back as the name. */
Test(api_inventory, formula_cells_are_neutralised_in_csv_and_read_back)
{
    static const char body[] = "id,name,unit_id,unit_name,url\n"
                               "API-CAM-F,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",U-API,"
                               "@unit,rtsp://127.1.9.3:8554/ch1\n";
    struct resp r =
        request_with("POST", "/api/v1/inventory", API_RW, "text/csv", body, sizeof(body) - 1);
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    r = request("GET", "/api/v1/cameras?format=csv&unit=U-API", API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, "API-CAM-F,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",U-API,'@unit,"),
              "%s", r.body);
    resp_free(&r);
}

/* Line breaks in a name are accepted, stored as spaces and reported in
 * the answer's warnings with their line. */
Test(api_inventory, line_breaks_in_names_are_warnings_with_their_lines)
{
    static const char body[] = "id,name,unit_id,unit_name,url\n"
                               "API-CAM-B,\"北门\n主入口\",U-API,接口单位,rtsp://127.1.9.4:8554/ch1\n";
    struct resp r =
        request_with("POST", "/api/v1/inventory", API_RW, "text/csv", body, sizeof(body) - 1);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *w = json_object_get(r.json, "warnings");
    cr_assert_eq(json_array_size(w), 1, "%s", r.body);
    cr_assert_str_eq(json_string_value(json_array_get(w, 0)),
                     "body: line breaks in 1 free-text cell were stored as spaces (line 2)");
    resp_free(&r);
    r = request("GET", "/api/v1/cameras/API-CAM-B", API_RO, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(r.json, "name")), "北门 主入口");
    resp_free(&r);
    r = request_with("POST", "/api/v1/inventory", API_RW, "text/csv", extra_csv,
                     sizeof(extra_csv) - 1);
    cr_assert_eq(json_array_size(json_object_get(r.json, "warnings")), 0, "%s", r.body);
    resp_free(&r);
}
