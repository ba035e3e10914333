/* Listings written as they are read: table, CSV, JSON and workbook; see
 * output.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/csv_guard.h"
#include "cli/output.h"
#include "views/xlsx_table.h"

uint32_t out_xlsx_sheet_rows;

struct out_stream {
    FILE *f;
    enum out_format fmt;
    enum msg_lang lang;
    const struct out_col *cols;
    size_t ncols;
    size_t rows; /* rows taken so far */
    /* Table: the first `window` rows are held (row 0 of `cells` is the
     * heading) until the column widths are known, then every row is
     * written as it comes, padded to those widths. */
    size_t window, held;
    char **cells;
    int *cw;    /* each held cell's display width */
    int *width; /* each column's */
    bool fixed; /* the window is out: widths no longer change */
    struct xlsx_temp *xlsx;
};

/* The error of the last write to f, once it has failed. */
static int write_error(FILE *f)
{
    return ferror(f) ? (errno ? -errno : -EIO) : 0;
}

static void put_spaces(FILE *f, int n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        int k = n < 32 ? n : 32;
        fwrite(spaces, 1, (size_t)k, f);
        n -= k;
    }
}

/* One line of the table: cells[c] of width cw[c] padded to the column's. */
static void table_line(struct out_stream *s, char *const *cells, const int *cw)
{
    for (size_t c = 0; c < s->ncols; c++) {
        int pad = s->width[c] - cw[c];
        bool last = c + 1 == s->ncols;
        bool right = s->cols[c].kind == OUT_INT || s->cols[c].kind == OUT_PERCENT;
        if (right)
            put_spaces(s->f, pad);
        fputs(cells[c], s->f);
        if (!right && !last)
            put_spaces(s->f, pad);
        fputs(last ? "\n" : "  ", s->f);
    }
}

static void free_cells(struct out_stream *s, size_t from, size_t to)
{
    for (size_t i = from * s->ncols; i < to * s->ncols; i++) {
        free(s->cells[i]);
        s->cells[i] = NULL;
    }
}

/* Widths from the heading and the held rows; everything held goes out. */
static void table_fix(struct out_stream *s)
{
    for (size_t r = 0; r <= s->held; r++)
        for (size_t c = 0; c < s->ncols; c++)
            if (s->cw[r * s->ncols + c] > s->width[c])
                s->width[c] = s->cw[r * s->ncols + c];
    for (size_t r = 0; r <= s->held; r++)
        table_line(s, s->cells + r * s->ncols, s->cw + r * s->ncols);
    free_cells(s, 0, s->held + 1);
    s->held = 0;
    s->fixed = true;
}

static int table_open(struct out_stream *s)
{
    size_t slots = (s->window + 1) * s->ncols;
    s->cells = calloc(slots, sizeof(*s->cells));
    s->cw = calloc(slots, sizeof(*s->cw));
    s->width = calloc(s->ncols, sizeof(*s->width));
    if (!s->cells || !s->cw || !s->width)
        return -ENOMEM;
    for (size_t c = 0; c < s->ncols; c++) {
        s->cells[c] = strdup(msg_text(s->cols[c].heading, s->lang));
        if (!s->cells[c])
            return -ENOMEM;
        s->cw[c] = out_display_width(s->cells[c]);
    }
    return 0;
}

static int table_row(struct out_stream *s, json_t *row)
{
    /* Past the window a row goes out at once, in the first slots. */
    size_t r = s->fixed ? 0 : s->held + 1;
    for (size_t c = 0; c < s->ncols; c++) {
        int w;
        char *t = out_cell_text(out_col_value(row, s->cols[c].key), &s->cols[c], &w);
        if (!t)
            return -ENOMEM;
        free(s->cells[r * s->ncols + c]);
        s->cells[r * s->ncols + c] = t;
        s->cw[r * s->ncols + c] = w;
    }
    if (!s->fixed) {
        if (++s->held == s->window)
            table_fix(s);
        return 0;
    }
    /* A wider cell than the window had pushes the rest of its line right
     * rather than being cut: nothing of the index is hidden. */
    table_line(s, s->cells, s->cw);
    free_cells(s, 0, 1);
    return 0;
}

/* RFC 4180 quoting, only where a field needs it (libcsv's writer quotes
 * every field, which makes plain ids awkward for shell tools). */
static void csv_write_field(FILE *f, const char *s, bool guard)
{
    /* A text cell a spreadsheet would run as a formula gets an apostrophe
     * (numbers are never guarded: -3 stays a number). */
    const char *lead = guard && csv_guard_needed(s) ? "'" : "";
    if (!s[strcspn(s, ",\"\r\n")] && s[0] != ' ' && (!*s || s[strlen(s) - 1] != ' ')) {
        fputs(lead, f);
        fputs(s, f);
        return;
    }
    fputc('"', f);
    fputs(lead, f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_field(FILE *f, json_t *v)
{
    char buf[64];
    const char *s = "";
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_integer(v))
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v)), s = buf;
    else if (json_is_real(v))
        snprintf(buf, sizeof(buf), "%.6g", json_real_value(v)), s = buf;
    else if (json_is_boolean(v))
        s = json_is_true(v) ? "true" : "false";
    csv_write_field(f, s, json_is_string(v));
}

static void csv_row(struct out_stream *s, json_t *row)
{
    for (size_t c = 0; c < s->ncols; c++) {
        csv_field(s->f, out_col_value(row, s->cols[c].key));
        fputs(c + 1 == s->ncols ? "\r\n" : ",", s->f);
    }
}

/* One row per line: readable, and friendly to line-oriented tools. The
 * separator goes before each row, so the array is valid whatever the
 * count: "[]" for none. */
static int json_row(struct out_stream *s, json_t *row)
{
    fputs(s->rows ? ",\n  " : "[\n  ", s->f);
    return json_dumpf(row, s->f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) ? -EIO
                                                                                              : 0;
}

static int stream_open(FILE *f, enum out_format fmt, enum msg_lang lang, const char *sheet_key,
                       const struct out_col *cols, size_t ncols, size_t window,
                       struct out_stream **out)
{
    *out = NULL;
    if (fmt == OUT_XLSX && isatty(fileno(f)))
        return -ENOTTY; /* a workbook is binary: nothing is written */
    struct out_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    *s = (struct out_stream){
        .f = f, .fmt = fmt, .lang = lang, .cols = cols, .ncols = ncols, .window = window};
    int rc = 0;
    if (fmt == OUT_TABLE) {
        rc = table_open(s);
    } else if (fmt == OUT_CSV) {
        for (size_t c = 0; c < ncols; c++) {
            csv_write_field(f, cols[c].key, false);
            fputs(c + 1 == ncols ? "\r\n" : ",", f);
        }
    } else if (fmt == OUT_XLSX) {
        struct xlsx_options o = {.lang = lang, .sheet_rows = out_xlsx_sheet_rows};
        rc = fflush(f) ? -errno : xlsx_temp_begin(&o, sheet_key, cols, ncols, &s->xlsx);
    }
    if (!rc)
        rc = write_error(f);
    if (rc) {
        out_stream_discard(&s);
        return rc;
    }
    *out = s;
    return 0;
}

int out_stream_open(FILE *f, enum out_format fmt, enum msg_lang lang, const char *sheet_key,
                    const struct out_col *cols, size_t ncols, struct out_stream **out)
{
    return stream_open(f, fmt, lang, sheet_key, cols, ncols, OUT_TABLE_WINDOW, out);
}

int out_stream_row(struct out_stream *s, json_t *row)
{
    int rc = 0;
    switch (s->fmt) {
    case OUT_TABLE:
        rc = table_row(s, row);
        break;
    case OUT_CSV:
        csv_row(s, row);
        break;
    case OUT_JSON:
        rc = json_row(s, row);
        break;
    case OUT_XLSX:
        rc = xlsx_temp_row(s->xlsx, row);
        break;
    }
    s->rows++;
    return rc ? rc : write_error(s->f);
}

/* A finished workbook's temporary file copied to f, and closed. */
static int copy_fd(int fd, FILE *f)
{
    int rc = 0;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        if (fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
            rc = errno ? -errno : -EIO;
            break;
        }
    if (n < 0)
        rc = -errno;
    close(fd);
    return rc;
}

/* The finished workbook copied to f. */
static int xlsx_copy(struct out_stream *s)
{
    int fd;
    int rc = xlsx_temp_finish(&s->xlsx, &fd);
    return rc ? rc : copy_fd(fd, s->f);
}

int out_stream_close(struct out_stream **sp)
{
    struct out_stream *s = *sp;
    int rc = 0;
    if (s->fmt == OUT_TABLE && !s->fixed)
        table_fix(s);
    else if (s->fmt == OUT_JSON)
        fputs(s->rows ? "\n]\n" : "[]\n", s->f);
    else if (s->fmt == OUT_XLSX)
        rc = xlsx_copy(s);
    if (!rc)
        rc = write_error(s->f);
    if (!rc && fflush(s->f))
        rc = -errno;
    out_stream_discard(sp);
    return rc;
}

void out_stream_discard(struct out_stream **sp)
{
    struct out_stream *s = *sp;
    if (!s)
        return;
    *sp = NULL;
    if (s->cells)
        free_cells(s, 0, s->window + 1);
    free(s->cells);
    free(s->cw);
    free(s->width);
    xlsx_temp_discard(&s->xlsx);
    free(s);
}

size_t out_stream_rows(const struct out_stream *s)
{
    return s->rows;
}

/* A whole array: the table's window is every row, so its widths are exact. */
static int render_rows(FILE *f, enum out_format fmt, enum msg_lang lang, const char *sheet_key,
                       const struct out_col *cols, size_t ncols, json_t *rows)
{
    struct out_stream *s;
    size_t n = json_array_size(rows);
    int rc = stream_open(f, fmt, lang, sheet_key, cols, ncols, n ? n : 1, &s);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (rc)
            break;
        rc = out_stream_row(s, row);
    }
    if (!rc)
        return out_stream_close(&s);
    out_stream_discard(&s);
    return rc;
}

int out_render_xlsx(FILE *f, enum msg_lang lang, const char *sheet_key, const struct out_col *cols,
                    size_t ncols, json_t *rows)
{
    return render_rows(f, OUT_XLSX, lang, sheet_key, cols, ncols, rows);
}

int out_render(FILE *f, enum out_format fmt, enum msg_lang lang, const struct out_col *cols,
               size_t ncols, json_t *rows)
{
    return render_rows(f, fmt, lang, "sheet.table", cols, ncols, rows);
}

/* Several tables, a sheet each: held whole, as they are bounded (the
 * assessment's per-unit tables), not streamed. */
int out_render_xlsx_sheets(FILE *f, enum msg_lang lang, const struct xlsx_sheet *sheets,
                           size_t nsheets)
{
    if (isatty(fileno(f)))
        return -ENOTTY;
    if (fflush(f))
        return -errno;
    struct xlsx_options o = {.lang = lang};
    int fd;
    int rc = xlsx_tables_temp(&o, sheets, nsheets, &fd);
    if (!rc)
        rc = copy_fd(fd, f);
    if (!rc && fflush(f))
        rc = -errno;
    return rc;
}
