/* GET /api/v1/messages (indexer/http/api_messages.c): the catalogue in
 * one language, public, chosen by lang= or by Accept-Language; and GET
 * /api/v1/reports/outages (api_report_outages.c) against the outage log. */
#include <criterion/criterion.h>
#include <jansson.h>

#include "api_serve.h"
#include "http/api_internal.h"
#include "views/messages.h"

static void setup(void)
{
    api_index(60, 9);
    /* Nothing listens on the generated addresses: every camera goes
     * offline, so the log has outages to count. */
    api_serve("--interval", "60s", "--fail-threshold", "1", "--connect-timeout", "300ms", "--set",
              "http.token_ro=" API_RO, "--log-level", "info", NULL);
}

TestSuite(api_messages, .init = setup, .fini = api_teardown, .timeout = 120);

static const char *text(const struct resp *r, const char *key)
{
    return json_string_value(json_object_get(r->json, key));
}

Test(api_messages, the_catalogue_is_public_and_whole_in_each_language)
{
    struct resp zh = request("GET", "/api/v1/messages?lang=zh", NULL, NULL);
    cr_assert_eq(zh.status, 200, "%s", zh.body);
    cr_assert_str_eq(text(&zh, "reason.connect_refused"), "连接被拒绝");
    cr_assert_str_eq(text(&zh, "reason.auth_failed"), "认证失败");
    cr_assert_str_eq(text(&zh, "state.offline"), "离线");
    cr_assert_str_eq(text(&zh, "ui.nav.overview"), "总览");
    cr_assert_str_eq(header(&zh, "content-language"), "zh-CN");
    cr_assert_str_eq(header(&zh, "vary"), "Accept-Language");
    struct resp en = request("GET", "/api/v1/messages?lang=en", NULL, NULL);
    cr_assert_eq(en.status, 200, "%s", en.body);
    cr_assert_str_eq(text(&en, "reason.connect_refused"), "connection refused");
    cr_assert_str_eq(text(&en, "ui.nav.overview"), "Overview");
    cr_assert_str_eq(header(&en, "content-language"), "en");
    /* Every key, each with its text in that language. */
    cr_assert_eq(json_object_size(zh.json), msg_count());
    cr_assert_eq(json_object_size(en.json), msg_count());
    for (size_t i = 0; i < msg_count(); i++) {
        const struct msg_entry *e = msg_at(i);
        cr_assert_str_eq(text(&zh, e->key), msg_text(e->key, MSG_ZH), "%s", e->key);
        cr_assert_str_eq(text(&en, e->key), e->text[MSG_EN], "%s", e->key);
    }
    resp_free(&zh);
    resp_free(&en);
}

Test(api_messages, without_lang_the_accept_language_header_chooses)
{
    static const struct {
        const char *accept, *lang, *overview;
    } cases[] = {
        {"zh-CN,zh;q=0.9,en;q=0.8", "zh-CN", "总览"},
        {"zh-Hans-CN", "zh-CN", "总览"},
        {"en-US,en;q=0.9,zh-CN;q=0.8", "en", "Overview"},
        {"fr-FR, zh;q=0.5, en;q=0.4", "zh-CN", "总览"},
        {"de, fr;q=0.5", "en", "Overview"},     /* neither: English */
        {"zh;q=0, en;q=0.1", "en", "Overview"}, /* q=0 names nothing */
        {"zh-CN;q=x", "en", "Overview"},        /* malformed: English */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct resp r = request_lang("/api/v1/messages", NULL, cases[i].accept);
        cr_assert_eq(r.status, 200, "%s: %s", cases[i].accept, r.body);
        cr_assert_str_eq(header(&r, "content-language"), cases[i].lang, "%s", cases[i].accept);
        cr_assert_str_eq(text(&r, "ui.nav.overview"), cases[i].overview, "%s", cases[i].accept);
        resp_free(&r);
    }
    /* lang= wins over the header. */
    struct resp r = request_lang("/api/v1/messages?lang=en", NULL, "zh-CN");
    cr_assert_str_eq(text(&r, "ui.nav.overview"), "Overview");
    resp_free(&r);
    r = request("GET", "/api/v1/messages", NULL, NULL);
    cr_assert_str_eq(header(&r, "content-language"), "en");
    resp_free(&r);
}

Test(api_messages, an_unknown_language_is_a_400_naming_lang)
{
    struct resp r = request("GET", "/api/v1/messages?lang=fr", NULL, NULL);
    cr_assert_eq(r.status, 400, "%s", r.body);
    const char *msg =
        json_string_value(json_object_get(json_object_get(r.json, "error"), "message"));
    cr_assert(msg && strstr(msg, "lang") && strstr(msg, "en or zh"), "%s", r.body);
    resp_free(&r);
    r = request("GET", "/api/v1/messages?language=zh", NULL, NULL);
    cr_assert_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
}

/* ---- outages per day and reason ---- */

/* Counts from the log what the report should say: {day: {reason: n}}. */
static json_t *count_from_log(void)
{
    json_t *want = json_object();
    char cursor[64] = "";
    for (int pages = 0; pages < 100; pages++) {
        char path[256];
        snprintf(path, sizeof(path), "/api/v1/events?since=2d&limit=1000%s%s",
                 cursor[0] ? "&cursor=" : "", cursor);
        struct resp r = request("GET", path, API_RO, NULL);
        cr_assert_eq(r.status, 200, "%s", r.body);
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(r.json, "events"), i, ev)
        {
            const char *from = json_string_value(json_object_get(ev, "from"));
            const char *to = json_string_value(json_object_get(ev, "to"));
            bool out_to = !strcmp(to, "offline") || !strcmp(to, "degraded");
            bool out_from = !strcmp(from, "offline") || !strcmp(from, "degraded");
            if (!out_to || out_from)
                continue;
            char day[11];
            snprintf(day, sizeof(day), "%s", json_string_value(json_object_get(ev, "time")));
            const char *reason = json_string_value(json_object_get(ev, "reason"));
            json_t *d = json_object_get(want, day);
            if (!d)
                json_object_set_new(want, day, d = json_object());
            json_object_set_new(d, reason,
                                json_integer(json_integer_value(json_object_get(d, reason)) + 1));
        }
        const char *next = json_string_value(json_object_get(r.json, "next_cursor"));
        snprintf(cursor, sizeof(cursor), "%s", next ? next : "");
        resp_free(&r);
        if (!next)
            break;
    }
    return want;
}

/* The report's days that have outages, as {day: {reason: n}}. */
static json_t *report_days(const char *path)
{
    struct resp r = request("GET", path, API_RO, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *got = json_object();
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(r.json, "days"), i, d)
    {
        json_t *by = json_object_get(d, "outages");
        json_int_t sum = 0;
        const char *k;
        json_t *v;
        json_object_foreach(by, k, v) sum += json_integer_value(v);
        cr_assert_eq(sum, json_integer_value(json_object_get(d, "total")), "%s", r.body);
        if (json_object_size(by))
            json_object_set(got, json_string_value(json_object_get(d, "day")), by);
    }
    resp_free(&r);
    return got;
}

Test(api_messages, outages_per_day_and_reason_match_the_log)
{
    /* Cameras fail their first probes one by one: read the report, the
     * log, and the report again until both reports agree (no outage came
     * in meanwhile) and the log has outages. */
    uint64_t end = procs_now_ms() + 60000;
    json_t *got = report_days("/api/v1/reports/outages?from=2000-01-01&to=2000-01-01");
    cr_assert_eq(json_object_size(got), 0, "a day long ago has no outage");
    json_decref(got);
    got = NULL;
    json_t *want = NULL;
    for (;;) {
        cr_assert_lt(procs_now_ms(), end, "the outage log did not settle within 60 s");
        json_decref(got);
        json_decref(want);
        got = report_days("/api/v1/reports/outages");
        want = count_from_log();
        json_t *again = report_days("/api/v1/reports/outages");
        bool settled = json_object_size(want) > 0 && json_equal(got, again);
        json_decref(again);
        if (settled)
            break;
        /* The service says nothing when its log is quiet: look again. */
        usleep(200 * 1000);
    }
    cr_assert_gt(json_object_size(want), 0, "no outage in the log");
    char *g = json_dumps(got, JSON_SORT_KEYS), *w = json_dumps(want, JSON_SORT_KEYS);
    cr_assert(json_equal(got, want), "report %s, log %s", g, w);
    free(g);
    free(w);
    json_decref(got);
    json_decref(want);
}

Test(api_messages, the_outage_report_refuses_bad_ranges)
{
    const char *bad[] = {"/api/v1/reports/outages?from=2026-11-27&to=2026-11-01",
                         "/api/v1/reports/outages?from=2025-01-01&to=2026-11-27",
                         "/api/v1/reports/outages?from=yesterday", "/api/v1/reports/outages?unit="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct resp r = request("GET", bad[i], API_RO, NULL);
        cr_assert_eq(r.status, 400, "%s: %s", bad[i], r.body);
        resp_free(&r);
    }
    struct resp r = request("GET", "/api/v1/reports/outages?unit=NOSUCHUNIT", API_RO, NULL);
    cr_assert_eq(r.status, 404, "%s", r.body);
    resp_free(&r);
    r = request("GET", "/api/v1/reports/outages", NULL, NULL);
    cr_assert_eq(r.status, 401, "the report needs the read token: %s", r.body);
    resp_free(&r);
}
