/* indexer/cli/out_stream.c: listings written row by row. JSON stays one
 * valid array whatever the count, CSV starts with its heading, a table
 * sizes its columns on its first window of rows and then writes each row
 * as it comes, and a workbook goes on in a next sheet (a lowered rows-per-
 * sheet limit, read back with openpyxl). */
#include <criterion/criterion.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/output.h"
#include "testutil.h"
#include "xlsxread.h"

static const struct out_col cols[] = {
    {"id", "col.id", OUT_TEXT, 0},
    {"n", "col.cameras", OUT_INT, 0},
};

/* `n` rows {"id": "c<i>", "n": i} through a stream into a string. */
static char *stream_rows(enum out_format fmt, int n, const char *wide_at)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct out_stream *s;
    cr_assert_eq(out_stream_open(f, fmt, MSG_EN, "sheet.table", cols, 2, &s), 0);
    for (int i = 0; i < n; i++) {
        char id[64];
        snprintf(id, sizeof(id), "c%d", i);
        json_t *row = json_pack("{s:s, s:i}", "id", wide_at && i == n - 1 ? wide_at : id, "n", i);
        cr_assert_eq(out_stream_row(s, row), 0);
        json_decref(row);
    }
    cr_assert_eq(out_stream_rows(s), (size_t)n);
    cr_assert_eq(out_stream_close(&s), 0);
    cr_assert_null(s);
    fclose(f);
    return buf;
}

Test(out_stream, json_is_one_valid_array_whatever_the_count)
{
    char *none = stream_rows(OUT_JSON, 0, NULL);
    cr_assert_str_eq(none, "[]\n");
    free(none);
    char *two = stream_rows(OUT_JSON, 2, NULL);
    cr_assert_str_eq(two, "[\n  {\"id\":\"c0\",\"n\":0},\n  {\"id\":\"c1\",\"n\":1}\n]\n");
    free(two);
    char *many = stream_rows(OUT_JSON, 3000, NULL);
    json_error_t e;
    json_t *j = json_loads(many, 0, &e);
    cr_assert_not_null(j, "%s", e.text);
    cr_assert_eq(json_array_size(j), 3000);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(j, 2999), "n")), 2999);
    json_decref(j);
    free(many);
}

Test(out_stream, csv_starts_with_its_heading)
{
    char *none = stream_rows(OUT_CSV, 0, NULL);
    cr_assert_str_eq(none, "id,n\r\n");
    free(none);
    char *two = stream_rows(OUT_CSV, 2, NULL);
    cr_assert_str_eq(two, "id,n\r\nc0,0\r\nc1,1\r\n");
    free(two);
}

/* Widths come from the heading and the first OUT_TABLE_WINDOW rows; a
 * later, wider cell is written whole and pushes its line right. */
Test(out_stream, a_table_sizes_its_columns_on_the_first_window)
{
    setlocale(LC_ALL, "C");
    const char *wide = "a-much-wider-id-than-any-before";
    char *t = stream_rows(OUT_TABLE, OUT_TABLE_WINDOW + 5, wide);
    /* "ID" padded to the window's widest id, "c999" (4 columns)... */
    char head[64];
    snprintf(head, sizeof(head), "ID    CAMERAS\n");
    cr_assert(strncmp(t, head, strlen(head)) == 0, "heading: %.40s", t);
    cr_assert(strstr(t, "\nc0          0\n"), "a row of the window");
    cr_assert(strstr(t, "\nc1003     1003\n"), "a row after the window, at the same widths");
    char last[96];
    snprintf(last, sizeof(last), "\n%s     %d\n", wide, OUT_TABLE_WINDOW + 4);
    cr_assert(strstr(t, last), "the wide cell whole, its line pushed right");
    free(t);
}

Test(out_stream, a_workbook_goes_on_in_a_next_sheet)
{
    char *dir = testutil_mkdtemp();
    char path[4200];
    snprintf(path, sizeof(path), "%s/out.xlsx", dir);
    setenv("TMPDIR", dir, 1);
    /* Four rows a sheet: the heading and three. */
    out_xlsx_sheet_rows = 4;
    FILE *f = fopen(path, "w");
    struct out_stream *s;
    cr_assert_eq(out_stream_open(f, OUT_XLSX, MSG_EN, "sheet.cameras", cols, 2, &s), 0);
    for (int i = 0; i < 7; i++) {
        json_t *row = json_pack("{s:s, s:i}", "id", "c", "n", i);
        cr_assert_eq(out_stream_row(s, row), 0);
        json_decref(row);
    }
    cr_assert_eq(out_stream_close(&s), 0);
    fclose(f);
    out_xlsx_sheet_rows = 0;
    json_t *book = xlsx_read(path);
    cr_assert_eq(xlsx_nsheets(book), 3);
    static const char *const names[] = {"Cameras", "Cameras (2)", "Cameras (3)"};
    int next = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *sh = xlsx_sheet(book, i);
        cr_assert_str_eq(xlsx_sheet_name(sh), names[i]);
        cr_assert_eq(xlsx_nrows(sh), i < 2 ? 4 : 2);
        for (size_t r = 1; r < xlsx_nrows(sh); r++, next++)
            cr_assert_eq(json_integer_value(xlsx_value(sh, r, 1)), next, "rows in order");
    }
    cr_assert_eq(next, 7, "every row once");
    json_decref(book);
    unlink(path);
    /* Nothing of the temporary workbook is left behind. */
    cr_assert_eq(rmdir(dir), 0, "something was left in %s", dir);
    free(dir);
}

Test(out_stream, no_workbook_to_a_terminal)
{
    FILE *f = fopen("/dev/tty", "w");
    if (!f)
        cr_skip_test("no terminal here");
    struct out_stream *s;
    cr_assert_eq(out_stream_open(f, OUT_XLSX, MSG_EN, "sheet.cameras", cols, 2, &s), -ENOTTY);
    cr_assert_null(s);
    fclose(f);
}
