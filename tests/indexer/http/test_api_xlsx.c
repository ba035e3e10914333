/* indexer/http/api_xlsx.c end to end: the list and report endpoints answer
 * format=xlsx with a workbook a real reader opens (openpyxl), cell for cell
 * the rows of their JSON, with the workbook's Content-Type, a file name to
 * save it under, headings in the Accept-Language asked for, and no
 * temporary file left in the service's $TMPDIR. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <sys/stat.h>

#include "api_serve.h"
#include "xlsxread.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

static char tmpdir[4200], book[4200];

static void setup(void)
{
    api_index(40, 5);
    snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", api.tmp);
    snprintf(book, sizeof(book), "%s/answer.xlsx", api.tmp);
    cr_assert_eq(mkdir(tmpdir, 0700), 0);
    /* Nothing listens on the generated addresses: one sweep gives every
     * camera a state, an event and a day in the report. */
    char *sweep[] = {CAMDEX_BIN, "--db", api.db, "sweep", NULL};
    run_ok(sweep);
    /* The service makes its workbooks here; the tests check it stays empty. */
    setenv("TMPDIR", tmpdir, 1);
    api_serve("--interval", "600s", NULL);
}

TestSuite(api_xlsx, .init = setup, .fini = api_teardown, .timeout = 120);

/* The answer's workbook, read back; checks the headers of a workbook. */
static json_t *workbook_of(struct resp *r, const char *filename)
{
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(header(r, "content-type"), XLSX_TYPE);
    char want[128];
    snprintf(want, sizeof(want), "attachment; filename=\"%s\"", filename);
    cr_assert_str_eq(header(r, "content-disposition"), want);
    return xlsx_read_bytes(book, r->body, r->body_len);
}

static void assert_tmpdir_empty(void)
{
    DIR *d = opendir(tmpdir);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        cr_assert(e->d_name[0] == '.', "left behind in the service's $TMPDIR: %s", e->d_name);
    closedir(d);
}

static json_t *json_rows(const char *path, const char *member)
{
    struct resp r = request_lang(path, NULL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *rows = json_incref(json_object_get(r.json, member));
    cr_assert(json_is_array(rows), "%s", r.body);
    resp_free(&r);
    return rows;
}

Test(api_xlsx, cameras_as_a_workbook_equal_the_json)
{
    json_t *rows = json_rows("/api/v1/cameras?limit=1000", "cameras");
    cr_assert_eq(json_array_size(rows), 40);
    struct resp r = request_lang("/api/v1/cameras?limit=1000&format=xlsx", NULL, NULL);
    json_t *b = workbook_of(&r, "cameras.xlsx");
    cr_assert_null(header(&r, "x-next-cursor"));
    json_t *s = xlsx_sheet(b, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "Cameras");
    cr_assert_str_eq(json_string_value(json_object_get(s, "freeze")), "A2");
    cr_assert_str_eq(xlsx_text(s, 0, 2), "UNIT_ID");
    cr_assert_eq(xlsx_nrows(s), 41);
    for (size_t i = 0; i < 40; i++) {
        json_t *row = json_array_get(rows, i);
        static const char *const text[] = {"id", "name", "unit", "unit_name", "state"};
        for (size_t c = 0; c < 5; c++)
            cr_assert_str_eq(xlsx_text(s, i + 1, c),
                             json_string_value(json_object_get(row, text[c])));
        const char *since = json_string_value(json_object_get(row, "since"));
        cr_assert(strncmp(xlsx_text(s, i + 1, 7), since, 19) == 0, "%s", since);
        cr_assert_str_eq(xlsx_format(s, i + 1, 7), "yyyy-mm-dd hh:mm:ss");
        cr_assert_str_eq(xlsx_text(s, i + 1, 9), json_string_value(json_object_get(row, "url")));
    }
    json_decref(b);
    json_decref(rows);
    resp_free(&r);
    assert_tmpdir_empty();
}

Test(api_xlsx, a_page_carries_the_next_cursor)
{
    struct resp r = request_lang("/api/v1/cameras?limit=5&format=xlsx", NULL, NULL);
    json_t *b = workbook_of(&r, "cameras.xlsx");
    cr_assert_eq(xlsx_nrows(xlsx_sheet(b, 0)), 6);
    const char *next = header(&r, "x-next-cursor");
    cr_assert_not_null(next);
    char path[1024];
    snprintf(path, sizeof(path), "/api/v1/cameras?limit=5&format=xlsx&cursor=%s", next);
    struct resp r2 = request_lang(path, NULL, NULL);
    json_t *b2 = workbook_of(&r2, "cameras.xlsx");
    cr_assert_str_neq(xlsx_text(xlsx_sheet(b2, 0), 1, 0), xlsx_text(xlsx_sheet(b, 0), 1, 0),
                      "the second page starts after the first");
    json_decref(b);
    json_decref(b2);
    resp_free(&r);
    resp_free(&r2);
}

Test(api_xlsx, units_events_and_report_in_chinese)
{
    const char *zh = "zh-CN,zh;q=0.9,en;q=0.8";
    json_t *units = json_rows("/api/v1/units", "units");
    struct resp r = request_lang("/api/v1/units?format=xlsx", NULL, zh);
    json_t *b = workbook_of(&r, "units.xlsx");
    json_t *s = xlsx_sheet(b, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "单位");
    cr_assert_str_eq(xlsx_text(s, 0, 8), "在线率");
    cr_assert_eq(xlsx_nrows(s), json_array_size(units) + 1);
    for (size_t i = 0; i < json_array_size(units); i++) {
        json_t *u = json_array_get(units, i);
        cr_assert_str_eq(xlsx_text(s, i + 1, 0), json_string_value(json_object_get(u, "id")));
        json_t *off = json_object_get(json_object_get(u, "states"), "offline");
        cr_assert_eq(json_integer_value(xlsx_value(s, i + 1, 5)), json_integer_value(off));
        cr_assert_float_eq(json_number_value(xlsx_value(s, i + 1, 8)),
                           json_number_value(json_object_get(u, "online_rate")), 1e-9);
        cr_assert_str_eq(xlsx_format(s, i + 1, 8), "0.0%");
    }
    json_decref(b);
    json_decref(units);
    resp_free(&r);

    json_t *events = json_rows("/api/v1/events?limit=1000", "events");
    cr_assert_eq(json_array_size(events), 40);
    r = request_lang("/api/v1/events?limit=1000&format=xlsx", NULL, zh);
    b = workbook_of(&r, "events.xlsx");
    s = xlsx_sheet(b, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "状态变化");
    cr_assert_str_eq(xlsx_text(s, 0, 0), "时间");
    for (size_t i = 0; i < 40; i++) {
        json_t *e = json_array_get(events, i);
        const char *t = json_string_value(json_object_get(e, "time"));
        cr_assert(strncmp(xlsx_text(s, i + 1, 0), t, 19) == 0, "%s", t);
        cr_assert_str_eq(xlsx_text(s, i + 1, 1), json_string_value(json_object_get(e, "camera")));
        cr_assert_str_eq(xlsx_text(s, i + 1, 4), json_string_value(json_object_get(e, "to")));
    }
    json_decref(b);
    json_decref(events);
    resp_free(&r);

    /* The default range, the last 7 days: today holds the sweep's day. */
    r = request_lang("/api/v1/reports/online-rate", NULL, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *days = json_incref(json_object_get(r.json, "rows"));
    cr_assert_gt(json_array_size(days), 0);
    char name[128], path[256];
    const char *from = json_string_value(json_object_get(r.json, "from"));
    const char *to = json_string_value(json_object_get(r.json, "to"));
    snprintf(name, sizeof(name), "online-rate-%s-%s.xlsx", from, to);
    /* The same range, whenever midnight falls. */
    snprintf(path, sizeof(path), "/api/v1/reports/online-rate?from=%s&to=%s&format=xlsx", from, to);
    resp_free(&r);
    r = request_lang(path, NULL, zh);
    b = workbook_of(&r, name);
    s = xlsx_sheet(b, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "在线率");
    cr_assert_str_eq(xlsx_text(s, 0, 0), "日期");
    cr_assert_eq(xlsx_nrows(s), json_array_size(days) + 1);
    const char *day = json_string_value(json_object_get(json_array_get(days, 0), "day"));
    cr_assert(strncmp(xlsx_text(s, 1, 0), day, 10) == 0);
    cr_assert_str_eq(xlsx_format(s, 1, 0), "yyyy-mm-dd");
    json_decref(b);
    json_decref(days);
    resp_free(&r);
    assert_tmpdir_empty();
}

Test(api_xlsx, other_languages_get_english_and_other_formats_a_400)
{
    struct resp r = request_lang("/api/v1/units?format=xlsx", NULL, "fr-FR,fr;q=0.9");
    json_t *b = workbook_of(&r, "units.xlsx");
    cr_assert_str_eq(xlsx_sheet_name(xlsx_sheet(b, 0)), "Units");
    json_decref(b);
    resp_free(&r);
    r = request_lang("/api/v1/units?format=csv", NULL, NULL);
    assert_error(&r, 400, "bad_parameter", "format");
    resp_free(&r);
    r = request_lang("/api/v1/reports/online-rate?format=pdf", NULL, NULL);
    assert_error(&r, 400, "bad_parameter", "json or xlsx");
    resp_free(&r);
}
