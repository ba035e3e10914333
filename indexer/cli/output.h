/* Rendering rows for people and programs: an aligned table (display width
 * aware, so Chinese names line up), CSV (RFC 4180), JSON or an Excel
 * workbook (views/xlsx_table.h). Commands build each row as a JSON object
 * once; the format only changes the rendering. */
#ifndef CAMDEX_OUTPUT_H
#define CAMDEX_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "views/messages.h"
#include "views/out_col.h"

enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_XLSX };
/* Returns 0 or -EINVAL for anything but table, json, csv, xlsx. */
int out_format_parse(const char *s, enum out_format *f);

/* A listing written as it is read, in constant memory: rows go out one at
 * a time, as the scan of the index gives them, and nothing of a row is
 * kept once it is written. JSON is an array, one row per line, valid
 * whatever the count; CSV starts with its heading; a table holds its first
 * OUT_TABLE_WINDOW rows to size its columns, then writes each row as it
 * comes (a later, wider cell pushes the rest of its line right); a
 * workbook is written in libxlsxwriter's constant-memory mode to a
 * temporary file and copied to f at the end (a zip's directory comes
 * last), continuing on "Name (2)" past a sheet's rows.
 * open: 0, -ENOTTY for a workbook to a terminal (nothing written), or a
 * negative errno. row: 0 or a negative errno (a failed write: stop).
 * close: finishes the output and frees; discard frees without finishing. */
#define OUT_TABLE_WINDOW 1000
struct out_stream;
int out_stream_open(FILE *f, enum out_format fmt, enum msg_lang lang, const char *sheet_key,
                    const struct out_col *cols, size_t ncols, struct out_stream **s);
int out_stream_row(struct out_stream *s, json_t *row);
int out_stream_close(struct out_stream **s);
void out_stream_discard(struct out_stream **s);
size_t out_stream_rows(const struct out_stream *s);

/* Rows per workbook sheet with the heading; 0 is Excel's 1,048,576. Tests
 * lower it to see a sheet continue without writing a million rows. */
extern uint32_t out_xlsx_sheet_rows;

/* Renders `rows` (a JSON array of objects). Table, CSV and xlsx show the
 * given columns; JSON shows every member of each row. Table and workbook
 * headings are in `lang`; CSV and JSON keep the stable keys. */
int out_render(FILE *f, enum out_format fmt, enum msg_lang lang, const struct out_col *cols,
               size_t ncols, json_t *rows);

/* The rows as a one-sheet workbook (sheet named by catalogue key
 * `sheet_key`), written to a temporary file in $TMPDIR (else /tmp), copied
 * to f and removed. -ENOTTY when f is a terminal (a workbook is binary:
 * nothing is written), else 0 or a negative errno. */
int out_render_xlsx(FILE *f, enum msg_lang lang, const char *sheet_key, const struct out_col *cols,
                    size_t ncols, json_t *rows);

/* As out_render_xlsx, with a sheet per table (views/xlsx_table.h). */
struct xlsx_sheet;
int out_render_xlsx_sheets(FILE *f, enum msg_lang lang, const struct xlsx_sheet *sheets,
                           size_t nsheets);

/* Free text from the index as a terminal may show it: text_clean'd (no
 * escapes, no line breaks, valid UTF-8) into a malloc'd string (NULL when
 * out of memory), or written to f. Every free text the CLI prints as text
 * goes through these or the table renderer, which uses them. */
char *out_clean_text(const char *s);
void out_put_text(FILE *f, const char *s);

/* A cell of column c as a table shows it (text_clean'd, cut to the
 * column's max_width), malloc'd, its display width in *width; NULL when
 * out of memory. */
char *out_cell_text(json_t *v, const struct out_col *c, int *width);

/* Columns a terminal shows for a UTF-8 string (CJK count two). */
int out_display_width(const char *s);

#endif
