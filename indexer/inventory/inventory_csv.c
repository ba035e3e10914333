/* Inventory CSV reader (RFC 4180 through libcsv): header row mapping,
 * row assembly and the line number where each row starts. */
#include "inventory/inventory_internal.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv_guard.h"

/* More fields than this in one row is not an inventory. */
#define CSV_FIELDS_MAX 64

struct csv_state {
    struct inv_builder *b;
    uint32_t line;      /* physical line being fed to libcsv */
    uint32_t rec_start; /* physical line where the current record began */
    uint32_t header_line;
    /* the row being assembled: all fields in one buffer */
    char *buf;
    size_t buflen, bufcap;
    size_t off[CSV_FIELDS_MAX], len[CSV_FIELDS_MAX];
    size_t nfields;
    int overflow; /* more than CSV_FIELDS_MAX fields in this row */
    /* the header */
    int header_done;
    size_t ncols;
    int colmap[CSV_FIELDS_MAX];  /* field position -> column, -1 unnamed */
    char *labels[INV_COL_COUNT]; /* header spelling of each column */
    int rc;                      /* -ENOMEM from a callback */
};

static void on_field(void *s, size_t len, void *data)
{
    struct csv_state *st = data;
    if (st->rc < 0)
        return;
    if (st->nfields == CSV_FIELDS_MAX) {
        st->overflow = 1;
        return;
    }
    if (st->buflen + len + 1 > st->bufcap) {
        size_t cap = st->bufcap ? st->bufcap : 1024;
        while (cap < st->buflen + len + 1)
            cap *= 2;
        char *n = realloc(st->buf, cap);
        if (!n) {
            st->rc = -ENOMEM;
            return;
        }
        st->buf = n;
        st->bufcap = cap;
    }
    if (len)
        memcpy(st->buf + st->buflen, s, len);
    st->off[st->nfields] = st->buflen;
    st->len[st->nfields] = len;
    st->buflen += len;
    st->buf[st->buflen++] = '\0';
    st->nfields++;
}

static void header(struct csv_state *st)
{
    struct inv_builder *b = st->b;
    int seen[INV_COL_COUNT];
    size_t before = b->errs->count;
    for (int c = 0; c < INV_COL_COUNT; c++)
        seen[c] = -1;
    st->header_line = st->rec_start;
    st->ncols = st->nfields;
    /* Tab- or semicolon-separated exports arrive as one long column. */
    if (st->nfields == 1 && strpbrk(st->buf, "\t;")) {
        inv_error(b, st->rec_start,
                  "the header is one column; the file seems to be separated by tabs or ';' - "
                  "save it as comma-separated CSV");
        b->stop = 1;
        st->header_done = 1;
        return;
    }
    for (size_t i = 0; i < st->nfields; i++) {
        const char *name = st->buf + st->off[i];
        size_t len = st->len[i];
        char q[96];
        int col = inv_col_lookup(name, len);
        st->colmap[i] = col;
        if (col < 0) {
            size_t k = 0;
            while (k < len && (name[k] == ' ' || name[k] == '\t'))
                k++;
            if (k == len)
                continue; /* spreadsheets export trailing empty columns */
            inv_error(b, st->rec_start,
                      "unknown column %s; the first row must name the columns: %s",
                      inv_quote(name, len, q, sizeof q), inv_cols_accepted);
            continue;
        }
        if (seen[col] >= 0) {
            inv_error(b, st->rec_start,
                      "column %s (column %zu) repeats column %d, both mean \"%s\"; keep one",
                      inv_quote(name, len, q, sizeof q), i + 1, seen[col] + 1, inv_col_name(col));
            continue;
        }
        seen[col] = (int)i;
        st->labels[col] = strndup(name, len);
        if (!st->labels[col]) {
            st->rc = -ENOMEM;
            return;
        }
    }
    for (int c = 0; c < INV_COL_COUNT; c++)
        if (inv_col_required(c) && seen[c] < 0)
            inv_error(b, st->rec_start, "missing column \"%s\" (also accepted: %s)",
                      inv_col_name(c), inv_col_aliases(c));
    /* Rows cannot be read against a broken header. */
    if (b->errs->count > before)
        b->stop = 1;
    st->header_done = 1;
}

static void on_row(int term, void *data)
{
    struct csv_state *st = data;
    struct inv_builder *b = st->b;
    if (st->rc < 0 || b->stop)
        goto done;
    /* Rows of empty cells are what spreadsheets leave below the data. */
    size_t filled = 0;
    for (size_t i = 0; i < st->nfields; i++)
        for (size_t k = 0; k < st->len[i] && !filled; k++)
            filled = st->buf[st->off[i] + k] != ' ' && st->buf[st->off[i] + k] != '\t';
    if (!filled && !st->overflow)
        goto done;
    if (st->overflow) {
        inv_error(b, st->rec_start, "row has more than %d fields; quote fields that contain commas",
                  CSV_FIELDS_MAX);
        if (!st->header_done)
            b->stop = 1;
        goto done;
    }
    if (!st->header_done) {
        header(st);
        goto done;
    }
    if (st->nfields != st->ncols) {
        inv_error(b, st->rec_start,
                  "row has %zu fields but the header (line %u) has %zu; quote fields that "
                  "contain commas",
                  st->nfields, (unsigned)st->header_line, st->ncols);
        b->rows++;
        goto done;
    }
    struct inv_row row = {.line = st->rec_start};
    for (size_t i = 0; i < st->nfields; i++) {
        int col = st->colmap[i];
        if (col < 0) {
            if (st->len[i]) {
                char q[96];
                inv_error(b, st->rec_start,
                          "column %zu has no header but holds %s; name the column or empty it",
                          i + 1, inv_quote(st->buf + st->off[i], st->len[i], q, sizeof q));
            }
            continue;
        }
        /* Our own exports guard formula-like cells with an apostrophe
         * (base/csv_guard.h): taken off so that a list imports back as it
         * was. */
        const char *v = st->buf + st->off[i];
        const char *unguarded = csv_guard_strip(v);
        row.f[col].s = unguarded;
        row.f[col].len = st->len[i] - (size_t)(unguarded - v);
        row.f[col].present = 1;
        row.f[col].label = st->labels[col];
    }
    for (int c = 0; c < INV_COL_COUNT; c++)
        if (!row.f[c].label)
            row.f[c].label = st->labels[c];
    int rc = inv_add_row(b, &row);
    if (rc < 0)
        st->rc = rc;
done:
    (void)term;
    st->nfields = 0;
    st->buflen = 0;
    st->overflow = 0;
}

/* A reader fed in pieces (a file read in chunks need not be held whole):
 * the state of one parse between inv_csv_feed calls. */
struct inv_csv {
    struct inv_builder *b;
    struct csv_parser p;
    struct csv_state st;
    char eol;
    int inside_quotes;
    int at_line_start; /* the next byte fed starts a physical line */
};

int inv_csv_begin(struct inv_builder *b, char eol, struct inv_csv **out)
{
    struct inv_csv *f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    if (csv_init(&f->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        free(f);
        return -ENOMEM;
    }
    f->b = b;
    f->st.b = b;
    f->eol = eol;
    f->at_line_start = 1;
    *out = f;
    return 0;
}

int inv_csv_feed(struct inv_csv *f, const char *text, size_t len)
{
    struct inv_builder *b = f->b;
    struct csv_state *st = &f->st;
    size_t pos = 0;
    /* Feed one physical line (or the piece of it this chunk holds) at a
     * time: a record starts on a line that begins outside quotes, and RFC
     * 4180 quotes balance ("" counts two), so quote parity says where each
     * record started for the messages. */
    while (pos < len && !b->stop && st->rc == 0) {
        const char *nl = memchr(text + pos, f->eol, len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        if (f->at_line_start) {
            st->line++;
            if (!f->inside_quotes)
                st->rec_start = st->line;
        }
        for (const char *c = memchr(text + pos, '"', n); c;
             c = memchr(c + 1, '"', (size_t)(text + pos + n - c - 1)))
            f->inside_quotes = !f->inside_quotes;
        if (csv_parse(&f->p, text + pos, n, on_field, on_row, st) != n) {
            if (csv_error(&f->p) == CSV_ENOMEM)
                st->rc = -ENOMEM;
            else
                inv_error(b, st->line,
                          "malformed CSV: a quote inside an unquoted field or text after a "
                          "closing quote; quote the whole field and double quotes inside it "
                          "(\"\")");
            b->stop = 1;
            break;
        }
        pos += n;
        f->at_line_start = nl != NULL;
    }
    return st->rc;
}

int inv_csv_end(struct inv_csv *f)
{
    struct inv_builder *b = f->b;
    struct csv_state *st = &f->st;
    if (!b->stop && st->rc == 0 && csv_fini(&f->p, on_field, on_row, st) != 0) {
        inv_error(b, st->rec_start,
                  "malformed CSV: the row starting here has a quoted field that is never "
                  "closed; add the missing '\"'");
        b->stop = 1;
    }
    if (st->rc == 0 && !b->stop && !b->errs->count) {
        if (!st->header_done)
            inv_error(b, 0, "no header row; the first row must name the columns: %s",
                      inv_cols_accepted);
        else if (b->rows == 0)
            inv_error(b, st->header_line, "no cameras after the header row");
    }
    int rc = st->rc;
    csv_free(&f->p);
    free(st->buf);
    for (int c = 0; c < INV_COL_COUNT; c++)
        free(st->labels[c]);
    free(f);
    return rc;
}

char inv_csv_eol(const char *text, size_t len)
{
    /* Files from old Mac spreadsheets end lines with a lone CR. */
    return memchr(text, '\n', len) || !memchr(text, '\r', len) ? '\n' : '\r';
}

int inv_parse_csv(struct inv_builder *b, const char *text, size_t len)
{
    struct inv_csv *f;
    int rc = inv_csv_begin(b, inv_csv_eol(text, len), &f);
    if (rc)
        return rc;
    inv_csv_feed(f, text, len);
    return inv_csv_end(f);
}
