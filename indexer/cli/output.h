/* Rendering rows for people and programs: an aligned table (display width
 * aware, so Chinese names line up), CSV (RFC 4180), JSON or an Excel
 * workbook (views/xlsx_table.h). Commands build each row as a JSON object
 * once; the format only changes the rendering. */
#ifndef CAMDEX_OUTPUT_H
#define CAMDEX_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "views/messages.h"
#include "views/out_col.h"

enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_XLSX };
/* Returns 0 or -EINVAL for anything but table, json, csv, xlsx. */
int out_format_parse(const char *s, enum out_format *f);

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

/* Free text from the index as a terminal may show it: text_clean'd (no
 * escapes, no line breaks, valid UTF-8) into a malloc'd string (NULL when
 * out of memory), or written to f. Every free text the CLI prints as text
 * goes through these or the table renderer, which uses them. */
char *out_clean_text(const char *s);
void out_put_text(FILE *f, const char *s);

/* Columns a terminal shows for a UTF-8 string (CJK count two). */
int out_display_width(const char *s);

#endif
