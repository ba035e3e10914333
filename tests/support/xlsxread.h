/* Workbooks read back by a real reader (openpyxl, through
 * tests/support/xlsx_read.py and Debian's /usr/bin/python3), as JSON:
 * {"formulas": N, "sheets": [{"name", "freeze", "widths": {"A": w},
 *  "rows": [[{"v": value, "t": type, "f": number format}, ...], ...]}]}.
 * Dates come as ISO text ("2026-11-27T16:16:08"). */
#ifndef CAMDEX_XLSXREAD_H
#define CAMDEX_XLSXREAD_H

#include <criterion/criterion.h>
#include <jansson.h>

#include "runcmd.h"

#define XLSX_READ_SCRIPT CAMDEX_TEST_DATA "/../support/xlsx_read.py"

/* The workbook at `path`; fails the test when it is not one. */
static inline json_t *xlsx_read(const char *path)
{
    char *argv[] = {"/usr/bin/python3", XLSX_READ_SCRIPT, (char *)path, NULL};
    struct run r = runv(argv);
    cr_assert_eq(r.rc, 0, "%s is not a workbook a reader opens: %s", path, r.err);
    json_error_t e;
    json_t *book = json_loads(r.out, 0, &e);
    cr_assert_not_null(book, "xlsx_read.py printed no JSON (%s): %.200s", e.text, r.out);
    run_free(&r);
    return book;
}

/* A workbook received as `len` bytes (an HTTP answer's body), saved at
 * `path` and read back. */
static inline json_t *xlsx_read_bytes(const char *path, const char *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    fclose(f);
    return xlsx_read(path);
}

static inline json_t *xlsx_sheet(json_t *book, size_t i)
{
    json_t *s = json_array_get(json_object_get(book, "sheets"), i);
    cr_assert_not_null(s, "the workbook has no sheet %zu", i + 1);
    return s;
}

static inline size_t xlsx_nsheets(json_t *book)
{
    return json_array_size(json_object_get(book, "sheets"));
}

static inline const char *xlsx_sheet_name(json_t *sheet)
{
    return json_string_value(json_object_get(sheet, "name"));
}

static inline size_t xlsx_nrows(json_t *sheet)
{
    return json_array_size(json_object_get(sheet, "rows"));
}

/* Row r, column c (both from 0; row 0 is the heading): {"v", "t", "f"}, or
 * NULL past the sheet's last cell. */
static inline json_t *xlsx_cell(json_t *sheet, size_t r, size_t c)
{
    return json_array_get(json_array_get(json_object_get(sheet, "rows"), r), c);
}

static inline json_t *xlsx_value(json_t *sheet, size_t r, size_t c)
{
    return json_object_get(xlsx_cell(sheet, r, c), "v");
}

static inline const char *xlsx_text(json_t *sheet, size_t r, size_t c)
{
    return json_string_value(xlsx_value(sheet, r, c));
}

static inline const char *xlsx_format(json_t *sheet, size_t r, size_t c)
{
    return json_string_value(json_object_get(xlsx_cell(sheet, r, c), "f"));
}

/* The width of column `letter` ("A"), 0 when the sheet sets none. */
static inline double xlsx_width(json_t *sheet, const char *letter)
{
    return json_number_value(json_object_get(json_object_get(sheet, "widths"), letter));
}

#endif
