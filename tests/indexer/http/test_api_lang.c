/* The API's language end to end: reason_text and state_text (from_text and
 * to_text for events) beside the codes, in the language of ?lang=, else of
 * Accept-Language (q-values honoured), else English; the codes and the CSV
 * never change. `camdex serve` on a small index with one camera under
 * maintenance. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "api_serve.h"

static char cam[64]; /* the camera under maintenance */

static void setup(void)
{
    api_index(20, 3);
    /* The first camera of the list goes under maintenance. */
    char *list[] = {CAMDEX_BIN, "--db", api.db, "list", "--limit", "1", "--format", "csv", NULL};
    struct run r = runv(list);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    const char *line = strchr(r.out, '\n');
    cr_assert_not_null(line);
    snprintf(cam, sizeof(cam), "%.*s", (int)strcspn(line + 1, ","), line + 1);
    run_free(&r);
    char *maint[] = {CAMDEX_BIN, "--db", api.db, "maintenance", cam, "on", "--note", "lens", NULL};
    run_ok(maint);
    api_serve("--interval", "60s", "--set", "http.token_ro=" API_RO, "--log-level", "info", NULL);
}

TestSuite(api_lang, .init = setup, .fini = api_teardown, .timeout = 120);

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    cr_assert_not_null(s, "no \"%s\" in %s", key, json_dumps(o, JSON_COMPACT));
    return s;
}

/* The camera's detail in the language asked for; codes unchanged. */
static void assert_detail(const char *query, const char *accept_language, const char *state_text,
                          const char *reason_text)
{
    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s%s", cam, query);
    struct resp r = request_lang(path, API_RO, accept_language);
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
    cr_assert_str_eq(str(r.json, "state"), "maintenance");
    cr_assert_str_eq(str(r.json, "reason"), "maintenance");
    cr_assert_str_eq(str(r.json, "state_text"), state_text, "%s with %s", path, accept_language);
    cr_assert_str_eq(str(r.json, "reason_text"), reason_text, "%s with %s", path, accept_language);
    json_t *ev = json_array_get(json_object_get(r.json, "events"), 0);
    cr_assert_str_eq(str(ev, "to"), "maintenance");
    cr_assert_str_eq(str(ev, "to_text"), state_text);
    resp_free(&r);
}

Test(api_lang, query_lang_chooses_the_texts)
{
    assert_detail("?lang=zh", NULL, "维护中", "维护中");
    assert_detail("?lang=en", NULL, "maintenance", "under maintenance");
    assert_detail("", NULL, "maintenance", "under maintenance");
}

Test(api_lang, accept_language_chooses_by_q_value)
{
    assert_detail("", "zh-CN,zh;q=0.9,en;q=0.8", "维护中", "维护中");
    assert_detail("", "fr-FR, en;q=0.5, zh-Hans;q=0.7", "维护中", "维护中");
    assert_detail("", "zh;q=0.4, en-GB;q=0.9", "maintenance", "under maintenance");
    assert_detail("", "zh;q=0", "maintenance", "under maintenance");
    assert_detail("", "de", "maintenance", "under maintenance");
}

Test(api_lang, the_query_wins_over_the_header)
{
    assert_detail("?lang=en", "zh-CN", "maintenance", "under maintenance");
    assert_detail("?lang=zh", "en-US", "维护中", "维护中");
}

Test(api_lang, lists_and_events_carry_texts_beside_codes)
{
    struct resp r = request_lang("/api/v1/cameras?state=maintenance&lang=zh", API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *row = json_array_get(json_object_get(r.json, "cameras"), 0);
    cr_assert_str_eq(str(row, "id"), cam);
    cr_assert_str_eq(str(row, "reason"), "maintenance");
    cr_assert_str_eq(str(row, "reason_text"), "维护中");
    cr_assert_str_eq(str(row, "state_text"), "维护中");
    resp_free(&r);

    r = request_lang("/api/v1/events?since=1h", API_RO, "zh-TW");
    cr_assert_eq(r.status, 200, "%s", r.body);
    size_t i;
    json_t *ev;
    bool seen = false;
    json_array_foreach(json_object_get(r.json, "events"), i, ev)
    {
        cr_assert(json_is_string(json_object_get(ev, "from_text")), "%s", r.body);
        if (strcmp(str(ev, "camera"), cam) == 0) {
            cr_assert_str_eq(str(ev, "from"), "unknown");
            cr_assert_str_eq(str(ev, "from_text"), "未知");
            cr_assert_str_eq(str(ev, "reason_text"), "维护中");
            seen = true;
        }
    }
    cr_assert(seen, "the maintenance event is missing: %s", r.body);
    resp_free(&r);

    char path[256];
    snprintf(path, sizeof(path), "/api/v1/cameras/%s/events?since=1h&lang=zh", cam);
    r = request_lang(path, API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(str(json_array_get(json_object_get(r.json, "events"), 0), "to_text"),
                     "维护中");
    resp_free(&r);
}

Test(api_lang, csv_keeps_its_columns_and_codes)
{
    struct resp r =
        request_lang("/api/v1/cameras?state=maintenance&format=csv&lang=zh", API_RO, "zh");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strncmp(r.body, "id,name,unit,unit_name,state,reason,detail,since,last_probe,url\n",
                      64) == 0,
              "%s", r.body);
    cr_assert(strstr(r.body, ",maintenance,maintenance,"), "%s", r.body);
    cr_assert_null(strstr(r.body, "维护中"), "%s", r.body);
    resp_free(&r);
}

Test(api_lang, an_unknown_lang_is_a_400_and_any_endpoint_takes_lang)
{
    struct resp r = request_lang("/api/v1/cameras?lang=fr", API_RO, NULL);
    assert_error(&r, 400, "bad_parameter", "lang");
    resp_free(&r);
    r = request_lang("/api/v1/summary?lang=zh", API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
    /* lang does not count against an endpoint's own parameters. */
    r = request_lang("/api/v1/openapi.json?lang=zh", API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    resp_free(&r);
}
