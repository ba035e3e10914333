/* Tables as an Excel workbook (.xlsx), with libxlsxwriter: headings from the
 * message catalogue in the reader's language, real date and date-time cells,
 * rates as numbers in a percentage format, the heading row frozen, column
 * widths fitted to the text (a CJK character counts two), one sheet per
 * table. Rows are the JSON objects every other output renders, described by
 * the same struct out_col.
 *
 * Workbooks are written in libxlsxwriter's constant-memory mode: each row
 * goes to a temporary file as soon as the next one starts, so an export of
 * a million rows does not hold the workbook in memory. A table longer than
 * a sheet (1,048,576 rows with the heading) goes on in a next sheet, named
 * "Events (2)", with the heading repeated.
 *
 * Text cells are always written as strings, never as formulas, so a camera
 * named "=HYPERLINK(...)" is shown as that text and needs no guard
 * apostrophe (unlike CSV, base/csv_guard.h). Text goes through text_clean
 * first: control characters and invalid bytes would make the file one
 * that Excel refuses to open. */
#ifndef CAMDEX_VIEWS_XLSX_TABLE_H
#define CAMDEX_VIEWS_XLSX_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "views/messages.h"
#include "views/out_col.h"

#define XLSX_SHEET_ROWS_MAX 1048576 /* Excel's rows per sheet */
#define XLSX_CONTENT_TYPE   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

struct xlsx_options {
    enum msg_lang lang;  /* headings and sheet names */
    uint32_t sheet_rows; /* rows per sheet with the heading (2..); 0: XLSX_SHEET_ROWS_MAX */
    const char *tmpdir;  /* for every temporary file; NULL: $TMPDIR, else /tmp */
};

struct xlsx_book;

/* Starts a workbook that xlsx_book_close writes to `path` (nothing is
 * created before then). 0, -ENOMEM, -EINVAL (sheet_rows of 1). */
int xlsx_book_new(const char *path, const struct xlsx_options *o, struct xlsx_book **out);

/* Starts a table on a new sheet named by catalogue key `sheet_key`
 * ("sheet.cameras"), with its heading row. `cols` must outlive the table. */
int xlsx_book_table(struct xlsx_book *b, const char *sheet_key, const struct out_col *cols,
                    size_t ncols);

/* Appends one row (an object; members the columns do not name are left
 * out, missing ones and nulls are blank cells) to the current table. */
int xlsx_book_row(struct xlsx_book *b, json_t *row);

/* Appends every object of the array `rows`. */
int xlsx_book_rows(struct xlsx_book *b, json_t *rows);

/* Writes the file and frees the book (also on error; *b becomes NULL).
 * 0, or a negative errno: -ENOMEM, the errno of creating the file, -EIO. */
int xlsx_book_close(struct xlsx_book **b);

/* Frees a book without writing anything. Safe with NULL. */
void xlsx_book_discard(struct xlsx_book **b);

/* One table as a whole workbook in a temporary file in o->tmpdir: on
 * success *fd is the finished workbook opened for reading at its start,
 * and the file has no name any more (nothing to clean up but the fd); on
 * error nothing is left behind. 0 or a negative errno. */
int xlsx_table_temp(const struct xlsx_options *o, const char *sheet_key, const struct out_col *cols,
                    size_t ncols, json_t *rows, int *fd);

/* The directory temporary files go to: o->tmpdir, else $TMPDIR, else /tmp. */
const char *xlsx_tmpdir(const struct xlsx_options *o);

#endif
