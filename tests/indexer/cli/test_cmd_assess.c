/* `camdex report assessment` end to end on an index with known times
 * (tests/support/assess_seed.h): table, JSON, CSV and a workbook read back
 * by openpyxl, its headings Chinese by default; and `report online-rate`,
 * whose intact rate counts only picture faults against it. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess_seed.h"
#include "base/timefmt.h"
#include "runcmd.h"
#include "xlsxread.h"

static char *tmp;
static char db[4200], day_s[16];

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(db, sizeof(db), "%s/index", tmp);
    timefmt_day(assess_seed(db), day_s, sizeof(day_s));
}

static void teardown(void)
{
    testutil_rmdir(tmp);
}

TestSuite(cmd_assess, .init = setup, .fini = teardown, .timeout = 120);

Test(cmd_assess, json_has_the_exact_rates)
{
    struct run r =
        CAMDEX("report", "assessment", "--from", day_s, "--to", day_s, "--format", "json");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    json_t *a = json_loads(r.out, 0, NULL);
    cr_assert_not_null(a, "%s", r.out);
    json_t *ua = json_array_get(json_object_get(a, "units"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(ua, "unit")), SEED_UNIT_A);
    cr_expect_float_eq(json_real_value(json_object_get(ua, "intact_rate")), 0.75, 1e-6);
    json_t *t = json_object_get(a, "total");
    cr_expect_float_eq(json_real_value(json_object_get(t, "intact_rate")), 0.8125, 1e-6);
    cr_expect_float_eq(json_real_value(json_object_get(t, "online_rate")), 0.875, 1e-6);
    cr_expect_eq(json_array_size(json_object_get(a, "cameras")), 4);
    json_decref(a);
    run_free(&r);
}

Test(cmd_assess, table_and_csv)
{
    struct run r = CAMDEX("--lang", "en", "report", "assessment", "--from", day_s, "--to", day_s);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strstr(r.out, "INTACT%") && strstr(r.out, "75.0%") && strstr(r.out, "81.2%"), "%s",
              r.out);
    cr_expect(strstr(r.out, "Cameras that failed") && strstr(r.out, "id not GB/T 28181"), "%s",
              r.out);
    const char *a = strstr(r.out, SEED_UNIT_A), *b = strstr(r.out, SEED_UNIT_B);
    cr_expect(a && b && a < b, "unit A (worse) comes first:\n%s", r.out);
    run_free(&r);
    r = CAMDEX("report", "assessment", "--unit", SEED_UNIT_B, "--from", day_s, "--to", day_s,
               "--format", "csv");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strncmp(r.out, "unit,name,cameras,online_rate,intact_rate,", 42) == 0, "%s", r.out);
    cr_expect(strstr(r.out, SEED_UNIT_B) && strstr(r.out, "\r\nALL,"), "%s", r.out);
    run_free(&r);
}

Test(cmd_assess, workbook_has_two_sheets_with_chinese_headings)
{
    char path[4300];
    snprintf(path, sizeof(path), "%s/考核.xlsx", tmp);
    /* No language in the environment: the default's. */
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    unsetenv("LANG");
    struct run r = CAMDEX("report", "assessment", "--from", day_s, "--to", day_s, "--format",
                          "xlsx", "-o", path);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
    json_t *book = xlsx_read(path);
    cr_assert_eq(xlsx_nsheets(book), 2);
    json_t *s = xlsx_sheet(book, 0);
    cr_expect_str_eq(xlsx_sheet_name(s), "考核");
    cr_expect_str_eq(xlsx_text(s, 0, 4), "完好率");
    cr_expect_str_eq(xlsx_text(s, 1, 0), SEED_UNIT_A);
    cr_expect_float_eq(json_real_value(xlsx_value(s, 1, 4)), 0.75, 1e-9);
    cr_expect_str_eq(xlsx_text(s, 3, 0), "ALL");
    cr_expect_float_eq(json_real_value(xlsx_value(s, 3, 12)), 0.75, 1e-9);
    json_t *c = xlsx_sheet(book, 1);
    cr_expect_str_eq(xlsx_sheet_name(c), "未达标摄像机");
    cr_expect_eq(xlsx_nrows(c), 5);
    json_decref(book);
}

/* Degraded for a low frame rate is a usable picture; blurred is not. */
Test(cmd_assess, online_rate_report_counts_only_picture_faults_against_intact)
{
    struct run r = CAMDEX("report", "online-rate", "--unit", SEED_UNIT_A, "--from", day_s, "--to",
                          day_s, "--format", "json");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    json_t *rows = json_loads(r.out, 0, NULL);
    json_t *row = json_array_get(rows, 0);
    cr_assert_not_null(row, "%s", r.out);
    cr_expect_float_eq(json_real_value(json_object_get(row, "online_rate")), 10.0 / 12, 1e-6);
    cr_expect_float_eq(json_real_value(json_object_get(row, "intact_rate")), 0.75, 1e-6);
    cr_expect_float_eq(json_real_value(json_object_get(row, "picture_fault_hours")), 1, 1e-6);
    json_decref(rows);
    run_free(&r);
}

Test(cmd_assess, bad_ranges_exit_2)
{
    struct run r = CAMDEX("report", "assessment", "--month", "2026-13");
    cr_expect_eq(r.rc, 2);
    cr_expect(strstr(r.err, "not a month"), "%s", r.err);
    run_free(&r);
    r = CAMDEX("report", "assessment", "--month", "2026-11", "--from", "2026-11-02");
    cr_expect_eq(r.rc, 2);
    run_free(&r);
    r = CAMDEX("report", "assessment", "--unit", "nope", "--month", "2026-11");
    cr_expect_eq(r.rc, 1);
    cr_expect(strstr(r.err, "no unit"), "%s", r.err);
    run_free(&r);
}
