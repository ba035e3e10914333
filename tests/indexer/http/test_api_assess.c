/* GET /api/v1/reports/assessment (indexer/http/api_assess.c) on an index
 * with known times (tests/support/assess_seed.h), served by `camdex
 * serve`: the JSON's exact rates, one unit, CSV, the workbook read back by
 * openpyxl (Chinese headings unless a language is asked), and errors. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api_serve.h"
#include "assess_seed.h"
#include "base/timefmt.h"
#include "xlsxread.h"

static char book[4200], day_s[16];

static void setup(void)
{
    api_scratch();
    snprintf(book, sizeof(book), "%s/answer.xlsx", api.tmp);
    timefmt_day(assess_seed(api.db), day_s, sizeof(day_s));
    api_serve("--interval", "600s", NULL);
}

TestSuite(api_assess, .init = setup, .fini = api_teardown, .timeout = 120);

/* The assessment of the seeded day, with `query` ("&...") and an
 * Accept-Language header (NULL: none). */
static struct resp get_lang(const char *query, const char *lang)
{
    char path[512];
    snprintf(path, sizeof(path), "/api/v1/reports/assessment?from=%s&to=%s%s", day_s, day_s, query);
    return request_lang(path, NULL, lang);
}

static double rate(json_t *row, const char *key)
{
    json_t *v = json_object_get(row, key);
    cr_assert(json_is_number(v), "%s", key);
    return json_number_value(v);
}

Test(api_assess, json_rates_are_exact)
{
    struct resp r = get_lang("", NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *units = json_object_get(r.json, "units");
    cr_assert_eq(json_array_size(units), 2);
    json_t *a = json_array_get(units, 0);
    cr_expect_str_eq(json_string_value(json_object_get(a, "unit")), SEED_UNIT_A);
    cr_expect_float_eq(rate(a, "online_rate"), 10.0 / 12, 1e-9);
    cr_expect_float_eq(rate(a, "intact_rate"), 0.75, 1e-9);
    cr_expect_float_eq(rate(a, "clock_rate"), 0.5, 1e-9);
    json_t *t = json_object_get(r.json, "total");
    cr_expect_float_eq(rate(t, "intact_rate"), 13.0 / 16, 1e-9);
    cr_expect_float_eq(rate(t, "gbid_rate"), 0.75, 1e-9);
    cr_expect_eq(json_array_size(json_object_get(r.json, "cameras")), 4);
    resp_free(&r);

    r = get_lang("&unit=" SEED_UNIT_B "&lang=zh", NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect_eq(json_array_size(json_object_get(r.json, "units")), 1);
    json_t *c = json_array_get(json_object_get(r.json, "cameras"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(c, "failed")), "osd_label_wrong");
    cr_expect_str_eq(json_string_value(json_object_get(c, "failed_text")), "字幕名称错误");
    resp_free(&r);
}

Test(api_assess, csv_has_the_units_and_all)
{
    struct resp r = get_lang("&format=csv", NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_expect(strncmp(header(&r, "content-type"), "text/csv", 8) == 0);
    cr_expect(strstr(r.body, "unit,name,cameras,online_rate,intact_rate,") == r.body, "%s", r.body);
    cr_expect(
        strstr(r.body, "\r\n" SEED_UNIT_A ",市公安局,3,0.833333,0.75,2,1,0.5,1,1,1,2,0.666667\r\n"),
        "%s", r.body);
    cr_expect(strstr(r.body, "\r\nALL,,4,0.875,0.8125,"), "%s", r.body);
    resp_free(&r);
}

static json_t *workbook(struct resp *r)
{
    cr_assert_eq(r->status, 200, "%s", r->body);
    char want[128];
    snprintf(want, sizeof(want), "attachment; filename=\"assessment-%s-%s.xlsx\"", day_s, day_s);
    cr_assert_str_eq(header(r, "content-disposition"), want);
    return xlsx_read_bytes(book, r->body, r->body_len);
}

Test(api_assess, workbook_is_chinese_unless_a_language_is_asked)
{
    struct resp r = get_lang("&format=xlsx", NULL);
    json_t *b = workbook(&r);
    cr_assert_eq(xlsx_nsheets(b), 2);
    json_t *s = xlsx_sheet(b, 0);
    cr_expect_str_eq(xlsx_sheet_name(s), "考核");
    cr_expect_str_eq(xlsx_text(s, 0, 4), "完好率");
    cr_expect_float_eq(json_real_value(xlsx_value(s, 1, 4)), 0.75, 1e-9);
    cr_expect_eq(xlsx_nrows(s), 4);
    cr_expect_eq(xlsx_nrows(xlsx_sheet(b, 1)), 5);
    json_decref(b);
    resp_free(&r);

    r = get_lang("&format=xlsx", "en-GB,en;q=0.9");
    b = workbook(&r);
    cr_expect_str_eq(xlsx_sheet_name(xlsx_sheet(b, 0)), "Assessment");
    cr_expect_str_eq(xlsx_text(xlsx_sheet(b, 0), 0, 4), "INTACT%");
    cr_expect_str_eq(xlsx_sheet_name(xlsx_sheet(b, 1)), "Cameras that failed");
    json_decref(b);
    resp_free(&r);
}

Test(api_assess, bad_parameters_and_unknown_units)
{
    struct resp r = get_lang("&month=2026-11", NULL);
    cr_expect_eq(r.status, 400, "%s", r.body);
    cr_expect(strstr(r.body, "month"), "%s", r.body);
    resp_free(&r);
    r = get_lang("&unit=32099900002165000009", NULL);
    cr_expect_eq(r.status, 404, "%s", r.body);
    resp_free(&r);
    r = get_lang("&format=pdf", NULL);
    cr_expect_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
}
