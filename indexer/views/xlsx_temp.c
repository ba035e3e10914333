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
#include <unistd.h>

#include "views/xlsx_table.h"

int xlsx_table_temp(const struct xlsx_options *o, const char *sheet_key, const struct out_col *cols,
                    size_t ncols, json_t *rows, int *fd)
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
    if (!rc)
        rc = xlsx_book_table(b, sheet_key, cols, ncols);
    if (!rc)
        rc = xlsx_book_rows(b, rows);
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
