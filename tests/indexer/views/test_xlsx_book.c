/* indexer/views/xlsx_book.c: workbooks read back with openpyxl. Headings
 * from the catalogue in either language, date and percentage cells with
 * their formats, the frozen heading row, widths fitted to CJK text, text
 * that stays text, and a table going on in a next sheet past the row
 * limit (a small limit stands in for Excel's 1,048,576). */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

#include "testutil.h"
#include "views/xlsx_table.h"
#include "xlsxread.h"

#define FFFD "\xEF\xBF\xBD"

static char *tmp;
static char path[4200];

static void setup(void)
{
    tmp = testutil_mkdtemp();
    snprintf(path, sizeof(path), "%s/book.xlsx", tmp);
}

static void teardown(void)
{
    testutil_rmdir(tmp);
}

TestSuite(xlsx_book, .init = setup, .fini = teardown, .timeout = 60);

static const struct out_col cols[] = {
    {"id", "col.id", OUT_TEXT, 0},
    {"name", "col.name", OUT_TEXT, 0},
    {"since", "col.since", OUT_DATETIME, 0},
    {"day", "col.day", OUT_DATE, 0},
    {"online_rate", "col.online_rate", OUT_PERCENT, 0},
    {"monitored_hours", "col.monitored_hours", OUT_INT, 0},
    {"states.online", "col.online", OUT_INT, 0},
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static json_t *sample_row(int i)
{
    char id[32];
    snprintf(id, sizeof(id), "3201020000131500%04d", i);
    return json_pack("{s:s, s:s, s:s, s:s, s:f, s:f, s:{s:i}}", "id", id, "name", "北门入口",
                     "since", "2026-11-27T16:16:08+08:00", "day", "2026-11-27", "online_rate",
                     0.931, "monitored_hours", 23.5, "states", "online", i);
}

static void write_book(const struct xlsx_options *o, const char *sheet, json_t *rows)
{
    struct xlsx_book *b;
    cr_assert_eq(xlsx_book_new(path, o, &b), 0);
    cr_assert_eq(xlsx_book_table(b, sheet, cols, NCOLS), 0);
    cr_assert_eq(xlsx_book_rows(b, rows), 0);
    cr_assert_eq(xlsx_book_close(&b), 0);
    cr_assert_null(b);
}

Test(xlsx_book, chinese_headings_real_dates_and_percentages_under_a_frozen_row)
{
    json_t *rows = json_array();
    json_array_append_new(rows, sample_row(7));
    struct xlsx_options o = {.lang = MSG_ZH};
    write_book(&o, "sheet.cameras", rows);
    json_t *book = xlsx_read(path);
    cr_assert_eq(xlsx_nsheets(book), 1);
    json_t *s = xlsx_sheet(book, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "摄像机");
    cr_assert_str_eq(json_string_value(json_object_get(s, "freeze")), "A2");
    for (size_t c = 0; c < NCOLS; c++)
        cr_assert_str_eq(xlsx_text(s, 0, c), msg_text(cols[c].heading, MSG_ZH));
    cr_assert_str_eq(xlsx_text(s, 0, 0), "编号");
    cr_assert_str_eq(xlsx_text(s, 1, 0), "32010200001315000007");
    cr_assert_str_eq(xlsx_text(s, 1, 1), "北门入口");
    /* The wall time people read, as a date-time cell. */
    cr_assert_str_eq(xlsx_text(s, 1, 2), "2026-11-27T16:16:08");
    cr_assert_str_eq(xlsx_format(s, 1, 2), "yyyy-mm-dd hh:mm:ss");
    cr_assert_str_eq(xlsx_text(s, 1, 3), "2026-11-27T00:00:00");
    cr_assert_str_eq(xlsx_format(s, 1, 3), "yyyy-mm-dd");
    /* The ratio itself, shown as a percentage. */
    cr_assert_float_eq(json_number_value(xlsx_value(s, 1, 4)), 0.931, 1e-12);
    cr_assert_str_eq(xlsx_format(s, 1, 4), "0.0%");
    cr_assert_float_eq(json_number_value(xlsx_value(s, 1, 5)), 23.5, 1e-12);
    cr_assert_str_eq(xlsx_format(s, 1, 5), "0.0");
    /* A member's member. */
    cr_assert_eq(json_integer_value(xlsx_value(s, 1, 6)), 7);
    json_decref(book);
    json_decref(rows);
}

Test(xlsx_book, english_headings_and_sheet_name)
{
    json_t *rows = json_array();
    struct xlsx_options o = {.lang = MSG_EN};
    write_book(&o, "sheet.online_rate", rows);
    json_t *book = xlsx_read(path);
    json_t *s = xlsx_sheet(book, 0);
    cr_assert_str_eq(xlsx_sheet_name(s), "Online rate");
    cr_assert_str_eq(xlsx_text(s, 0, 4), "ONLINE%");
    cr_assert_eq(xlsx_nrows(s), 1, "an empty table is its heading");
    json_decref(book);
    json_decref(rows);
}

Test(xlsx_book, column_widths_count_cjk_characters_twice)
{
    json_t *rows = json_array();
    json_t *r = sample_row(1);
    /* Ten CJK characters and ten ASCII ones. */
    json_object_set_new(r, "name", json_string("玄武大道与汉中路交叉"));
    json_object_set_new(r, "id", json_string("abcdefghij"));
    json_array_append_new(rows, r);
    struct xlsx_options o = {.lang = MSG_EN};
    write_book(&o, "sheet.cameras", rows);
    json_t *book = xlsx_read(path);
    json_t *s = xlsx_sheet(book, 0);
    double ascii = xlsx_width(s, "A"), cjk = xlsx_width(s, "B");
    cr_assert(ascii >= 10 && ascii < 15, "10 ASCII characters: width %g", ascii);
    cr_assert(cjk >= 20 && cjk < 25, "10 CJK characters: width %g", cjk);
    /* A date-time needs its 19 characters whatever its heading. */
    cr_assert_geq(xlsx_width(s, "C"), 19);
    json_decref(book);
    json_decref(rows);
}

Test(xlsx_book, text_is_never_a_formula_and_control_characters_are_replaced)
{
    json_t *rows = json_array();
    json_t *r = sample_row(1);
    json_object_set_new(r, "name", json_string("=HYPERLINK(\"http://evil\",\"x\")"));
    json_object_set_new(r, "id", json_string("\x1b[2Jcam"));
    json_array_append_new(rows, r);
    r = sample_row(2);
    json_object_set_new(r, "name", json_string("+1-2"));
    json_object_set_new(r, "since", json_string("not a time"));
    json_array_append_new(rows, r);
    struct xlsx_options o = {.lang = MSG_EN};
    write_book(&o, "sheet.cameras", rows);
    json_t *book = xlsx_read(path);
    cr_assert_eq(json_integer_value(json_object_get(book, "formulas")), 0);
    json_t *s = xlsx_sheet(book, 0);
    cr_assert_str_eq(xlsx_text(s, 1, 1), "=HYPERLINK(\"http://evil\",\"x\")");
    cr_assert_str_eq(json_string_value(json_object_get(xlsx_cell(s, 1, 1), "t")), "s");
    cr_assert_str_eq(xlsx_text(s, 1, 0), FFFD "[2Jcam");
    cr_assert_str_eq(xlsx_text(s, 2, 1), "+1-2");
    /* A time column holding something else shows it as text. */
    cr_assert_str_eq(xlsx_text(s, 2, 2), "not a time");
    json_decref(book);
    json_decref(rows);
}

Test(xlsx_book, nulls_and_empty_times_are_blank_cells)
{
    json_t *rows = json_array();
    json_t *r = sample_row(1);
    json_object_set_new(r, "online_rate", json_null());
    json_object_set_new(r, "since", json_string(""));
    json_object_del(r, "day");
    json_array_append_new(rows, r);
    struct xlsx_options o = {.lang = MSG_EN};
    write_book(&o, "sheet.cameras", rows);
    json_t *book = xlsx_read(path);
    json_t *s = xlsx_sheet(book, 0);
    cr_assert(json_is_null(xlsx_value(s, 1, 2)));
    cr_assert(json_is_null(xlsx_value(s, 1, 3)));
    cr_assert(json_is_null(xlsx_value(s, 1, 4)));
    cr_assert_str_eq(xlsx_text(s, 1, 1), "北门入口");
    json_decref(book);
    json_decref(rows);
}

Test(xlsx_book, a_table_longer_than_a_sheet_goes_on_in_the_next_with_its_heading)
{
    json_t *rows = json_array();
    for (int i = 0; i < 5; i++)
        json_array_append_new(rows, sample_row(i));
    /* Three rows a sheet: the heading and two. */
    struct xlsx_options o = {.lang = MSG_ZH, .sheet_rows = 3};
    write_book(&o, "sheet.events", rows);
    json_t *book = xlsx_read(path);
    cr_assert_eq(xlsx_nsheets(book), 3);
    static const char *const names[] = {"状态变化", "状态变化 (2)", "状态变化 (3)"};
    int next = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *s = xlsx_sheet(book, i);
        cr_assert_str_eq(xlsx_sheet_name(s), names[i]);
        cr_assert_str_eq(xlsx_text(s, 0, 0), "编号", "sheet %zu repeats the heading", i + 1);
        cr_assert_str_eq(json_string_value(json_object_get(s, "freeze")), "A2");
        cr_assert_eq(xlsx_nrows(s), i < 2 ? 3 : 2);
        for (size_t r = 1; r < xlsx_nrows(s); r++, next++)
            cr_assert_eq(json_integer_value(xlsx_value(s, r, 6)), next, "rows in order");
    }
    cr_assert_eq(next, 5, "every row once");
    json_decref(book);
    json_decref(rows);
}

Test(xlsx_book, several_tables_are_several_sheets)
{
    struct xlsx_book *b;
    struct xlsx_options o = {.lang = MSG_EN};
    cr_assert_eq(xlsx_book_new(path, &o, &b), 0);
    cr_assert_eq(xlsx_book_table(b, "sheet.units", cols, 2), 0);
    json_t *r = sample_row(1);
    cr_assert_eq(xlsx_book_row(b, r), 0);
    cr_assert_eq(xlsx_book_table(b, "sheet.cameras", cols, NCOLS), 0);
    cr_assert_eq(xlsx_book_row(b, r), 0);
    cr_assert_eq(xlsx_book_row(b, r), 0);
    /* The same name twice is refused, not a broken file. */
    cr_assert_eq(xlsx_book_table(b, "sheet.units", cols, 2), -EINVAL);
    cr_assert_eq(xlsx_book_close(&b), 0);
    json_t *book = xlsx_read(path);
    cr_assert_eq(xlsx_nsheets(book), 2);
    cr_assert_str_eq(xlsx_sheet_name(xlsx_sheet(book, 0)), "Units");
    cr_assert_eq(xlsx_nrows(xlsx_sheet(book, 0)), 2);
    cr_assert_str_eq(xlsx_sheet_name(xlsx_sheet(book, 1)), "Cameras");
    cr_assert_eq(xlsx_nrows(xlsx_sheet(book, 1)), 3);
    json_decref(book);
    json_decref(r);
}

Test(xlsx_book, nothing_is_created_before_close_and_discard_writes_nothing)
{
    struct xlsx_book *b;
    struct xlsx_options o = {.lang = MSG_EN};
    cr_assert_eq(xlsx_book_new(path, &o, &b), 0);
    cr_assert_eq(xlsx_book_table(b, "sheet.units", cols, NCOLS), 0);
    json_t *r = sample_row(1);
    cr_assert_eq(xlsx_book_row(b, r), 0);
    struct stat st;
    cr_assert_neq(stat(path, &st), 0);
    xlsx_book_discard(&b);
    cr_assert_null(b);
    cr_assert_neq(stat(path, &st), 0);
    json_decref(r);
}

Test(xlsx_book, a_place_that_cannot_be_written_is_an_errno)
{
    char bad[4300];
    snprintf(bad, sizeof(bad), "%s/no/such/dir/book.xlsx", tmp);
    struct xlsx_book *b;
    struct xlsx_options o = {.lang = MSG_EN};
    cr_assert_eq(xlsx_book_new(bad, &o, &b), 0);
    cr_assert_eq(xlsx_book_table(b, "sheet.units", cols, NCOLS), 0);
    cr_assert_eq(xlsx_book_close(&b), -ENOENT);
    cr_assert_null(b);
    o.sheet_rows = 1;
    cr_assert_eq(xlsx_book_new(path, &o, &b), -EINVAL, "no room for a row");
}

Test(xlsx_book, long_sheet_names_are_cut_between_characters)
{
    /* An unknown key is its own text: 6 ASCII and 30 CJK characters. */
    static const char key[] = "sheet.一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十";
    json_t *rows = json_array();
    json_array_append_new(rows, sample_row(0));
    json_array_append_new(rows, sample_row(1));
    struct xlsx_options o = {.lang = MSG_EN, .sheet_rows = 2};
    write_book(&o, key, rows);
    json_t *book = xlsx_read(path);
    cr_assert_eq(xlsx_nsheets(book), 2);
    cr_assert_str_eq(xlsx_sheet_name(xlsx_sheet(book, 0)), "sheet.一二三四五六七八九十一二三四五六七八");
    cr_assert_str_eq(xlsx_sheet_name(xlsx_sheet(book, 1)),
                     "sheet.一二三四五六七八九十一二三四五六七八 (2)");
    json_decref(book);
    json_decref(rows);
}
