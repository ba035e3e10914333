/* A one-table workbook in a temporary file; see xlsx_table.h.
 * libxlsxwriter 1.1.4 writes only to a named file, so the workbook is
 * written to a fresh mkstemp name, which is removed as soon as the writer
 * has closed it: the caller reads (sends, copies) the open descriptor, and
 * neither an error nor a crash afterwards can leave the export lying in a
 * shared directory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "views/xlsx_table.h"

struct xlsx_temp {
    struct xlsx_book *book;
    int fd;
    char path[PATH_MAX];
};

int xlsx_temp_begin(const struct xlsx_options *o, const char *sheet_key, const struct out_col *cols,
                    size_t ncols, struct xlsx_temp **out)
{
    *out = NULL;
    struct xlsx_temp *t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    if (snprintf(t->path, sizeof(t->path), "%s/camdex-xlsx-XXXXXX", xlsx_tmpdir(o)) >=
        (int)sizeof(t->path)) {
        free(t);
        return -ENAMETOOLONG;
    }
    t->fd = mkstemp(t->path);
    if (t->fd < 0) {
        int e = -errno;
        free(t);
        return e;
    }
    int rc = xlsx_book_new(t->path, o, &t->book);
    if (!rc)
        rc = xlsx_book_table(t->book, sheet_key, cols, ncols);
    if (rc) {
        xlsx_temp_discard(&t);
        return rc;
    }
    *out = t;
    return 0;
}

int xlsx_temp_row(struct xlsx_temp *t, json_t *row)
{
    return xlsx_book_row(t->book, row);
}

int xlsx_temp_finish(struct xlsx_temp **tp, int *fd)
{
    struct xlsx_temp *t = *tp;
    *fd = -1;
    int rc = xlsx_book_close(&t->book); /* rewrites the file behind t->fd in place */
    if (!rc && lseek(t->fd, 0, SEEK_SET) < 0)
        rc = -errno;
    if (!rc) {
        *fd = t->fd;
        t->fd = -1;
    }
    xlsx_temp_discard(tp);
    return rc;
}

void xlsx_temp_discard(struct xlsx_temp **tp)
{
    struct xlsx_temp *t = *tp;
    if (!t)
        return;
    *tp = NULL;
    xlsx_book_discard(&t->book);
    unlink(t->path);
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

int xlsx_table_temp(const struct xlsx_options *o, const char *sheet_key, const struct out_col *cols,
                    size_t ncols, json_t *rows, int *fd)
{
    const struct xlsx_sheet one = {sheet_key, cols, ncols, rows};
    return xlsx_tables_temp(o, &one, 1, fd);
}

int xlsx_tables_temp(const struct xlsx_options *o, const struct xlsx_sheet *sheets, size_t n,
                     int *fd)
{
    *fd = -1;
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/camdex-xlsx-XXXXXX", xlsx_tmpdir(o)) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    int tmp = mkstemp(path);
    if (tmp < 0)
        return -errno;
    struct xlsx_book *b;
    int rc = xlsx_book_new(path, o, &b);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = xlsx_book_table(b, sheets[i].sheet_key, sheets[i].cols, sheets[i].ncols);
        if (!rc)
            rc = xlsx_book_rows(b, sheets[i].rows);
    }
    if (!rc)
        rc = xlsx_book_close(&b); /* rewrites the file behind `tmp` in place */
    xlsx_book_discard(&b);
    unlink(path);
    if (!rc && lseek(tmp, 0, SEEK_SET) < 0)
        rc = -errno;
    if (rc) {
        close(tmp);
        return rc;
    }
    *fd = tmp;
    return 0;
}
