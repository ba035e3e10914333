/* Where a command's rows go: standard output, or -o FILE, which is written
 * whole or not at all (a temporary name beside it, renamed when complete),
 * so an export cut short by a full disk never passes for a finished one. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_internal.h"
#include "views/xlsx_table.h"

/* What to write: tables (a workbook has a sheet each, a terminal table
 * shows each non-empty one after the first under its sheet's name, CSV the
 * first only) and, for JSON, the whole answer when there is one. */
struct emit {
    enum out_format fmt;
    const struct xlsx_sheet *sheets;
    size_t n;
    json_t *whole;
};

static int render(FILE *f, struct cli *cli, const struct emit *e)
{
    if (e->fmt == OUT_XLSX)
        return out_render_xlsx_sheets(f, cli->lang, e->sheets, e->n);
    int rc = 0;
    if (e->fmt == OUT_JSON && e->whole) {
        rc = json_dumpf(e->whole, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                         JSON_REAL_PRECISION(6)) ? -EIO : 0;
        fputc('\n', f);
    }
    for (size_t i = 0; !e->whole && i < (e->fmt == OUT_TABLE ? e->n : 1) && !rc; i++) {
        if (i && json_array_size(e->sheets[i].rows) == 0)
            continue;
        if (i)
            fprintf(f, "\n%s\n", msg_text(e->sheets[i].sheet_key, cli->lang));
        rc = out_render(f, e->fmt, cli->lang, e->sheets[i].cols, e->sheets[i].ncols,
                        e->sheets[i].rows);
    }
    return rc ? rc : fflush(f) ? -errno : 0;
}

/* Into a new file named `path` by way of a temporary one beside it. */
static int render_to_file(const char *path, struct cli *cli, const struct emit *e)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device or a pipe (/dev/stdout, a FIFO) cannot be replaced:
         * written to as it is. */
        FILE *f = fopen(path, "w");
        if (!f)
            return -errno;
        int rc = render(f, cli, e);
        return fclose(f) && !rc ? -errno : rc;
    }
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -errno;
    /* mkstemp makes the file 0600; an export gets the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int err = -errno;
        close(fd);
        unlink(tmp);
        return err;
    }
    int rc = render(f, cli, e);
    if (fclose(f) && !rc)
        rc = -errno;
    if (!rc && rename(tmp, path))
        rc = -errno;
    if (rc)
        unlink(tmp);
    return rc;
}

static int emit(struct cli *cli, const char *path, const struct emit *e)
{
    bool to_stdout = !path || strcmp(path, "-") == 0;
    int rc = to_stdout ? render(stdout, cli, e) : render_to_file(path, cli, e);
    if (rc == -ENOTTY) {
        cli_error("a workbook is binary and would garble the terminal: write it to a file "
                  "with -o FILE.xlsx, or redirect the output (> FILE.xlsx)");
        return CLI_USAGE;
    }
    if (rc && to_stdout)
        cli_error("writing the output: %s", strerror(-rc));
    else if (rc)
        cli_error("-o %s: cannot write it: %s (nothing was written; choose a place you can "
                  "write to, with room)",
                  path, strerror(-rc));
    return rc ? CLI_FAIL : CLI_OK;
}

int cli_emit(struct cli *cli, enum out_format fmt, const char *path, const char *sheet_key,
             const struct out_col *cols, size_t ncols, json_t *rows)
{
    const struct xlsx_sheet one = {sheet_key, cols, ncols, rows};
    return emit(cli, path, &(struct emit){fmt, &one, 1, NULL});
}

int cli_emit_sheets(struct cli *cli, enum out_format fmt, const char *path,
                    const struct xlsx_sheet *sheets, size_t n, json_t *whole)
{
    return emit(cli, path, &(struct emit){fmt, sheets, n, whole});
}
