/* Rendering rows for people and programs: an aligned table (display width
 * aware, so Chinese names line up), CSV (RFC 4180) or JSON. Commands build
 * each row as a JSON object once; the format only changes the rendering. */
#ifndef CAMDEX_OUTPUT_H
#define CAMDEX_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "views/messages.h"

enum out_format { OUT_TABLE, OUT_JSON, OUT_CSV };
/* Returns 0 or -EINVAL for anything but table, json, csv. */
int out_format_parse(const char *s, enum out_format *f);

enum out_kind {
    OUT_TEXT,    /* strings as they are */
    OUT_INT,     /* integers, right-aligned */
    OUT_PERCENT, /* a ratio 0..1 shown as "93.1%"; null shown as "-" */
};

struct out_col {
    const char *key;     /* member of each row object */
    const char *heading; /* catalogue key of the table heading (views/messages.def) */
    enum out_kind kind;
    int max_width; /* table only: longer text is cut with "…"; 0 = no limit */
};

/* Renders `rows` (a JSON array of objects). Table and CSV show the given
 * columns; JSON shows every member of each row. Table headings are in
 * `lang`; CSV and JSON keep the stable keys. */
int out_render(FILE *f, enum out_format fmt, enum msg_lang lang, const struct out_col *cols,
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
