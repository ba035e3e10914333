/* The workbook writer; see xlsx_table.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xlsxwriter.h>

#include "text_clean.h"
#include "views/xlsx_date.h"
#include "views/xlsx_table.h"

/* Excel holds at most 32,767 characters in a cell; a longer text is cut
 * between characters (no stored text comes near it). */
#define TEXT_CAP 32768
/* Columns wider than this are left to the reader to widen (long URLs). */
#define WIDTH_MAX 60

struct xlsx_book {
    lxw_workbook *wb;
    char *path, *tmpdir;
    enum msg_lang lang;
    uint32_t sheet_rows;
    lxw_format *heading, *date, *datetime, *percent, *fraction;
    /* The current table and its current sheet. */
    lxw_worksheet *ws;
    const char *sheet_key;
    const struct out_col *cols;
    size_t ncols;
    unsigned sheet_no; /* 1, then 2, ... when a table goes past a sheet */
    uint32_t row;      /* next row of ws */
    int *width;        /* display width of each column on ws so far */
    char text[TEXT_CAP];
};

/* libxlsxwriter's errors as errnos: the one place they are mapped. */
static int xlsx_err(lxw_error e)
{
    switch (e) {
    case LXW_NO_ERROR:
        return 0;
    case LXW_ERROR_MEMORY_MALLOC_FAILED:
        return -ENOMEM;
    case LXW_ERROR_CREATING_XLSX_FILE:
    case LXW_ERROR_CREATING_TMPFILE:
        /* fopen's errno (EACCES, ENOSPC, ENOENT) says what to fix. */
        return errno ? -errno : -EIO;
    case LXW_ERROR_READING_TMPFILE:
    case LXW_ERROR_ZIP_FILE_OPERATION:
    case LXW_ERROR_ZIP_FILE_ADD:
    case LXW_ERROR_ZIP_CLOSE:
    case LXW_ERROR_ZIP_INTERNAL_ERROR:
    case LXW_ERROR_ZIP_BAD_ZIP_FILE:
        return -EIO;
    default:
        return -EINVAL;
    }
}

const char *xlsx_tmpdir(const struct xlsx_options *o)
{
    const char *env = getenv("TMPDIR");
    return o && o->tmpdir ? o->tmpdir : env && *env ? env : "/tmp";
}

static lxw_format *num_format(lxw_workbook *wb, const char *fmt)
{
    lxw_format *f = workbook_add_format(wb);
    if (f)
        format_set_num_format(f, fmt);
    return f;
}

int xlsx_book_new(const char *path, const struct xlsx_options *o, struct xlsx_book **out)
{
    *out = NULL;
    if (o->sheet_rows == 1)
        return -EINVAL; /* a heading and no room for a row */
    struct xlsx_book *b = calloc(1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->lang = o->lang;
    b->sheet_rows =
        o->sheet_rows && o->sheet_rows < XLSX_SHEET_ROWS_MAX ? o->sheet_rows : XLSX_SHEET_ROWS_MAX;
    b->path = strdup(path);
    b->tmpdir = strdup(xlsx_tmpdir(o));
    if (b->path && b->tmpdir) {
        lxw_workbook_options lo = {.constant_memory = LXW_TRUE, .tmpdir = b->tmpdir};
        b->wb = workbook_new_opt(b->path, &lo);
    }
    if (b->wb) {
        b->heading = workbook_add_format(b->wb);
        if (b->heading)
            format_set_bold(b->heading);
        b->date = num_format(b->wb, "yyyy-mm-dd");
        b->datetime = num_format(b->wb, "yyyy-mm-dd hh:mm:ss");
        b->percent = num_format(b->wb, "0.0%");
        b->fraction = num_format(b->wb, "0.0");
    }
    if (!b->wb || !b->heading || !b->date || !b->datetime || !b->percent || !b->fraction) {
        xlsx_book_discard(&b);
        return -ENOMEM;
    }
    *out = b;
    return 0;
}

/* Columns a reader needs for s[0..len): CJK and other wide characters
 * count two, as in a terminal. */
static int display_width(const char *s, size_t len)
{
    int w = 0;
    utf8proc_int32_t cp;
    while (len > 0) {
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &cp);
        if (n <= 0) { /* cleaned text is valid UTF-8; count a stray byte as one */
            n = 1;
            cp = 'x';
        }
        int cw = utf8proc_charwidth(cp);
        w += cw > 0 ? cw : cp < 0x80 ? 1 : 0;
        s += n;
        len -= (size_t)n;
    }
    return w;
}

static void note_width(struct xlsx_book *b, size_t c, int w)
{
    if (w > b->width[c])
        b->width[c] = w;
}

/* The current sheet's columns as wide as their widest text, plus a margin. */
static int finish_sheet(struct xlsx_book *b)
{
    for (size_t c = 0; b->ws && c < b->ncols; c++) {
        int w = b->width[c] < WIDTH_MAX ? b->width[c] : WIDTH_MAX;
        lxw_error e = worksheet_set_column(b->ws, (lxw_col_t)c, (lxw_col_t)c, w + 2, NULL);
        if (e)
            return xlsx_err(e);
    }
    b->ws = NULL;
    return 0;
}

static int write_text(struct xlsx_book *b, lxw_worksheet *ws, lxw_row_t r, size_t c, const char *s,
                      lxw_format *f)
{
    size_t n = text_clean_str(b->text, sizeof(b->text), s);
    note_width(b, c, display_width(b->text, n));
    /* A string cell, never a formula: "=1+2" stays that text. */
    return xlsx_err(worksheet_write_string(ws, r, (lxw_col_t)c, b->text, f));
}

/* A new sheet of the current table, with the heading row frozen. */
static int start_sheet(struct xlsx_book *b)
{
    /* Excel takes 31 characters: 24 of the name leave room for " (99999)". */
    char name[LXW_MAX_SHEETNAME_LENGTH];
    const char *base = msg_text(b->sheet_key, b->lang);
    size_t n = 0;
    for (int chars = 0; base[n] && chars < 24; chars++)
        do
            n++;
        while (((unsigned char)base[n] & 0xc0) == 0x80); /* a whole character */
    if (b->sheet_no > 1)
        snprintf(name, sizeof(name), "%.*s (%u)", (int)n, base, b->sheet_no);
    else
        snprintf(name, sizeof(name), "%.*s", (int)n, base);
    b->ws = workbook_add_worksheet(b->wb, name);
    if (!b->ws)
        return -EINVAL; /* a name used twice, or one Excel refuses */
    memset(b->width, 0, b->ncols * sizeof(*b->width));
    worksheet_freeze_panes(b->ws, 1, 0);
    for (size_t c = 0; c < b->ncols; c++) {
        int rc = write_text(b, b->ws, 0, c, msg_text(b->cols[c].heading, b->lang), b->heading);
        if (rc)
            return rc;
    }
    b->row = 1;
    return 0;
}

int xlsx_book_table(struct xlsx_book *b, const char *sheet_key, const struct out_col *cols,
                    size_t ncols)
{
    if (ncols == 0 || ncols > LXW_COL_MAX)
        return -EINVAL;
    int rc = finish_sheet(b);
    if (rc)
        return rc;
    int *width = realloc(b->width, ncols * sizeof(*width));
    if (!width)
        return -ENOMEM;
    b->width = width;
    b->sheet_key = sheet_key;
    b->cols = cols;
    b->ncols = ncols;
    b->sheet_no = 1;
    return start_sheet(b);
}

static int write_date(struct xlsx_book *b, lxw_row_t r, size_t c, const char *s)
{
    struct xlsx_date d;
    if (!*s)
        return 0; /* never happened ("last probe" of a camera not probed yet): blank */
    if (xlsx_date_parse(s, strlen(s), &d))
        return write_text(b, b->ws, r, c, s, NULL); /* not a time after all: as it is */
    lxw_datetime dt = {d.year, d.month, d.day, d.hour, d.min, d.sec};
    bool with_time = b->cols[c].kind == OUT_DATETIME || d.has_time;
    note_width(b, c, with_time ? 19 : 10);
    return xlsx_err(
        worksheet_write_datetime(b->ws, r, (lxw_col_t)c, &dt, with_time ? b->datetime : b->date));
}

static int write_number(struct xlsx_book *b, lxw_row_t r, size_t c, json_t *v)
{
    const struct out_col *col = &b->cols[c];
    double x = json_number_value(v);
    lxw_format *f = NULL;
    char shown[64];
    if (col->kind == OUT_PERCENT) {
        f = b->percent;
        snprintf(shown, sizeof(shown), "%.1f%%", x * 100);
    } else if (json_is_real(v)) {
        f = col->kind == OUT_INT ? b->fraction : NULL;
        snprintf(shown, sizeof(shown), f ? "%.1f" : "%.6g", x);
    } else {
        snprintf(shown, sizeof(shown), "%lld", (long long)json_integer_value(v));
    }
    note_width(b, c, (int)strlen(shown));
    return xlsx_err(worksheet_write_number(b->ws, r, (lxw_col_t)c, x, f));
}

static int write_cell(struct xlsx_book *b, lxw_row_t r, size_t c, json_t *v)
{
    enum out_kind kind = b->cols[c].kind;
    if (json_is_string(v) && (kind == OUT_DATE || kind == OUT_DATETIME))
        return write_date(b, r, c, json_string_value(v));
    if (json_is_string(v))
        return write_text(b, b->ws, r, c, json_string_value(v), NULL);
    if (json_is_number(v))
        return write_number(b, r, c, v);
    if (json_is_boolean(v)) {
        note_width(b, c, 5);
        return xlsx_err(worksheet_write_boolean(b->ws, r, (lxw_col_t)c, json_is_true(v), NULL));
    }
    return 0; /* absent, null, or a nested value no column shows: blank */
}

int xlsx_book_row(struct xlsx_book *b, json_t *row)
{
    if (!b->ws)
        return -EINVAL; /* no table started */
    if (b->row >= b->sheet_rows) {
        int rc = finish_sheet(b);
        if (rc)
            return rc;
        b->sheet_no++;
        if ((rc = start_sheet(b)))
            return rc;
    }
    for (size_t c = 0; c < b->ncols; c++) {
        int rc = write_cell(b, b->row, c, out_col_value(row, b->cols[c].key));
        if (rc)
            return rc;
    }
    b->row++;
    return 0;
}

int xlsx_book_rows(struct xlsx_book *b, json_t *rows)
{
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        int rc = xlsx_book_row(b, row);
        if (rc)
            return rc;
    }
    return 0;
}

static void book_free(struct xlsx_book *b)
{
    free(b->width);
    free(b->path);
    free(b->tmpdir);
    free(b);
}

int xlsx_book_close(struct xlsx_book **bp)
{
    struct xlsx_book *b = *bp;
    if (!b)
        return -EINVAL;
    *bp = NULL;
    int rc = finish_sheet(b);
    errno = 0;
    /* Frees the workbook whatever happens. */
    int closed = xlsx_err(workbook_close(b->wb));
    book_free(b);
    return rc ? rc : closed;
}

void xlsx_book_discard(struct xlsx_book **bp)
{
    struct xlsx_book *b = *bp;
    if (!b)
        return;
    *bp = NULL;
    if (b->wb)
        lxw_workbook_free(b->wb);
    book_free(b);
}
