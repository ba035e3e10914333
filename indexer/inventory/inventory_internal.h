/* Shared between the inventory readers (CSV, JSON), the row builder
 * (inventory_rows.c) and the dispatcher (inventory.c): column table, row
 * shape, error reporting. Not public. */
#ifndef CAMDEX_INVENTORY_INTERNAL_H
#define CAMDEX_INVENTORY_INTERNAL_H

#include "inventory/inventory.h"

#include <stdarg.h>

enum inv_col {
    INV_COL_ID,
    INV_COL_NAME,
    INV_COL_UNIT_ID,
    INV_COL_UNIT_NAME,
    INV_COL_URL,
    INV_COL_LAT,
    INV_COL_LON,
    INV_COL_ADDRESS,
    INV_COL_TAGS,
    INV_COL_RESOLUTION,
    INV_COL_FPS,
    INV_COL_COUNT
};

/* Column for a header cell or JSON key (trimmed, ASCII case-insensitive,
 * Chinese aliases), or -1. */
int inv_col_lookup(const char *name, size_t len);
const char *inv_col_name(int col);
int inv_col_required(int col);
/* "id, name, unit_id, ..." for "unknown column" messages. */
extern const char inv_cols_accepted[];
/* "stream_url, 视频流地址, 取流地址" for "missing column" messages. */
const char *inv_col_aliases(int col);

/* One raw row as a front end read it; values need not be NUL-terminated. */
struct inv_field {
    const char *s;
    size_t len;
    int present;       /* the column/key exists for this row */
    const char *label; /* the column or key as the file spells it */
};

struct inv_row {
    struct inv_field f[INV_COL_COUNT];
    uint32_t line;
};

/* string -> (line, value) hash: duplicate ids, unit id -> unit name. */
struct inv_entry {
    const char *key; /* NUL-terminated, in the arena */
    const char *val;
    uint32_t line;
    uint32_t hash;
};

struct inv_table {
    struct inv_entry *e;
    size_t cap, n; /* cap is a power of two */
};

/* State of one inv_parse call. */
struct inv_builder {
    struct inventory *inv;
    struct inv_errors *errs;
    const char *name; /* file name for messages */
    const char *what; /* "column" (CSV) or "key" (JSON) */
    struct inv_table *ids, *units;
    size_t rows; /* rows seen, valid or not */
    int stop;    /* a fatal error was reported: read no further */
};

/* Record an error "name:line: message" (line 0: "name: message"). */
void inv_error(struct inv_builder *b, uint32_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Check one row and append it to the inventory. Problems are reported with
 * inv_error. Returns 0, or -ENOMEM. */
int inv_add_row(struct inv_builder *b, const struct inv_row *row);

/* A value as it may be shown: credentials redacted when it looks like a
 * URL or "user:pass@host". Not quoted. Returns buf. */
const char *inv_redact_value(const char *s, size_t len, char *buf, size_t buflen);

/* Quote a value for a message: at most ~60 bytes, control bytes escaped. */
const char *inv_quote(const char *s, size_t len, char *buf, size_t buflen);

int inv_parse_csv(struct inv_builder *b, const char *text, size_t len);
/* The same reader fed in pieces of any size: begin with the file's line
 * end (inv_csv_eol of its text), feed, end (which reports what only the
 * end can tell and frees the reader). Each returns 0 or -ENOMEM; problems
 * go to the builder's errors. */
struct inv_csv;
char inv_csv_eol(const char *text, size_t len);
int inv_csv_begin(struct inv_builder *b, char eol, struct inv_csv **out);
int inv_csv_feed(struct inv_csv *f, const char *text, size_t len);
int inv_csv_end(struct inv_csv *f);
/* Room for n entries before the table grows (a large file's estimate). */
int inv_table_reserve(struct inv_table *t, size_t n);
int inv_parse_json(struct inv_builder *b, const char *text, size_t len);

#endif
