/* The HTTP API of `camdex serve` end to end: a 200-camera index, the
 * service on a port the kernel picks, and a raw-socket client (so that
 * malformed, oversized and slow requests can be sent as they are). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "base/timefmt.h"
#include "http/api_internal.h"
#include "http/http_server.h"
#include "api_serve.h"

#define CAMERAS 200

static void start_serve(void)
{
    api_serve("--interval", "60s", API_TOKENS, "--set", "http.timeout=1s", "--log-level", "info",
              NULL);
}

static void setup(void)
{
    api_index(CAMERAS, 5);
    start_serve();
}

TestSuite(api, .init = setup, .fini = api_teardown, .timeout = 120);

static struct resp get(const char *path)
{
    return request("GET", path, API_RO, NULL);
}

/* ---- endpoints ---- */

Test(api, health_and_readiness_need_no_token)
{
    struct resp r = request("GET", "/healthz", NULL, NULL);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "ok");
    resp_free(&r);
    r = request("GET", "/readyz", NULL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
}

Test(api, summary_counts_every_camera)
{
    struct resp r = get("/api/v1/summary");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_eq(json_integer_value(json_object_get(r.json, "cameras")), CAMERAS);
    json_t *st = json_object_get(r.json, "states");
    json_int_t sum = 0;
    const char *k;
    json_t *v;
    json_object_foreach(st, k, v) sum += json_integer_value(v);
    cr_assert_eq(sum, CAMERAS, "%s", r.body);
    cr_assert(json_object_get(r.json, "online_rate"));
    cr_assert_gt(json_integer_value(json_object_get(r.json, "units")), 0);
    cr_assert_str_eq(header(&r, "content-type"), "application/json");
    resp_free(&r);
}

Test(api, units_list_and_one_unit)
{
    struct resp r = get("/api/v1/units");
    cr_assert_eq(r.status, 200);
    json_t *units = json_object_get(r.json, "units");
    cr_assert_gt(json_array_size(units), 0);
    char path[256];
    const char *id = json_string_value(json_object_get(json_array_get(units, 0), "id"));
    snprintf(path, sizeof(path), "/api/v1/units/%s", id);
    struct resp one = get(path);
    cr_assert_eq(one.status, 200, "%s", one.body);
    cr_assert_str_eq(json_string_value(json_object_get(one.json, "id")), id);
    cr_assert(json_is_object(json_object_get(one.json, "states")));
    resp_free(&one);
    resp_free(&r);
    r = get("/api/v1/units/NOSUCHUNIT");
    assert_error(&r, 404, "not_found", "NOSUCHUNIT");
    resp_free(&r);
}

/* Walks every page of `query` with `limit`; returns the ids in order. */
static json_t *walk(const char *query, int limit, int *pages)
{
    json_t *ids = json_array();
    char cursor[512] = "";
    *pages = 0;
    for (;;) {
        char path[1024];
        snprintf(path, sizeof(path), "/api/v1/cameras?%s%slimit=%d%s%s", query, *query ? "&" : "",
                 limit, cursor[0] ? "&cursor=" : "", cursor);
        struct resp r = get(path);
        cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
        json_t *rows = json_object_get(r.json, "cameras");
        cr_assert_leq(json_array_size(rows), (size_t)limit);
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row) json_array_append(ids, json_object_get(row, "id"));
        (*pages)++;
        const char *next = json_string_value(json_object_get(r.json, "next_cursor"));
        if (!next) {
            resp_free(&r);
            break;
        }
        snprintf(cursor, sizeof(cursor), "%s", next);
        resp_free(&r);
        cr_assert_lt(*pages, 1000, "pagination does not end");
    }
    return ids;
}

static void assert_same_ids(json_t *a, json_t *b)
{
    cr_assert_eq(json_array_size(a), json_array_size(b));
    for (size_t i = 0; i < json_array_size(a); i++)
        cr_assert_str_eq(json_string_value(json_array_get(a, i)),
                         json_string_value(json_array_get(b, i)), "order differs at %zu", i);
}

static void assert_no_duplicates(json_t *ids)
{
    for (size_t i = 0; i < json_array_size(ids); i++)
        for (size_t j = i + 1; j < json_array_size(ids); j++)
            cr_assert(strcmp(json_string_value(json_array_get(ids, i)),
                             json_string_value(json_array_get(ids, j))),
                      "duplicate id at %zu and %zu", i, j);
}

Test(api, cursor_pages_cover_every_camera_once_in_a_stable_order)
{
    int pages;
    json_t *all = walk("", 1000, &pages);
    cr_assert_eq(json_array_size(all), CAMERAS);
    cr_assert_eq(pages, 1);
    json_t *paged = walk("", 7, &pages);
    cr_assert_eq(pages, (CAMERAS + 6) / 7);
    assert_same_ids(all, paged);
    assert_no_duplicates(paged);
    json_decref(all);
    json_decref(paged);
}

Test(api, filters_by_unit_state_reason_and_text)
{
    struct resp u = get("/api/v1/units");
    json_t *unit = json_array_get(json_object_get(u.json, "units"), 0);
    const char *uid = json_string_value(json_object_get(unit, "id"));
    json_int_t ucount = json_integer_value(json_object_get(unit, "cameras"));
    char q[256];
    snprintf(q, sizeof(q), "unit=%s", uid);
    int pages;
    json_t *all = walk(q, 1000, &pages);
    json_t *paged = walk(q, 9, &pages);
    cr_assert_eq((json_int_t)json_array_size(all), ucount);
    assert_same_ids(all, paged);
    assert_no_duplicates(paged);
    json_decref(paged);
    /* state and unit together: every camera is unknown before its first probe
     * or has been probed; the sum over states is the unit. */
    size_t total = 0;
    static const char *states[] = {"unknown", "online", "degraded", "offline", "maintenance"};
    for (int s = 0; s < 5; s++) {
        snprintf(q, sizeof(q), "unit=%s&state=%s", uid, states[s]);
        json_t *ids = walk(q, 50, &pages);
        total += json_array_size(ids);
        json_decref(ids);
    }
    cr_assert_eq((json_int_t)total, ucount);
    /* q matches a substring of the id. */
    const char *first = json_string_value(json_array_get(all, 0));
    snprintf(q, sizeof(q), "q=%s", first);
    json_t *found = walk(q, 10, &pages);
    cr_assert_eq(json_array_size(found), 1);
    cr_assert_str_eq(json_string_value(json_array_get(found, 0)), first);
    json_decref(found);
    json_t *none = walk("reason=connect_refused&q=no-such-text", 10, &pages);
    cr_assert_eq(json_array_size(none), 0);
    json_decref(none);
    json_decref(all);
    resp_free(&u);
}

Test(api, csv_format_pages_with_a_header_cursor)
{
    struct resp r = get("/api/v1/cameras?format=csv&limit=5");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strncmp(header(&r, "content-type"), "text/csv", 8) == 0);
    cr_assert(strncmp(r.body, "id,name,unit,unit_name,state,reason,detail,since,last_probe,url\n",
                      64) == 0,
              "%s", r.body);
    int lines = 0;
    for (const char *p = r.body; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, 6);
    cr_assert_not_null(header(&r, "x-next-cursor"));
    resp_free(&r);
}

Test(api, camera_detail_and_events)
{
    struct resp l = get("/api/v1/cameras?limit=1");
    const char *id = json_string_value(
        json_object_get(json_array_get(json_object_get(l.json, "cameras"), 0), "id"));
    char path[256], body[128];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/maintenance", id);
    struct resp m = request("PUT", path, API_RW, "{\"on\": true, \"note\": \"lens\"}");
    cr_assert_eq(m.status, 200, "%s", m.body);
    cr_assert(json_is_true(json_object_get(m.json, "changed")));
    resp_free(&m);
    snprintf(path, sizeof(path), "/api/v1/cameras/%s", id);
    struct resp d = get(path);
    cr_assert_eq(d.status, 200, "%s", d.body);
    cr_assert_str_eq(json_string_value(json_object_get(d.json, "id")), id);
    cr_assert_str_eq(json_string_value(json_object_get(d.json, "state")), "maintenance");
    cr_assert(json_is_string(json_object_get(d.json, "url")));
    json_t *evs = json_object_get(d.json, "events");
    cr_assert_geq(json_array_size(evs), 1, "%s", d.body);
    /* A clock never looked at is unknown, not wrong. */
    json_t *clock = json_object_get(d.json, "clock");
    cr_expect_str_eq(json_string_value(json_object_get(clock, "status")), "never", "%s", d.body);
    cr_expect_str_eq(json_string_value(json_object_get(clock, "verdict")), "unknown");
    cr_expect(json_is_null(json_object_get(clock, "offset_ms")));
    resp_free(&d);
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/events?since=1h", id);
    struct resp e = get(path);
    cr_assert_eq(e.status, 200, "%s", e.body);
    json_t *last = json_array_get(json_object_get(e.json, "events"),
                                  json_array_size(json_object_get(e.json, "events")) - 1);
    cr_assert_str_eq(json_string_value(json_object_get(last, "to")), "maintenance", "%s", e.body);
    resp_free(&e);
    snprintf(body, sizeof(body), "{\"on\": true}");
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/maintenance", id);
    /* POST, the endpoint's first form, does the same. */
    m = request("POST", path, API_RW, body);
    cr_assert_eq(m.status, 200, "%s", m.body);
    cr_assert(json_is_false(json_object_get(m.json, "changed")), "%s", m.body);
    resp_free(&m);
    resp_free(&l);
    struct resp nf = get("/api/v1/cameras/NO-SUCH-CAMERA");
    assert_error(&nf, 404, "not_found", "NO-SUCH-CAMERA");
    resp_free(&nf);
    nf = get("/api/v1/cameras/NO-SUCH-CAMERA/events");
    assert_error(&nf, 404, "not_found", "NO-SUCH-CAMERA");
    resp_free(&nf);
}

/* The note is stored as text_clean leaves it: no escape reaches the index
 * (read here straight from it, past the views' own cleaning). */
static void assert_stored_detail(const char *id, const char *want)
{
    struct store_options o;
    store_options_default(&o);
    o.read_only = true;
    struct store *s = NULL;
    cr_assert_eq(store_open(api.db, &o, &s), 0);
    struct store_read *r;
    struct store_health h;
    cr_assert_eq(store_read_begin(s, &r), 0);
    cr_assert_eq(store_health_get(r, id, &h), 0);
    cr_assert_str_eq(h.detail, want);
    store_read_end(&r);
    store_close(&s);
}

Test(api, a_maintenance_note_is_stored_without_terminal_escapes)
{
    struct resp l = get("/api/v1/cameras?limit=1");
    const char *id = json_string_value(
        json_object_get(json_array_get(json_object_get(l.json, "cameras"), 0), "id"));
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/maintenance", id);
    struct resp m = request("PUT", path, API_RW,
                            "{\"on\": true, \"note\": \"\\u001b[2J\\u009b31m\\u001b]0;x\\u0007 "
                            "镜头\\n更换\"}");
    cr_assert_eq(m.status, 200, "%s", m.body);
    resp_free(&m);
    assert_stored_detail(id, "\xEF\xBF\xBD[2J\xEF\xBF\xBD" "31m\xEF\xBF\xBD]0;x\xEF\xBF\xBD 镜头 更换");
    resp_free(&l);
}

Test(api, events_pages_see_each_event_once)
{
    struct resp l = get("/api/v1/cameras?limit=5");
    json_t *rows = json_object_get(l.json, "cameras");
    for (size_t i = 0; i < 5; i++) {
        char path[256];
        snprintf(path, sizeof(path), "/api/v1/cameras/%s/maintenance",
                 json_string_value(json_object_get(json_array_get(rows, i), "id")));
        struct resp m = request("POST", path, API_RW, "{\"on\": true}");
        cr_assert_eq(m.status, 200, "%s", m.body);
        resp_free(&m);
    }
    resp_free(&l);
    struct resp all = get("/api/v1/events?since=1h&limit=1000");
    size_t total = json_array_size(json_object_get(all.json, "events"));
    cr_assert_geq(total, 5);
    char cursor[64] = "";
    size_t seen = 0;
    json_int_t prev = 0;
    for (int pages = 0; pages < 100; pages++) {
        char path[256];
        snprintf(path, sizeof(path), "/api/v1/events?since=1h&limit=2%s%s",
                 cursor[0] ? "&cursor=" : "", cursor);
        struct resp r = get(path);
        cr_assert_eq(r.status, 200, "%s", r.body);
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(r.json, "events"), i, ev)
        {
            json_int_t key = json_integer_value(json_object_get(ev, "key"));
            cr_assert_gt(key, prev, "events out of order or repeated");
            prev = key;
            seen++;
        }
        const char *next = json_string_value(json_object_get(r.json, "next_cursor"));
        snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
        resp_free(&r);
        if (!next)
            break;
    }
    cr_assert_eq(seen, total);
    resp_free(&all);
}

/* ---- reports ---- */

static void assert_rate(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);
    cr_assert(json_is_null(v) ||
                  (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) <= 1),
              "%s is not a rate or null", key);
}

static void assert_report_rows(json_t *rep, const char *unit)
{
    json_t *rows = json_object_get(rep, "rows");
    cr_assert(json_is_array(rows));
    cr_assert_eq(json_integer_value(json_object_get(rep, "count")),
                 (json_int_t)json_array_size(rows));
    cr_assert(json_is_string(json_object_get(rep, "from")));
    cr_assert(json_is_string(json_object_get(rep, "to")));
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        const char *u = json_string_value(json_object_get(row, "unit"));
        cr_assert(u && (!unit || strcmp(u, unit) == 0), "row of unit %s", u ? u : "(none)");
        int32_t d;
        cr_assert_eq(timefmt_parse_day(json_string_value(json_object_get(row, "day")), &d), 0);
        cr_assert(json_is_string(json_object_get(row, "name")));
        assert_rate(row, "online_rate");
        assert_rate(row, "intact_rate");
        assert_rate(row, "snapshot_rate");
        static const char *hours[] = {"monitored_hours", "online_hours", "degraded_hours",
                                      "offline_hours"};
        for (size_t k = 0; k < 4; k++)
            cr_assert(json_is_number(json_object_get(row, hours[k])), "%s", hours[k]);
        /* Online rate counts degraded time too, so it is never below intact. */
        json_t *on = json_object_get(row, "online_rate"), *in = json_object_get(row, "intact_rate");
        if (json_is_real(on) && json_is_real(in))
            cr_assert_geq(json_real_value(on) + 1e-9, json_real_value(in));
    }
}

Test(api, online_rate_report_per_unit_and_for_all)
{
    struct resp u = get("/api/v1/units");
    const char *uid = json_string_value(
        json_object_get(json_array_get(json_object_get(u.json, "units"), 0), "id"));
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/reports/online-rate?unit=%s", uid);
    struct resp r = get(path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    assert_report_rows(r.json, uid);
    resp_free(&r);
    snprintf(path, sizeof(path),
             "/api/v1/reports/online-rate?unit=%s&from=2026-11-01&to=2026-11-07", uid);
    r = get(path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(json_string_value(json_object_get(r.json, "from")), "2026-11-01");
    cr_assert_str_eq(json_string_value(json_object_get(r.json, "to")), "2026-11-07");
    assert_report_rows(r.json, uid);
    resp_free(&r);
    r = get("/api/v1/reports/online-rate");
    cr_assert_eq(r.status, 200, "%s", r.body);
    assert_report_rows(r.json, NULL);
    resp_free(&r);
    resp_free(&u);
}

Test(api, online_rate_report_refuses_bad_ranges_and_unknown_units)
{
    char longunit[128], path[256];
    memset(longunit, 'u', 65);
    longunit[65] = 0;
    snprintf(path, sizeof(path), "/api/v1/reports/online-rate?unit=%s", longunit);
    const struct {
        const char *path, *in_message;
    } cases[] = {
        {"/api/v1/reports/online-rate?from=2026-13-01", "from"},
        {"/api/v1/reports/online-rate?from=yesterday", "from"},
        {"/api/v1/reports/online-rate?to=2026-02-30x", "to"},
        {"/api/v1/reports/online-rate?from=2026-11-27&to=2026-11-01", "from"},
        {"/api/v1/reports/online-rate?from=2000-01-01&to=2026-11-27", "3660"},
        {"/api/v1/reports/online-rate?unit=", "unit"},
        {path, "unit"},
        {"/api/v1/reports/online-rate?day=2026-11-27", "day"},
        {"/api/v1/reports/online-rate?shape=table", "shape"},
        {"/api/v1/reports/online-rate?shape=series&from=2025-01-01&to=2026-11-27", "366"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct resp r = get(cases[i].path);
        assert_error(&r, 400, "bad_parameter", cases[i].in_message);
        resp_free(&r);
    }
    struct resp r = get("/api/v1/reports/online-rate?unit=NOSUCHUNIT");
    assert_error(&r, 404, "not_found", "NOSUCHUNIT");
    resp_free(&r);
}

/* ---- the OpenAPI document ---- */

/* The routing table's spelling of a document path: no leading slash, and
 * "*" for each templated segment such as {id}. */
static void doc_path_to_pattern(const char *path, char *out, size_t cap)
{
    size_t o = 0;
    const char *p = path[0] == '/' ? path + 1 : path;
    while (*p && o + 2 < cap) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            cr_assert_not_null(close, "unclosed { in %s", path);
            out[o++] = '*';
            p = close + 1;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = 0;
}

Test(api, openapi_document_lists_exactly_the_routes_served)
{
    struct resp r = get("/api/v1/openapi.json");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(header(&r, "content-type"), "application/json");
    cr_assert(json_is_object(r.json), "the document is not JSON");
    const char *ver = json_string_value(json_object_get(r.json, "openapi"));
    cr_assert(ver && strncmp(ver, "3.0.", 4) == 0, "openapi is %s, not 3.0.x",
              ver ? ver : "missing");
    cr_assert(json_is_object(json_object_get(r.json, "info")));
    cr_assert(json_is_object(json_object_get(
                  json_object_get(json_object_get(r.json, "components"), "schemas"), "Error")),
              "no Error schema");
    /* The document's (METHOD, pattern) pairs, each with its responses. */
    static const char *methods[] = {"get",     "put",  "post",  "delete",
                                    "options", "head", "patch", "trace"};
    json_t *documented = json_object();
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(r.json, "paths"), path, item)
    {
        for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
            json_t *opn = json_object_get(item, methods[m]);
            if (!opn)
                continue;
            cr_assert(json_is_object(json_object_get(opn, "responses")), "%s %s has no responses",
                      methods[m], path);
            char pat[512], key[600];
            doc_path_to_pattern(path, pat, sizeof(pat));
            snprintf(key, sizeof(key), "%s %s", methods[m], pat);
            for (char *c = key; *c != ' '; c++)
                *c = (char)toupper((unsigned char)*c);
            json_object_set_new(documented, key, json_true());
        }
    }
    /* Every route is documented, and nothing else is. */
    const char *method, *pattern;
    size_t nroutes = 0;
    for (size_t i = 0; http_server_route(i, &method, &pattern) == 0; i++, nroutes++) {
        char key[600];
        snprintf(key, sizeof(key), "%s %s", method, pattern);
        cr_assert_not_null(json_object_get(documented, key),
                           "route %s /%s is not in indexer/http/openapi.json", method, pattern);
        json_object_del(documented, key);
    }
    cr_assert_gt(nroutes, 10);
    const char *extra;
    json_t *v;
    json_object_foreach(documented, extra, v)
        cr_assert_fail("indexer/http/openapi.json documents %s, which the server does not route", extra);
    json_decref(documented);
    resp_free(&r);
}

/* ---- the dashboard (indexer/http/api_ui.c) ---- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    static char buf[1 << 18];
    *len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[*len] = 0;
    return buf;
}

Test(api, dashboard_files_are_public_typed_and_revalidated_by_etag)
{
    static const struct {
        const char *path, *file, *type;
    } files[] = {
        {"/", "index.html", "text/html; charset=utf-8"},
        {"/ui/app.js", "app.js", "text/javascript; charset=utf-8"},
        {"/ui/sse.js", "sse.js", "text/javascript; charset=utf-8"},
        {"/ui/i18n.js", "i18n.js", "text/javascript; charset=utf-8"},
        {"/ui/charts.js", "charts.js", "text/javascript; charset=utf-8"},
        {"/ui/style.css", "style.css", "text/css; charset=utf-8"},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        /* No token: the files hold no data (the page asks for one). */
        struct resp r = request("GET", files[i].path, NULL, NULL);
        cr_assert_eq(r.status, 200, "%s: %d %s", files[i].path, r.status, r.body);
        cr_assert_str_eq(header(&r, "content-type"), files[i].type);
        cr_assert_str_eq(header(&r, "cache-control"), "no-cache");
        cr_assert_str_eq(header(&r, "x-content-type-options"), "nosniff");
        char src[4200];
        snprintf(src, sizeof(src), "%s/../../indexer/http/dashboard/%s", CAMDEX_TEST_DATA,
                 files[i].file);
        size_t n;
        const char *want = slurp(src, &n);
        cr_assert_eq(r.body_len, n, "%s: %zu bytes served, the file has %zu", files[i].path,
                     r.body_len, n);
        cr_assert(memcmp(r.body, want, n) == 0, "%s: not the file's bytes", files[i].path);
        char etag[128];
        cr_assert_not_null(header(&r, "etag"), "%s has no ETag", files[i].path);
        snprintf(etag, sizeof(etag), "%s", header(&r, "etag"));
        cr_assert(etag[0] == '"' && strlen(etag) > 8, "ETag %s", etag);
        resp_free(&r);

        /* The browser's copy is current: 304 and no body, also in a list. */
        char raw[1024];
        int len = snprintf(raw, sizeof(raw),
                           "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                           "If-None-Match: W/\"old\", %s\r\n\r\n",
                           files[i].path, etag);
        r = raw_request(raw, (size_t)len);
        cr_assert_eq(r.status, 304, "%s with its ETag: %d", files[i].path, r.status);
        cr_assert_eq(r.body_len, 0);
        cr_assert_str_eq(header(&r, "etag"), etag);
        resp_free(&r);
        len = snprintf(raw, sizeof(raw),
                       "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                       "If-None-Match: \"another\"\r\n\r\n",
                       files[i].path);
        r = raw_request(raw, (size_t)len);
        cr_assert_eq(r.status, 200, "%s with another ETag: %d", files[i].path, r.status);
        cr_assert_eq(r.body_len, n);
        resp_free(&r);
    }
    /* The page may run only its own scripts and talk only to its origin. */
    struct resp r = request("GET", "/", NULL, NULL);
    const char *csp = header(&r, "content-security-policy");
    cr_assert(csp && strstr(csp, "script-src 'self'") && strstr(csp, "default-src 'none'"),
              "CSP: %s", csp ? csp : "none");
    resp_free(&r);
    /* The data behind it still needs the token. */
    r = request("GET", "/api/v1/summary", NULL, NULL);
    cr_assert_eq(r.status, 401);
    resp_free(&r);
}

Test(api, dashboard_serves_only_its_own_files)
{
    static const struct {
        const char *path;
        int status;
        const char *code;
    } cases[] = {
        {"/ui/nosuch.js", 404, "not_found"},
        {"/ui/index.htm", 404, "not_found"},
        {"/ui", 404, "not_found"},
        {"/ui/", 404, "not_found"},
        {"/ui/app.js/x", 404, "not_found"},
        {"/index.html", 404, "not_found"},
        {"/ui/../api/v1/summary", 400, "bad_path"},
        {"/ui/%2e%2e/api/v1/summary", 400, "bad_path"},
        {"/ui/..%2fapi%2fv1%2fsummary", 400, "bad_path"},
        {"/ui/.%2e/.%2e/etc/passwd", 400, "bad_path"},
        {"/ui/app.js%00.css", 400, "bad_path"},
        {"/ui/..%5capp.js", 400, "bad_path"},
        {"/?x=1", 400, "bad_parameter"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct resp r = request("GET", cases[i].path, NULL, NULL);
        assert_error(&r, cases[i].status, cases[i].code, "");
        cr_assert_str_eq(header(&r, "content-type"), "application/json", "%s", cases[i].path);
        resp_free(&r);
    }
    struct resp r = request("POST", "/", NULL, NULL);
    assert_error(&r, 405, "method_not_allowed", "GET");
    resp_free(&r);
}

/* ---- bad input ---- */

Test(api, bad_parameters_get_400_saying_which)
{
    static const struct {
        const char *path, *in_message;
    } cases[] = {
        {"/api/v1/cameras?limit=0", "limit"},
        {"/api/v1/cameras?limit=abc", "limit"},
        {"/api/v1/cameras?limit=100000", "limit"},
        {"/api/v1/cameras?state=broken", "state"},
        {"/api/v1/cameras?reason=DROP%20TABLE", "reason"},
        {"/api/v1/cameras?format=xml", "format"},
        {"/api/v1/cameras?cursor=zz", "cursor"},
        {"/api/v1/cameras?colour=red", "colour"},
        {"/api/v1/cameras?state=online&state=offline", "twice"},
        {"/api/v1/cameras?q=%ff%fe", "UTF-8"},
        {"/api/v1/cameras?q=%zz", "percent"},
        {"/api/v1/events?since=yesterday-ish", "since"},
        {"/api/v1/units?x=1", "unknown parameter"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct resp r = get(cases[i].path);
        assert_error(&r, 400, "bad_parameter", cases[i].in_message);
        resp_free(&r);
    }
}

Test(api, unknown_paths_404_and_wrong_methods_405)
{
    struct resp r = get("/api/v2/cameras");
    assert_error(&r, 404, "not_found", "no such resource");
    resp_free(&r);
    r = request("DELETE", "/api/v1/cameras", API_RW, NULL);
    assert_error(&r, 405, "method_not_allowed", "GET");
    cr_assert_not_null(header(&r, "allow"));
    resp_free(&r);
    r = request("GET", "/api/v1/cameras/x/maintenance", API_RW, NULL);
    assert_error(&r, 405, "method_not_allowed", "PUT, POST");
    resp_free(&r);
}

Test(api, path_traversal_is_refused)
{
    static const char *paths[] = {
        "/api/v1/cameras/../units",
        "/api/v1/cameras/%2e%2e/units",
        "/api/v1/cameras/..%2f..%2f..%2fetc%2fpasswd",
        "/api/v1/cameras/./x",
        "/api/v1/cameras/%00",
        "/api/v1/cameras/a%5c..%5cb",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct resp r = get(paths[i]);
        cr_assert_eq(r.status, 400, "%s gave %d: %s", paths[i], r.status, r.body);
        cr_assert_null(strstr(r.body, "root:"), "%s", paths[i]);
        resp_free(&r);
    }
    static const char raw[] = "GET /api/v1/cameras/\xff\xfe HTTP/1.1\r\nHost: x\r\n"
                              "Authorization: Bearer " API_RO "\r\nConnection: close\r\n\r\n";
    struct resp r = raw_request(raw, sizeof(raw) - 1);
    cr_assert_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
}

Test(api, oversized_bodies_get_413)
{
    size_t n = 100000;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[n] = 0;
    /* Refused by h2o from the declared length, before the body is read. */
    struct resp r = request("POST", "/api/v1/cameras/x/maintenance", API_RW, big);
    cr_assert_eq(r.status, 413, "%s", r.head);
    resp_free(&r);
    free(big);
    /* A declared length far past any limit is refused before it is read. */
    static const char raw[] = "POST /api/v1/cameras/x/maintenance HTTP/1.1\r\nHost: x\r\n"
                              "Authorization: Bearer " API_RW "\r\n"
                              "Content-Length: 10000000000\r\nConnection: close\r\n\r\n{";
    r = raw_request(raw, sizeof(raw) - 1);
    cr_assert_eq(r.status, 413, "%s", r.head);
    resp_free(&r);
    /* Without the read-write token a body is refused from the head, unread. */
    static const char anon[] = "POST /api/v1/cameras/x/maintenance HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 10000000000\r\nConnection: close\r\n\r\n{";
    r = raw_request(anon, sizeof(anon) - 1);
    assert_error(&r, 401, "unauthorized", "token_rw");
    cr_assert_str_eq(header(&r, "www-authenticate"), "Bearer realm=\"camdex\"");
    resp_free(&r);
}

Test(api, bad_bodies_get_400)
{
    struct resp l = get("/api/v1/cameras?limit=1");
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/maintenance",
             json_string_value(
                 json_object_get(json_array_get(json_object_get(l.json, "cameras"), 0), "id")));
    static const char *bodies[] = {"",
                                   "not json",
                                   "{\"on\": \"yes\"}",
                                   "[true]",
                                   "{\"on\": true, \"note\": 5}",
                                   "{\"on\": true, \"note\": \"\xff\"}"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct resp r = request("POST", path, API_RW, bodies[i]);
        assert_error(&r, 400, "bad_body", "JSON object");
        resp_free(&r);
    }
    resp_free(&l);
}

/* ---- auth ---- */

Test(api, tokens_decide_who_reads_and_who_writes)
{
    struct resp r = request("GET", "/api/v1/summary", NULL, NULL);
    assert_error(&r, 401, "unauthorized", "Bearer");
    cr_assert_not_null(header(&r, "www-authenticate"));
    resp_free(&r);
    /* Near misses: a prefix, a longer string, one byte off, the other kind's. */
    static const char *wrong[] = {"ro-token-5f1c9", "ro-token-5f1c9e0", "ro-token-5f1c9f", "x",
                                  "rw-token-a73d0"};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        r = request("GET", "/api/v1/summary", wrong[i], NULL);
        assert_error(&r, 401, "unauthorized", "not valid");
        resp_free(&r);
    }
    r = request("GET", "/metrics", NULL, NULL);
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    r = request("GET", "/api/v1/summary", API_RW, NULL);
    cr_assert_eq(r.status, 200, "a read-write token also reads");
    resp_free(&r);
    r = request("POST", "/api/v1/cameras/x/maintenance", API_RO, "{\"on\": true}");
    assert_error(&r, 403, "forbidden", "only read");
    resp_free(&r);
    r = request("POST", "/api/v1/cameras/x/maintenance", API_RW, "{\"on\": true}");
    assert_error(&r, 404, "not_found", "no camera");
    resp_free(&r);
    /* Tokens never reach the log: every line the service wrote since it
     * listened, read to the end of its output (both tokens have "-token-"
     * in them). */
    kill(api.serve.pid, SIGTERM);
    uint64_t t0 = procs_now_ms();
    cr_assert_not(proc_wait_line(&api.serve, 15000, "-token-", NULL), "a token in the log: %s",
                  api.serve.last);
    cr_assert_lt(procs_now_ms() - t0, 15000, "the service's output did not end within 15 s");
    cr_assert_eq(api_stop(), 0);
    start_serve();
}

/* ---- redaction ---- */

Test(api, no_response_contains_a_stream_password)
{
    /* Every password in the inventory. */
    FILE *f = fopen(api.fleet, "r");
    char line[4096];
    char pw[256][64];
    int npw = 0;
    while (fgets(line, sizeof(line), f) && npw < 256) {
        char *s = strstr(line, "://"), *at = s ? strchr(s, '@') : NULL;
        char *colon = s ? memchr(s + 3, ':', (size_t)(at ? at - s - 3 : 0)) : NULL;
        if (colon && at && at - colon - 1 > 3 && at - colon - 1 < 64) {
            snprintf(pw[npw], sizeof(pw[npw]), "%.*s", (int)(at - colon - 1), colon + 1);
            npw++;
        }
    }
    fclose(f);
    cr_assert_gt(npw, 10, "the fleet has credentials to hide");
    static const char *paths[] = {"/api/v1/cameras?limit=1000",
                                  "/api/v1/cameras?limit=1000&format=csv", "/metrics",
                                  "/api/v1/summary", "/api/v1/units"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct resp r = get(paths[i]);
        cr_assert_eq(r.status, 200);
        for (int k = 0; k < npw; k++)
            cr_assert_null(strstr(r.body, pw[k]), "%s shows a password", paths[i]);
        if (i == 0) {
            /* And every camera's own page. */
            size_t j;
            json_t *row;
            json_array_foreach(json_object_get(r.json, "cameras"), j, row)
            {
                if (j % 10)
                    continue;
                char path[256];
                snprintf(path, sizeof(path), "/api/v1/cameras/%s",
                         json_string_value(json_object_get(row, "id")));
                struct resp d = get(path);
                cr_assert(strstr(d.body, "***@"), "%s", d.body);
                for (int k = 0; k < npw; k++)
                    cr_assert_null(strstr(d.body, pw[k]), "%s shows a password", path);
                resp_free(&d);
            }
        }
        resp_free(&r);
    }
}

/* ---- slow clients ---- */

Test(api, a_slow_client_is_cut_off_and_blocks_nobody)
{
    /* Half a request line, then nothing: the header timeout (1 s here). */
    int slow = connect_api();
    send_all(slow, "GET /api/v1/summ", 16);
    struct resp r = get("/api/v1/summary");
    cr_assert_eq(r.status, 200, "another client waits behind a slow one");
    resp_free(&r);
    size_t n;
    char *rest = read_all(slow, 8000, &n);
    cr_assert_not_null(rest, "the slow connection was not closed within 8 s");
    free(rest);
    close(slow);
}

/* ---- metrics ---- */

Test(api, metrics_pass_promtool)
{
    struct resp r = get("/metrics");
    cr_assert_eq(r.status, 200);
    cr_assert(strncmp(header(&r, "content-type"), "text/plain; version=0.0.4", 25) == 0);
    static const char *names[] = {"camdex_cameras{unit=",
                                  "camdex_unit_online_ratio{unit=",
                                  "camdex_probes_total{result=\"ok\"}",
                                  "camdex_probes_in_flight ",
                                  "camdex_deep_probes_in_flight ",
                                  "camdex_schedule_lag_seconds_bucket{le=\"+Inf\"}",
                                  "camdex_lmdb_map_size_bytes ",
                                  "camdex_lmdb_map_used_bytes ",
                                  "camdex_commit_last_duration_seconds "};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        cr_assert_not_null(strstr(r.body, names[i]), "no %s in:\n%s", names[i], r.body);
    char *which[] = {"/bin/sh", "-c", "command -v promtool", NULL};
    struct run w = runv(which);
    if (w.rc != 0) {
        run_free(&w);
        resp_free(&r);
        cr_skip_test("promtool is not installed (Debian package prometheus): metrics format "
                     "not checked by it");
    }
    run_free(&w);
    char file[4300];
    snprintf(file, sizeof(file), "%s/metrics.txt", api.tmp);
    FILE *f = fopen(file, "w");
    fwrite(r.body, 1, r.body_len, f);
    fclose(f);
    char cmd[4400];
    snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", file);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    struct run p = runv(argv);
    cr_assert_eq(p.rc, 0, "promtool check metrics: %s%s", p.out, p.err);
    run_free(&p);
    resp_free(&r);
}
