/* Table, CSV, JSON and workbook rendering; see output.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "base/csv_guard.h"
#include "cli/output.h"
#include "text_clean.h"
#include "views/xlsx_table.h"

int out_format_parse(const char *s, enum out_format *f)
{
    if (strcmp(s, "table") == 0)
        *f = OUT_TABLE;
    else if (strcmp(s, "json") == 0)
        *f = OUT_JSON;
    else if (strcmp(s, "csv") == 0)
        *f = OUT_CSV;
    else if (strcmp(s, "xlsx") == 0)
        *f = OUT_XLSX;
    else
        return -EINVAL;
    return 0;
}

/* Decodes one UTF-8 sequence; invalid bytes count as one U+FFFD. */
static size_t utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = u[0] < 0x80             ? 1
               : (u[0] & 0xe0) == 0xc0 ? 2
               : (u[0] & 0xf0) == 0xe0 ? 3
               : (u[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 0) {
        *cp = 0xfffd;
        return 1;
    }
    uint32_t v = n == 1 ? u[0] : u[0] & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return i;
        }
        v = v << 6 | (u[i] & 0x3f);
    }
    *cp = v;
    return n;
}

/* utf8proc's width tables (Unicode's East Asian Width and general
 * categories) need no locale: glibc's wcwidth answers -1 for every CJK
 * character unless a UTF-8 locale is installed and set. */
static int cp_width(uint32_t cp)
{
    if (cp < 0x80)
        return 1; /* printable ASCII, or a control shown as ' ' */
    return utf8proc_charwidth((utf8proc_int32_t)cp);
}

int out_display_width(const char *s)
{
    int w = 0;
    uint32_t cp;
    while (*s) {
        if ((unsigned char)*s < 0x80) { /* most of every table is ASCII */
            s++;
            w++;
            continue;
        }
        s += utf8_next(s, &cp);
        w += cp_width(cp);
    }
    return w;
}

char *out_clean_text(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    /* Each byte becomes at most U+FFFD (3 bytes); room for "…" as well. */
    char *out = malloc(len * 3 + 4);
    if (out)
        text_clean(out, len * 3 + 4, s, len, NULL);
    return out;
}

void out_put_text(FILE *f, const char *s)
{
    char *clean = out_clean_text(s);
    fputs(clean ? clean : "(out of memory)", f);
    free(clean);
}

/* A cell's text through text_clean (a hostile name or note could carry
 * terminal escapes, an old record invalid bytes) and cut to max_width
 * columns. */
static char *cell_text(json_t *v, const struct out_col *c, int *width_out)
{
    char buf[64];
    const char *s = "";
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_integer(v))
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v)), s = buf;
    else if (json_is_real(v) && c->kind == OUT_PERCENT)
        snprintf(buf, sizeof(buf), "%.1f%%", json_real_value(v) * 100), s = buf;
    else if (json_is_real(v))
        snprintf(buf, sizeof(buf), c->kind == OUT_INT ? "%.1f" : "%.3f", json_real_value(v)),
            s = buf;
    else if (json_is_true(v))
        s = "yes";
    else if (json_is_false(v))
        s = "no";
    else if (json_is_null(v) || !v)
        s = c->kind == OUT_TEXT ? "" : "-";

    char *clean = out_clean_text(s);
    if (!clean)
        return NULL;
    size_t o = 0;
    int width = 0;
    uint32_t cp;
    for (const char *p = clean; *p;) {
        size_t n = utf8_next(p, &cp);
        int w = cp_width(cp);
        if (c->max_width && width + w > c->max_width - 1 && p[n]) {
            o = (size_t)(p - clean);
            memcpy(clean + o, "…", 3); /* in place of at least one character */
            o += 3;
            break;
        }
        width += w;
        p += n;
        o = (size_t)(p - clean);
    }
    clean[o] = 0;
    *width_out = width;
    return clean;
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

static int render_table(FILE *f, enum msg_lang lang, const struct out_col *cols, size_t ncols,
                        json_t *rows)
{
    size_t nrows = json_array_size(rows);
    char **cells = calloc((nrows + 1) * ncols, sizeof(*cells));
    int *width = calloc(ncols, sizeof(*width));
    int *cw = calloc((nrows + 1) * ncols, sizeof(*cw)); /* each cell's width */
    int rc = 0;
    if (!cells || !width || !cw) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t c = 0; c < ncols; c++) {
        cells[c] = strdup(msg_text(cols[c].heading, lang));
        if (!cells[c]) {
            rc = -ENOMEM;
            goto out;
        }
        width[c] = cw[c] = out_display_width(cells[c]);
    }
    for (size_t r = 0; r < nrows; r++) {
        json_t *row = json_array_get(rows, r);
        for (size_t c = 0; c < ncols; c++) {
            int w;
            char *t = cell_text(out_col_value(row, cols[c].key), &cols[c], &w);
            if (!t) {
                rc = -ENOMEM;
                goto out;
            }
            cells[(r + 1) * ncols + c] = t;
            cw[(r + 1) * ncols + c] = w;
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t r = 0; r <= nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            const char *t = cells[r * ncols + c];
            int pad = width[c] - cw[r * ncols + c];
            bool last = c + 1 == ncols;
            bool right = cols[c].kind == OUT_INT || cols[c].kind == OUT_PERCENT;
            if (right)
                put_spaces(f, pad);
            fputs(t, f);
            if (!right && !last)
                put_spaces(f, pad);
            fputs(last ? "\n" : "  ", f);
        }
    }
out:
    if (cells)
        for (size_t i = 0; i < (nrows + 1) * ncols; i++)
            free(cells[i]);
    free(cells);
    free(width);
    free(cw);
    return rc;
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

static int render_csv(FILE *f, const struct out_col *cols, size_t ncols, json_t *rows)
{
    for (size_t c = 0; c < ncols; c++) {
        csv_write_field(f, cols[c].key, false);
        fputs(c + 1 == ncols ? "\r\n" : ",", f);
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        for (size_t c = 0; c < ncols; c++) {
            csv_field(f, out_col_value(row, cols[c].key));
            fputs(c + 1 == ncols ? "\r\n" : ",", f);
        }
    }
    return 0;
}

static int render_json(FILE *f, json_t *rows)
{
    /* One row per line: readable, and friendly to line-oriented tools. */
    size_t i, n = json_array_size(rows);
    json_t *row;
    fputs(n ? "[\n" : "[", f);
    json_array_foreach(rows, i, row)
    {
        fputs("  ", f);
        if (json_dumpf(row, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)))
            return -EIO;
        fputs(i + 1 < n ? ",\n" : "\n", f);
    }
    fputs("]\n", f);
    return 0;
}

int out_render_xlsx(FILE *f, enum msg_lang lang, const char *sheet_key, const struct out_col *cols,
                    size_t ncols, json_t *rows)
{
    if (isatty(fileno(f)))
        return -ENOTTY;
    if (fflush(f))
        return -errno;
    struct xlsx_options o = {.lang = lang};
    int fd;
    int rc = xlsx_table_temp(&o, sheet_key, cols, ncols, rows, &fd);
    if (rc)
        return rc;
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
    if (!rc && fflush(f))
        rc = -errno;
    return rc;
}

int out_render(FILE *f, enum out_format fmt, enum msg_lang lang, const struct out_col *cols,
               size_t ncols, json_t *rows)
{
    switch (fmt) {
    case OUT_TABLE:
        return render_table(f, lang, cols, ncols, rows);
    case OUT_CSV:
        return render_csv(f, cols, ncols, rows);
    case OUT_JSON:
        return render_json(f, rows);
    case OUT_XLSX:
        return out_render_xlsx(f, lang, "sheet.table", cols, ncols, rows);
    }
    return -EINVAL;
}
