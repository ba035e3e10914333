/* How a table's columns are shown, shared by every renderer of rows (the
 * CLI's table and CSV, workbooks for the CLI and the API): which member of
 * each row object, the catalogue key of its heading, and what kind of
 * value it holds, so a workbook can give dates and rates real cell types. */
#ifndef CAMDEX_VIEWS_OUT_COL_H
#define CAMDEX_VIEWS_OUT_COL_H

#include <jansson.h>

enum out_kind {
    OUT_TEXT,     /* strings as they are */
    OUT_INT,      /* numbers, right-aligned; fractions shown with one decimal */
    OUT_PERCENT,  /* a ratio 0..1 shown as "93.1%"; null shown as "-" */
    OUT_DATE,     /* "2026-11-27": a date cell in a workbook, text elsewhere */
    OUT_DATETIME, /* RFC 3339 "2026-11-27T16:16:08+08:00": a date-time cell in a
                   * workbook (the wall time shown, in the index's zone) */
};

struct out_col {
    const char *key;     /* member of each row object ("states.online": a member's member) */
    const char *heading; /* catalogue key of the heading (views/messages.def) */
    enum out_kind kind;
    int max_width; /* table only: longer text is cut with "…"; 0 = no limit */
};

/* The value of column `key` in `row`: a member, or with one dot a member
 * of a member object ("states.online"); NULL when absent. */
json_t *out_col_value(json_t *row, const char *key);

#endif
